package amf_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/sim/scenario"
)

// The management API reads the UEs while their events run (the race
// detector checks the locking): every read shows a UE between two
// events, so a registered UE has its 5G-GUTI and the counts add up;
// once all have registered, the views say so.
func TestUEViewsWhileRegistering(t *testing.T) {
	const n = 32
	c := startCore(t, n, gmm.Timers{})
	g := c.gnb(t, 1)
	stop := make(chan struct{})
	var readers sync.WaitGroup
	errs := make(chan string, 3)
	report := func(s string) {
		select {
		case errs <- s:
		default:
		}
	}
	readers.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			for _, u := range c.amf.UEs() {
				if u.State == "registered" && u.GUTI == nil {
					report("UEs: a registered UE without a 5G-GUTI: " + u.SUPI)
				}
				if (u.CMState == "connected") != (u.AMFUENGAPID != 0) {
					report("UEs: a UE " + u.CMState + " with AMF UE NGAP ID mismatched: " + u.SUPI)
				}
			}
			cnt := c.amf.UECounts()
			if cnt.Registered != cnt.Connected+cnt.Idle || cnt.Registered > cnt.Contexts || cnt.Contexts > n {
				report("UECounts do not add up")
			}
		}
	})
	readers.Go(func() {
		for i := 0; ; i = (i + 1) % n {
			select {
			case <-stop:
				return
			default:
			}
			if u, ok := c.amf.UE(supiOf(i)); ok && u.SUPI != supiOf(i) {
				report("UE(" + supiOf(i) + ") = " + u.SUPI)
			}
		}
	})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if _, _, err := scenario.Register(ctx, g, c.ue(t, i)); err != nil {
				t.Errorf("UE %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	for deadline := time.Now().Add(10 * time.Second); c.amf.UECounts().Registered < n && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
	}
	close(stop)
	readers.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if cnt := c.amf.UECounts(); cnt.Registered != n || cnt.Contexts != n {
		t.Errorf("UECounts after %d registrations = %+v", n, cnt)
	}
	for i := range n {
		if u, ok := c.amf.UE(supiOf(i)); !ok || u.State != "registered" || u.GUTI == nil || u.CMState != "connected" {
			t.Errorf("UE(%s) = %+v, %v; want it registered and connected with a 5G-GUTI", supiOf(i), u, ok)
		}
	}
}
