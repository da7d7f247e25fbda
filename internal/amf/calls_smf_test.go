package amf_test

import (
	"context"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi/sbitest"
	"github.com/keelcore/keel/internal/sim/scenario"
	"github.com/keelcore/keel/internal/sim/ue"
)

// The UpdateSMContext telling the SMF of an AN release (upCnxState
// DEACTIVATED, TS 23.502 §4.2.6) runs off the UE's executor: while the
// SMF takes two seconds to answer it, the UE's periodic registration
// update is served at once. The Service Request that follows reactivates
// the session only after it (the UpdateSMContext ACTIVATING, a call
// like the others, is performed after the UE's earlier Nsmf calls,
// calls.go), so the SMF never sees the deactivation overtake the
// reactivation (TS 23.502 §4.2.3.2 step 5).
func TestSlowSMFHoldsNoEvent(t *testing.T) {
	const latency = 2 * time.Second
	smf := newIdleSMF(t)
	smfF := &sbitest.Faults{}
	c := startCoreOpts(t, 1, gmm.Timers{}, coreOptions{services: func(s gmm.Services) gmm.Services {
		s.SMF = sbitest.SMF(smf, smfF)
		return s
	}})
	g := c.gnbN3(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	u := c.ue(t, 0)
	s, _, err := scenario.Register(ctx, g, u)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.EstablishPDUSession(ctx, 5, "internet", ident.SNSSAI{SST: 1}); err != nil {
		t.Fatal(err)
	}
	smf.waitEvents(t, "1", "setup-response")

	// The release's DEACTIVATED is slow; the registration update is not
	// held behind it.
	smfF.Set("UpdateSMContext", sbitest.Fault{Latency: latency, Times: 1})
	if err := s.Release(ctx); err != nil {
		t.Fatal(err)
	}
	waitCM(t, c, "idle")
	tmsi := tmsiOf(t, c)
	took, err := s.Update(ctx, true, &tmsi)
	if err != nil {
		t.Fatal(err)
	}
	if took > latency/2 {
		t.Errorf("periodic registration update took %v, behind the SMF's slow UpdateSMContext", took)
	}
	if err := s.Release(ctx); err != nil {
		t.Fatal(err)
	}
	waitCM(t, c, "idle")
	// The SMF is still on the first DEACTIVATED (the update and this
	// release took well under its latency): the Service Request's
	// ACTIVATING waits for both DEACTIVATED.
	serviceRequest(ctx, t, g, u, tmsi, ue.EventServiceAccepted, 5)
	smf.waitEvents(t, "1", "setup-response", "DEACTIVATED", "DEACTIVATED", "ACTIVATING", "setup-response")
	waitCM(t, c, "connected")
}
