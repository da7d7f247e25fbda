package smf_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/nas/sm"
	"github.com/keelcore/keel/internal/sbi"
)

// BenchmarkUERequestedModification measures the SMF's share of a
// UE-requested PDU session modification adding a GBR flow (TS 23.502
// §4.3.3.2): UpdateSMContext with the PDU SESSION MODIFICATION REQUEST
// (the PCF's Update, the flows recomputed, an N4 Session Modification
// creating the flow's PDRs and QER, answered by a PFCP UPF on loopback,
// the command and the Modify Request Transfer encoded), then the gNB's
// Modify Response Transfer and the UE's COMPLETE. The sessions of a pool
// of 2,000 take turns, each adding at most a few flows. "parallel" runs
// 32 at once.
func BenchmarkUERequestedModification(b *testing.B) {
	for _, bc := range []struct {
		name    string
		workers int
	}{{"serial", 1}, {"parallel", 32}} {
		b.Run(bc.name, func(b *testing.B) {
			const pool = 2000
			w := newWorld(b, worldOptions{})
			refs := make([]string, pool)
			for i := range refs {
				supi := "imsi-00101" + pad10(i)
				w.sdm.mu.Lock()
				w.sdm.subs[supi] = w.sdm.subs[supi1]
				w.sdm.mu.Unlock()
				c := w.establish(supi, 1, "internet", slice1)
				w.update(c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2SetupResponse, N2SmInfo: sbi.N2SM(setupResponse(b, 0x100+uint32(i)))})
				refs[i] = c.SmContextRef
			}
			req := gbrRequest(b, 1, 0x21, 256_000)
			resp := modifyResponse(b)
			complete := sm.AppendModificationComplete(nil, 1, 0x21)
			ctx := context.Background()
			var next atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for range bc.workers {
				wg.Go(func() {
					for {
						n := next.Add(1) - 1
						if n >= int64(b.N) {
							return
						}
						ref := refs[n%pool]
						u, err := w.smf.UpdateSMContext(ctx, ref, sbi.SmContextUpdateData{N1SmMsg: sbi.N1SM(req)})
						if err != nil || u.N2SmInfoType != sbi.N2ModifyRequest {
							b.Errorf("request = %x, %v", u.N1SmMsg.Bytes(), err)
							return
						}
						if _, err := w.smf.UpdateSMContext(ctx, ref, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2ModifyResponse, N2SmInfo: sbi.N2SM(resp)}); err != nil {
							b.Errorf("modify response: %v", err)
						}
						if _, err := w.smf.UpdateSMContext(ctx, ref, sbi.SmContextUpdateData{N1SmMsg: sbi.N1SM(complete)}); err != nil {
							b.Errorf("complete: %v", err)
						}
					}
				})
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "modifications/s")
		})
	}
}
