package amf_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/amf/uerecord"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sim/scenario"
	"github.com/keelcore/keel/internal/sim/ue"
	"github.com/keelcore/keel/internal/store/memrecords"
)

// lossySMF is an idleSMF that, while drop is set, loses the AMF's
// DEACTIVATED (it never reaches the SMF): the instance that sent it
// died with it on the way.
type lossySMF struct {
	*idleSMF
	drop    atomic.Bool
	dropped atomic.Int32
}

func (s *lossySMF) UpdateSMContext(ctx context.Context, ref string, upd sbi.SmContextUpdateData) (sbi.SmContextUpdatedData, error) {
	if s.drop.Load() && upd.UpCnxState == sbi.UpCnxDeactivated {
		s.dropped.Add(1)
		return sbi.SmContextUpdatedData{}, context.DeadlineExceeded
	}
	return s.idleSMF.UpdateSMContext(ctx, ref, upd)
}

// An instance of the set dies after its UE went idle but before the SMF
// learnt that the UE's user plane is down (the AN release's DEACTIVATED,
// TS 23.502 §4.2.6, lost with it): the SMF's session still forwards
// downlink to the released N3 tunnel. The instance that restores the
// UE for its Service Request tells the SMF the user plane is down first
// (DEACTIVATED, so that the UPF buffers the downlink), then asks for it
// again (ACTIVATING): downlink sent before the gNB's new tunnel is known
// is buffered and delivered instead of lost.
func TestAMFSetServiceRequestAfterLostDeactivation(t *testing.T) {
	smf := &lossySMF{idleSMF: newIdleSMF(t)}
	records := memrecords.New()
	c := startCoreOpts(t, 1, gmm.Timers{}, coreOptions{
		services: func(s gmm.Services) gmm.Services { s.SMF = smf; return s },
		records:  records,
	})
	b := c.peer(t, 5, records)
	ga := c.gnbN3(t, 1)
	gb := b.gnbN3(t, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	u := c.ue(t, 0)
	s, _, err := scenario.Register(ctx, ga, u)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.EstablishPDUSession(ctx, 5, "internet", ident.SNSSAI{SST: 1}); err != nil {
		t.Fatal(err)
	}
	smf.waitEvents(t, "1", "setup-response")
	smf.drop.Store(true)
	if err := s.Release(ctx); err != nil {
		t.Fatal(err)
	}
	waitCM(t, c, "idle")
	tmsi := tmsiOf(t, c)
	waitContext(t, records, supiOf(0), "one session, saved idle", func(r uerecord.UE) bool {
		return len(r.Sessions) == 1 && r.Security.ULCount == u.NextULCount()
	})
	for deadline := time.Now().Add(5 * time.Second); smf.dropped.Load() == 0; time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("A sent no DEACTIVATED for the UE's session after its release")
		}
	}
	smf.drop.Store(false)
	stopCtx, stop := context.WithTimeout(ctx, 5*time.Second)
	if err := c.amf.Stop(stopCtx); err != nil {
		t.Fatal(err)
	}
	stop()

	conn, _, _ := serviceRequest(ctx, t, gb, u, tmsi, ue.EventServiceAccepted, 5)
	if _, err := conn.WaitSession(ctx, 5); err != nil {
		t.Fatal(err)
	}
	// The SMF saw the session's user plane go down (B's DEACTIVATED)
	// before B asked for it again, then the gNB's new tunnel.
	smf.waitEvents(t, "1", "setup-response", "DEACTIVATED", "ACTIVATING", "setup-response")
}

// waitUDMRegistration waits until the UDM's Nudm_UECM registration of
// supi names the AMF with GUAMI want, and returns it.
func waitUDMRegistration(t *testing.T, c *core, supi string, want ident.GUAMI) sbi.AMFRegistration {
	t.Helper()
	var reg sbi.AMFRegistration
	var ok bool
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if reg, ok = c.svc.UECM.AMF(context.Background(), supi); ok && reg.GUAMI == want {
			return reg
		}
	}
	t.Fatalf("UDM registration of %s = %+v (%v), want one naming GUAMI %v", supi, reg, ok, want)
	return reg
}

// After a Service Request served by another instance of the set, and
// after a mobility registration there, the UDM's Nudm_UECM
// registration names the instance that serves the UE now (its
// amfInstanceId and GUAMI), not the one that served it before (TS
// 23.502 §4.2.2.2.2 step 14a, TS 29.503 §5.3.2.2.2).
func TestAMFSetTakeoverRegistersWithUDM(t *testing.T) {
	for _, proc := range []string{"service-request", "mobility-registration"} {
		t.Run(proc, func(t *testing.T) {
			smf := newIdleSMF(t)
			records := memrecords.New()
			c := startCoreOpts(t, 1, gmm.Timers{}, coreOptions{
				services: func(s gmm.Services) gmm.Services { s.SMF = smf; return s },
				records:  records,
			})
			b := c.peer(t, 5, records)
			ga := c.gnbN3(t, 1)
			gb := b.gnbN3(t, 2)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			u := c.ue(t, 0)
			supi := supiOf(0)
			s, _, err := scenario.Register(ctx, ga, u)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.EstablishPDUSession(ctx, 5, "internet", ident.SNSSAI{SST: 1}); err != nil {
				t.Fatal(err)
			}
			if err := s.Release(ctx); err != nil {
				t.Fatal(err)
			}
			waitCM(t, c, "idle")
			tmsi := tmsiOf(t, c)
			waitContext(t, records, supi, "one session, saved idle", func(r uerecord.UE) bool {
				return len(r.Sessions) == 1 && r.Security.ULCount == u.NextULCount()
			})
			before := waitUDMRegistration(t, c, supi, c.cfg.GUAMI)
			stopCtx, stop := context.WithTimeout(ctx, 5*time.Second)
			if err := c.amf.Stop(stopCtx); err != nil {
				t.Fatal(err)
			}
			stop()

			switch proc {
			case "service-request":
				serviceRequest(ctx, t, gb, u, tmsi, ue.EventServiceAccepted, 5)
			case "mobility-registration":
				s.GNB = gb
				if _, err := s.Update(ctx, false, nil); err != nil {
					t.Fatalf("mobility registration at B: %v", err)
				}
			}
			after := waitUDMRegistration(t, c, supi, b.cfg.GUAMI)
			if after.AMFInstanceID == "" || after.AMFInstanceID == before.AMFInstanceID {
				t.Errorf("UDM registration after the %s at B names instance %q, want B's (A's was %q)", proc, after.AMFInstanceID, before.AMFInstanceID)
			}
		})
	}
}
