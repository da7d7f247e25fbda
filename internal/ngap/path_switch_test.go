package ngap

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"testing"

	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/secret"
)

// Transfers of the Path Switch messages (TS 38.413 §9.3.4.8, §9.3.4.9,
// §9.3.4.15, §9.3.4.17), built by the encoders under test and read back
// by the decoders and by tshark (pathSwitchGoldenCases).
var (
	testPathSwitchXfer       = must(PathSwitchTransfer{DL: Tunnel{Addr: netip.MustParseAddr("10.0.0.2"), TEID: 0x1234abcd}, QFIs: []uint8{1}}.Encode())
	testPathSwitchFailedXfer = must(PathSwitchSetupFailedTransfer{Cause: RadioNetworkCause(ie.CauseRadioNetworkPresentRadioResourcesNotAvailable)}.Encode())
	testPathSwitchAckXfer    = must(PathSwitchAckTransfer{UL: Tunnel{Addr: netip.MustParseAddr("10.100.200.1"), TEID: 0xc0ffee}}.Encode())
	// TS 38.413 §9.3.1.2: radio network cause 31 is "unknown PDU session ID".
	testPathSwitchUnsuccessfulXfer = must(PathSwitchUnsuccessfulTransfer(RadioNetworkCause(ie.CauseRadioNetworkPresentUnknownPDUSessionID)))
	testNH                         = func() (k secret.Key256) {
		for i := range k {
			k[i] = byte(0xf0 - i)
		}
		return k
	}()
	testCaps = UESecurityCapabilities{NREncryption: AlgSNOW3G | AlgAES | AlgZUC, NRIntegrity: AlgAES, EUTRAEncryption: AlgAES, EUTRAIntegrity: AlgSNOW3G | AlgAES}
)

func testPathSwitch() PathSwitch {
	return PathSwitch{
		RANUE: testRANUE, SourceAMFUE: testAMFUE, Location: testLoc, Security: testCaps,
		Sessions: []SessionResult{{PDUSessionID: 1, Transfer: testPathSwitchXfer}},
	}
}

func testPathSwitchAck() PathSwitchAck {
	return PathSwitchAck{
		AMFUE: testAMFUE, RANUE: testRANUE, NCC: 2, NH: testNH,
		Switched:     []SessionResult{{PDUSessionID: 1, Transfer: testPathSwitchAckXfer}},
		AllowedNSSAI: []ident.SNSSAI{{SST: 1}},
	}
}

// pathSwitchGoldenCases are part of goldenCases: pinned in testdata,
// seeded in FuzzDecode and read by tshark (TestTsharkDecodesGolden).
func pathSwitchGoldenCases() []goldenCase {
	loc := map[string]string{"ngap.NRCellIdentity": "0x0000000123456789", "ngap.tAC": "1"}
	return []goldenCase{
		{
			name:  "path_switch_request",
			about: "Path Switch Request (TS 38.413 §9.2.3.8): session 1 switched to 10.0.0.2/0x1234abcd, QoS flow 1 accepted",
			build: built(func() (*message.PathSwitchRequest, error) {
				return PathSwitchRequest(testPathSwitch())
			}),
			element: "ngap.PathSwitchRequest_element",
			want: with(loc, map[string]string{"ngap.procedureCode": "25", "ngap.RAN_UE_NGAP_ID": fmt.Sprint(testRANUE),
				"ngap.AMF_UE_NGAP_ID": fmt.Sprint(testAMFUE), "ngap.pDUSessionID": "1",
				"ngap.TransportLayerAddressIPv4": "10.0.0.2",
				"ngap.gTP_TEID":                  "1234abcd", "ngap.qosFlowIdentifier": "1", "ngap.nRencryptionAlgorithms": "e000"}),
		},
		{
			name:  "path_switch_request_setup_failed",
			about: "Path Switch Request (TS 38.413 §9.2.3.8): session 1 switched, session 2 failed to set up (radio-network/radio-resources-not-available)",
			build: built(func() (*message.PathSwitchRequest, error) {
				p := testPathSwitch()
				p.Failed = []SessionResult{{PDUSessionID: 2, Transfer: testPathSwitchFailedXfer, Failed: true}}
				return PathSwitchRequest(p)
			}),
			element: "ngap.PathSwitchRequest_element",
			want: with(loc, map[string]string{"ngap.procedureCode": "25", "ngap.pDUSessionID": "1,2",
				"ngap.radioNetwork": "22"}),
		},
		{
			name:  "path_switch_request_acknowledge",
			about: "Path Switch Request Acknowledge (TS 38.413 §9.2.3.9): NCC 2, NH f0ef..d1, session 1 switched with UL tunnel 10.100.200.1/0xc0ffee, S-NSSAI 1",
			build: built(func() (*message.PathSwitchRequestAcknowledge, error) {
				return PathSwitchRequestAcknowledge(testPathSwitchAck())
			}),
			element: "ngap.PathSwitchRequestAcknowledge_element",
			want: with(ueIDFields, map[string]string{"ngap.procedureCode": "25", "ngap.nextHopChainingCount": "2",
				"ngap.nextHopNH": hex.EncodeToString(testNH[:]), "ngap.pDUSessionID": "1",
				"ngap.TransportLayerAddressIPv4": "10.100.200.1",
				"ngap.gTP_TEID":                  "00c0ffee", "ngap.sST": "01", "ngap.nRencryptionAlgorithms": ""}),
		},
		{
			name:  "path_switch_request_acknowledge_released",
			about: "Path Switch Request Acknowledge (TS 38.413 §9.2.3.9): the AMF's UE Security Capabilities, session 1 switched, session 3 released (radio-network/unknown-PDU-session-ID)",
			build: built(func() (*message.PathSwitchRequestAcknowledge, error) {
				a := testPathSwitchAck()
				caps := testCaps
				a.Security = &caps
				a.Released = []SessionResult{{PDUSessionID: 3, Transfer: testPathSwitchUnsuccessfulXfer, Failed: true}}
				return PathSwitchRequestAcknowledge(a)
			}),
			element: "ngap.PathSwitchRequestAcknowledge_element",
			want: with(ueIDFields, map[string]string{"ngap.procedureCode": "25", "ngap.pDUSessionID": "1,3",
				"ngap.radioNetwork":           "26",
				"ngap.nRencryptionAlgorithms": "e000"}),
		},
	}
}

func TestPathSwitchRequestRoundTrip(t *testing.T) {
	p := testPathSwitch()
	p.Failed = []SessionResult{{PDUSessionID: 2, Transfer: testPathSwitchFailedXfer, Failed: true}}
	m, err := PathSwitchRequest(p)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	dm, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodePathSwitchRequest(dm.(*message.PathSwitchRequest))
	if diff := cmp.Diff(p, got); err != nil || diff != "" {
		t.Errorf("DecodePathSwitchRequest = %v, diff (-want +got):\n%s", err, diff)
	}
	x, err := DecodePathSwitchTransfer(got.Sessions[0].Transfer)
	if err != nil || x.DL != (Tunnel{Addr: netip.MustParseAddr("10.0.0.2"), TEID: 0x1234abcd}) || len(x.QFIs) != 1 || x.QFIs[0] != 1 {
		t.Errorf("DecodePathSwitchTransfer = %+v, %v", x, err)
	}
	f, err := DecodePathSwitchSetupFailedTransfer(got.Failed[0].Transfer)
	if err != nil || CauseString(f.Cause) != "radio-network/22" {
		t.Errorf("DecodePathSwitchSetupFailedTransfer = %+v, %v", f, err)
	}
}

func TestPathSwitchRequestErrors(t *testing.T) {
	twice := testPathSwitch()
	twice.Failed = []SessionResult{{PDUSessionID: 1, Transfer: testPathSwitchFailedXfer, Failed: true}}
	m, err := PathSwitchRequest(twice)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DecodePathSwitchRequest(m); err == nil {
		t.Error("DecodePathSwitchRequest of a session both switched and failed = nil error")
	}
	m, _ = PathSwitchRequest(testPathSwitch())
	m.UESecurityCapabilities = nil
	if _, err := DecodePathSwitchRequest(m); err == nil {
		t.Error("DecodePathSwitchRequest without UE Security Capabilities = nil error")
	}
	if _, err := PathSwitchRequest(PathSwitch{Location: testLoc}); err == nil {
		t.Error("PathSwitchRequest without sessions = nil error")
	}
	if _, err := DecodePathSwitchTransfer([]byte{0x00}); err == nil {
		t.Error("DecodePathSwitchTransfer(00) = nil error")
	}
}

func TestPathSwitchAckRoundTrip(t *testing.T) {
	a := testPathSwitchAck()
	caps := testCaps
	a.Security = &caps
	a.Released = []SessionResult{{PDUSessionID: 3, Transfer: testPathSwitchUnsuccessfulXfer, Failed: true}}
	m, err := PathSwitchRequestAcknowledge(a)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	dm, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodePathSwitchRequestAcknowledge(dm.(*message.PathSwitchRequestAcknowledge))
	if diff := cmp.Diff(a, got); err != nil || diff != "" {
		t.Errorf("DecodePathSwitchRequestAcknowledge = %v, diff (-want +got):\n%s", err, diff)
	}
	ul, err := DecodePathSwitchAckTransfer(got.Switched[0].Transfer)
	if err != nil || ul.UL != (Tunnel{Addr: netip.MustParseAddr("10.100.200.1"), TEID: 0xc0ffee}) {
		t.Errorf("DecodePathSwitchAckTransfer = %+v, %v", ul, err)
	}
	c, err := DecodePathSwitchUnsuccessfulTransfer(got.Released[0].Transfer)
	if err != nil || CauseString(c) != "radio-network/26" {
		t.Errorf("DecodePathSwitchUnsuccessfulTransfer = %v, %v", CauseString(c), err)
	}
	if _, err := PathSwitchRequestAcknowledge(PathSwitchAck{NCC: 8, Switched: a.Switched, AllowedNSSAI: a.AllowedNSSAI}); err == nil {
		t.Error("PathSwitchRequestAcknowledge with NCC 8 = nil error")
	}
	if _, err := PathSwitchRequestAcknowledge(PathSwitchAck{Switched: a.Switched}); err == nil {
		t.Error("PathSwitchRequestAcknowledge without Allowed NSSAI = nil error")
	}
	empty, err := PathSwitchAckTransfer{}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if x, err := DecodePathSwitchAckTransfer(empty); err != nil || x.UL.Addr.IsValid() {
		t.Errorf("DecodePathSwitchAckTransfer(empty) = %+v, %v", x, err)
	}
}

func TestPathSwitchFailureDecode(t *testing.T) {
	m, err := PathSwitchRequestFailure(testAMFUE, testRANUE, []uint8{1, 5}, RadioNetworkCause(ie.CauseRadioNetworkPresentHoFailureInTarget5GCNgranNodeOrTargetSystem))
	if err != nil {
		t.Fatal(err)
	}
	psis, cause, err := DecodePathSwitchRequestFailure(m)
	if err != nil || fmt.Sprint(psis) != "[1 5]" || CauseString(cause) != "radio-network/7" {
		t.Errorf("DecodePathSwitchRequestFailure = %v, %v, %v", psis, CauseString(cause), err)
	}
}

// pathSwitchTransfers runs the Path Switch transfer decoders over b for
// FuzzTransfers: what one accepts re-encodes to bytes it decodes to the
// same value.
func pathSwitchTransfers(t *testing.T, b []byte) {
	t.Helper()
	if x, err := DecodePathSwitchTransfer(b); err == nil {
		if out, err := x.Encode(); err == nil {
			again, err := DecodePathSwitchTransfer(out)
			if diff := cmp.Diff(x, again, addrComparer); err != nil || diff != "" {
				t.Fatalf("Path Switch Request Transfer %+v re-encodes to %x: %v %s", x, out, err, diff)
			}
		}
	}
	if x, err := DecodePathSwitchSetupFailedTransfer(b); err == nil {
		if out, err := x.Encode(); err == nil {
			if again, err := DecodePathSwitchSetupFailedTransfer(out); err != nil || CauseString(again.Cause) != CauseString(x.Cause) {
				t.Fatalf("Path Switch Request Setup Failed Transfer %+v re-encodes to %x: %v", x, out, err)
			}
		}
	}
	if x, err := DecodePathSwitchAckTransfer(b); err == nil {
		if out, err := x.Encode(); err == nil {
			again, err := DecodePathSwitchAckTransfer(out)
			if diff := cmp.Diff(x, again, addrComparer); err != nil || diff != "" {
				t.Fatalf("Path Switch Request Acknowledge Transfer %+v re-encodes to %x: %v %s", x, out, err, diff)
			}
		}
	}
	DecodePathSwitchUnsuccessfulTransfer(b)
}
