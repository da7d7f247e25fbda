package amf_test

import (
	"context"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/amf"
	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sctp"
	"github.com/keelcore/keel/internal/sim/gnb"
	"github.com/keelcore/keel/internal/sim/scenario"
)

// handoverSMF is a recordingSMF that takes part in N2 handovers (TS
// 29.502 hoState): PREPARING is answered with a setup transfer for the
// target, PREPARED with a Handover Command Transfer, or for a session the
// target did not admit with a Handover Preparation Unsuccessful Transfer
// and the session released. It records each hoState it is given.
type handoverSMF struct {
	*recordingSMF
	tr     *transcript // records the handover's updates
	mu     sync.Mutex
	states []string
	// holdCreate, when set, holds CreateSMContext until its release.
	holdCreate atomic.Pointer[heldCall]
}

// heldCall is a call an SMF holds: arrived is closed when the first
// one arrives, and it is answered once release is closed.
type heldCall struct {
	once             sync.Once
	arrived, release chan struct{}
}

func (s *handoverSMF) CreateSMContext(ctx context.Context, req sbi.SmContextCreateData) (sbi.SmContextCreatedData, error) {
	if h := s.holdCreate.Load(); h != nil {
		h.once.Do(func() { close(h.arrived) })
		select {
		case <-h.release:
		case <-ctx.Done():
			return sbi.SmContextCreatedData{}, ctx.Err()
		}
	}
	return s.recordingSMF.CreateSMContext(ctx, req)
}

func (s *handoverSMF) UpdateSMContext(ctx context.Context, ref string, upd sbi.SmContextUpdateData) (sbi.SmContextUpdatedData, error) {
	if upd.HoState == sbi.HONone {
		return s.recordingSMF.UpdateSMContext(ctx, ref, upd)
	}
	s.mu.Lock()
	s.states = append(s.states, upd.HoState.String())
	s.mu.Unlock()
	ans, err := s.handover(upd)
	s.tr.recordSMF(upd, ans, err)
	return ans, err
}

func (s *handoverSMF) handover(upd sbi.SmContextUpdateData) (sbi.SmContextUpdatedData, error) {
	switch {
	case upd.HoState == sbi.HOPreparing:
		n2, err := ngap.SetupRequestTransfer{AMBRUplink: 1e6, AMBRDownlink: 1e6, PDUType: 1,
			UL: ngap.Tunnel{Addr: netip.MustParseAddr("192.0.2.1"), TEID: 1}, Flows: []ngap.QoSFlow{{QFI: 1, FiveQI: 9, ARPPriority: 8}}}.Encode()
		return sbi.SmContextUpdatedData{N2SmInfoType: sbi.N2SetupRequest, N2SmInfo: sbi.N2SM(n2)}, err
	case upd.N2SmInfoType == sbi.N2HandoverRequestAck:
		b, err := ngap.HandoverCommandTransfer{}.Encode()
		return sbi.SmContextUpdatedData{N2SmInfoType: sbi.N2HandoverCommand, N2SmInfo: sbi.N2SM(b)}, err
	case upd.N2SmInfoType == sbi.N2HandoverResourceAllocationFailure:
		b, err := ngap.HandoverPreparationUnsuccessfulTransfer(ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentHoFailureInTarget5GCNgranNodeOrTargetSystem))
		return sbi.SmContextUpdatedData{N2SmInfoType: sbi.N2HandoverPreparationFailure, N2SmInfo: sbi.N2SM(b), Released: true}, err
	}
	return sbi.SmContextUpdatedData{}, nil
}

// waitStates waits until the SMF has been given want, in order.
func (s *handoverSMF) waitStates(t *testing.T, want ...string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s.mu.Lock()
		got := slices.Clone(s.states)
		s.mu.Unlock()
		if slices.Equal(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("SMF hoStates %v, want %v", got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// hoWorld is a core with the handoverSMF, a UE with PDU session 1 on the
// simulated source gNB 1 (TAC 1), a raw target gNB 2 serving TAC 1 and
// a raw gNB 3 serving TAC 2. tr records what the three gNBs and the SMF
// exchange with the AMF after the UE's setup.
type hoWorld struct {
	c              *core
	tr             *transcript
	smf            *handoverSMF
	source         *gnb.GNB
	sess           *scenario.Session
	target, other  sctp.Conn
	amfUE, ranUE   int64
	targetLocation ngap.UELocation
}

func newHOWorld(t *testing.T, config func(*amf.Config)) *hoWorld {
	tr := newTranscript()
	smf := &handoverSMF{recordingSMF: newRecordingSMF(), tr: tr}
	c := startCoreOpts(t, 1, gmm.Timers{}, coreOptions{config: config, services: func(s gmm.Services) gmm.Services { s.SMF = smf; return s }})
	g, err := gnb.Connect(context.Background(), tr.transport("source gNB 1 (TAC 1)", c.tr), c.addr, gnbConfig(1), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	sess := connectedWithSession(t, c, smf.recordingSMF, g, 0)
	v, ok := ueView(c, supiOf(0))
	if !ok || v.AMFUENGAPID == 0 {
		t.Fatalf("UE view %+v", v)
	}
	w := &hoWorld{c: c, tr: tr, smf: smf, source: g, sess: sess, amfUE: v.AMFUENGAPID, ranUE: v.RANUENGAPID,
		target: tr.conn("target gNB 2 (TAC 1)", rawGNB(t, c, 2, 1)), other: tr.conn("gNB 3 (TAC 2)", rawGNB(t, c, 3, 2)),
		targetLocation: ngap.UELocation{TAI: ident.TAI{PLMN: plmn, TAC: 1}, CellID: 0x200, CellPLMN: plmn}}
	tr.party("SMF")
	tr.start()
	return w
}

// required sends Handover Required for session 1 from the source to gNB
// id in TAC tac.
func (w *hoWorld) required(t *testing.T, id uint32, tac uint32) {
	t.Helper()
	tr, err := ngap.HandoverRequiredTransfer{}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	container, err := ngap.SourceToTargetContainer(w.targetLocation, w.targetLocation, 1)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ngap.BuildHandoverRequired(ngap.HandoverRequired{AMFUE: w.amfUE, RANUE: w.ranUE, Type: ngap.HandoverTypeIntra5GS,
		Cause:  ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentHandoverDesirableForRadioReason),
		Target: ngap.RANNodeID{PLMN: plmn, Kind: ngap.KindGNB, ID: id, Bits: 22}, TargetTAI: ident.TAI{PLMN: plmn, TAC: tac},
		Sessions: []ngap.HandoverSession{{PDUSessionID: 1, Transfer: tr}}, Container: container})
	if err != nil {
		t.Fatal(err)
	}
	sendNGAP(t, w.source, m)
}

// sourceEvent waits for the source gNB's event proc, skipping others.
func (w *hoWorld) sourceEvent(t *testing.T, proc string) gnb.Event {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case ev := <-w.source.Events():
			if ev.Procedure == proc {
				return ev
			}
		case <-deadline:
			t.Fatalf("no %s at the source gNB within 5 s", proc)
		}
	}
}

// request reads the Handover Request at the target.
func (w *hoWorld) request(t *testing.T) ngap.HandoverRequest {
	t.Helper()
	m, ok := recvUE(t, w.target).(*message.HandoverRequest)
	if !ok {
		t.Fatalf("target got %T, want Handover Request", m)
	}
	req, err := ngap.DecodeHandoverRequest(m)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func (w *hoWorld) sendTarget(t *testing.T, m message.Message) {
	t.Helper()
	b, err := ngap.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	send(t, w.target, b)
}

// acknowledge admits session 1 at the target with RAN UE NGAP ID 50.
func (w *hoWorld) acknowledge(t *testing.T, amfUE int64) {
	t.Helper()
	tr, err := ngap.HandoverRequestAcknowledgeTransfer{DL: ngap.Tunnel{Addr: netip.MustParseAddr("10.0.0.2"), TEID: 0x77},
		Flows: []ngap.HandoverFlow{{QFI: 1}}}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	container, err := ngap.TargetToSourceContainer()
	if err != nil {
		t.Fatal(err)
	}
	m, err := ngap.BuildHandoverRequestAcknowledge(ngap.HandoverRequestAcknowledge{AMFUE: amfUE, RANUE: 50,
		Admitted: []ngap.HandoverSession{{PDUSessionID: 1, Transfer: tr}}, Container: container})
	if err != nil {
		t.Fatal(err)
	}
	w.sendTarget(t, m)
}

// released reads the UE Context Release Command at the target.
func (w *hoWorld) released(t *testing.T, amfUE int64, cause string) {
	t.Helper()
	m, ok := recvUE(t, w.target).(*message.UEContextReleaseCommand)
	if !ok {
		t.Fatalf("target got %T, want UE Context Release Command", m)
	}
	if id, _, _, _ := ngap.UEIDs(m); id != amfUE || ngap.CauseString(m.Cause) != cause {
		t.Errorf("release of target connection %d cause %s, want %d %s", id, ngap.CauseString(m.Cause), amfUE, cause)
	}
}

// TestN2Handover runs an N2 handover of a UE with PDU session 1 (TS
// 23.502 §4.9.1.3; TS 38.413 §8.4.1–8.4.3, 8.4.6, 8.4.7): the target
// gets a Handover Request on a new UE connection with NCC 2 and an NH,
// the UE's security capabilities, allowed NSSAI, UE-AMBR, GUAMI and the
// SMF's setup transfer; its acknowledge gives the source a Handover
// Command; the source's Uplink RAN Status Transfer reaches the target
// as Downlink RAN Status Transfer; Handover Notify moves the UE to the
// target, has the SMF complete the handover and releases the source
// with successful-handover.
func TestN2Handover(t *testing.T) {
	w := newHOWorld(t, nil)
	w.required(t, 2, 1)
	req := w.request(t)
	if req.AMFUE == w.amfUE || req.NCC != 2 || req.NH.IsZero() || len(req.Sessions) != 1 || req.Sessions[0].PDUSessionID != 1 ||
		len(req.AllowedNSSAI) != 1 || req.GUAMI != amfConfigGUAMI() || req.UEAMBRDownlink == 0 || req.Security.NRIntegrity == 0 {
		t.Errorf("Handover Request %+v: want a new AMF UE NGAP ID, NCC 2 and an NH, session 1, the allowed NSSAI, GUAMI, UE-AMBR and capabilities", req)
	}
	if _, err := ngap.DecodeSetupRequestTransfer(req.Sessions[0].Transfer); err != nil {
		t.Errorf("Handover Request Transfer: %v", err)
	}
	w.smf.waitStates(t, "PREPARING")
	w.acknowledge(t, req.AMFUE)
	w.sourceEvent(t, "HandoverCommand")
	w.smf.waitStates(t, "PREPARING", "PREPARED")

	ul, err := ngap.UplinkRANStatusTransfer(w.amfUE, w.ranUE, ngap.DRBStatus12(1, 0, 5, 0, 7))
	if err != nil {
		t.Fatal(err)
	}
	sendNGAP(t, w.source, ul)
	if m, ok := recvUE(t, w.target).(*message.DownlinkRANStatusTransfer); !ok {
		t.Fatalf("target got %T, want Downlink RAN Status Transfer", m)
	} else if m.AMFUENGAPID.Value != req.AMFUE || m.RANUENGAPID.Value != 50 {
		t.Errorf("Downlink RAN Status Transfer for %d/%d, want %d/50", m.AMFUENGAPID.Value, m.RANUENGAPID.Value, req.AMFUE)
	}

	n, err := ngap.HandoverNotify(req.AMFUE, 50, w.targetLocation)
	if err != nil {
		t.Fatal(err)
	}
	w.sendTarget(t, n)
	waitUEView(t, w.c.amf, "UE on the target", func(u amf.UE) bool {
		return u.AMFUENGAPID == req.AMFUE && u.RANUENGAPID == 50 && u.NRCellID == "000000200"
	})
	w.smf.waitStates(t, "PREPARING", "PREPARED", "COMPLETED")
	for deadline := time.Now().Add(5 * time.Second); counter(w.c, "keel_amf_n2_handovers_total", "completed") != 1; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("keel_amf_n2_handovers_total{completed} not 1")
		}
	}
	// The source connection is released with successful-handover.
	deadline := time.After(5 * time.Second)
	for {
		select {
		case d := <-w.sess.Conn.Downlink():
			if !d.Released {
				continue
			}
			if d.Cause != "radio-network/2" {
				t.Errorf("source released with cause %q, want radio-network/2 (successful-handover)", d.Cause)
			}
		case <-deadline:
			t.Fatal("the source connection was not released")
		}
		break
	}
	w.tr.check(t, "n2_success")
}

func amfConfigGUAMI() ident.GUAMI { return amfConfig().GUAMI }

// TS 23.502 §4.9.1.3.2 step 3 after §4.3.2.2.1 step 3: Handover Required
// arrives while the UE's establishment of a second PDU session waits for
// the SMF's CreateSMContext. The handover's UpdateSMContext PREPARING
// goes in the UE's order of Nsmf calls: only once the SMF has answered
// the create, and the handover then goes on (Handover Request to the
// target).
func TestN2HandoverAfterPendingSMFCall(t *testing.T) {
	w := newHOWorld(t, nil)
	h := &heldCall{arrived: make(chan struct{}), release: make(chan struct{})}
	w.smf.holdCreate.Store(h)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go w.sess.EstablishPDUSession(ctx, 2, "internet", ident.SNSSAI{SST: 1}) //nolint:errcheck // the handover may end it
	select {
	case <-h.arrived:
	case <-ctx.Done():
		t.Fatal("the second session's CreateSMContext never reached the SMF")
	}
	w.required(t, 2, 1)
	for deadline := time.Now().Add(5 * time.Second); counter(w.c, "keel_amf_n2_handovers_total", "required") != 1; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("keel_amf_n2_handovers_total{required} not 1")
		}
	}
	w.smf.mu.Lock()
	early := slices.Clone(w.smf.states)
	w.smf.mu.Unlock()
	if len(early) != 0 {
		t.Fatalf("the SMF was given %v while the UE's CreateSMContext was unanswered, want nothing before it", early)
	}
	close(h.release)
	w.smf.waitStates(t, "PREPARING")
	if req := w.request(t); len(req.Sessions) != 1 || req.Sessions[0].PDUSessionID != 1 {
		t.Errorf("Handover Request sessions %+v, want session 1", req.Sessions)
	}
}

// TestN2HandoverPreparationRefused: a target gNB that is not connected
// gets the source unknown-targetID, one that does not serve the
// selected TAI ho-target-not-allowed (TS 38.413 §8.4.1.3, §9.3.1.2);
// neither reaches the SMF nor the target.
func TestN2HandoverPreparationRefused(t *testing.T) {
	w := newHOWorld(t, nil)
	w.required(t, 99, 1)
	if ev := w.sourceEvent(t, "HandoverPreparationFailure"); ev.Cause != "radio-network/12" {
		t.Errorf("target not connected: cause %s, want radio-network/12 (unknown-targetID)", ev.Cause)
	}
	w.tr.check(t, "n2_target_not_connected")
	w.required(t, 3, 1)
	if ev := w.sourceEvent(t, "HandoverPreparationFailure"); ev.Cause != "radio-network/8" {
		t.Errorf("target not serving TAC 1: cause %s, want radio-network/8 (ho-target-not-allowed)", ev.Cause)
	}
	w.required(t, 2, 2)
	if ev := w.sourceEvent(t, "HandoverPreparationFailure"); ev.Cause != "radio-network/8" {
		t.Errorf("gNB 2 for TAC 2: cause %s, want radio-network/8 (ho-target-not-allowed)", ev.Cause)
	}
	w.smf.waitStates(t)
	if n := counter(w.c, "keel_amf_n2_handovers_total", "unknown-target"); n != 1 {
		t.Errorf("keel_amf_n2_handovers_total{unknown-target} = %v, want 1", n)
	}
	w.tr.check(t, "n2_target_not_serving_tai")
}

// TestN2HandoverCancel: the source cancels before the target answers
// and again after Handover Command (TS 38.413 §8.4.5, TS 23.502
// §4.9.1.3.4): each time the target's connection is released with
// handover-cancelled, the SMF told CANCELLED and the source answered
// Handover Cancel Acknowledge; the UE stays on the source, and a later
// handover still prepares (NCC 3 after the first NH was used).
func TestN2HandoverCancel(t *testing.T) {
	w := newHOWorld(t, nil)
	cancel := func() {
		t.Helper()
		m, err := ngap.HandoverCancel(w.amfUE, w.ranUE, ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentHandoverCancelled))
		if err != nil {
			t.Fatal(err)
		}
		sendNGAP(t, w.source, m)
		w.sourceEvent(t, "HandoverCancelAcknowledge")
	}

	w.required(t, 2, 1)
	req := w.request(t)
	cancel()
	w.released(t, req.AMFUE, "radio-network/5")
	w.smf.waitStates(t, "PREPARING", "CANCELLED")
	// The target's late acknowledge names a connection that is gone.
	w.acknowledge(t, req.AMFUE)
	if m, ok := recvUE(t, w.target).(*message.ErrorIndication); !ok || ngap.CauseString(m.Cause) != "radio-network/14" {
		t.Errorf("acknowledge after cancel: answer %T, want Error Indication unknown-local-UE-NGAP-ID", m)
	}
	w.tr.check(t, "n2_cancel_before_acknowledge")

	w.required(t, 2, 1)
	req = w.request(t)
	if req.NCC != 3 {
		t.Errorf("second preparation NCC %d, want 3", req.NCC)
	}
	w.acknowledge(t, req.AMFUE)
	w.sourceEvent(t, "HandoverCommand")
	cancel()
	w.released(t, req.AMFUE, "radio-network/5")
	w.smf.waitStates(t, "PREPARING", "CANCELLED", "PREPARING", "PREPARED", "CANCELLED")
	if v, _ := ueView(w.c, supiOf(0)); v.AMFUENGAPID != w.amfUE || v.RANUENGAPID != w.ranUE {
		t.Errorf("after cancel the UE is on %d/%d, want the source's %d/%d", v.AMFUENGAPID, v.RANUENGAPID, w.amfUE, w.ranUE)
	}
	if n := counter(w.c, "keel_amf_n2_handovers_total", "cancelled"); n != 2 {
		t.Errorf("keel_amf_n2_handovers_total{cancelled} = %v, want 2", n)
	}
	w.tr.check(t, "n2_cancel_after_command")
}

// TestN2HandoverTargetNeverAnswers: TNGRELOCprep expires (TS 38.413
// §8.4.1.2): the source gets Handover Preparation Failure with
// tngrelocprep-expiry, the target's connection is released and the SMF
// told CANCELLED.
func TestN2HandoverTargetNeverAnswers(t *testing.T) {
	w := newHOWorld(t, func(c *amf.Config) { c.TNGRELOCprep = 200 * time.Millisecond })
	w.required(t, 2, 1)
	req := w.request(t)
	if ev := w.sourceEvent(t, "HandoverPreparationFailure"); ev.Cause != "radio-network/10" {
		t.Errorf("cause %s, want radio-network/10 (tngrelocprep-expiry)", ev.Cause)
	}
	w.released(t, req.AMFUE, "radio-network/10")
	w.smf.waitStates(t, "PREPARING", "CANCELLED")
	w.tr.check(t, "n2_tngrelocprep_expiry")
}

// TestN2HandoverFailure: the target refuses with Handover Failure (TS
// 38.413 §8.4.2.3): the source gets Handover Preparation Failure with
// the target's cause and the SMF CANCELLED; the target, which keeps no
// context, gets no release.
func TestN2HandoverFailure(t *testing.T) {
	w := newHOWorld(t, nil)
	w.required(t, 2, 1)
	req := w.request(t)
	f, err := ngap.HandoverFailure(req.AMFUE, ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentNoRadioResourcesAvailableInTargetCell))
	if err != nil {
		t.Fatal(err)
	}
	w.sendTarget(t, f)
	if ev := w.sourceEvent(t, "HandoverPreparationFailure"); ev.Cause != "radio-network/13" {
		t.Errorf("cause %s, want the target's radio-network/13", ev.Cause)
	}
	w.smf.waitStates(t, "PREPARING", "CANCELLED")
	if n := counter(w.c, "keel_amf_n2_handovers_total", "target-failure"); n != 1 {
		t.Errorf("keel_amf_n2_handovers_total{target-failure} = %v, want 1", n)
	}
	w.tr.check(t, "n2_handover_failure")
}

// TestN2HandoverNotAdmitted: a target that admits none of the UE's
// sessions fails the preparation; the SMF releases the session and the
// target's connection is released.
func TestN2HandoverNotAdmitted(t *testing.T) {
	w := newHOWorld(t, nil)
	w.required(t, 2, 1)
	req := w.request(t)
	tr, err := ngap.HandoverResourceAllocationUnsuccessfulTransfer(ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentRadioResourcesNotAvailable))
	if err != nil {
		t.Fatal(err)
	}
	// §9.2.3.5: the Admitted List is mandatory; the gNB that admits
	// nothing answers Handover Failure, but a list naming a session the
	// UE does not have is the same for the AMF.
	ackTr, _ := ngap.HandoverRequestAcknowledgeTransfer{DL: ngap.Tunnel{Addr: netip.MustParseAddr("10.0.0.2"), TEID: 1}, Flows: []ngap.HandoverFlow{{QFI: 1}}}.Encode()
	container, _ := ngap.TargetToSourceContainer()
	m, err := ngap.BuildHandoverRequestAcknowledge(ngap.HandoverRequestAcknowledge{AMFUE: req.AMFUE, RANUE: 51,
		Admitted: []ngap.HandoverSession{{PDUSessionID: 9, Transfer: ackTr}}, Failed: []ngap.HandoverSession{{PDUSessionID: 1, Transfer: tr}}, Container: container})
	if err != nil {
		t.Fatal(err)
	}
	w.sendTarget(t, m)
	if ev := w.sourceEvent(t, "HandoverPreparationFailure"); ev.Cause != "radio-network/7" {
		t.Errorf("cause %s, want radio-network/7", ev.Cause)
	}
	w.released(t, req.AMFUE, "radio-network/7")
	w.smf.waitStates(t, "PREPARING", "PREPARED")
	w.tr.check(t, "n2_not_admitted")
}
