package ngap

import (
	"bytes"
	"net/netip"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/goldentest"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/tsharktest"
)

// Fixed inputs of the handover golden PDUs.
var (
	testTargetGNB  = RANNodeID{PLMN: testPLMN, Kind: KindGNB, ID: 0x2abcd, Bits: 22}
	testTargetLoc  = UELocation{TAI: ident.TAI{PLMN: testPLMN, TAC: 0x000002}, CellID: 0x987654321, CellPLMN: testPLMN}
	testTargetDL   = Tunnel{Addr: netip.MustParseAddr("10.200.0.2"), TEID: 0x0a0b0c0d}
	testFwdTunnel  = Tunnel{Addr: netip.MustParseAddr("10.200.0.2"), TEID: 0x0f0f0f0f}
	testHORqdXfer  = HandoverRequiredTransfer{DirectForwarding: true}
	testHOAckXfer  = HandoverRequestAcknowledgeTransfer{DL: testTargetDL, Forwarding: &testFwdTunnel, Flows: []HandoverFlow{{QFI: 1, ForwardingAccepted: true}}}
	testHOCmdXfer  = HandoverCommandTransfer{Forwarding: &testFwdTunnel, QFIs: []uint8{1}}
	testHOCmdEmpty = HandoverCommandTransfer{}
)

func testHandoverRequired(t testing.TB) HandoverRequired {
	return HandoverRequired{
		AMFUE: testAMFUE, RANUE: testRANUE, Type: HandoverTypeIntra5GS,
		Cause:  RadioNetworkCause(ie.CauseRadioNetworkPresentHandoverDesirableForRadioReason),
		Target: testTargetGNB, TargetTAI: testTargetLoc.TAI, DirectForwarding: true,
		Sessions:  []HandoverSession{{PDUSessionID: 5, Transfer: mustEncode(t, testHORqdXfer)}, {PDUSessionID: 6, Transfer: mustEncode(t, HandoverRequiredTransfer{})}},
		Container: must(SourceToTargetContainer(testTargetLoc, testLoc, 30)),
	}
}

func testHandoverRequest(t testing.TB) HandoverRequest {
	return HandoverRequest{
		AMFUE: testAMFUE, Type: HandoverTypeIntra5GS,
		Cause:          RadioNetworkCause(ie.CauseRadioNetworkPresentHandoverDesirableForRadioReason),
		UEAMBRDownlink: 2_000_000_000, UEAMBRUplink: 1_000_000_000,
		Security: UESecurityCapabilities{NREncryption: AlgSNOW3G | AlgAES | AlgZUC, NRIntegrity: AlgAES, EUTRAEncryption: AlgAES, EUTRAIntegrity: AlgSNOW3G | AlgAES},
		NH:       testNH, NCC: 2,
		Sessions:     []SessionItem{{PDUSessionID: 5, SNSSAI: ident.SNSSAI{SST: 1, SD: 0xabcdef, HasSD: true}, Transfer: mustEncode(t, testSetupXfer)}},
		AllowedNSSAI: []ident.SNSSAI{{SST: 1, SD: 0xabcdef, HasSD: true}},
		Container:    must(SourceToTargetContainer(testTargetLoc, testLoc, 30)),
		GUAMI:        testGUAMI,
	}
}

func testHandoverAck(t testing.TB) HandoverRequestAcknowledge {
	return HandoverRequestAcknowledge{
		AMFUE: testAMFUE, RANUE: testRANUE + 1,
		Admitted:  []HandoverSession{{PDUSessionID: 5, Transfer: mustEncode(t, testHOAckXfer)}},
		Failed:    []HandoverSession{{PDUSessionID: 6, Transfer: must(HandoverResourceAllocationUnsuccessfulTransfer(RadioNetworkCause(ie.CauseRadioNetworkPresentRadioResourcesNotAvailable)))}},
		Container: must(TargetToSourceContainer()),
	}
}

func testHandoverCommand(t testing.TB) HandoverCommand {
	return HandoverCommand{
		AMFUE: testAMFUE, RANUE: testRANUE, Type: HandoverTypeIntra5GS,
		Sessions:  []HandoverSession{{PDUSessionID: 5, Transfer: mustEncode(t, testHOCmdXfer)}},
		Released:  []HandoverSession{{PDUSessionID: 6, Transfer: must(HandoverPreparationUnsuccessfulTransfer(RadioNetworkCause(ie.CauseRadioNetworkPresentHoFailureInTarget5GCNgranNodeOrTargetSystem)))}},
		Container: must(TargetToSourceContainer()),
	}
}

var testStatus = DRBStatus12(1, 3, 0x123, 4, 0x456)

// handoverGoldenCases are the messages of N2 handover, built from fixed
// inputs, pinned in testdata and read by tshark.
func handoverGoldenCases(t testing.TB) []goldenCase {
	ids := ueIDFields
	return []goldenCase{
		{
			name:    "handover_required",
			about:   "Handover Required (TS 38.413 §9.2.3.1): intra5gs to gNB 0x2abcd/22 TAC 2, handover-desirable-for-radio-reasons, sessions 5 (direct path) and 6",
			build:   built(func() (*message.HandoverRequired, error) { return BuildHandoverRequired(testHandoverRequired(t)) }),
			element: "ngap.HandoverRequired_element",
			want: with(ids, map[string]string{"ngap.procedureCode": "12", "ngap.HandoverType": "0", "ngap.radioNetwork": "16",
				"ngap.gNB_ID": "0aaf34", "ngap.tAC": "2", "ngap.pDUSessionID": "5,6", "ngap.directForwardingPathAvailability": "0", "ngap.DirectForwardingPathAvailability": "0",
				"ngap.HandoverRequiredTransfer_element": "1,1", "ngap.SourceNGRANNode_ToTargetNGRANNode_TransparentContainer_element": "1",
				"ngap.timeUEStayedInCell": "30", "ngap.rRCContainer": "0000"}),
		},
		{
			name:    "handover_request",
			about:   "Handover Request (TS 38.413 §9.2.3.4): NCC 2 with its NH, UE-AMBR, session 5 with its setup transfer, allowed NSSAI, GUAMI",
			build:   built(func() (*message.HandoverRequest, error) { return BuildHandoverRequest(testHandoverRequest(t)) }),
			element: "ngap.HandoverRequest_element",
			want: map[string]string{"ngap.AMF_UE_NGAP_ID": "78187493530", "ngap.procedureCode": "13", "ngap.nextHopChainingCount": "2",
				"ngap.nextHopNH":                   "f0efeeedecebeae9e8e7e6e5e4e3e2e1e0dfdedddcdbdad9d8d7d6d5d4d3d2d1",
				"ngap.uEAggregateMaximumBitRateDL": "2000000000", "ngap.pDUSessionID": "5", "ngap.sST": "01,01",
				"ngap.gTP_TEID": "00c0ffee", "ngap.aMFRegionID": "ca", "ngap.nRintegrityProtectionAlgorithms": "4000"},
		},
		{
			name:  "handover_request_acknowledge",
			about: "Handover Request Acknowledge (TS 38.413 §9.2.3.5): session 5 admitted on 10.200.0.2/0x0a0b0c0d with forwarding tunnel 0x0f0f0f0f, session 6 failed (radio-resources-not-available)",
			build: built(func() (*message.HandoverRequestAcknowledge, error) {
				return BuildHandoverRequestAcknowledge(testHandoverAck(t))
			}),
			element: "ngap.HandoverRequestAcknowledge_element",
			want: map[string]string{"ngap.AMF_UE_NGAP_ID": "78187493530", "ngap.RAN_UE_NGAP_ID": "2147483650", "ngap.procedureCode": "13",
				"ngap.pDUSessionID": "5,6", "ngap.gTP_TEID": "0a0b0c0d,0f0f0f0f", "ngap.TransportLayerAddressIPv4": "10.200.0.2,10.200.0.2",
				"ngap.dataForwardingAccepted": "0", "ngap.radioNetwork": "22", "ngap.rRCContainer": "001000"},
		},
		{
			name:  "handover_failure",
			about: "Handover Failure (TS 38.413 §9.2.3.6): no radio resources available in target cell",
			build: built(func() (*message.HandoverFailure, error) {
				return HandoverFailure(testAMFUE, RadioNetworkCause(ie.CauseRadioNetworkPresentNoRadioResourcesAvailableInTargetCell))
			}),
			element: "ngap.HandoverFailure_element",
			want:    map[string]string{"ngap.AMF_UE_NGAP_ID": "78187493530", "ngap.procedureCode": "13", "ngap.radioNetwork": "13"},
		},
		{
			name:    "handover_command",
			about:   "Handover Command (TS 38.413 §9.2.3.2): session 5 forwarded to 0x0f0f0f0f for QoS flow 1, session 6 released (ho-failure-in-target-5GC-ngran-node-or-target-system)",
			build:   built(func() (*message.HandoverCommand, error) { return BuildHandoverCommand(testHandoverCommand(t)) }),
			element: "ngap.HandoverCommand_element",
			want: with(ids, map[string]string{"ngap.procedureCode": "12", "ngap.HandoverType": "0", "ngap.pDUSessionID": "5,6",
				"ngap.gTP_TEID": "0f0f0f0f", "ngap.qosFlowIdentifier": "1", "ngap.radioNetwork": "7", "ngap.rRCContainer": "001000"}),
		},
		{
			name:  "uplink_ran_status_transfer",
			about: "Uplink RAN Status Transfer (TS 38.413 §9.2.3.13): DRB 1, UL COUNT HFN 3 SN 0x123, DL COUNT HFN 4 SN 0x456 (12-bit SNs)",
			build: built(func() (*message.UplinkRANStatusTransfer, error) {
				return UplinkRANStatusTransfer(testAMFUE, testRANUE, testStatus)
			}),
			element: "ngap.UplinkRANStatusTransfer_element",
			want:    with(ids, map[string]string{"ngap.procedureCode": "49", "ngap.dRB_ID": "1", "ngap.pDCP_SN12": "291,1110", "ngap.hFN_PDCP_SN12": "3,4"}),
		},
		{
			name:  "downlink_ran_status_transfer",
			about: "Downlink RAN Status Transfer (TS 38.413 §9.2.3.14): the Uplink one's container relayed to the target",
			build: built(func() (*message.DownlinkRANStatusTransfer, error) {
				return DownlinkRANStatusTransfer(testAMFUE, testRANUE+1, testStatus)
			}),
			element: "ngap.DownlinkRANStatusTransfer_element",
			want:    map[string]string{"ngap.procedureCode": "7", "ngap.dRB_ID": "1", "ngap.pDCP_SN12": "291,1110"},
		},
		{
			name:    "handover_notify",
			about:   "Handover Notify (TS 38.413 §9.2.3.7): the UE in NR cell 0x987654321, TAC 2",
			build:   built(func() (*message.HandoverNotify, error) { return HandoverNotify(testAMFUE, testRANUE, testTargetLoc) }),
			element: "ngap.HandoverNotify_element",
			want:    with(ids, map[string]string{"ngap.procedureCode": "11", "ngap.NRCellIdentity": "0x0000000987654321", "ngap.tAC": "2"}),
		},
		{
			name:  "handover_cancel",
			about: "Handover Cancel (TS 38.413 §9.2.3.11): handover-cancelled",
			build: built(func() (*message.HandoverCancel, error) {
				return HandoverCancel(testAMFUE, testRANUE, RadioNetworkCause(ie.CauseRadioNetworkPresentHandoverCancelled))
			}),
			element: "ngap.HandoverCancel_element",
			want:    with(ids, map[string]string{"ngap.procedureCode": "10", "ngap.radioNetwork": "5"}),
		},
	}
}

func handoverGoldenPDUs(t *testing.T) [][]byte {
	t.Helper()
	var out [][]byte
	for _, c := range handoverGoldenCases(t) {
		m, err := c.build()
		if err != nil {
			t.Fatalf("%s: build: %v", c.name, err)
		}
		b, err := Encode(m)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		out = append(out, b)
	}
	return out
}

// TestHandoverGolden pins the encoding of every handover message
// (regenerate with -update and review the diff) and seeds FuzzDecode
// with it.
func TestHandoverGolden(t *testing.T) {
	cases := handoverGoldenCases(t)
	for i, b := range handoverGoldenPDUs(t) {
		c := cases[i]
		goldentest.Seed(t, filepath.Join("testdata", "fuzz", "FuzzDecode", c.name), b, *update)
		want := goldentest.Hex(t, filepath.Join("testdata", c.name+".hex"), c.about, b, *update)
		if *update {
			continue
		}
		m, err := Decode(want)
		if err != nil {
			t.Errorf("%s: Decode(golden) = %v", c.name, err)
			continue
		}
		if again, err := Encode(m); err != nil || !bytes.Equal(again, want) {
			t.Errorf("%s: Encode(Decode(golden)) = %x, %v, want the golden bytes", c.name, again, err)
		}
	}
}

// TestTsharkDecodesHandover has tshark read every handover golden PDU:
// no malformed packet nor expert error, the message recognised, the
// transfers and the transparent containers (with the NR RRC messages in
// them) decoded to the values the builders were given.
func TestTsharkDecodesHandover(t *testing.T) {
	cases := handoverGoldenCases(t)
	pdus := handoverGoldenPDUs(t)
	run := tsharktest.Runner(t, tsharktest.Pcap(t, []string{"-S", "40000,38412,60"}, pdus), "-o", "sctp.checksum:CRC 32c")
	tsharktest.CheckClean(t, run, "sctp.checksum.status==0")
	var fields []string
	for _, c := range cases {
		fields = append(fields, c.element)
		for f := range c.want {
			fields = append(fields, f)
		}
	}
	elements := map[string]bool{}
	for _, c := range cases {
		elements[c.element] = true
	}
	for i, row := range tsharktest.Fields(t, run, len(cases), fields) {
		c := cases[i]
		for f, got := range row {
			want, ok := c.want[f]
			if elements[f] {
				// Of the message elements, tshark shows the one built only.
				want, ok = "", true
				if f == c.element {
					want = "1"
				}
			}
			if ok && got != want {
				t.Errorf("%s: tshark %s = %q, want %q", c.name, f, got, want)
			}
		}
	}
	if t.Failed() {
		t.Logf("tshark:\n%s", run("-V"))
	}
}

func TestHandoverRoundTrip(t *testing.T) {
	rqd := testHandoverRequired(t)
	m, err := BuildHandoverRequired(rqd)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeHandoverRequired(reencode(t, m).(*message.HandoverRequired))
	if diff := cmp.Diff(rqd, got, addrComparer); err != nil || diff != "" {
		t.Errorf("DecodeHandoverRequired: %v (-want +got):\n%s", err, diff)
	}

	req := testHandoverRequest(t)
	mr, err := BuildHandoverRequest(req)
	if err != nil {
		t.Fatal(err)
	}
	gotReq, err := DecodeHandoverRequest(reencode(t, mr).(*message.HandoverRequest))
	if diff := cmp.Diff(req, gotReq, addrComparer); err != nil || diff != "" {
		t.Errorf("DecodeHandoverRequest: %v (-want +got):\n%s", err, diff)
	}

	ack := testHandoverAck(t)
	ma, err := BuildHandoverRequestAcknowledge(ack)
	if err != nil {
		t.Fatal(err)
	}
	gotAck, err := DecodeHandoverRequestAcknowledge(reencode(t, ma).(*message.HandoverRequestAcknowledge))
	if diff := cmp.Diff(ack, gotAck); err != nil || diff != "" {
		t.Errorf("DecodeHandoverRequestAcknowledge: %v (-want +got):\n%s", err, diff)
	}

	cmd := testHandoverCommand(t)
	mc, err := BuildHandoverCommand(cmd)
	if err != nil {
		t.Fatal(err)
	}
	gotCmd, err := DecodeHandoverCommand(reencode(t, mc).(*message.HandoverCommand))
	if diff := cmp.Diff(cmd, gotCmd); err != nil || diff != "" {
		t.Errorf("DecodeHandoverCommand: %v (-want +got):\n%s", err, diff)
	}

	n, _ := HandoverNotify(testAMFUE, testRANUE, testTargetLoc)
	loc, err := DecodeHandoverNotify(reencode(t, n).(*message.HandoverNotify))
	if err != nil || loc != testTargetLoc {
		t.Errorf("DecodeHandoverNotify = %v, %v, want %v", loc, err, testTargetLoc)
	}
	f, _ := HandoverFailure(testAMFUE, RadioNetworkCause(ie.CauseRadioNetworkPresentHoTargetNotAllowed))
	id, cause, err := DecodeHandoverFailure(reencode(t, f).(*message.HandoverFailure))
	if err != nil || id != testAMFUE || CauseString(cause) != "radio-network/8" {
		t.Errorf("DecodeHandoverFailure = %d, %v, %v", id, CauseString(cause), err)
	}
	c, _ := HandoverCancel(testAMFUE, testRANUE, RadioNetworkCause(ie.CauseRadioNetworkPresentHandoverCancelled))
	if cause, err := DecodeHandoverCancel(reencode(t, c).(*message.HandoverCancel)); err != nil || CauseString(cause) != "radio-network/5" {
		t.Errorf("DecodeHandoverCancel = %v, %v", CauseString(cause), err)
	}
	u, _ := UplinkRANStatusTransfer(testAMFUE, testRANUE, testStatus)
	st, err := DecodeRANStatusTransfer(reencode(t, u).(*message.UplinkRANStatusTransfer).RANStatusTransferTransparentContainer)
	if err != nil || !reflect.DeepEqual(st, testStatus) {
		t.Errorf("DecodeRANStatusTransfer = %+v, %v", st, err)
	}
}

func TestHandoverRefusesIncomplete(t *testing.T) {
	rqd := testHandoverRequired(t)
	m, _ := BuildHandoverRequired(rqd)
	for name, mutate := range map[string]func(*message.HandoverRequired){
		"no target":    func(m *message.HandoverRequired) { m.TargetID = nil },
		"eNB target":   func(m *message.HandoverRequired) { m.TargetID = &ie.TargetID{Choice: &ie.TargeteNBID{}} },
		"no sessions":  func(m *message.HandoverRequired) { m.PDUSessionResourceListHORqd = nil },
		"no container": func(m *message.HandoverRequired) { m.SourceToTargetTransparentContainer = nil },
		"no cause":     func(m *message.HandoverRequired) { m.Cause = nil },
		"repeated session": func(m *message.HandoverRequired) {
			l := m.PDUSessionResourceListHORqd
			l.List[1].PDUSessionID = l.List[0].PDUSessionID
		},
	} {
		c := *m
		l := *m.PDUSessionResourceListHORqd
		l.List = append([]ie.PDUSessionResourceItemHORqd(nil), l.List...)
		c.PDUSessionResourceListHORqd = &l
		mutate(&c)
		if _, err := DecodeHandoverRequired(&c); err == nil {
			t.Errorf("%s: DecodeHandoverRequired accepted it", name)
		}
	}
	ack := testHandoverAck(t)
	ack.Failed[0].PDUSessionID = 5
	ma, err := BuildHandoverRequestAcknowledge(ack)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeHandoverRequestAcknowledge(ma); err == nil {
		t.Errorf("a session both admitted and failed was accepted")
	}
	if _, err := BuildHandoverRequest(HandoverRequest{}); err == nil {
		t.Errorf("an empty Handover Request was built")
	}
	if _, err := BuildHandoverCommand(HandoverCommand{}); err == nil {
		t.Errorf("a Handover Command without container was built")
	}
}

func TestHandoverTransfers(t *testing.T) {
	for _, x := range []HandoverRequiredTransfer{{}, testHORqdXfer} {
		got, err := DecodeHandoverRequiredTransfer(mustEncode(t, x))
		if err != nil || got != x {
			t.Errorf("Handover Required Transfer %+v round trip = %+v, %v", x, got, err)
		}
	}
	ack, err := DecodeHandoverRequestAcknowledgeTransfer(mustEncode(t, testHOAckXfer))
	if diff := cmp.Diff(testHOAckXfer, ack, addrComparer); err != nil || diff != "" {
		t.Errorf("Handover Request Acknowledge Transfer: %v %s", err, diff)
	}
	for _, x := range []HandoverCommandTransfer{testHOCmdXfer, testHOCmdEmpty} {
		got, err := DecodeHandoverCommandTransfer(mustEncode(t, x))
		if diff := cmp.Diff(x, got, addrComparer); err != nil || diff != "" {
			t.Errorf("Handover Command Transfer: %v %s", err, diff)
		}
	}
	if _, err := (HandoverRequestAcknowledgeTransfer{DL: testTargetDL}).Encode(); err == nil {
		t.Errorf("an Ack transfer without flows encoded")
	}
	c, err := DecodeHandoverPreparationUnsuccessfulTransfer(must(HandoverPreparationUnsuccessfulTransfer(RadioNetworkCause(ie.CauseRadioNetworkPresentHandoverCancelled))))
	if err != nil || CauseString(c) != "radio-network/5" {
		t.Errorf("Handover Preparation Unsuccessful Transfer = %v, %v", CauseString(c), err)
	}
	if _, err := DecodeHandoverResourceAllocationUnsuccessfulTransfer([]byte{0xff}); err == nil {
		t.Errorf("a truncated Resource Allocation Unsuccessful Transfer decoded")
	}
}
