package gnb

import (
	"net/netip"
	"testing"
	"time"

	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/secret"
)

// A target gNB answers a Handover Request for a UE no source announced
// with Handover Failure (TS 38.413 §8.4.2.3), and one for a UE it
// expects with Handover Request Acknowledge (§8.4.2.2): the session
// admitted on a downlink tunnel of its N3 address, also taking the
// forwarded data, and the UE's new connection handed to the source's
// side with the request's {NH, NCC}.
func TestHandoverRequestAtTarget(t *testing.T) {
	upf := startUPF(t)
	up := gnbUserPlane(t, upf)
	g, amf := setUp(t, up)
	ul := ngap.Tunnel{Addr: netip.MustParseAddr("127.0.0.1"), TEID: 0x1234}
	request := func(amfUE int64) *message.HandoverRequest {
		t.Helper()
		tr, err := ngap.SetupRequestTransfer{AMBRUplink: 1e8, AMBRDownlink: 2e8, UL: ul, PDUType: 1,
			Flows: []ngap.QoSFlow{{QFI: 1, FiveQI: 9, ARPPriority: 8}}}.Encode()
		if err != nil {
			t.Fatal(err)
		}
		loc := g.location(1)
		container, err := ngap.SourceToTargetContainer(loc, loc, 1)
		if err != nil {
			t.Fatal(err)
		}
		var nh secret.Key256
		nh[0] = 7
		m, err := ngap.BuildHandoverRequest(ngap.HandoverRequest{AMFUE: amfUE, Type: ngap.HandoverTypeIntra5GS,
			Cause:          ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentHandoverDesirableForRadioReason),
			UEAMBRDownlink: 2e8, UEAMBRUplink: 1e8, Security: ngap.UESecurityCapabilities{NREncryption: 0xe000, NRIntegrity: 0xe000},
			NH: nh, NCC: 2, Sessions: []ngap.SessionItem{{PDUSessionID: 1, SNSSAI: testSlice, Transfer: tr}},
			AllowedNSSAI: []ident.SNSSAI{testSlice}, Container: container, GUAMI: ident.GUAMI{PLMN: testPLMN, RegionID: 1, SetID: 1, Pointer: 1}})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}

	amf.send(request(40))
	if f, ok := amf.recv().(*message.HandoverFailure); !ok {
		t.Fatalf("unexpected UE: answer %T, want Handover Failure", f)
	} else if f.AMFUENGAPID.Value != 40 || ngap.CauseString(f.Cause) != ngap.CauseString(ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentNoRadioResourcesAvailableInTargetCell)) {
		t.Errorf("Handover Failure for %d, cause %s", f.AMFUENGAPID.Value, ngap.CauseString(f.Cause))
	}

	arrived, forget := g.expectN2(ul)
	defer forget()
	amf.send(request(41))
	m, ok := amf.recv().(*message.HandoverRequestAcknowledge)
	if !ok {
		t.Fatalf("expected UE: answer %T, want Handover Request Acknowledge", m)
	}
	ack, err := ngap.DecodeHandoverRequestAcknowledge(m)
	if err != nil {
		t.Fatal(err)
	}
	if ack.AMFUE != 41 || len(ack.Admitted) != 1 || len(ack.Failed) != 0 {
		t.Fatalf("acknowledge %+v: want UE 41 with session 1 admitted", ack)
	}
	tr, err := ngap.DecodeHandoverRequestAcknowledgeTransfer(ack.Admitted[0].Transfer)
	if err != nil {
		t.Fatal(err)
	}
	if tr.DL.Addr != up.addr || tr.DL.TEID == 0 || tr.Forwarding == nil || *tr.Forwarding != tr.DL || len(tr.Flows) != 1 || !tr.Flows[0].ForwardingAccepted {
		t.Errorf("Handover Request Acknowledge Transfer %+v: want a tunnel on %s also taking forwarded data for QFI 1", tr, up.addr)
	}
	select {
	case a := <-arrived:
		if a.conn.RANUENGAPID() != ack.RANUE || a.conn.AMFUENGAPID() != 41 || a.req.NCC != 2 || a.bearers[1] == nil || a.bearers[1].DLTEID != tr.DL.TEID {
			t.Errorf("arrival %+v: want the acknowledged connection, NCC 2, session 1 on TEID %d", a, tr.DL.TEID)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the arrival was not handed over")
	}
}
