package pfcp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/keelcore/keel/internal/goldentest"
	"github.com/wmnsk/go-pfcp/ie"
	"github.com/wmnsk/go-pfcp/message"
)

// without returns a copy of the grouped IE g without its children of
// type t.
func without(g *ie.IE, t uint16) *ie.IE {
	var c []*ie.IE
	for _, x := range g.ChildIEs {
		if x.Type != t {
			c = append(c, x)
		}
	}
	return ie.NewGroupedIE(g.Type, c...)
}

// replacing returns a copy of the grouped IE g with its child of type t
// replaced by r (in a child group of type inside, when not 0).
func replacing(g *ie.IE, inside, t uint16, r *ie.IE) *ie.IE {
	var c []*ie.IE
	for _, x := range g.ChildIEs {
		switch {
		case inside != 0 && x.Type == inside:
			x = replacing(x, 0, t, r)
		case inside == 0 && x.Type == t:
			x = r
		}
		c = append(c, x)
	}
	return ie.NewGroupedIE(g.Type, c...)
}

// establishment encodes the test Session Establishment Request after
// mutate changed it.
func establishment(t *testing.T, mutate func(m *message.SessionEstablishmentRequest)) []byte {
	t.Helper()
	m, err := testEstablishmentRequest().Message(0x0a0b0c)
	if err != nil {
		t.Fatal(err)
	}
	mutate(m)
	b, err := Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// setLength rewrites the length of the first IE in b whose header is
// hdr (type and length, 4 octets).
func setLength(t *testing.T, b []byte, hdr string, n uint16) []byte {
	t.Helper()
	h := mustHex(t, hdr)
	i := bytes.Index(b, h)
	if i < 0 {
		t.Fatalf("IE header %s not found", hdr)
	}
	b = bytes.Clone(b)
	binary.BigEndian.PutUint16(b[i+2:], n)
	return b
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := goldentest.ParseHex([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// parseAny decodes b and runs the Parse function of its type.
func parseAny(b []byte) error {
	m, err := Decode(b)
	if err != nil {
		return err
	}
	return parseMessage(m)
}

func parseMessage(m message.Message) error {
	var err error
	switch m := m.(type) {
	case *message.SessionEstablishmentRequest:
		_, err = ParseEstablishmentRequest(m)
	case *message.SessionEstablishmentResponse:
		_, err = ParseEstablishmentResponse(m)
	case *message.SessionModificationRequest:
		_, err = ParseModificationRequest(m)
	case *message.SessionModificationResponse:
		_, err = ParseModificationResponse(m)
	case *message.SessionDeletionResponse:
		_, err = ParseDeletionResponse(m)
	case *message.SessionReportRequest:
		_, err = ParseReportRequest(m)
	case *message.SessionReportResponse:
		_, err = ParseReportResponse(m)
	case *message.AssociationSetupRequest, *message.AssociationSetupResponse:
		ParseUPFeatures(m)
		_, _, _, err = ParseAssociationSetup(m)
	case *message.AssociationReleaseRequest, *message.AssociationReleaseResponse:
		_, _, err = ParseAssociationRelease(m)
	case *message.AssociationUpdateRequest, *message.AssociationUpdateResponse:
		_, err = ParseAssociationUpdate(m)
	case *message.HeartbeatRequest, *message.HeartbeatResponse:
		_, err = ParseHeartbeat(m)
	}
	return err
}

// TestRefusals checks the cause and offending IE of each kind of bad
// request (TS 29.244 §7.6): a refusal must be a *CauseError that still
// knows the message type and sequence number, so that the response can
// be sent.
func TestRefusals(t *testing.T) {
	pdr := func(m *message.SessionEstablishmentRequest) **ie.IE { return &m.CreatePDR[0] }
	far := func(m *message.SessionEstablishmentRequest) **ie.IE { return &m.CreateFAR[1] }
	valid := establishment(t, func(*message.SessionEstablishmentRequest) {})
	for _, tc := range []struct {
		name      string
		b         []byte
		cause     uint8
		offending uint16
		typ       uint8
	}{
		{"missing Node ID", establishment(t, func(m *message.SessionEstablishmentRequest) { m.NodeID = nil }), CauseMandatoryIEMissing, ie.NodeID, 50},
		{"missing F-SEID", establishment(t, func(m *message.SessionEstablishmentRequest) { m.CPFSEID = nil }), CauseMandatoryIEMissing, ie.FSEID, 50},
		{"no Create PDR", establishment(t, func(m *message.SessionEstablishmentRequest) { m.CreatePDR = nil }), CauseMandatoryIEMissing, ie.CreatePDR, 50},
		{"no Create FAR", establishment(t, func(m *message.SessionEstablishmentRequest) { m.CreateFAR = nil }), CauseMandatoryIEMissing, ie.CreateFAR, 50},
		{"Node ID too short", establishment(t, func(m *message.SessionEstablishmentRequest) { m.NodeID = ie.New(ie.NodeID, []byte{0, 10, 100}) }), CauseMandatoryIEIncorrect, ie.NodeID, 50},
		{"Node ID of unknown type", establishment(t, func(m *message.SessionEstablishmentRequest) { m.NodeID = ie.New(ie.NodeID, []byte{7, 1, 2, 3, 4}) }), CauseMandatoryIEIncorrect, ie.NodeID, 50},
		{"F-SEID without an address", establishment(t, func(m *message.SessionEstablishmentRequest) {
			m.CPFSEID = ie.New(ie.FSEID, []byte{0, 1, 2, 3, 4, 5, 6, 7, 8})
		}), CauseMandatoryIEIncorrect, ie.FSEID, 50},
		{"F-SEID V4 without the address", establishment(t, func(m *message.SessionEstablishmentRequest) {
			m.CPFSEID = ie.New(ie.FSEID, []byte{2, 1, 2, 3, 4, 5, 6, 7, 8, 10})
		}), CauseMandatoryIEIncorrect, ie.FSEID, 50},
		{"PDR without PDI", establishment(t, func(m *message.SessionEstablishmentRequest) { *pdr(m) = without(*pdr(m), ie.PDI) }), CauseMandatoryIEMissing, ie.PDI, 50},
		{"PDR without Precedence", establishment(t, func(m *message.SessionEstablishmentRequest) { *pdr(m) = without(*pdr(m), ie.Precedence) }), CauseMandatoryIEMissing, ie.Precedence, 50},
		{"PDR without PDR ID", establishment(t, func(m *message.SessionEstablishmentRequest) { *pdr(m) = without(*pdr(m), ie.PDRID) }), CauseMandatoryIEMissing, ie.PDRID, 50},
		{"PDR without FAR ID", establishment(t, func(m *message.SessionEstablishmentRequest) { *pdr(m) = without(*pdr(m), ie.FARID) }), CauseConditionalIEMissing, ie.FARID, 50},
		{"PDI without Source Interface", establishment(t, func(m *message.SessionEstablishmentRequest) {
			p := *pdr(m)
			*pdr(m) = replacing(p, 0, ie.PDI, without(first(p.ChildIEs, ie.PDI), ie.SourceInterface))
		}), CauseMandatoryIEMissing, ie.SourceInterface, 50},
		{"F-TEID without its TEID", establishment(t, func(m *message.SessionEstablishmentRequest) {
			*pdr(m) = replacing(*pdr(m), ie.PDI, ie.FTEID, ie.New(ie.FTEID, []byte{0x01, 0, 0}))
		}), CauseMandatoryIEIncorrect, ie.FTEID, 50},
		{"Outer Header Removal of an IPv4 header", establishment(t, func(m *message.SessionEstablishmentRequest) {
			*pdr(m) = replacing(*pdr(m), 0, ie.OuterHeaderRemoval, ie.New(ie.OuterHeaderRemoval, []byte{4}))
		}), CauseMandatoryIEIncorrect, ie.OuterHeaderRemoval, 50},
		{"FAR without Apply Action", establishment(t, func(m *message.SessionEstablishmentRequest) { *far(m) = without(*far(m), ie.ApplyAction) }), CauseMandatoryIEMissing, ie.ApplyAction, 50},
		{"FAR forwarding without Forwarding Parameters", establishment(t, func(m *message.SessionEstablishmentRequest) {
			*far(m) = without(*far(m), ie.ForwardingParameters)
		}), CauseConditionalIEMissing, ie.ForwardingParameters, 50},
		{"Apply Action DROP and FORW", establishment(t, func(m *message.SessionEstablishmentRequest) {
			*far(m) = replacing(*far(m), 0, ie.ApplyAction, ie.New(ie.ApplyAction, []byte{0x03}))
		}), CauseMandatoryIEIncorrect, ie.ApplyAction, 50},
		{"Forwarding Parameters without Destination Interface", establishment(t, func(m *message.SessionEstablishmentRequest) {
			f := *far(m)
			*far(m) = replacing(f, 0, ie.ForwardingParameters, without(first(f.ChildIEs, ie.ForwardingParameters), ie.DestinationInterface))
		}), CauseMandatoryIEMissing, ie.DestinationInterface, 50},
		{"Outer Header Creation of UDP/IPv6", establishment(t, func(m *message.SessionEstablishmentRequest) {
			*far(m) = replacing(*far(m), ie.ForwardingParameters, ie.OuterHeaderCreation, ie.New(ie.OuterHeaderCreation, append([]byte{0x08, 0}, make([]byte, 18)...)))
		}), CauseMandatoryIEIncorrect, ie.OuterHeaderCreation, 50},
		{"QER without Gate Status", establishment(t, func(m *message.SessionEstablishmentRequest) { m.CreateQER[0] = without(m.CreateQER[0], ie.GateStatus) }), CauseMandatoryIEMissing, ie.GateStatus, 50},
		{"MBR too short", establishment(t, func(m *message.SessionEstablishmentRequest) {
			m.CreateQER[0] = replacing(m.CreateQER[0], 0, ie.MBR, ie.New(ie.MBR, make([]byte, 9)))
		}), CauseMandatoryIEIncorrect, ie.MBR, 50},
		{"URR without Measurement Method", establishment(t, func(m *message.SessionEstablishmentRequest) {
			m.CreateURR[0] = without(m.CreateURR[0], ie.MeasurementMethod)
		}), CauseMandatoryIEMissing, ie.MeasurementMethod, 50},
		{"URR without Reporting Triggers", establishment(t, func(m *message.SessionEstablishmentRequest) {
			m.CreateURR[0] = without(m.CreateURR[0], ie.ReportingTriggers)
		}), CauseMandatoryIEMissing, ie.ReportingTriggers, 50},
		{"URR VOLTH without Volume Threshold", establishment(t, func(m *message.SessionEstablishmentRequest) {
			m.CreateURR[0] = without(m.CreateURR[0], ie.VolumeThreshold)
		}), CauseConditionalIEMissing, ie.VolumeThreshold, 50},

		// Structure, found by Decode (§7.6.3).
		{"Node ID overrunning the message", setLength(t, valid, "003c 0005", 0x0400), CauseInvalidLength, ie.NodeID, 50},
		{"PDI overrunning its Create PDR", setLength(t, valid, "0002 001d", 0x0040), CauseInvalidLength, ie.PDI, 50},
		{"message length beyond the datagram", func() []byte {
			b := bytes.Clone(valid)
			binary.BigEndian.PutUint16(b[2:], binary.BigEndian.Uint16(b[2:])+1)
			return b
		}(), CauseInvalidLength, 0, 50},
		{"datagram truncated", valid[:len(valid)-1], CauseInvalidLength, 0, 50},
		{"trailing octets without FO", append(bytes.Clone(valid), 0, 0), CauseInvalidLength, 0, 50},
		{"truncated IE header", func() []byte {
			b := append(bytes.Clone(valid), 0, 0x3c, 0)
			binary.BigEndian.PutUint16(b[2:], uint16(len(b)-4))
			return b
		}(), CauseInvalidLength, 0, 50},
		{"S flag on a node message", mustHex(t, "2101 0014 0000000000000001 00000100 0060 0004 e93dfba5"), CauseRequestRejected, 0, 1},

		// Other messages.
		{"Remove PDR without PDR ID", func() []byte {
			m := message.NewSessionModificationRequest(0, 0, testUPSEID, 5, 0, ie.NewGroupedIE(ie.RemovePDR, u32IE(ie.FARID, 1)))
			b, _ := Marshal(m)
			return b
		}(), CauseMandatoryIEMissing, ie.PDRID, 52},
		{"Update QER without QER ID", func() []byte {
			m := message.NewSessionModificationRequest(0, 0, testUPSEID, 5, 0, ie.NewGroupedIE(ie.UpdateQER, gateIE(true, true)))
			b, _ := Marshal(m)
			return b
		}(), CauseMandatoryIEMissing, ie.QERID, 52},
		{"Association Setup Request without Recovery Time Stamp", mustHex(t, "2005 000d 00000100 003c 0005 00 0a64c801"), CauseMandatoryIEMissing, ie.RecoveryTimeStamp, 5},
		{"Association Setup Request without Node ID", mustHex(t, "2005 000c 00000100 0060 0004 e93dfba5"), CauseMandatoryIEMissing, ie.NodeID, 5},
		{"Heartbeat Request without Recovery Time Stamp", mustHex(t, "2001 0004 00000100"), CauseMandatoryIEMissing, ie.RecoveryTimeStamp, 1},
		{"Session Report Request without Report Type", mustHex(t, "2138 000c 8000000000000a01 00000a00"), CauseMandatoryIEMissing, ie.ReportType, 56},
		{"Session Report Request USAR without Usage Report", mustHex(t, "2138 0011 8000000000000a01 00000a00 0027 0001 02"), CauseConditionalIEMissing, ie.UsageReportWithinSessionReportRequest, 56},
		{"Usage Report without UR-SEQN", func() []byte {
			m := message.NewSessionReportRequest(0, 0, testCPSEID, 10, 0, u8IE(ie.ReportType, 2),
				ie.NewGroupedIE(ie.UsageReportWithinSessionReportRequest, u32IE(ie.URRID, 1), newIE(ie.UsageReportTrigger, []byte{2, 0, 0})))
			b, _ := Marshal(m)
			return b
		}(), CauseMandatoryIEMissing, ie.URSEQN, 56},
		{"Apply Action NOCP without BUFF", establishment(t, func(m *message.SessionEstablishmentRequest) {
			*far(m) = replacing(*far(m), 0, ie.ApplyAction, ie.New(ie.ApplyAction, []byte{0x0a}))
		}), CauseMandatoryIEIncorrect, ie.ApplyAction, 50},
		{"Create BAR without BAR ID", establishment(t, func(m *message.SessionEstablishmentRequest) {
			m.CreateBAR = ie.NewGroupedIE(ie.CreateBAR, u8IE(ie.SuggestedBufferingPacketsCount, 8))
		}), CauseMandatoryIEMissing, ie.BARID, 50},
		{"Session Report Request DLDR without Downlink Data Report", mustHex(t, "2138 0011 8000000000000a01 00000a00 0027 0001 01"), CauseConditionalIEMissing, ie.DownlinkDataReport, 56},
		{"Downlink Data Report without PDR ID", func() []byte {
			m := message.NewSessionReportRequest(0, 0, testCPSEID, 10, 0, u8IE(ie.ReportType, 1),
				ie.NewGroupedIE(ie.DownlinkDataReport, newIE(ie.DownlinkDataServiceInformation, []byte{2, 9})))
			b, _ := Marshal(m)
			return b
		}(), CauseMandatoryIEMissing, ie.PDRID, 56},
		{"Downlink Data Service Information QFII without a QFI", func() []byte {
			m := message.NewSessionReportRequest(0, 0, testCPSEID, 10, 0, u8IE(ie.ReportType, 1),
				ie.NewGroupedIE(ie.DownlinkDataReport, u16IE(ie.PDRID, 2), newIE(ie.DownlinkDataServiceInformation, []byte{3, 1})))
			b, _ := Marshal(m)
			return b
		}(), CauseMandatoryIEIncorrect, ie.DownlinkDataServiceInformation, 56},
		{"Session Deletion Response without Cause", mustHex(t, "2137 000c 8000000000000a01 00000900"), CauseMandatoryIEMissing, ie.Cause, 55},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := parseAny(tc.b)
			var ce *CauseError
			if !errors.As(err, &ce) {
				t.Fatalf("parse = %v, want a *CauseError", err)
			}
			if ce.Cause != tc.cause || ce.OffendingIE != tc.offending {
				t.Errorf("parse = %v: cause %d offending IE %d, want cause %d offending IE %d", err, ce.Cause, ce.OffendingIE, tc.cause, tc.offending)
			}
			if ce.MessageType != tc.typ {
				t.Errorf("CauseError.MessageType = %d, want %d", ce.MessageType, tc.typ)
			}
			if tc.typ == 50 && ce.Sequence != 0x0a0b0c {
				t.Errorf("CauseError.Sequence = %#x, want 0x0a0b0c", ce.Sequence)
			}
		})
	}
}

// TestDiscarded checks the input §7.6 says to drop without a cause.
func TestDiscarded(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrTooShort},
		{"three octets", []byte{0x20, 0x01, 0x00}, ErrTooShort},
		{"session header cut", mustHex(t, "2132 0010 0000000000"), ErrTooShort},
		{"version 2", mustHex(t, "4001 000c 00000100 0060 0004 e93dfba5"), ErrVersionNotSupported},
		{"unknown message type 99", mustHex(t, "2063 0004 00000100"), ErrUnknownMessage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.b)
			var ce *CauseError
			if !errors.As(err, &ce) || !errors.Is(err, tc.want) {
				t.Fatalf("Decode = %v, want a *CauseError for %v", err, tc.want)
			}
			if ce.Answerable() {
				t.Errorf("Answerable() = true for %v", err)
			}
		})
	}
}

// TestBundled checks that Split separates messages bundled with the FO
// flag (§7.2.1A) and that Decode reads the first of them.
func TestBundled(t *testing.T) {
	a, _ := HeartbeatRequest(1, testRecovery)
	b, _ := HeartbeatRequest(2, testRecovery)
	ab, _ := Marshal(a)
	bb, _ := Marshal(b)
	ab[0] |= flagFO
	dgram := append(bytes.Clone(ab), bb...)
	first, rest := Split(dgram)
	if !bytes.Equal(first, ab) || !bytes.Equal(rest, bb) {
		t.Fatalf("Split = %x, %x, want %x, %x", first, rest, ab, bb)
	}
	m, err := Decode(dgram)
	if err != nil || m.Sequence() != 1 {
		t.Fatalf("Decode(bundle) = %v, %v, want the first message", m, err)
	}
	if first, rest := Split(bb); !bytes.Equal(first, bb) || rest != nil {
		t.Errorf("Split(single) = %x, %x", first, rest)
	}
}

// TestRefusalResponses checks that CauseError.Response builds the
// response type of each request, with the cause and offending IE.
func TestRefusalResponses(t *testing.T) {
	for _, req := range []uint8{3, 5, 7, 9, 12, 14, 50, 52, 54, 56} {
		ce := &CauseError{Cause: CauseMandatoryIEMissing, OffendingIE: ie.NodeID, MessageType: req, Sequence: 77}
		m, err := ce.Response(testCPSEID, upfNodeID, testRecovery)
		if err != nil || m == nil {
			t.Fatalf("Response to %s = %v, %v", TypeName(req), m, err)
		}
		b, dm := roundTrip(t, m)
		if dm.MessageType() != req+1 || dm.Sequence() != 77 {
			t.Errorf("Response to %s is %s seq %d", TypeName(req), TypeName(dm.MessageType()), dm.Sequence())
		}
		if !bytes.Contains(b, mustHex(t, "0013 0001 42")) {
			t.Errorf("Response to %s %x has no cause 66", TypeName(req), b)
		}
		if err := parseMessage(dm); err != nil {
			t.Errorf("Response to %s does not parse: %v", TypeName(req), err)
		}
		if isSessionType(req) && dm.SEID() != testCPSEID {
			t.Errorf("Response to %s has SEID %#x", TypeName(req), dm.SEID())
		}
	}
	if m, err := (&CauseError{Cause: 66, MessageType: 1}).Response(0, upfNodeID, testRecovery); m != nil || err != nil {
		t.Errorf("Response to a Heartbeat Request = %v, %v, want none", m, err)
	}
}
