package smf_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/sbi"
)

// BenchmarkServiceRequestReactivation measures the SMF's share of a
// Service Request that reactivates a PDU session (TS 23.502 §4.2.3.2
// steps 4-5 and 12-15): UpdateSMContext ACTIVATING, answered with the
// PDU Session Resource Setup Request Transfer, then UpdateSMContext with
// the gNB's PDU Session Resource Setup Response Transfer, which costs an
// N4 Session Modification (FAR to FORW) answered by a PFCP UPF on
// loopback. The sessions are made idle (AN release, also an N4
// modification) with the timer stopped. "serial" reactivates one session
// at a time, "parallel" 32 at once.
func BenchmarkServiceRequestReactivation(b *testing.B) {
	for _, bc := range []struct {
		name    string
		workers int
	}{{"serial", 1}, {"parallel", 32}} {
		b.Run(bc.name, func(b *testing.B) {
			const pool = 1000
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
			n2 := setupResponse(b, 0xabcd)
			ctx := context.Background()
			reactivate := func(ref string) {
				u, err := w.smf.UpdateSMContext(ctx, ref, sbi.SmContextUpdateData{UpCnxState: sbi.UpCnxActivating})
				if err != nil || u.N2SmInfoType != sbi.N2SetupRequest {
					b.Errorf("ACTIVATING = %+v, %v", u, err)
				}
				if _, err := w.smf.UpdateSMContext(ctx, ref, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2SetupResponse, N2SmInfo: sbi.N2SM(n2)}); err != nil {
					b.Errorf("setup response: %v", err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			var idle time.Duration
			for done := 0; done < b.N; {
				round := min(pool, b.N-done)
				b.StopTimer()
				t0 := time.Now()
				for _, ref := range refs[:round] {
					w.update(ref, sbi.SmContextUpdateData{UpCnxState: sbi.UpCnxDeactivated})
				}
				idle += time.Since(t0)
				b.StartTimer()
				jobs := make(chan string)
				var wg sync.WaitGroup
				for range bc.workers {
					wg.Go(func() {
						for ref := range jobs {
							reactivate(ref)
						}
					})
				}
				for _, ref := range refs[:round] {
					jobs <- ref
				}
				close(jobs)
				wg.Wait()
				done += round
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/(time.Since(start)-idle).Seconds(), "reactivations/s")
		})
	}
}

func pad10(i int) string {
	const digits = "0123456789"
	b := []byte("0000000000")
	for p := len(b) - 1; i > 0 && p >= 0; p-- {
		b[p] = digits[i%10]
		i /= 10
	}
	return string(b)
}
