package pfcp

import (
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/wmnsk/go-pfcp/message"
)

// equate compares netip values in cmp.Diff.
var equate = cmpopts.EquateComparable(netip.Addr{}, netip.Prefix{})

// Fixed inputs of the test messages. Values fill their fields with
// irregular bit patterns so that a shifted or truncated field shows.
var (
	smfNodeID = netip.MustParseAddr("10.100.200.1")
	upfNodeID = netip.MustParseAddr("10.100.200.2")
	upfN3     = netip.MustParseAddr("192.168.72.3")
	gnbN3     = netip.MustParseAddr("192.168.71.9")
	ueAddr    = netip.MustParseAddr("10.45.0.7")
	// 2024-01-02T03:04:05Z, NTP seconds 0xe93d_fba5.
	testRecovery = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
)

const (
	testCPSEID  = 0x8000_0000_0000_0a01
	testUPSEID  = 0x0000_0001_2345_6789
	testGNBTEID = 0x8a3f_1c27
	testUPTEID  = 0x0001_4f2b
)

// testRules are the rules of a 5G PDU session (TS 23.502 §4.3.2.2.1 step
// 10): an uplink PDR on an F-TEID the UPF chooses, removing GTP-U, a
// downlink PDR on the UE's address, a FAR each way (the downlink one
// creating GTP-U towards the gNB), one QER with open gates, session
// MBRs and the QFI, and one URR with a volume threshold.
func testRules() Rules {
	return Rules{
		PDRs: []PDR{
			{
				ID: 1, Precedence: 255, SourceInterface: InterfaceAccess,
				FTEID:           &FTEID{Choose: true, ChooseID: 0x5a},
				NetworkInstance: "internet", QFI: 9, RemoveOuterHeader: true,
				FARID: 1, QERIDs: []uint32{1}, URRIDs: []uint32{1},
			},
			{
				ID: 2, Precedence: 255, SourceInterface: InterfaceCore,
				UEIPv4: ueAddr, NetworkInstance: "internet",
				FARID: 2, QERIDs: []uint32{1}, URRIDs: []uint32{1},
			},
		},
		FARs: []FAR{
			{ID: 1, Forward: true, DestinationInterface: InterfaceCore, NetworkInstance: "internet"},
			{ID: 2, Forward: true, DestinationInterface: InterfaceAccess, Outer: &OuterHeader{TEID: testGNBTEID, IPv4: gnbN3}},
		},
		QERs: []QER{{ID: 1, GateUL: true, GateDL: true, MBRUL: 100_000_000, MBRDL: 250_000_000, QFI: 9}},
		URRs: []URR{{ID: 1, VolumeThreshold: 1_000_000_000}},
	}
}

func testEstablishmentRequest() EstablishmentRequest {
	return EstablishmentRequest{NodeID: smfNodeID, CPSEID: testCPSEID, CPAddr: smfNodeID, Rules: testRules(), PDNType: 1}
}

func testEstablishmentResponse() EstablishmentResponse {
	return EstablishmentResponse{
		NodeID: upfNodeID, Cause: CauseRequestAccepted, UPSEID: testUPSEID, UPAddr: upfNodeID,
		CreatedPDRs: []CreatedPDR{{ID: 1, FTEID: FTEID{TEID: testUPTEID, IPv4: upfN3}}},
	}
}

func testUsage(trigger string) []UsageReport {
	return []UsageReport{{
		URRID: 1, Trigger: trigger, Uplink: 600_000_123, Downlink: 400_000_456, Total: 1_000_000_579,
		UplinkPkts: 412_345, DownlinkPkts: 298_765, SeqN: 3,
		Start: testRecovery, End: testRecovery.Add(90 * time.Minute),
	}}
}

func testModificationRequest() ModificationRequest {
	return ModificationRequest{
		SEID: testUPSEID,
		Create: Rules{
			PDRs: []PDR{{ID: 3, Precedence: 100, SourceInterface: InterfaceAccess, FTEID: &FTEID{Choose: true, ChooseID: 0x5a}, QFI: 5, RemoveOuterHeader: true, FARID: 1}},
		},
		Update: Rules{
			FARs: []FAR{{ID: 2, Forward: true, DestinationInterface: InterfaceAccess, Outer: &OuterHeader{TEID: testGNBTEID + 1, IPv4: gnbN3},
				Set: FieldID | FieldApplyAction | FieldDestination | FieldOuterHeader}},
			QERs: []QER{{ID: 1, GateUL: true, GateDL: false, Set: FieldID | FieldGate}},
			URRs: []URR{{ID: 1, VolumeThreshold: 5_000_000_000, Set: FieldID | FieldVolumeThreshold}},
			PDRs: []PDR{{ID: 2, Precedence: 300, Set: FieldID | FieldPrecedence}},
		},
		RemovePDRs: []uint16{7},
		RemoveFARs: []uint32{7},
		RemoveQERs: []uint32{7},
		RemoveURRs: []uint32{7},
		QueryURRs:  true,
	}
}

// roundTrip marshals m and decodes the bytes.
// sameAfterWire checks that want, built into m (err the building's
// failure), sent through the codec and parsed back, is want again, and
// returns the decoded message.
func sameAfterWire[T any, M message.Message](t *testing.T, want T, m M, err error, parse func(M) (T, error)) M {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	_, dm := roundTrip(t, m)
	got, err := parse(dm.(M))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got, equate); d != "" {
		t.Errorf("mismatch (-want +got):\n%s", d)
	}
	return dm.(M)
}

func roundTrip(t *testing.T, m message.Message) ([]byte, message.Message) {
	t.Helper()
	b, err := Marshal(m)
	if err != nil {
		t.Fatalf("Marshal(%s) = %v", TypeName(m.MessageType()), err)
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatalf("Decode(%s %x) = %v", TypeName(m.MessageType()), b, err)
	}
	return b, got
}
