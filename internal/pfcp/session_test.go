package pfcp

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/wmnsk/go-pfcp/message"
)

// TestEstablishmentRoundTrip builds a full 5G session establishment,
// encodes, decodes and parses it, and checks that every value comes back
// and that the decoded message re-encodes to the same bytes.
func TestEstablishmentRoundTrip(t *testing.T) {
	want := testEstablishmentRequest()
	m, err := want.Message(0x123456)
	if err != nil {
		t.Fatalf("Message() = %v", err)
	}
	b, dm := roundTrip(t, m)
	req, ok := dm.(*message.SessionEstablishmentRequest)
	if !ok {
		t.Fatalf("Decode = %T, want *message.SessionEstablishmentRequest", dm)
	}
	if req.Sequence() != 0x123456 || req.SEID() != 0 || req.Header.Flags != 0x21 {
		t.Errorf("header: sequence %#x, SEID %#x, flags %#x, want 0x123456, 0, 0x21", req.Sequence(), req.SEID(), req.Header.Flags)
	}
	got, err := ParseEstablishmentRequest(req)
	if err != nil {
		t.Fatalf("ParseEstablishmentRequest() = %v", err)
	}
	if d := cmp.Diff(want, got, equate); d != "" {
		t.Errorf("ParseEstablishmentRequest() mismatch (-want +got):\n%s", d)
	}
	again, err := Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, b) {
		t.Errorf("re-encoded request differs:\n got %x\nwant %x", again, b)
	}
	// The builder's output is stable: building again gives the same bytes.
	m2, _ := want.Message(0x123456)
	if b2, _ := Marshal(m2); !bytes.Equal(b2, b) {
		t.Errorf("second Message() encodes differently")
	}
}

func TestSessionMessagesRoundTrip(t *testing.T) {
	t.Run("EstablishmentResponse", func(t *testing.T) {
		want := testEstablishmentResponse()
		m, err := want.Message(testCPSEID, 7)
		dm := sameAfterWire(t, want, m, err, ParseEstablishmentResponse)
		if dm.SEID() != testCPSEID {
			t.Errorf("SEID = %#x, want %#x", dm.SEID(), uint64(testCPSEID))
		}
	})
	t.Run("EstablishmentResponseRejected", func(t *testing.T) {
		want := EstablishmentResponse{NodeID: upfNodeID, Cause: CauseMandatoryIEMissing, OffendingIE: 60}
		m, err := want.Message(0, 7)
		sameAfterWire(t, want, m, err, ParseEstablishmentResponse)
	})
	t.Run("ModificationRequest", func(t *testing.T) {
		want := testModificationRequest()
		m, err := want.Message(8)
		sameAfterWire(t, want, m, err, ParseModificationRequest)
	})
	t.Run("ModificationResponse", func(t *testing.T) {
		want := ModificationResponse{Cause: CauseRequestAccepted, CreatedPDRs: []CreatedPDR{{ID: 3, FTEID: FTEID{TEID: testUPTEID, IPv4: upfN3}}}, Usage: testUsage(TriggerQuery)}
		m, err := want.Message(testCPSEID, 8)
		sameAfterWire(t, want, m, err, ParseModificationResponse)
	})
	t.Run("DeletionRequest", func(t *testing.T) {
		_, dm := roundTrip(t, DeletionRequest(testUPSEID, 9))
		if dm.MessageType() != message.MsgTypeSessionDeletionRequest || dm.SEID() != testUPSEID || dm.Sequence() != 9 {
			t.Errorf("decoded %s SEID %#x seq %d", TypeName(dm.MessageType()), dm.SEID(), dm.Sequence())
		}
	})
	t.Run("DeletionResponse", func(t *testing.T) {
		want := DeletionResponse{Cause: CauseRequestAccepted, Usage: testUsage(TriggerTermination)}
		m, err := want.Message(testCPSEID, 9)
		sameAfterWire(t, want, m, err, ParseDeletionResponse)
	})
	t.Run("ReportRequest", func(t *testing.T) {
		want := ReportRequest{SEID: testCPSEID, Usage: testUsage(TriggerVolumeThreshold)}
		m, err := want.Message(10)
		sameAfterWire(t, want, m, err, ParseReportRequest)
	})
	t.Run("ReportRequestDLDR", func(t *testing.T) {
		want := ReportRequest{SEID: testCPSEID, DownlinkData: &DownlinkDataReport{PDRID: 2, QFI: 9}}
		m, err := want.Message(10)
		sameAfterWire(t, want, m, err, ParseReportRequest)
	})
	t.Run("ReportRequestDLDRAndUsage", func(t *testing.T) {
		want := ReportRequest{SEID: testCPSEID, DownlinkData: &DownlinkDataReport{PDRID: 7}, Usage: testUsage(TriggerVolumeThreshold)}
		m, err := want.Message(10)
		sameAfterWire(t, want, m, err, ParseReportRequest)
	})
	t.Run("ModificationRequestIdle", func(t *testing.T) {
		want := ModificationRequest{SEID: testUPSEID, Create: Rules{BARs: []BAR{{ID: 1, SuggestedPackets: 32}}},
			Update:       Rules{FARs: []FAR{{ID: 2, Buffer: true, NotifyCP: true, BARID: 1, Set: FieldID | FieldApplyAction | FieldBARID}}},
			RemoveBARs:   []uint8{3},
			DropBuffered: true}
		m, err := want.Message(8)
		sameAfterWire(t, want, m, err, ParseModificationRequest)
	})
	t.Run("EstablishmentRequestBAR", func(t *testing.T) {
		want := testEstablishmentRequest()
		want.Rules.FARs[1] = FAR{ID: 2, Buffer: true, NotifyCP: true, DestinationInterface: InterfaceAccess, BARID: 1}
		want.Rules.BARs = []BAR{{ID: 1, SuggestedPackets: 64}}
		m, err := want.Message(8)
		sameAfterWire(t, want, m, err, ParseEstablishmentRequest)
	})
	t.Run("ReportRequestEmpty", func(t *testing.T) {
		if _, err := (ReportRequest{SEID: testCPSEID}).Message(10); err == nil {
			t.Error("Message() of a report with nothing to report = nil error")
		}
	})
	t.Run("ReportResponse", func(t *testing.T) {
		want := ReportResponse{Cause: CauseSessionContextNotFound}
		m, err := want.Message(testUPSEID, 10)
		sameAfterWire(t, want, m, err, ParseReportResponse)
	})
}

func TestNodeMessagesRoundTrip(t *testing.T) {
	req, err := AssociationSetupRequest(1, smfNodeID, testRecovery)
	if err != nil {
		t.Fatal(err)
	}
	_, dm := roundTrip(t, req)
	id, rec, cause, err := ParseAssociationSetup(dm)
	if err != nil || id != smfNodeID || !rec.Equal(testRecovery) || cause != 0 {
		t.Errorf("ParseAssociationSetup(request) = %v, %v, %d, %v, want %v, %v, 0, nil", id, rec, cause, err, smfNodeID, testRecovery)
	}

	resp, err := AssociationSetupResponse(1, upfNodeID, CauseRequestAccepted, testRecovery)
	if err != nil {
		t.Fatal(err)
	}
	resp.UPFunctionFeatures = UPFunctionFeaturesIE(FeatureFTUP)
	_, dm = roundTrip(t, resp)
	id, rec, cause, err = ParseAssociationSetup(dm)
	if err != nil || id != upfNodeID || !rec.Equal(testRecovery) || cause != CauseRequestAccepted {
		t.Errorf("ParseAssociationSetup(response) = %v, %v, %d, %v", id, rec, cause, err)
	}
	if f, ok := ParseUPFeatures(dm); !ok || f != FeatureFTUP {
		t.Errorf("ParseUPFeatures() = %#x, %v, want FTUP", f, ok)
	}

	rel, err := AssociationReleaseRequest(2, smfNodeID)
	if err != nil {
		t.Fatal(err)
	}
	_, dm = roundTrip(t, rel)
	if id, cause, err := ParseAssociationRelease(dm); err != nil || id != smfNodeID || cause != 0 {
		t.Errorf("ParseAssociationRelease(request) = %v, %d, %v", id, cause, err)
	}
	relResp, err := AssociationReleaseResponse(2, upfNodeID, CauseRequestAccepted)
	if err != nil {
		t.Fatal(err)
	}
	_, dm = roundTrip(t, relResp)
	if id, cause, err := ParseAssociationRelease(dm); err != nil || id != upfNodeID || cause != CauseRequestAccepted {
		t.Errorf("ParseAssociationRelease(response) = %v, %d, %v", id, cause, err)
	}

	for _, build := range []func(uint32, time.Time) (message.Message, error){
		func(s uint32, r time.Time) (message.Message, error) { return HeartbeatRequest(s, r) },
		func(s uint32, r time.Time) (message.Message, error) { return HeartbeatResponse(s, r) },
	} {
		m, err := build(3, testRecovery)
		if err != nil {
			t.Fatal(err)
		}
		_, dm := roundTrip(t, m)
		if rec, err := ParseHeartbeat(dm); err != nil || !rec.Equal(testRecovery) {
			t.Errorf("ParseHeartbeat(%s) = %v, %v", TypeName(dm.MessageType()), rec, err)
		}
	}
}

func TestNTPEras(t *testing.T) {
	for _, tc := range []struct {
		t    string
		want uint32
	}{
		{"2024-01-02T03:04:05Z", 0xe93dfba5},
		{"2036-02-07T06:28:15Z", 0xffffffff},
		{"2036-02-07T06:28:16Z", 0x00000000}, // era 1
		{"2040-01-01T00:00:00Z", 0x0754fd00},
	} {
		at, _ := time.Parse(time.RFC3339, tc.t)
		got, err := ntpSeconds(at)
		if err != nil || got != tc.want {
			t.Errorf("ntpSeconds(%s) = %#x, %v, want %#x", tc.t, got, err, tc.want)
		}
		if back := fromNTP(got); !back.Equal(at) {
			t.Errorf("fromNTP(%#x) = %v, want %v", got, back, at)
		}
	}
	if _, err := ntpSeconds(time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)); err == nil {
		t.Errorf("ntpSeconds(1960) = nil error, want out of range (its top bit would read as era 1)")
	}
}

func TestRuleUpdates(t *testing.T) {
	r := testRules()
	p := r.PDRs[1].Update(PDR{ID: 2, Precedence: 10, Set: FieldPrecedence})
	if p.Precedence != 10 || p.FARID != 2 || p.UEIPv4 != ueAddr {
		t.Errorf("PDR.Update(precedence) = %+v", p)
	}
	p = r.PDRs[1].Update(PDR{ID: 2, Precedence: 10, FARID: 9})
	if p.Precedence != 10 || p.FARID != 9 || p.UEIPv4.IsValid() {
		t.Errorf("PDR.Update(all fields) = %+v: a zero Set replaces everything", p)
	}
	q := r.QERs[0].Update(QER{ID: 1, Set: FieldGate})
	if q.GateUL || q.GateDL || q.MBRDL != 250_000_000 {
		t.Errorf("QER.Update(gates closed) = %+v", q)
	}
	f := r.FARs[1].Update(FAR{ID: 2, Buffer: true, Set: FieldApplyAction})
	if !f.Buffer || f.Forward || f.Outer == nil || f.Outer.TEID != testGNBTEID {
		t.Errorf("FAR.Update(buffer) = %+v", f)
	}
	c := r.Clone()
	c.PDRs[0].FTEID.ChooseID = 1
	c.FARs[1].Outer.TEID = 1
	c.PDRs[0].QERIDs[0] = 99
	if d := cmp.Diff(testRules(), r, equate); d != "" {
		t.Errorf("Clone shares memory with the original:\n%s", d)
	}
}
