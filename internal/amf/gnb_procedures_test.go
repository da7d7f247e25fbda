package amf_test

import (
	"bytes"
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/free5gc/ngap/aper"
	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/amf"
	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/metrictest"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sim/gnb"
	"github.com/keelcore/keel/internal/sim/scenario"
	"github.com/keelcore/keel/internal/sim/ue"
)

// registered is a core with one UE registered over one simulated gNB.
func registered(t *testing.T) (*core, *gnb.GNB, *scenario.Session) {
	t.Helper()
	c := startCore(t, 1, gmm.Timers{})
	g := c.gnb(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, _, err := scenario.Register(ctx, g, c.ue(t, 0))
	if err != nil {
		t.Fatal(err)
	}
	return c, g, s
}

// sendNGAP sends m on the gNB's association.
func sendNGAP(t *testing.T, g *gnb.GNB, m message.Message) {
	t.Helper()
	b, err := ngap.Encode(m)
	if err != nil {
		t.Fatalf("encoding %T: %v", m, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := g.Send(ctx, b); err != nil {
		t.Fatal(err)
	}
}

// quiet checks that the AMF sends the gNB nothing for a while.
func quiet(t *testing.T, g *gnb.GNB, what string) {
	t.Helper()
	select {
	case ev := <-g.Events():
		t.Errorf("%s: the AMF answered %+v, want no answer", what, ev)
	case <-time.After(300 * time.Millisecond):
	}
}

// ueView waits until the AMF's view of the UE satisfies ok.
func waitUEView(t *testing.T, a *amf.AMF, what string, ok func(amf.UE) bool) amf.UE {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		list := a.UEs()
		if len(list) == 1 && ok(list[0]) {
			return list[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: UE view %+v", what, list)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The simulated gNB reports the UE's radio capability after the Initial
// Context Setup (TS 38.413 §8.14.1); the AMF keeps it and gives it back
// in the Initial Context Setup Request of the UE's next registration
// update, so that gNB does not report it again. An oversized or
// malformed capability is refused, counted, never stored, and not
// answered.
func TestUERadioCapability(t *testing.T) {
	c, g, s := registered(t)
	want := gnb.UERadioCapability([]uint16{78, 1, 3})
	waitUEView(t, c.amf, "capability stored", func(u amf.UE) bool { return u.RadioCapabilityOctets == len(want) })
	if n := metrictest.Value(t, c.reg, "keel_amf_ue_radio_capabilities_total", "result", "stored"); n != 1 {
		t.Errorf("stored capabilities = %v, want 1", n)
	}
	quiet(t, g, "UE Radio Capability Info Indication")

	amfID, ranID := s.Conn.AMFUENGAPID(), s.Conn.RANUENGAPID()
	big := append(bytes.Clone(want), make([]byte, ngap.MaxUERadioCapability)...)
	sendNGAP(t, g, ngap.UERadioCapabilityInfoIndication(amfID, ranID, big))
	sendNGAP(t, g, ngap.UERadioCapabilityInfoIndication(amfID, ranID, []byte{0xff, 0x01, 0x02}))
	quiet(t, g, "refused capabilities")
	for result, n := range map[string]float64{"too-large": 1, "malformed": 1, "stored": 1} {
		if got := metrictest.Value(t, c.reg, "keel_amf_ue_radio_capabilities_total", "result", result); got != n {
			t.Errorf("capabilities %s = %v, want %v", result, got, n)
		}
	}
	waitUEView(t, c.amf, "capability kept", func(u amf.UE) bool { return u.RadioCapabilityOctets == len(want) })

	// Idle, then a mobility registration update on a new connection.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tmsi, ok := s.TMSI()
	if !ok {
		t.Fatal("no 5G-S-TMSI after registration")
	}
	if err := s.Release(ctx); err != nil {
		t.Fatal(err)
	}
	pdu, err := s.UE.RegistrationUpdate(false)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := g.Attach(ctx, pdu, &tmsi)
	if err != nil {
		t.Fatal(err)
	}
	var got []byte
	for registered := false; !registered; {
		select {
		case <-ctx.Done():
			t.Fatal("no registration update")
		case d := <-conn.Downlink():
			if d.Released {
				t.Fatalf("released: %s", d.Cause)
			}
			if d.ContextSetup {
				got = d.UERadioCapability
			}
			res, err := s.UE.Handle(d.NAS)
			if err != nil {
				t.Fatal(err)
			}
			for _, up := range res.Uplink {
				if err := conn.Send(ctx, up); err != nil {
					t.Fatal(err)
				}
			}
			registered = res.Event == ue.EventRegistered
		}
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Initial Context Setup Request of the update carries capability %x, want %x", got, want)
	}
	quiet(t, g, "registration update")
	if n := metrictest.Value(t, c.reg, "keel_amf_ue_radio_capabilities_total", "result", "stored"); n != 1 {
		t.Errorf("stored capabilities after the update = %v, want 1 (the gNB had it)", n)
	}
}

// A gNB configured not to report capabilities sends none, and the AMF
// then sends none in the Initial Context Setup Request.
func TestNoRadioCapability(t *testing.T) {
	c := startCore(t, 1, gmm.Timers{})
	cfg := gnbConfig(1)
	cfg.NoRadioCapability = true
	g, err := gnb.Connect(context.Background(), c.tr, c.addr, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, _, err := scenario.Register(ctx, g, c.ue(t, 0)); err != nil {
		t.Fatal(err)
	}
	quiet(t, g, "registration")
	if u := c.amf.UEs()[0]; u.RadioCapabilityOctets != 0 {
		t.Errorf("UE view %+v, want no capability", u)
	}
}

// Every gNB-initiated procedure Keel does not run is refused for a known
// UE with the procedure's failure message or Error Indication "message
// not compatible with receiver state" (TS 38.413 §10.4), carrying the
// UE's IDs; the same message naming no UE gets "unknown local UE NGAP
// ID" (§10.6). Reports are stored and not answered. The UE stays
// registered and connected through all of it.
func TestGNBProceduresOfAKnownUE(t *testing.T) {
	c, g, s := registered(t)
	quiet(t, g, "registration") // the capability report
	amfID, ranID := s.Conn.AMFUENGAPID(), s.Conn.RANUENGAPID()
	loc := ngap.UELocation{TAI: ident.TAI{PLMN: plmn, TAC: 2}, CellID: 0xabcdef012}
	ulInfo, err := loc.IE()
	if err != nil {
		t.Fatal(err)
	}
	ids := func() (*ie.AMFUENGAPID, *ie.RANUENGAPID) {
		return &ie.AMFUENGAPID{Value: amfID}, &ie.RANUENGAPID{Value: ranID}
	}
	handoverRequired := func(a *ie.AMFUENGAPID, r *ie.RANUENGAPID) message.Message {
		target, _ := ngap.RANNodeID{PLMN: plmn, Kind: ngap.KindGNB, ID: 99, Bits: 22}.IE()
		tai, _ := ngap.EncodeTAI(loc.TAI)
		tr, _ := ie.MarshalBinary(&ie.HandoverRequiredTransfer{})
		return &message.HandoverRequired{AMFUENGAPID: a, RANUENGAPID: r,
			HandoverType: &ie.HandoverType{Value: 0}, Cause: ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentHandoverDesirableForRadioReason),
			TargetID:                           &ie.TargetID{Choice: &ie.TargetRANNodeID{GlobalRANNodeID: target, SelectedTAI: tai}},
			PDUSessionResourceListHORqd:        &ie.PDUSessionResourceListHORqd{List: []ie.PDUSessionResourceItemHORqd{{PDUSessionID: &ie.PDUSessionID{Value: 1}, HandoverRequiredTransfer: (*aper.OctetString)(&tr)}}},
			SourceToTargetTransparentContainer: &ie.SourceToTargetTransparentContainer{Value: []byte{0}},
		}
	}
	nrppa := func(a *ie.AMFUENGAPID, r *ie.RANUENGAPID) message.Message {
		return &message.UplinkUEAssociatedNRPPaTransport{AMFUENGAPID: a, RANUENGAPID: r,
			RoutingID: &ie.RoutingID{Value: []byte{1}}, NRPPaPDU: &ie.NRPPaPDU{Value: []byte{0, 0}}}
	}
	resume := func(a *ie.AMFUENGAPID, r *ie.RANUENGAPID) message.Message {
		return &message.UEContextResumeRequest{AMFUENGAPID: a, RANUENGAPID: r, RRCResumeCause: &ie.RRCEstablishmentCause{Value: 3}}
	}
	suspend := func(a *ie.AMFUENGAPID, r *ie.RANUENGAPID) message.Message {
		return &message.UEContextSuspendRequest{AMFUENGAPID: a, RANUENGAPID: r}
	}
	cancelHO := func(a *ie.AMFUENGAPID, r *ie.RANUENGAPID) message.Message {
		return &message.HandoverCancel{AMFUENGAPID: a, RANUENGAPID: r, Cause: ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentHandoverCancelled)}
	}
	modInd := func(a *ie.AMFUENGAPID, r *ie.RANUENGAPID) message.Message {
		tr, _ := ngap.ModifyIndicationTransfer(ngap.Tunnel{Addr: netip.MustParseAddr("10.0.0.9"), TEID: 9}, []uint8{1})
		m, _ := ngap.PDUSessionResourceModifyIndication(a.Value, r.Value, []ngap.SessionResult{{PDUSessionID: 7, Transfer: tr}})
		return m
	}
	for _, tt := range []struct {
		name  string
		build func(*ie.AMFUENGAPID, *ie.RANUENGAPID) message.Message
		want  string // gnb.Event.Procedure of the answer
		cause string // for an Error Indication
	}{
		// No gNB 99 is connected: unknown-targetID (TS 38.413 §9.3.1.2).
		{"Handover Required", handoverRequired, "HandoverPreparationFailure", "radio-network/12"},
		{"Handover Cancel", cancelHO, "HandoverCancelAcknowledge", ""},
		{"UE Context Resume Request", resume, "*message.UEContextResumeFailure", ""},
		{"UE Context Suspend Request", suspend, "*message.UEContextSuspendFailure", ""},
		{"Uplink UE Associated NRPPa Transport", nrppa, "ErrorIndication", "protocol/3"},
		{"PDU Session Resource Modify Indication of no session", modInd, "*message.PDUSessionResourceModifyConfirm", ""},
	} {
		sendNGAP(t, g, tt.build(ids()))
		ev := next(t, g)
		if ev.Procedure != tt.want || ev.Cause != tt.cause {
			t.Errorf("%s of a known UE: answer %+v, want %s %s", tt.name, ev, tt.want, tt.cause)
		}
		if tt.want == "*message.PDUSessionResourceModifyConfirm" || tt.want == "HandoverCancelAcknowledge" {
			continue // answered, not refused: the procedure exists
		}
		sendNGAP(t, g, tt.build(&ie.AMFUENGAPID{Value: amfID + 1000}, &ie.RANUENGAPID{Value: ranID}))
		if ev := next(t, g); ev.Procedure != "ErrorIndication" || ev.Cause != "radio-network/14" {
			t.Errorf("%s of an unknown UE: answer %+v, want Error Indication radio-network/14", tt.name, ev)
		}
	}
	for proc, n := range map[string]float64{"UEContextResume": 1, "UEContextSuspend": 1, "UplinkUEAssociatedNRPPaTransport": 1} {
		if got := metrictest.Value(t, c.reg, "keel_ngap_refused_procedures_total", "procedure", proc); got != n {
			t.Errorf("refused %s = %v, want %v", proc, got, n)
		}
	}

	// Path Switch Request names the UE by its Source AMF UE NGAP ID, as
	// a target gNB would.
	psr := func(source int64) message.Message {
		sec := ngap.UESecurityCapabilities{NREncryption: ngap.AlgAES, NRIntegrity: ngap.AlgAES}
		tr, _ := ie.MarshalBinary(&ie.PathSwitchRequestTransfer{
			DLNGUUPTNLInformation: func() *ie.UPTransportLayerInformation {
				x, _ := ngap.Tunnel{Addr: netip.MustParseAddr("10.0.0.9"), TEID: 9}.IE()
				return x
			}(),
			QosFlowAcceptedList: &ie.QosFlowAcceptedList{List: []ie.QosFlowAcceptedItem{{QosFlowIdentifier: &ie.QosFlowIdentifier{Value: 1}}}},
		})
		return &message.PathSwitchRequest{RANUENGAPID: &ie.RANUENGAPID{Value: 4242}, SourceAMFUENGAPID: &ie.AMFUENGAPID{Value: source},
			UserLocationInformation: ulInfo, UESecurityCapabilities: sec.IE(),
			PDUSessionResourceToBeSwitchedDLList: &ie.PDUSessionResourceToBeSwitchedDLList{List: []ie.PDUSessionResourceToBeSwitchedDLItem{
				{PDUSessionID: &ie.PDUSessionID{Value: 1}, PathSwitchRequestTransfer: (*aper.OctetString)(&tr)}}}}
	}
	sendNGAP(t, g, psr(amfID))
	if ev := next(t, g); ev.Procedure != "*message.PathSwitchRequestFailure" {
		t.Errorf("Path Switch Request of a known UE: answer %+v, want Path Switch Request Failure", ev)
	}
	sendNGAP(t, g, psr(amfID+1000))
	if ev := next(t, g); ev.Procedure != "ErrorIndication" || ev.Cause != "radio-network/14" {
		t.Errorf("Path Switch Request of an unknown UE: answer %+v, want Error Indication radio-network/14", ev)
	}

	// Reports: stored, no answer.
	a, r := ids()
	sendNGAP(t, g, &message.LocationReport{AMFUENGAPID: a, RANUENGAPID: r, UserLocationInformation: ulInfo,
		LocationReportingRequestType: &ie.LocationReportingRequestType{EventType: &ie.EventType{Value: ie.EventTypePresentDirect},
			ReportArea: &ie.ReportArea{Value: ie.ReportAreaPresentCell}}})
	quiet(t, g, "Location Report")
	u := waitUEView(t, c.amf, "Location Report stored", func(u amf.UE) bool { return u.NRCellID == "abcdef012" })
	if u.TAI != loc.TAI.String() || u.LocationTime == nil {
		t.Errorf("after Location Report: UE view %+v, want TAI %s and a location time", u, loc.TAI)
	}
	a, r = ids()
	sendNGAP(t, g, &message.RRCInactiveTransitionReport{AMFUENGAPID: a, RANUENGAPID: r,
		RRCState: &ie.RRCState{Value: ie.RRCStatePresentInactive}, UserLocationInformation: ulInfo})
	quiet(t, g, "RRC Inactive Transition Report")
	waitUEView(t, c.amf, "RRC state stored", func(u amf.UE) bool { return u.RRCState == "inactive" })
	a, r = ids()
	sendNGAP(t, g, &message.RRCInactiveTransitionReport{AMFUENGAPID: a, RANUENGAPID: r,
		RRCState: &ie.RRCState{Value: ie.RRCStatePresentConnected}, UserLocationInformation: ulInfo})
	waitUEView(t, c.amf, "RRC state connected", func(u amf.UE) bool { return u.RRCState == "connected" })

	// Notify of a session the UE does not have, NAS Non Delivery:
	// logged, not answered.
	ntf, _ := ngap.NotifyReleasedTransfer(ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentUserInactivity))
	m, _ := ngap.PDUSessionResourceNotify(amfID, ranID, []ngap.SessionResult{{PDUSessionID: 3, Transfer: ntf, Failed: true}})
	sendNGAP(t, g, m)
	quiet(t, g, "PDU Session Resource Notify")
	a, r = ids()
	sendNGAP(t, g, &message.NASNonDeliveryIndication{AMFUENGAPID: a, RANUENGAPID: r, NASPDU: &ie.NASPDU{Value: []byte{0x7e, 0x00, 0x54}},
		Cause: ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentNgIntraSystemHandoverTriggered)})
	quiet(t, g, "NAS Non Delivery Indication")

	if u := waitUEView(t, c.amf, "UE after it all", func(amf.UE) bool { return true }); u.State != "registered" || u.AMFUENGAPID != amfID {
		t.Errorf("UE after the refusals: %+v, want registered on its connection", u)
	}
}
