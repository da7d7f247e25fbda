package ngap

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"net/netip"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/keelcore/keel/internal/goldentest"
	"github.com/keelcore/keel/internal/ident"

	"github.com/free5gc/ngap/aper"
	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
)

// Fixed inputs of the session golden PDUs; TEIDs and addresses fill
// their widths with irregular patterns.
var (
	testULTunnel   = Tunnel{Addr: netip.MustParseAddr("10.100.200.1"), TEID: 0x00c0ffee}
	testULTunnel6  = Tunnel{Addr: netip.MustParseAddr("2001:db8::2152"), TEID: 0x80000001}
	testDLTunnel   = Tunnel{Addr: netip.MustParseAddr("192.168.1.10"), TEID: 0x00000101}
	testSetupXfer  = SetupRequestTransfer{AMBRUplink: 100_000_000, AMBRDownlink: 1_000_000_000, UL: testULTunnel, PDUType: 1, Flows: []QoSFlow{{QFI: 1, FiveQI: 9, ARPPriority: 8}}}
	testSetupXfer6 = SetupRequestTransfer{AMBRUplink: 2_000_000_000, AMBRDownlink: 4_000_000_000_000, UL: testULTunnel6, PDUType: 3,
		Flows: []QoSFlow{{QFI: 1, FiveQI: 9, ARPPriority: 8}, {QFI: 2, FiveQI: 5, ARPPriority: 1}}}
	testResponseXfer     = SetupResponseTransfer{DL: testDLTunnel, QFIs: []uint8{1}}
	testUnsuccessfulXfer = SetupUnsuccessfulTransfer{Cause: RadioNetworkCause(ie.CauseRadioNetworkPresentRadioResourcesNotAvailable)}
	testReleaseCmdXfer   = ReleaseCommandTransfer{Cause: NASCause(ie.CauseNasPresentNormalRelease)}

	// 5GMM DL NAS TRANSPORT (TS 24.501 §8.2.11) carrying, as N1 SM
	// information for PDU session 5, a PDU SESSION ESTABLISHMENT ACCEPT
	// (§8.3.2: IPv4 10.45.0.7, SSC mode 2, default QoS rule for QFI 1,
	// session AMBR 1 Gbps down / 100 Mbps up, S-NSSAI 1/abcdef, 5QI 9,
	// DNS 8.8.8.8, MTU 1400, DNN internet), laid out by hand.
	nasSessionAccept = mustHex("7e006801" + "0048" +
		"2e052ac221" + "000901000631310101ff01" + "0603f4240261a8" + "2905010a2d0007" +
		"220401abcdef" + "790006012041010109" + "7b000d80000d04080808080010020578" + "250908696e7465726e6574" +
		"1205")
	// DL NAS TRANSPORT with a PDU SESSION RELEASE COMMAND (§8.3.14) for
	// session 5, PTI 0, 5GSM cause #36 regular deactivation.
	nasSessionRelease = mustHex("7e006801" + "0005" + "2e0500d324" + "1205")
)

func mustEncode(t testing.TB, e interface{ Encode() ([]byte, error) }) []byte {
	t.Helper()
	b, err := e.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Known-answer encodings of the transfers, laid out by hand from the
// ASN.1 of TS 38.413 §9.4.5 and the aligned PER rules of X.691 (not from
// the encoder). ProtocolIE containers: a 16-bit count, then per IE a
// 16-bit id, 2 bits of criticality (reject = 0) padded to the octet, and
// the value as an open type (length octet, contents).
func TestTransfersKnownAnswer(t *testing.T) {
	for _, c := range []struct {
		name string
		got  []byte
		want string
	}{
		{"SetupRequestTransfer", mustEncode(t, testSetupXfer), "" +
			"00 0004" + // extension bit, padding; 4 IEs
			// id 130 PDU Session AMBR: ext, no extensions, DL ext + length 4 - 1
			// (3 bits) → 0c, 1e9; UL ext + length - 1 → 30, 1e8.
			"0082 00 0a 0c 3b9aca00 30 05f5e100" +
			// id 139 UL NG-U UP TNL Information: choice 0, ext, no
			// extensions, address ext + length 32 - 1 (8 bits) → 01 f0;
			// address; TEID.
			"008b 00 0a 01f0 0a64c801 00c0ffee" +
			"0086 00 01 00" + // id 134 PDU Session Type: ipv4 (0)
			// id 136 QoS Flow Setup Request List: 1 item, QFI 1 → 0001;
			// non-dynamic 5QI descriptor → 0000, 5QI 9; ARP priority 8,
			// shall-not-trigger-pre-emption, not-pre-emptable → 1c00.
			"0088 00 07 0001 0000 09 1c00"},
		// DL QoS Flow per TNL Information: the tunnel as above after 11
		// bits of preamble → 0003e0; associated QoS flow list of QFI 1 → 0001.
		{"SetupResponseTransfer", mustEncode(t, testResponseXfer), "0003e0 c0a8010a 00000101 0001"},
		// Sequence preamble (3 bits), Cause choice radioNetwork (3 bits
		// 000), enumeration extension bit, value 22 (6 bits): 0000000 010110.
		{"SetupUnsuccessfulTransfer", mustEncode(t, testUnsuccessfulXfer), "00b0"},
		// Cause choice nas (010), ext, normal-release (2 bits 00).
		{"ReleaseCommandTransfer", mustEncode(t, testReleaseCmdXfer), "10"},
		{"ReleaseResponseTransfer", mustEncode(t, ReleaseResponseTransfer{}), "00"},
	} {
		want, err := hex.DecodeString(strings.ReplaceAll(c.want, " ", ""))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(c.got, want) {
			t.Errorf("%s.Encode() = %x, want %x", c.name, c.got, want)
		}
	}
}

var addrComparer = cmp.Comparer(func(a, b netip.Addr) bool { return a == b })

func TestTransfersRoundTrip(t *testing.T) {
	for _, x := range []SetupRequestTransfer{testSetupXfer, testSetupXfer6,
		{UL: Tunnel{Addr: netip.MustParseAddr("::ffff:10.0.0.1"), TEID: 0xffffffff}, PDUType: 5, Flows: []QoSFlow{{QFI: 63, FiveQI: 255, ARPPriority: 15}}}} {
		got, err := DecodeSetupRequestTransfer(mustEncode(t, x))
		want := x
		want.UL.Addr = x.UL.Addr.Unmap()
		if diff := cmp.Diff(want, got, addrComparer); err != nil || diff != "" {
			t.Errorf("DecodeSetupRequestTransfer(Encode(%+v)) = %v, diff (-want +got):\n%s", x, err, diff)
		}
	}
	for _, x := range []SetupResponseTransfer{testResponseXfer, {DL: testULTunnel6, QFIs: []uint8{1, 2, 63}}} {
		got, err := DecodeSetupResponseTransfer(mustEncode(t, x))
		if diff := cmp.Diff(x, got, addrComparer); err != nil || diff != "" {
			t.Errorf("DecodeSetupResponseTransfer(Encode(%+v)) = %v, diff (-want +got):\n%s", x, err, diff)
		}
	}
	got, err := DecodeSetupUnsuccessfulTransfer(mustEncode(t, testUnsuccessfulXfer))
	if err != nil || !reflect.DeepEqual(got, testUnsuccessfulXfer) {
		t.Errorf("DecodeSetupUnsuccessfulTransfer = %+v, %v", got, err)
	}
	rc, err := DecodeReleaseCommandTransfer(mustEncode(t, testReleaseCmdXfer))
	if err != nil || !reflect.DeepEqual(rc, testReleaseCmdXfer) {
		t.Errorf("DecodeReleaseCommandTransfer = %+v, %v", rc, err)
	}
	if _, err := DecodeReleaseResponseTransfer(mustEncode(t, ReleaseResponseTransfer{})); err != nil {
		t.Errorf("DecodeReleaseResponseTransfer = %v", err)
	}
}

func TestTransfersRefuse(t *testing.T) {
	bad := func(edit func(*SetupRequestTransfer)) SetupRequestTransfer {
		x := testSetupXfer
		x.Flows = append([]QoSFlow(nil), x.Flows...)
		edit(&x)
		return x
	}
	for name, x := range map[string]SetupRequestTransfer{
		"no flows":         bad(func(x *SetupRequestTransfer) { x.Flows = nil }),
		"65 flows":         bad(func(x *SetupRequestTransfer) { x.Flows = make([]QoSFlow, 65) }),
		"QFI 64":           bad(func(x *SetupRequestTransfer) { x.Flows[0].QFI = 64 }),
		"ARP 0":            bad(func(x *SetupRequestTransfer) { x.Flows[0].ARPPriority = 0 }),
		"ARP 16":           bad(func(x *SetupRequestTransfer) { x.Flows[0].ARPPriority = 16 }),
		"PDU type 0":       bad(func(x *SetupRequestTransfer) { x.PDUType = 0 }),
		"PDU type 6":       bad(func(x *SetupRequestTransfer) { x.PDUType = 6 }),
		"no UPF address":   bad(func(x *SetupRequestTransfer) { x.UL.Addr = netip.Addr{} }),
		"zoned address":    bad(func(x *SetupRequestTransfer) { x.UL.Addr = netip.MustParseAddr("fe80::1%eth0") }),
		"AMBR over 4 Tbps": bad(func(x *SetupRequestTransfer) { x.AMBRDownlink = maxBitRate + 1 }),
	} {
		if b, err := x.Encode(); err == nil {
			t.Errorf("%s: Encode = %x, nil error", name, b)
		}
	}
	for name, x := range map[string]SetupResponseTransfer{
		"no QFIs": {DL: testDLTunnel}, "QFI 64": {DL: testDLTunnel, QFIs: []uint8{64}}, "no address": {QFIs: []uint8{1}},
	} {
		if b, err := x.Encode(); err == nil {
			t.Errorf("%s: Encode = %x, nil error", name, b)
		}
	}
	for _, c := range []*ie.Cause{nil, {}, {Choice: (*ie.CauseNas)(nil)}} {
		if b, err := (SetupUnsuccessfulTransfer{Cause: c}).Encode(); err == nil {
			t.Errorf("SetupUnsuccessfulTransfer{%v}.Encode = %x, nil error", c, b)
		}
		if b, err := (ReleaseCommandTransfer{Cause: c}).Encode(); err == nil {
			t.Errorf("ReleaseCommandTransfer{%v}.Encode = %x, nil error", c, b)
		}
	}
	// Each decoder refuses garbage and the other transfers where they do
	// not fit.
	setup := mustEncode(t, testSetupXfer)
	for name, b := range map[string][]byte{"empty": nil, "truncated": setup[:len(setup)-3], "response": mustEncode(t, testResponseXfer)} {
		if x, err := DecodeSetupRequestTransfer(b); err == nil {
			t.Errorf("DecodeSetupRequestTransfer(%s) = %+v, nil error", name, x)
		}
	}
	for name, b := range map[string][]byte{"empty": nil, "truncated": mustEncode(t, testResponseXfer)[:5]} {
		if x, err := DecodeSetupResponseTransfer(b); err == nil {
			t.Errorf("DecodeSetupResponseTransfer(%s) = %+v, nil error", name, x)
		}
		if x, err := DecodeReleaseCommandTransfer(b[:0]); err == nil {
			t.Errorf("DecodeReleaseCommandTransfer(empty) = %+v, nil error", x)
		}
	}
}

// A Setup Request Transfer without one of the IEs §9.3.4.1 requires, or
// with one twice, is refused.
func TestSetupRequestTransferMissingIEs(t *testing.T) {
	full := func() []ie.PDUSessionResourceSetupRequestTransferIEs {
		var x ie.PDUSessionResourceSetupRequestTransfer
		if err := ie.UnmarshalBinary(mustEncode(t, testSetupXfer), &x); err != nil {
			t.Fatal(err)
		}
		return x.ProtocolIEs.List
	}
	encode := func(list []ie.PDUSessionResourceSetupRequestTransferIEs) []byte {
		b, err := ie.MarshalBinary(&ie.PDUSessionResourceSetupRequestTransfer{ProtocolIEs: &ie.ProtocolIEContainerPDUSessionResourceSetupRequestTransferIEs{List: list}})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for i, name := range []string{"AMBR", "UL NG-U UP TNL Information", "PDU Session Type", "QoS Flow Setup Request List"} {
		list := full()
		without := append(list[:i:i], list[i+1:]...)
		if x, err := DecodeSetupRequestTransfer(encode(without)); err == nil {
			t.Errorf("without %s: DecodeSetupRequestTransfer = %+v, nil error", name, x)
		}
		twice := append(full(), full()[i])
		if x, err := DecodeSetupRequestTransfer(encode(twice)); err == nil {
			t.Errorf("%s twice: DecodeSetupRequestTransfer = %+v, nil error", name, x)
		}
	}
}

func TestTunnelDecode(t *testing.T) {
	dual := &ie.UPTransportLayerInformation{Choice: &ie.GTPTunnel{
		TransportLayerAddress: &ie.TransportLayerAddress{Value: bitStringBytes(mustHex("0a000001"+"20010db8000000000000000000000001"), 160)},
		GTPTEID:               &ie.GTPTEID{Value: mustHex("01020304")},
	}}
	if got, err := DecodeTunnel(dual); err != nil || got != (Tunnel{Addr: netip.MustParseAddr("10.0.0.1"), TEID: 0x01020304}) {
		t.Errorf("DecodeTunnel(IPv4 and IPv6) = %v, %v, want the IPv4 address", got, err)
	}
	for name, x := range map[string]*ie.UPTransportLayerInformation{
		"nil":         nil,
		"no choice":   {},
		"no TEID":     {Choice: &ie.GTPTunnel{TransportLayerAddress: &ie.TransportLayerAddress{Value: bitStringBytes(mustHex("0a000001"), 32)}}},
		"24 bits":     {Choice: &ie.GTPTunnel{TransportLayerAddress: &ie.TransportLayerAddress{Value: bitStringBytes(mustHex("0a0000"), 24)}, GTPTEID: &ie.GTPTEID{Value: mustHex("01020304")}}},
		"short TEID":  {Choice: &ie.GTPTunnel{TransportLayerAddress: &ie.TransportLayerAddress{Value: bitStringBytes(mustHex("0a000001"), 32)}, GTPTEID: &ie.GTPTEID{Value: mustHex("0102")}}},
		"short bytes": {Choice: &ie.GTPTunnel{TransportLayerAddress: &ie.TransportLayerAddress{Value: bitStringBytes(mustHex("0a00"), 32)}, GTPTEID: &ie.GTPTEID{Value: mustHex("01020304")}}},
	} {
		if got, err := DecodeTunnel(x); err == nil {
			t.Errorf("DecodeTunnel(%s) = %v, nil error", name, got)
		}
	}
}

func bitStringBytes(b []byte, n uint64) aper.BitString {
	return aper.BitString{Bytes: b, BitLength: n}
}

func testSessionItems(t testing.TB) []SessionItem {
	return []SessionItem{
		{PDUSessionID: 5, NASPDU: nasSessionAccept, SNSSAI: ident.SNSSAI{SST: 1, SD: 0xabcdef, HasSD: true}, Transfer: mustEncode(t, testSetupXfer)},
		{PDUSessionID: 6, SNSSAI: ident.SNSSAI{SST: 2}, Transfer: mustEncode(t, testSetupXfer6)},
	}
}

func TestSessionMessagesRoundTrip(t *testing.T) {
	items := testSessionItems(t)
	req, err := PDUSessionResourceSetupRequest(testAMFUE, testRANUE, items)
	if err != nil {
		t.Fatal(err)
	}
	m := reencode(t, req).(*message.PDUSessionResourceSetupRequest)
	amf, ran, got, err := DecodePDUSessionResourceSetupRequest(m)
	if err != nil || amf != testAMFUE || ran != testRANUE {
		t.Fatalf("DecodePDUSessionResourceSetupRequest = %d, %d, %v", amf, ran, err)
	}
	if diff := cmp.Diff(items, got); diff != "" {
		t.Errorf("setup request items differ (-want +got):\n%s", diff)
	}

	results := []SessionResult{
		{PDUSessionID: 5, Transfer: mustEncode(t, testResponseXfer)},
		{PDUSessionID: 6, Transfer: mustEncode(t, testUnsuccessfulXfer), Failed: true},
		{PDUSessionID: 7, Transfer: mustEncode(t, testResponseXfer)},
	}
	resp, err := PDUSessionResourceSetupResponse(testAMFUE, testRANUE, results)
	if err != nil {
		t.Fatal(err)
	}
	gotResults, err := DecodePDUSessionResourceSetupResponse(reencode(t, resp).(*message.PDUSessionResourceSetupResponse))
	// Those set up come first.
	want := []SessionResult{results[0], results[2], results[1]}
	if diff := cmp.Diff(want, gotResults); err != nil || diff != "" {
		t.Errorf("DecodePDUSessionResourceSetupResponse = %v, diff (-want +got):\n%s", err, diff)
	}
	empty, err := PDUSessionResourceSetupResponse(testAMFUE, testRANUE, nil)
	if err != nil || empty.PDUSessionResourceSetupListSURes != nil || empty.PDUSessionResourceFailedToSetupListSURes != nil {
		t.Errorf("PDUSessionResourceSetupResponse(no results) = %+v, %v", empty, err)
	}

	relItems := []SessionItem{{PDUSessionID: 5, Transfer: mustEncode(t, testReleaseCmdXfer)}}
	cmd, err := PDUSessionResourceReleaseCommand(testAMFUE, testRANUE, nasSessionRelease, relItems)
	if err != nil {
		t.Fatal(err)
	}
	amf, ran, nasPDU, gotRel, err := DecodePDUSessionResourceReleaseCommand(reencode(t, cmd).(*message.PDUSessionResourceReleaseCommand))
	if err != nil || amf != testAMFUE || ran != testRANUE || !bytes.Equal(nasPDU, nasSessionRelease) {
		t.Errorf("DecodePDUSessionResourceReleaseCommand = %d, %d, %x, %v", amf, ran, nasPDU, err)
	}
	if diff := cmp.Diff(relItems, gotRel); diff != "" {
		t.Errorf("release command items differ (-want +got):\n%s", diff)
	}
	noNAS, err := PDUSessionResourceReleaseCommand(testAMFUE, testRANUE, nil, relItems)
	if err != nil || noNAS.NASPDU != nil {
		t.Errorf("PDUSessionResourceReleaseCommand(no NAS-PDU) = %+v, %v", noNAS, err)
	}

	relResults := []SessionResult{{PDUSessionID: 5, Transfer: mustEncode(t, ReleaseResponseTransfer{})}, {PDUSessionID: 6, Transfer: mustEncode(t, ReleaseResponseTransfer{})}}
	rr, err := PDUSessionResourceReleaseResponse(testAMFUE, testRANUE, relResults)
	if err != nil {
		t.Fatal(err)
	}
	gotRR, err := DecodePDUSessionResourceReleaseResponse(reencode(t, rr).(*message.PDUSessionResourceReleaseResponse))
	if diff := cmp.Diff(relResults, gotRR); err != nil || diff != "" {
		t.Errorf("DecodePDUSessionResourceReleaseResponse = %v, diff (-want +got):\n%s", err, diff)
	}
	// UEIDs routes all four to the UE context.
	for _, m := range []message.Message{req, resp, cmd, rr} {
		if a, okA, r, okR := UEIDs(m); !okA || !okR || a != testAMFUE || r != testRANUE {
			t.Errorf("UEIDs(%T) = %d %t %d %t", m, a, okA, r, okR)
		}
	}
}

// reencode encodes m and decodes it back with Decode.
func reencode(t *testing.T, m message.Message) message.Message {
	t.Helper()
	b, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Decode(b)
	if err != nil {
		t.Fatalf("Decode(Encode(%T)) = %v", m, err)
	}
	return d
}

func TestSessionMessagesRefuse(t *testing.T) {
	xfer := mustEncode(t, testSetupXfer)
	for name, items := range map[string][]SessionItem{
		"no sessions":  nil,
		"257 sessions": make([]SessionItem, 257),
		"no transfer":  {{PDUSessionID: 1}},
		"twice":        {{PDUSessionID: 1, Transfer: xfer}, {PDUSessionID: 1, Transfer: xfer}},
		"wide SD":      {{PDUSessionID: 1, Transfer: xfer, SNSSAI: ident.SNSSAI{SST: 1, SD: 1 << 24, HasSD: true}}},
	} {
		if m, err := PDUSessionResourceSetupRequest(1, 2, items); err == nil {
			t.Errorf("PDUSessionResourceSetupRequest(%s) = %+v, nil error", name, m)
		}
		if name == "wide SD" {
			continue
		}
		if m, err := PDUSessionResourceReleaseCommand(1, 2, nil, items); err == nil {
			t.Errorf("PDUSessionResourceReleaseCommand(%s) = %+v, nil error", name, m)
		}
	}
	if m, err := PDUSessionResourceReleaseResponse(1, 2, nil); err == nil {
		t.Errorf("PDUSessionResourceReleaseResponse(no sessions) = %+v, nil error", m)
	}
	if m, err := PDUSessionResourceSetupResponse(1, 2, []SessionResult{{PDUSessionID: 1}}); err == nil {
		t.Errorf("PDUSessionResourceSetupResponse(no transfer) = %+v, nil error", m)
	}
	if _, err := UEAMBR(maxBitRate+1, 0); err == nil {
		t.Error("UEAMBR over 4 Tbps: nil error")
	}
	// Decoders refuse messages without their mandatory IEs.
	if _, _, _, err := DecodePDUSessionResourceSetupRequest(&message.PDUSessionResourceSetupRequest{AMFUENGAPID: &ie.AMFUENGAPID{}, RANUENGAPID: &ie.RANUENGAPID{}}); err == nil {
		t.Error("DecodePDUSessionResourceSetupRequest(no list): nil error")
	}
	noXfer := &message.PDUSessionResourceSetupRequest{AMFUENGAPID: &ie.AMFUENGAPID{}, RANUENGAPID: &ie.RANUENGAPID{},
		PDUSessionResourceSetupListSUReq: &ie.PDUSessionResourceSetupListSUReq{List: []ie.PDUSessionResourceSetupItemSUReq{{PDUSessionID: &ie.PDUSessionID{Value: 1}, SNSSAI: EncodeSNSSAI(ident.SNSSAI{SST: 1})}}}}
	if _, _, _, err := DecodePDUSessionResourceSetupRequest(noXfer); err == nil {
		t.Error("DecodePDUSessionResourceSetupRequest(item without transfer): nil error")
	}
	if _, err := DecodePDUSessionResourceSetupResponse(&message.PDUSessionResourceSetupResponse{}); err == nil {
		t.Error("DecodePDUSessionResourceSetupResponse(no IDs): nil error")
	}
	if _, _, _, _, err := DecodePDUSessionResourceReleaseCommand(&message.PDUSessionResourceReleaseCommand{AMFUENGAPID: &ie.AMFUENGAPID{}, RANUENGAPID: &ie.RANUENGAPID{}}); err == nil {
		t.Error("DecodePDUSessionResourceReleaseCommand(no list): nil error")
	}
	if _, err := DecodePDUSessionResourceReleaseResponse(&message.PDUSessionResourceReleaseResponse{AMFUENGAPID: &ie.AMFUENGAPID{}, RANUENGAPID: &ie.RANUENGAPID{}}); err == nil {
		t.Error("DecodePDUSessionResourceReleaseResponse(no list): nil error")
	}
}

// sessionGoldenCases are the PDU session messages with fixed inputs,
// pinned in testdata/session_*.hex and checked by tshark
// (TestTsharkDecodesSessions).
func sessionGoldenCases(t testing.TB) []goldenCase {
	items := testSessionItems(t)
	setupXfer := map[string]string{
		"ngap.PDUSessionResourceSetupRequestTransfer_element": "1",
		"ngap.pDUSessionAggregateMaximumBitRateDL":            "1000000000",
		"ngap.pDUSessionAggregateMaximumBitRateUL":            "100000000",
		"ngap.TransportLayerAddressIPv4":                      "10.100.200.1",
		"ngap.gTP_TEID":                                       "00c0ffee",
		"ngap.PDUSessionType":                                 "0",
		"ngap.qosFlowIdentifier":                              "1",
		"ngap.fiveQI":                                         "9",
		"ngap.priorityLevelARP":                               "8",
		"ngap.pre_emptionCapability":                          "0",
		"ngap.pre_emptionVulnerability":                       "0",
	}
	return []goldenCase{
		{
			name:  "session_setup_request",
			about: "PDU Session Resource Setup Request (TS 38.413 §9.2.1.1): session 5 with its PDU SESSION ESTABLISHMENT ACCEPT, IPv4 UPF tunnel, one non-GBR flow",
			build: built(func() (*message.PDUSessionResourceSetupRequest, error) {
				return PDUSessionResourceSetupRequest(testAMFUE, testRANUE, items[:1])
			}),
			element: "ngap.PDUSessionResourceSetupRequest_element",
			want: with(with(ueIDFields, setupXfer), map[string]string{"ngap.procedureCode": "29", "ngap.pDUSessionID": "5",
				"ngap.sST": "01", "ngap.sD": "abcdef", "nas_5gs.mm.message_type": "0x68", "nas_5gs.sm.message_type": "0xc2",
				"nas_5gs.sm.pdu_addr_inf_ipv4": "10.45.0.7"}),
		},
		{
			name:  "session_setup_request_two",
			about: "PDU Session Resource Setup Request (TS 38.413 §9.2.1.1): sessions 5 and 6, the second IPv4v6 over an IPv6 UPF tunnel with two flows",
			build: built(func() (*message.PDUSessionResourceSetupRequest, error) {
				return PDUSessionResourceSetupRequest(testAMFUE, testRANUE, items)
			}),
			element: "ngap.PDUSessionResourceSetupRequest_element",
			want: with(ueIDFields, map[string]string{"ngap.procedureCode": "29", "ngap.pDUSessionID": "5,6", "ngap.sST": "01,02",
				"ngap.PDUSessionResourceSetupRequestTransfer_element": "1,1",
				"ngap.TransportLayerAddressIPv4":                      "10.100.200.1",
				"ngap.TransportLayerAddressIPv6":                      "2001:db8::2152",
				"ngap.gTP_TEID":                                       "00c0ffee,80000001",
				"ngap.PDUSessionType":                                 "0,2",
				"ngap.qosFlowIdentifier":                              "1,1,2",
				"ngap.fiveQI":                                         "9,9,5",
				"ngap.priorityLevelARP":                               "8,8,1",
				"ngap.pDUSessionAggregateMaximumBitRateDL":            "1000000000,4000000000000",
			}),
		},
		{
			name:  "session_setup_response",
			about: "PDU Session Resource Setup Response (TS 38.413 §9.2.1.2): session 5 set up, gNB tunnel 192.168.1.10",
			build: built(func() (*message.PDUSessionResourceSetupResponse, error) {
				return PDUSessionResourceSetupResponse(testAMFUE, testRANUE, []SessionResult{{PDUSessionID: 5, Transfer: mustEncode(t, testResponseXfer)}})
			}),
			element: "ngap.PDUSessionResourceSetupResponse_element",
			want: with(ueIDFields, map[string]string{"ngap.procedureCode": "29", "ngap.pDUSessionID": "5",
				"ngap.PDUSessionResourceSetupResponseTransfer_element":     "1",
				"ngap.TransportLayerAddressIPv4":                           "192.168.1.10",
				"ngap.gTP_TEID":                                            "00000101",
				"ngap.qosFlowIdentifier":                                   "1",
				"ngap.PDUSessionResourceSetupUnsuccessfulTransfer_element": ""}),
		},
		{
			name:  "session_setup_response_failed",
			about: "PDU Session Resource Setup Response (TS 38.413 §9.2.1.2): session 5 set up, session 6 failed with radio-network/radio-resources-not-available",
			build: built(func() (*message.PDUSessionResourceSetupResponse, error) {
				return PDUSessionResourceSetupResponse(testAMFUE, testRANUE, []SessionResult{
					{PDUSessionID: 5, Transfer: mustEncode(t, testResponseXfer)},
					{PDUSessionID: 6, Transfer: mustEncode(t, testUnsuccessfulXfer), Failed: true}})
			}),
			element: "ngap.PDUSessionResourceSetupResponse_element",
			want: with(ueIDFields, map[string]string{"ngap.procedureCode": "29", "ngap.pDUSessionID": "5,6",
				"ngap.PDUSessionResourceSetupResponseTransfer_element":     "1",
				"ngap.PDUSessionResourceSetupUnsuccessfulTransfer_element": "1",
				"ngap.radioNetwork": "22"}),
		},
		{
			name:  "initial_context_setup_request_sessions",
			about: "Initial Context Setup Request (TS 38.413 §9.2.2.1): SERVICE ACCEPT, sessions 5 (with its NAS-PDU) and 6 reactivated, UE-AMBR 2 Gbps down, 1 Gbps up",
			build: built(func() (*message.InitialContextSetupRequest, error) {
				return InitialContextSetupRequest(testSessionContext(t))
			}),
			element: "ngap.InitialContextSetupRequest_element",
			want: with(ueIDFields, map[string]string{"ngap.procedureCode": "14", "ngap.pDUSessionID": "5,6",
				"ngap.sST":                                            "01,02,01,02",
				"ngap.uEAggregateMaximumBitRateDL":                    "2000000000",
				"ngap.uEAggregateMaximumBitRateUL":                    "1000000000",
				"ngap.PDUSessionResourceSetupRequestTransfer_element": "1,1",
				"ngap.gTP_TEID":                                       "00c0ffee,80000001",
				"ngap.TransportLayerAddressIPv4":                      "10.100.200.1",
				"ngap.TransportLayerAddressIPv6":                      "2001:db8::2152",
				"ngap.SecurityKey":                                    hex.EncodeToString(testKgNB[:]),
				"nas_5gs.mm.message_type":                             "0x68,0x4e", // the list comes before the NAS-PDU
				"nas_5gs.sm.message_type":                             "0xc2"}),
		},
		{
			name:  "initial_context_setup_response_sessions",
			about: "Initial Context Setup Response (TS 38.413 §9.2.2.2): session 5 set up, gNB tunnel 192.168.1.10; session 6 failed with radio-network/radio-resources-not-available",
			build: built(func() (*message.InitialContextSetupResponse, error) {
				return InitialContextSetupResponse(testAMFUE, testRANUE, []SessionResult{
					{PDUSessionID: 5, Transfer: mustEncode(t, testResponseXfer)},
					{PDUSessionID: 6, Transfer: mustEncode(t, testUnsuccessfulXfer), Failed: true}})
			}),
			element: "ngap.InitialContextSetupResponse_element",
			want: with(ueIDFields, map[string]string{"ngap.procedureCode": "14", "ngap.pDUSessionID": "5,6",
				"ngap.PDUSessionResourceSetupResponseTransfer_element":     "1",
				"ngap.PDUSessionResourceSetupUnsuccessfulTransfer_element": "1",
				"ngap.TransportLayerAddressIPv4":                           "192.168.1.10",
				"ngap.gTP_TEID":                                            "00000101",
				"ngap.radioNetwork":                                        "22"}),
		},
		{
			name:  "initial_context_setup_failure_sessions",
			about: "Initial Context Setup Failure (TS 38.413 §9.2.2.3): radio-network/radio-resources-not-available, sessions 5 and 6 not set up",
			build: built(func() (*message.InitialContextSetupFailure, error) {
				x := mustEncode(t, testUnsuccessfulXfer)
				return InitialContextSetupFailure(testAMFUE, testRANUE, RadioNetworkCause(ie.CauseRadioNetworkPresentRadioResourcesNotAvailable),
					[]SessionResult{{PDUSessionID: 5, Transfer: x, Failed: true}, {PDUSessionID: 6, Transfer: x, Failed: true}})
			}),
			element: "ngap.InitialContextSetupFailure_element",
			want: with(ueIDFields, map[string]string{"ngap.procedureCode": "14", "ngap.pDUSessionID": "5,6",
				"ngap.PDUSessionResourceSetupUnsuccessfulTransfer_element": "1,1",
				"ngap.radioNetwork": "22,22,22"}),
		},
		{
			name:  "session_release_command",
			about: "PDU Session Resource Release Command (TS 38.413 §9.2.1.3): session 5 with its PDU SESSION RELEASE COMMAND, nas/normal-release",
			build: built(func() (*message.PDUSessionResourceReleaseCommand, error) {
				return PDUSessionResourceReleaseCommand(testAMFUE, testRANUE, nasSessionRelease, []SessionItem{{PDUSessionID: 5, Transfer: mustEncode(t, testReleaseCmdXfer)}})
			}),
			element: "ngap.PDUSessionResourceReleaseCommand_element",
			want: with(ueIDFields, map[string]string{"ngap.procedureCode": "28", "ngap.pDUSessionID": "5",
				"ngap.PDUSessionResourceReleaseCommandTransfer_element": "1", "ngap.nas": "0",
				"nas_5gs.sm.message_type": "0xd3", "nas_5gs.sm.5gsm_cause": "36"}),
		},
		{
			name:  "session_release_response",
			about: "PDU Session Resource Release Response (TS 38.413 §9.2.1.4): sessions 5 and 6 released",
			build: built(func() (*message.PDUSessionResourceReleaseResponse, error) {
				x := mustEncode(t, ReleaseResponseTransfer{})
				return PDUSessionResourceReleaseResponse(testAMFUE, testRANUE, []SessionResult{{PDUSessionID: 5, Transfer: x}, {PDUSessionID: 6, Transfer: x}})
			}),
			element: "ngap.PDUSessionResourceReleaseResponse_element",
			want: with(ueIDFields, map[string]string{"ngap.procedureCode": "28", "ngap.pDUSessionID": "5,6",
				"ngap.PDUSessionResourceReleaseResponseTransfer_element": "1,1"}),
		},
	}
}

func sessionGoldenPDUs(t *testing.T) [][]byte {
	t.Helper()
	var out [][]byte
	for _, c := range sessionGoldenCases(t) {
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

// TestSessionGolden pins the encoding of the PDU session messages in
// testdata/session_*.hex and keeps their seeds in the FuzzDecode corpus
// (regenerate both with go test -run TestSessionGolden -update and
// review the diff). TestTsharkDecodesSessions checks the same bytes
// independently.
func TestSessionGolden(t *testing.T) {
	cases := sessionGoldenCases(t)
	for i, b := range sessionGoldenPDUs(t) {
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

// transferSeeds is the committed FuzzTransfers corpus: every transfer
// Keel builds.
func transferSeeds(t testing.TB) map[string][]byte {
	return map[string][]byte{
		"setup_request_transfer":                             mustEncode(t, testSetupXfer),
		"setup_request_transfer_ipv6":                        mustEncode(t, testSetupXfer6),
		"setup_response_transfer":                            mustEncode(t, testResponseXfer),
		"setup_unsuccessful_transfer":                        mustEncode(t, testUnsuccessfulXfer),
		"release_command_transfer":                           mustEncode(t, testReleaseCmdXfer),
		"release_response_transfer":                          mustEncode(t, ReleaseResponseTransfer{}),
		"notify_transfer":                                    testNotifyXfer,
		"notify_released_transfer":                           testNotifyReleasedXfer,
		"modify_indication_transfer":                         testModIndXfer,
		"path_switch_transfer":                               testPathSwitchXfer,
		"path_switch_setup_failed":                           testPathSwitchFailedXfer,
		"path_switch_ack_transfer":                           testPathSwitchAckXfer,
		"path_switch_unsuccessful":                           testPathSwitchUnsuccessfulXfer,
		"handover_required_transfer":                         mustEncode(t, testHORqdXfer),
		"handover_ack_transfer":                              mustEncode(t, testHOAckXfer),
		"handover_command_transfer":                          mustEncode(t, testHOCmdXfer),
		"handover_resource_allocation_unsuccessful_transfer": must(HandoverResourceAllocationUnsuccessfulTransfer(RadioNetworkCause(ie.CauseRadioNetworkPresentRadioResourcesNotAvailable))),
		"handover_preparation_unsuccessful_transfer":         must(HandoverPreparationUnsuccessfulTransfer(RadioNetworkCause(ie.CauseRadioNetworkPresentHandoverCancelled))),
	}
}

// TestTransferSeeds keeps testdata/fuzz/FuzzTransfers equal to
// transferSeeds (rewrite it with -update).
func TestTransferSeeds(t *testing.T) {
	for name, b := range transferSeeds(t) {
		goldentest.Seed(t, filepath.Join("testdata", "fuzz", "FuzzTransfers", name), b, *update)
	}
}

func ExampleSetupRequestTransfer_Encode() {
	x := SetupRequestTransfer{
		AMBRUplink: 100_000_000, AMBRDownlink: 1_000_000_000,
		UL:      Tunnel{Addr: netip.MustParseAddr("10.100.200.1"), TEID: 0xc0ffee},
		PDUType: 1, // IPv4, as 5GSM codes it
		Flows:   []QoSFlow{{QFI: 1, FiveQI: 9, ARPPriority: 8}},
	}
	b, err := x.Encode()
	if err != nil {
		panic(err)
	}
	back, _ := DecodeSetupRequestTransfer(b)
	fmt.Printf("%d octets, UL tunnel %v, 5QI %d\n", len(b), back.UL, back.Flows[0].FiveQI)
	// Output: 47 octets, UL tunnel 10.100.200.1/0x00c0ffee, 5QI 9
}
