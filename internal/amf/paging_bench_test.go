package amf_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sim/scenario"
	"github.com/keelcore/keel/internal/sim/ue"
)

// BenchmarkPaging runs network-triggered Service Requests in process
// (TS 23.502 §4.2.3.3): an idle UE's N1N2 transfer with the SMF's PDU
// Session Resource Setup Request Transfer, the NGAP Paging at its gNB,
// the UE's Service Request (mobile terminated services) and the Initial
// Context Setup that sets its session up again, then the release to
// idle. It reports cycles per second and the time from the transfer to
// the Paging at the gNB (p50, p99) and to the Service Accept.
func BenchmarkPaging(b *testing.B) {
	const pool, parallel = 256, 64
	smf := newIdleSMF(b)
	smf.quiet = true
	c := startCoreOpts(b, pool, gmm.Timers{}, coreOptions{services: func(s gmm.Services) gmm.Services { s.SMF = smf; return s }})
	g := c.gnbN3(b, 1)
	sessions := make([]*scenario.Session, pool)
	var wg sync.WaitGroup
	sem := make(chan struct{}, parallel)
	for i := range sessions {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			s, _, err := scenario.Register(ctx, g, c.ue(b, i))
			if err == nil {
				_, _, err = s.EstablishPDUSession(ctx, 1, "internet", ident.SNSSAI{SST: 1})
			}
			if err != nil {
				b.Error(err)
				return
			}
			sessions[i] = s
		}()
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
	work := make(chan int, pool)
	for i := range sessions {
		work <- i
	}
	var (
		mu              sync.Mutex
		toPaging, toAcc []time.Duration
		f               failures
		cycles          sync.WaitGroup
	)
	b.ResetTimer()
	for range b.N {
		sem <- struct{}{}
		i := <-work
		cycles.Add(1)
		go func() {
			defer cycles.Done()
			defer func() { <-sem }()
			defer func() { work <- i }()
			s := sessions[i]
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := s.Release(ctx); err != nil {
				b.Error(err)
				return
			}
			waitIdle(ctx, c, supiOf(i))
			tmsi, _ := s.TMSI()
			paged, stop := g.WatchPaging(tmsi)
			defer stop()
			start := time.Now()
			req := sbi.NewN1N2Transfer(1, nil, sbi.NgapPduResSetupReq, smf.n2)
			req.FailureNotify = &f
			rsp, err := c.amf.N1N2MessageTransfer(ctx, supiOf(i), req)
			if res := rsp.Cause; err != nil || res != sbi.N1N2AttemptingToReachUE {
				b.Errorf("UE %d: N1N2MessageTransfer = %v, %v", i, res, err)
				return
			}
			select {
			case <-paged:
			case <-ctx.Done():
				b.Errorf("UE %d not paged", i)
				return
			}
			p := time.Since(start)
			if _, err := s.ServiceRequest(ctx, ue.ServiceMobileTerminated); err != nil {
				b.Errorf("UE %d: Service Request: %v", i, err)
				return
			}
			a := time.Since(start)
			mu.Lock()
			toPaging, toAcc = append(toPaging, p), append(toAcc, a)
			mu.Unlock()
		}()
	}
	cycles.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pagings/s")
	slices.Sort(toPaging)
	slices.Sort(toAcc)
	if n := len(toPaging); n > 0 {
		b.ReportMetric(float64(toPaging[n/2].Microseconds())/1e3, "ms-to-paging-p50")
		b.ReportMetric(float64(toPaging[n*99/100].Microseconds())/1e3, "ms-to-paging-p99")
		b.ReportMetric(float64(toAcc[n*99/100].Microseconds())/1e3, "ms-to-accept-p99")
	}
	if got := f.got(); len(got) > 0 {
		b.Errorf("%d failure notifications: %v", len(got), got[0])
	}
}

// waitIdle waits until the AMF holds the UE idle (its UE Context Release
// Complete handled): an N1N2 transfer before that finds it connected.
func waitIdle(ctx context.Context, c *core, supi string) {
	for ctx.Err() == nil {
		if v, ok := ueView(c, supi); ok && v.GNB == "" {
			return
		}
		time.Sleep(time.Millisecond)
	}
}
