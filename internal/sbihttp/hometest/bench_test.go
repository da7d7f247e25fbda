package hometest_test

import (
	"context"
	"testing"

	"github.com/keelcore/keel/internal/sbi"
)

// BenchmarkFiveGAKA is one 5G AKA as the AMF sees it (Authenticate, then
// Confirm with the UE's RES*) through the real AUSF, UDM and UDR over
// SQLite, called directly and over h2c on loopback (AMF→AUSF, AUSF→UDM,
// UDM→UDR: 2 + 2 + 3 SBI calls, the UDR's being the read and the
// compare-and-set of the SQN). The UE's own computation is included.
func BenchmarkFiveGAKA(b *testing.B) {
	for _, mode := range []struct {
		name     string
		overHTTP bool
	}{{"direct", false}, {"http", true}} {
		b.Run(mode.name, func(b *testing.B) {
			c := newCore(b, mode.overHTTP)
			u := c.ues[0]
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				ch, err := c.ausf.Authenticate(ctx, sbi.AuthRequest{SUPI: u.supi, ServingNetworkName: snName})
				if err != nil {
					b.Fatal(err)
				}
				resStar, _, auts := u.answer(b, ch)
				if auts != nil {
					b.Fatal("UE refused the SQN")
				}
				if _, err := c.ausf.Confirm(ctx, ch.AuthCtxID, resStar); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
