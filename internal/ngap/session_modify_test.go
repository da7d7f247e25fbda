package ngap

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/goldentest"
	"github.com/keelcore/keel/internal/tsharktest"
)

var (
	// A PDU SESSION MODIFICATION COMMAND in a DL NAS TRANSPORT (TS 24.501
	// §8.3.9): session 5, PTI 0x2b, Session-AMBR 1 Gbps / 100 Mbps.
	nasModificationCommand = mustHex("7e006801" + "000c" + "2e052bcb2a0603f4240261a8" + "1205")
	testModifyReqXfer      = ModifyRequestTransfer{
		HasAMBR: true, AMBRUplink: 100_000_000, AMBRDownlink: 1_000_000_000,
		Flows:   []QoSFlow{{QFI: 2, FiveQI: 1, ARPPriority: 2}},
		Release: map[uint8]*ie.Cause{3: NASCause(ie.CauseNasPresentNormalRelease)},
	}
	testModifyResXfer = ModifyResponseTransfer{
		Admitted: []uint8{2},
		Failed:   map[uint8]*ie.Cause{4: RadioNetworkCause(ie.CauseRadioNetworkPresentRadioResourcesNotAvailable)},
	}
)

func mustModifyUnsuccessful(t testing.TB) []byte {
	b, err := ModifyUnsuccessfulTransfer(RadioNetworkCause(ie.CauseRadioNetworkPresentRadioResourcesNotAvailable))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// modifyGoldenCases are the PDU Session Resource Modify and UE Context
// Modification messages with fixed inputs, pinned in testdata/*.hex and
// checked by tshark (TestTsharkDecodesModify).
func modifyGoldenCases(t testing.TB) []goldenCase {
	return []goldenCase{
		{
			name:  "session_modify_request",
			about: "PDU Session Resource Modify Request (TS 38.413 §9.2.1.5): session 5 with its PDU SESSION MODIFICATION COMMAND; new session AMBR, QoS flow 2 (5QI 1, ARP 2) added, QoS flow 3 released with nas/normal-release",
			build: built(func() (*message.PDUSessionResourceModifyRequest, error) {
				return PDUSessionResourceModifyRequest(testAMFUE, testRANUE, []SessionItem{{PDUSessionID: 5, NASPDU: nasModificationCommand, Transfer: mustEncode(t, testModifyReqXfer)}})
			}),
			element: "ngap.PDUSessionResourceModifyRequest_element",
			want: with(ueIDFields, map[string]string{"ngap.procedureCode": "26", "ngap.pDUSessionID": "5",
				"ngap.PDUSessionResourceModifyRequestTransfer_element": "1",
				"ngap.pDUSessionAggregateMaximumBitRateDL":             "1000000000",
				"ngap.pDUSessionAggregateMaximumBitRateUL":             "100000000",
				"ngap.qosFlowIdentifier":                               "2,3",
				"ngap.fiveQI":                                          "1",
				"ngap.priorityLevelARP":                                "2",
				"ngap.nas":                                             "0",
				"nas_5gs.sm.message_type":                              "0xcb",
				"nas_5gs.sm.session_ambr_dl":                           "62500"}),
		},
		{
			name:  "session_modify_response",
			about: "PDU Session Resource Modify Response (TS 38.413 §9.2.1.6): session 5 modified, QoS flow 2 admitted and 4 not (radio-network/radio-resources-not-available); session 6 failed with the same cause",
			build: built(func() (*message.PDUSessionResourceModifyResponse, error) {
				return PDUSessionResourceModifyResponse(testAMFUE, testRANUE, []SessionResult{
					{PDUSessionID: 5, Transfer: mustEncode(t, testModifyResXfer)},
					{PDUSessionID: 6, Transfer: mustModifyUnsuccessful(t), Failed: true}})
			}),
			element: "ngap.PDUSessionResourceModifyResponse_element",
			want: with(ueIDFields, map[string]string{"ngap.procedureCode": "26", "ngap.pDUSessionID": "5,6",
				"ngap.PDUSessionResourceModifyResponseTransfer_element":     "1",
				"ngap.PDUSessionResourceModifyUnsuccessfulTransfer_element": "1",
				"ngap.qosFlowIdentifier":                                    "2,4",
				"ngap.radioNetwork":                                         "22,22"}),
		},
		{
			name:  "ue_context_modification_request",
			about: "UE Context Modification Request (TS 38.413 §9.2.2.7): UE-AMBR 2 Gbps down, 1 Gbps up",
			build: built(func() (*message.UEContextModificationRequest, error) {
				return UEContextModificationRequest(testAMFUE, testRANUE, 2_000_000_000, 1_000_000_000)
			}),
			element: "ngap.UEContextModificationRequest_element",
			want: with(ueIDFields, map[string]string{"ngap.procedureCode": "40",
				"ngap.uEAggregateMaximumBitRateDL": "2000000000",
				"ngap.uEAggregateMaximumBitRateUL": "1000000000"}),
		},
		{
			name:    "ue_context_modification_response",
			about:   "UE Context Modification Response (TS 38.413 §9.2.2.8)",
			build:   fixed(UEContextModificationResponse(testAMFUE, testRANUE)),
			element: "ngap.UEContextModificationResponse_element",
			want:    with(ueIDFields, map[string]string{"ngap.procedureCode": "40"}),
		},
		{
			name:  "ue_context_modification_failure",
			about: "UE Context Modification Failure (TS 38.413 §9.2.2.9): radio-network/unspecified",
			build: built(func() (*message.UEContextModificationFailure, error) {
				return UEContextModificationFailure(testAMFUE, testRANUE, RadioNetworkCause(ie.CauseRadioNetworkPresentUnspecified))
			}),
			element: "ngap.UEContextModificationFailure_element",
			want:    with(ueIDFields, map[string]string{"ngap.procedureCode": "40", "ngap.radioNetwork": "0"}),
		},
	}
}

func modifyGoldenPDUs(t *testing.T) [][]byte {
	t.Helper()
	var out [][]byte
	for _, c := range modifyGoldenCases(t) {
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

// TestModifyGolden pins the encoding of the modification messages in
// testdata/*.hex and keeps them in the FuzzDecode corpus (regenerate
// with -update and review the diff).
func TestModifyGolden(t *testing.T) {
	cases := modifyGoldenCases(t)
	for i, b := range modifyGoldenPDUs(t) {
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
	for name, b := range map[string][]byte{
		"modify_request_transfer":      mustEncode(t, testModifyReqXfer),
		"modify_response_transfer":     mustEncode(t, testModifyResXfer),
		"modify_unsuccessful_transfer": mustModifyUnsuccessful(t),
	} {
		goldentest.Seed(t, filepath.Join("testdata", "fuzz", "FuzzTransfers", name), b, *update)
	}
}

// TestTsharkDecodesModify has tshark read the modification golden PDUs
// and the transfers and 5GSM message inside them.
func TestTsharkDecodesModify(t *testing.T) {
	cases := modifyGoldenCases(t)
	run := tsharktest.Runner(t, tsharktest.Pcap(t, []string{"-S", "40000,38412,60"}, modifyGoldenPDUs(t)), "-o", "sctp.checksum:CRC 32c")
	tsharktest.CheckClean(t, run, "sctp.checksum.status==0")
	var fields []string
	for _, c := range cases {
		fields = append(fields, c.element)
		for f := range c.want {
			fields = append(fields, f)
		}
	}
	for i, row := range tsharktest.Fields(t, run, len(cases), fields) {
		c := cases[i]
		for f, got := range row {
			want, ok := c.want[f]
			if !ok && strings.HasSuffix(f, "_element") {
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

func TestModifyRoundTrip(t *testing.T) {
	items := []SessionItem{{PDUSessionID: 5, NASPDU: nasModificationCommand, Transfer: mustEncode(t, testModifyReqXfer)}}
	req, err := PDUSessionResourceModifyRequest(testAMFUE, testRANUE, items)
	if err != nil {
		t.Fatal(err)
	}
	amf, ran, got, err := DecodePDUSessionResourceModifyRequest(reencode(t, req).(*message.PDUSessionResourceModifyRequest))
	if err != nil || amf != testAMFUE || ran != testRANUE {
		t.Fatalf("DecodePDUSessionResourceModifyRequest = %d, %d, %v", amf, ran, err)
	}
	if d := cmp.Diff(items, got); d != "" {
		t.Errorf("items (-sent +read):\n%s", d)
	}
	x, err := DecodeModifyRequestTransfer(got[0].Transfer)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(testModifyReqXfer, x, causeComparer); d != "" {
		t.Errorf("Modify Request Transfer (-sent +read):\n%s", d)
	}
	results := []SessionResult{{PDUSessionID: 5, Transfer: mustEncode(t, testModifyResXfer)}, {PDUSessionID: 6, Transfer: mustModifyUnsuccessful(t), Failed: true}}
	res, err := PDUSessionResourceModifyResponse(testAMFUE, testRANUE, results)
	if err != nil {
		t.Fatal(err)
	}
	gotRes, err := DecodePDUSessionResourceModifyResponse(reencode(t, res).(*message.PDUSessionResourceModifyResponse))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(results, gotRes); d != "" {
		t.Errorf("results (-sent +read):\n%s", d)
	}
	rx, err := DecodeModifyResponseTransfer(gotRes[0].Transfer)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(testModifyResXfer, rx, causeComparer); d != "" {
		t.Errorf("Modify Response Transfer (-sent +read):\n%s", d)
	}
	c, err := DecodeModifyUnsuccessfulTransfer(gotRes[1].Transfer)
	if err != nil || CauseString(c) != CauseString(RadioNetworkCause(ie.CauseRadioNetworkPresentRadioResourcesNotAvailable)) {
		t.Errorf("DecodeModifyUnsuccessfulTransfer = %v, %v", CauseString(c), err)
	}
	// An answer to a session AMBR change alone carries no list.
	if empty, err := DecodeModifyResponseTransfer(mustEncode(t, ModifyResponseTransfer{})); err != nil || len(empty.Admitted) != 0 || len(empty.Failed) != 0 {
		t.Errorf("empty Modify Response Transfer = %+v, %v", empty, err)
	}

	uc, err := UEContextModificationRequest(testAMFUE, testRANUE, 2_000_000_000, 1_000_000_000)
	if err != nil {
		t.Fatal(err)
	}
	dl, ul, ok, err := DecodeUEContextModificationRequest(reencode(t, uc).(*message.UEContextModificationRequest))
	if err != nil || !ok || dl != 2_000_000_000 || ul != 1_000_000_000 {
		t.Errorf("DecodeUEContextModificationRequest = %d, %d, %t, %v", dl, ul, ok, err)
	}
	f, err := UEContextModificationFailure(testAMFUE, testRANUE, RadioNetworkCause(ie.CauseRadioNetworkPresentUnspecified))
	if err != nil {
		t.Fatal(err)
	}
	if c, err := DecodeUEContextModificationFailure(reencode(t, f).(*message.UEContextModificationFailure)); err != nil || c == nil {
		t.Errorf("DecodeUEContextModificationFailure = %v, %v", c, err)
	}
}

var causeComparer = cmp.Comparer(func(a, b *ie.Cause) bool { return CauseString(a) == CauseString(b) })

func TestModifyRefuses(t *testing.T) {
	for name, x := range map[string]ModifyRequestTransfer{
		"empty":         {},
		"AMBR too high": {HasAMBR: true, AMBRUplink: maxBitRate + 1},
		"bad ARP":       {Flows: []QoSFlow{{QFI: 2, FiveQI: 1}}},
		"bad QFI":       {Release: map[uint8]*ie.Cause{64: NASCause(ie.CauseNasPresentNormalRelease)}},
		"no cause":      {Release: map[uint8]*ie.Cause{3: nil}},
	} {
		if b, err := x.Encode(); err == nil {
			t.Errorf("%s: Encode = %x, want an error", name, b)
		}
	}
	if _, err := PDUSessionResourceModifyRequest(1, 2, nil); err == nil {
		t.Error("PDUSessionResourceModifyRequest without sessions succeeded")
	}
	if _, err := ModifyUnsuccessfulTransfer(nil); err == nil {
		t.Error("ModifyUnsuccessfulTransfer without a cause succeeded")
	}
	if _, err := UEContextModificationFailure(1, 2, nil); err == nil {
		t.Error("UEContextModificationFailure without a cause succeeded")
	}
	if _, err := DecodeModifyRequestTransfer([]byte{0x00, 0x00, 0x00}); err == nil {
		t.Error("DecodeModifyRequestTransfer of an empty container succeeded")
	}
	if _, _, _, err := DecodePDUSessionResourceModifyRequest(&message.PDUSessionResourceModifyRequest{}); err == nil {
		t.Error("DecodePDUSessionResourceModifyRequest without IDs succeeded")
	}
	if _, err := DecodeUEContextModificationFailure(&message.UEContextModificationFailure{AMFUENGAPID: &ie.AMFUENGAPID{}, RANUENGAPID: &ie.RANUENGAPID{}}); err == nil {
		t.Error("DecodeUEContextModificationFailure without a cause succeeded")
	}
}
