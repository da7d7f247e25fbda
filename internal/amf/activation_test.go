package amf_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/free5gc/ngap/ie"

	"github.com/keelcore/keel/internal/amf"
	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/metrictest"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbi/sbitest"
	"github.com/keelcore/keel/internal/sim/gnb"
	"github.com/keelcore/keel/internal/sim/scenario"
	"github.com/keelcore/keel/internal/sim/ue"
)

// gatedSMF is an idleSMF whose UpdateSMContext of one upCnxState waits
// until the test opens the gate: a scripted SMF that answers a UE's calls
// in another order than they came (the held one after those behind it,
// were the AMF to send them). arrived gets a value as each held call
// comes in. The held call is recorded by the idleSMF once it goes on.
type gatedSMF struct {
	*idleSMF
	hold    sbi.UpCnxState
	gate    chan struct{}
	arrived chan struct{}
}

func newGatedSMF(tb testing.TB, hold sbi.UpCnxState) *gatedSMF {
	return &gatedSMF{idleSMF: newIdleSMF(tb), hold: hold, gate: make(chan struct{}), arrived: make(chan struct{}, 16)}
}

func (s *gatedSMF) UpdateSMContext(ctx context.Context, ref string, upd sbi.SmContextUpdateData) (sbi.SmContextUpdatedData, error) {
	if upd.UpCnxState == s.hold {
		s.arrived <- struct{}{}
		select {
		case <-s.gate:
		case <-ctx.Done():
			return sbi.SmContextUpdatedData{}, ctx.Err()
		}
	}
	return s.idleSMF.UpdateSMContext(ctx, ref, upd)
}

// idleFive registers a UE over g, establishes PDU session 5 and
// has the gNB release the connection: the UE is idle, its session
// DEACTIVATED at smf.
func idleFive(ctx context.Context, t *testing.T, c *core, g *gnb.GNB, smf *idleSMF) (*scenario.Session, *ue.UE) {
	t.Helper()
	u := c.ue(t, 0)
	s, _, err := scenario.Register(ctx, g, u)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.EstablishPDUSession(ctx, 5, "internet", ident.SNSSAI{SST: 1}); err != nil {
		t.Fatal(err)
	}
	smf.waitEvents(t, "1", "setup-response")
	if err := s.Release(ctx); err != nil {
		t.Fatal(err)
	}
	waitCM(t, c, "idle")
	return s, u
}

// receive waits for the next downlink of conn.
func receive(ctx context.Context, t *testing.T, conn *gnb.UEConn) gnb.Downlink {
	t.Helper()
	select {
	case d := <-conn.Downlink():
		return d
	case <-ctx.Done():
		t.Fatal("no downlink for the UE")
	}
	return gnb.Downlink{}
}

// TS 23.502 §4.2.3.2 step 5 with §4.2.6: the SMF is slow to answer the
// ACTIVATING of a Service Request; meanwhile the gNB asks for the UE's
// release (UE Context Release Request, radio connection lost). The AMF
// serves the release at once, as the UE's executor does not wait for the
// SMF: the UE is idle and the service request ends (lower layer
// failure) while the ACTIVATING is still unanswered. Once the SMF
// answers, the late answer is dropped (no Initial Context Setup) and the
// release's DEACTIVATED follows it; the next Service Request is served
// as usual.
func TestSlowActivationHoldsNoRelease(t *testing.T) {
	smf := newGatedSMF(t, sbi.UpCnxActivating)
	c := startCoreOpts(t, 1, gmm.Timers{}, coreOptions{services: func(s gmm.Services) gmm.Services { s.SMF = smf; return s }})
	g := c.gnbN3(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, u := idleFive(ctx, t, c, g, smf.idleSMF)
	smf.waitEvents(t, "1", "setup-response", "DEACTIVATED")

	tmsi := tmsiOf(t, c)
	pdu, err := u.ServiceRequest(ue.ServiceData, 5)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := g.Attach(ctx, pdu, &tmsi)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-smf.arrived:
	case <-ctx.Done():
		t.Fatal("the Service Request's ACTIVATING never reached the SMF")
	}
	v := waitCM(t, c, "connected")
	rel, err := ngap.Encode(ngap.UEContextReleaseRequest(v.AMFUENGAPID, conn.RANUENGAPID(),
		ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentRadioConnectionWithUeLost)))
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Send(ctx, rel); err != nil {
		t.Fatal(err)
	}
	// Served while the SMF still holds the ACTIVATING.
	if d := receive(ctx, t, conn); !d.Released || d.ContextSetup {
		t.Fatalf("downlink %+v, want the UE Context Release Command", d)
	}
	u.ConnectionReleased()
	waitCM(t, c, "idle")
	waitMetric(t, c, "keel_amf_service_requests_total", "result", gmm.ServiceLowerLayerFailure, 1)

	close(smf.gate)
	smf.waitEvents(t, "1", "setup-response", "DEACTIVATED", "ACTIVATING", "DEACTIVATED")
	select {
	case d := <-conn.Downlink():
		t.Fatalf("downlink %+v on the released connection after the late answer", d)
	default:
	}
	serviceRequest(ctx, t, g, u, tmsi, ue.EventServiceAccepted, 5)
	smf.waitEvents(t, "1", "setup-response", "DEACTIVATED", "ACTIVATING", "DEACTIVATED", "ACTIVATING", "setup-response")
	waitCM(t, c, "connected")
}

// waitMetric waits until the counter with the label is want.
func waitMetric(t *testing.T, c *core, name, label, value string, want float64) {
	t.Helper()
	var got float64
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if got = metrictest.Value(t, c.reg, name, label, value); got == want {
			return
		}
	}
	t.Fatalf("%s{%s=%s} = %v, want %v", name, label, value, got, want)
}

// TS 24.501 §5.6.1.4.1, §9.11.3.43: the SMF refuses the ACTIVATING of a
// Service Request's session, then, on the next one, does not answer
// within the AMF's reactivation deadline (amf.deadlines.reactivation).
// Each time the UE gets the SERVICE ACCEPT, its PDU session
// reactivation result marking PSI 5 with #92
// (insufficient user-plane resources for the PDU session), and an
// Initial Context Setup without the session. A third Service Request
// reactivates it.
func TestActivationFailureCause(t *testing.T) {
	smf := newIdleSMF(t)
	faults := &sbitest.Faults{}
	c := startCoreOpts(t, 1, gmm.Timers{}, coreOptions{
		services: func(s gmm.Services) gmm.Services { s.SMF = sbitest.SMF(smf, faults); return s },
		config:   func(cfg *amf.Config) { cfg.Deadlines.Reactivation = 300 * time.Millisecond },
	})
	g := c.gnbN3(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, u := idleFive(ctx, t, c, g, smf)
	smf.waitEvents(t, "1", "setup-response", "DEACTIVATED")
	tmsi := tmsiOf(t, c)

	// The refused and unanswered ACTIVATING never reach the idleSMF,
	// which records what it answers.
	seen := []string{"setup-response", "DEACTIVATED"}
	for _, f := range []struct {
		name  string
		fault sbitest.Fault
	}{
		{"refused", sbitest.Fault{Err: sbi.ErrUnavailable, Times: 1}},
		{"no answer", sbitest.Fault{Hang: true, Times: 1}},
	} {
		faults.Set("UpdateSMContext", f.fault)
		conn, d, res := serviceRequest(ctx, t, g, u, tmsi, ue.EventServiceAccepted, 5)
		if want := []ue.SessionCause{{PDUSessionID: 5, Cause: 92}}; !slices.Equal(res.ReactivationFailed, want) {
			t.Errorf("%s: reactivation failed %v, want %v", f.name, res.ReactivationFailed, want)
		}
		if !d.ContextSetup {
			t.Errorf("%s: SERVICE ACCEPT not in an Initial Context Setup", f.name)
		}
		waitCM(t, c, "connected")
		if err := conn.RequestRelease(ctx); err != nil {
			t.Fatal(err)
		}
		for d := receive(ctx, t, conn); !d.Released; d = receive(ctx, t, conn) {
		}
		u.ConnectionReleased()
		waitCM(t, c, "idle")
		seen = append(seen, "DEACTIVATED")
		smf.waitEvents(t, "1", seen...)
	}
	_, _, res := serviceRequest(ctx, t, g, u, tmsi, ue.EventServiceAccepted, 5)
	if len(res.ReactivationFailed) != 0 {
		t.Errorf("reactivation failed %v once the SMF answers, want none", res.ReactivationFailed)
	}
	smf.waitEvents(t, "1", append(seen, "ACTIVATING", "setup-response")...)
	waitCM(t, c, "connected")
}

// TS 23.502 §4.2.3.2 step 5 after §4.2.6 step 5: the SMF holds the
// DEACTIVATED of the UE's release and would answer an ACTIVATING behind
// it at once. The Service Request's ACTIVATING is sent only once the
// DEACTIVATED is answered, so the SMF's last word for the session is
// ACTIVATING, and the UE gets its SERVICE ACCEPT with the session.
func TestActivationAfterDeactivation(t *testing.T) {
	smf := newGatedSMF(t, sbi.UpCnxDeactivated)
	c := startCoreOpts(t, 1, gmm.Timers{}, coreOptions{services: func(s gmm.Services) gmm.Services { s.SMF = smf; return s }})
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
	if err := s.Release(ctx); err != nil {
		t.Fatal(err)
	}
	waitCM(t, c, "idle")
	select {
	case <-smf.arrived:
	case <-ctx.Done():
		t.Fatal("the release's DEACTIVATED never reached the SMF")
	}

	tmsi := tmsiOf(t, c)
	pdu, err := u.ServiceRequest(ue.ServiceData, 5)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := g.Attach(ctx, pdu, &tmsi)
	if err != nil {
		t.Fatal(err)
	}
	// The AMF has served the Service Request (the UE is connected) and
	// issued its ACTIVATING; the SMF has not seen it.
	waitCM(t, c, "connected")
	smf.waitEvents(t, "1", "setup-response")
	close(smf.gate)
	d := receive(ctx, t, conn)
	if res, err := u.Handle(d.NAS); err != nil || res.Event != ue.EventServiceAccepted || !d.ContextSetup {
		t.Fatalf("UE handles %+v: %v, %v; want SERVICE ACCEPT in an Initial Context Setup", d, res.Event, err)
	}
	smf.waitEvents(t, "1", "setup-response", "DEACTIVATED", "ACTIVATING", "setup-response")
}

// TS 23.502 §4.2.2.2.2 steps 17-18 after §4.2.6: the idle UE's periodic
// registration update names PSI 5 in its Uplink data status while the
// SMF still holds the DEACTIVATED of its release. The ACTIVATING goes
// after it, and the REGISTRATION ACCEPT (in the Initial Context Setup
// with the session) once the SMF has answered it.
func TestRegistrationUpdateActivationAfterDeactivation(t *testing.T) {
	smf := newGatedSMF(t, sbi.UpCnxDeactivated)
	c := startCoreOpts(t, 1, gmm.Timers{}, coreOptions{services: func(s gmm.Services) gmm.Services { s.SMF = smf; return s }})
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
	if err := s.Release(ctx); err != nil {
		t.Fatal(err)
	}
	waitCM(t, c, "idle")
	select {
	case <-smf.arrived:
	case <-ctx.Done():
		t.Fatal("the release's DEACTIVATED never reached the SMF")
	}

	tmsi := tmsiOf(t, c)
	pdu, err := u.RegistrationUpdate(true, 5)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := g.Attach(ctx, pdu, &tmsi)
	if err != nil {
		t.Fatal(err)
	}
	waitCM(t, c, "connected")
	smf.waitEvents(t, "1", "setup-response")
	close(smf.gate)
	d := receive(ctx, t, conn)
	res, err := u.Handle(d.NAS)
	if err != nil || res.Event != ue.EventRegistered || !d.ContextSetup {
		t.Fatalf("UE handles %+v: %v, %v; want REGISTRATION ACCEPT in an Initial Context Setup", d, res.Event, err)
	}
	if len(res.ReactivationFailed) != 0 {
		t.Errorf("reactivation failed %v, want none", res.ReactivationFailed)
	}
	smf.waitEvents(t, "1", "setup-response", "DEACTIVATED", "ACTIVATING", "setup-response")
}
