package ngap

import (
	"bytes"
	"encoding/hex"
	"flag"
	"fmt"
	"maps"
	"path/filepath"
	"testing"

	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/goldentest"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/secret"
)

var update = flag.Bool("update", false, "rewrite testdata/*.hex from the encoder")

// Fixed inputs of the golden PDUs. The values fill their fields' widths
// with irregular bit patterns so that a shifted or truncated field shows.
var (
	testPLMN = ident.PLMN{MCC: "001", MNC: "01"}
	testLoc  = UELocation{TAI: ident.TAI{PLMN: testPLMN, TAC: 0x000001}, CellID: 0x123456789, CellPLMN: testPLMN}
	// AMF Region 0xca, Set 0x2a5, Pointer 0x15: AMF ID ca a9 55.
	testGUAMI = ident.GUAMI{PLMN: testPLMN, RegionID: 0xca, SetID: 0x2a5, Pointer: 0x15}
	testTMSI  = FiveGSTMSI{SetID: 0x2a5, Pointer: 0x15, TMSI: 0xdeadbeef}
	testKgNB  = func() (k secret.Key256) {
		for i := range k {
			k[i] = byte(i)
		}
		return k
	}()
)

const (
	testAMFUE = 0x12_3456_789a // 40 bits: AMF UE NGAP ID is INTEGER (0..2^40-1)
	testRANUE = 0x8000_0001    // 32 bits: RAN UE NGAP ID is INTEGER (0..2^32-1)
)

// Plain 5GMM messages (TS 24.501 §8.2) carried as NAS-PDUs, so that tshark
// decodes the NAS inside as well.
var (
	// Registration Request (§8.2.6): initial registration with follow-on
	// request, ngKSI 7 (none), SUCI of IMSI 001 01 0000000001 under the null
	// scheme, UE security capability 5G-EA0..3 and 5G-IA0..3.
	nasRegistrationRequest = mustHex("7e004179000d0100f110000000000000000010" + "2e04f0f0f0f0")
	// Service Request (§8.2.16): ngKSI 0, service type data, 5G-S-TMSI
	// AMF Set 0x2a5, Pointer 0x15, 5G-TMSI deadbeef.
	nasServiceRequest = mustHex("7e004c10" + "0007f4a955deadbeef")
	// Authentication Request (§8.2.1): ngKSI 0, ABBA 0000, RAND, AUTN.
	nasAuthenticationRequest = mustHex("7e005600" + "020000" +
		"21" + "000102030405060708090a0b0c0d0e0f" + "2010" + "f0e0d0c0b0a090807060504030201000")
	// Authentication Response (§8.2.2): RES* of 16 octets.
	nasAuthenticationResponse = mustHex("7e0057" + "2d10" + "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf")
	// Registration Accept (§8.2.7): 3GPP access, 5G-GUTI 001 01 ca a9 55
	// deadbeef; integrity protected (security header type 1, MAC 01020304,
	// sequence number 1) so that tshark shows the plain message inside.
	nasRegistrationAccept = mustHex("7e0101020304" + "01" + "7e0042" + "0101" + "77000bf200f110caa955deadbeef")
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func testContext() InitialContext {
	return InitialContext{
		AMFUE:        testAMFUE,
		RANUE:        testRANUE,
		GUAMI:        testGUAMI,
		AllowedNSSAI: []ident.SNSSAI{{SST: 1}, {SST: 2, SD: 0xabcdef, HasSD: true}},
		Security:     UESecurityCapabilities{NREncryption: AlgSNOW3G | AlgAES | AlgZUC, NRIntegrity: AlgAES, EUTRAEncryption: AlgAES, EUTRAIntegrity: AlgSNOW3G | AlgAES},
		SecurityKey:  testKgNB,
		NASPDU:       nasRegistrationAccept,
	}
}

// goldenCase is one message with fixed inputs, its encoding pinned in
// testdata/<name>.hex, and what tshark must find in it.
type goldenCase struct {
	name  string
	about string
	build func() (message.Message, error)
	// element is the tshark field of the message's value, which tshark
	// shows only if it recognised the message.
	element string
	// tshark fields and the values tshark must decode them to; "" for a
	// field that must be absent.
	want map[string]string
}

func fixed[M message.Message](m M) func() (message.Message, error) {
	return func() (message.Message, error) { return m, nil }
}

func built[M message.Message](f func() (M, error)) func() (message.Message, error) {
	return func() (message.Message, error) { return f() }
}

var ueIDFields = map[string]string{"ngap.AMF_UE_NGAP_ID": fmt.Sprint(testAMFUE), "ngap.RAN_UE_NGAP_ID": fmt.Sprint(testRANUE)}

func with(a, b map[string]string) map[string]string {
	out := maps.Clone(a)
	maps.Copy(out, b)
	return out
}

// goldenCases are the cases of this file, of the Path Switch messages
// (pathSwitchGoldenCases) and of the AMF's configuration (amfConfigGoldenCases).
func goldenCases() []goldenCase {
	return append(append(baseGoldenCases(), pathSwitchGoldenCases()...), amfConfigGoldenCases()...)
}

func baseGoldenCases() []goldenCase {
	loc := map[string]string{"ngap.NRCellIdentity": "0x0000000123456789", "ngap.tAC": "1"}
	return []goldenCase{
		{
			name:  "initial_ue_message",
			about: "Initial UE Message (TS 38.413 §9.2.5.1): Registration Request, mo-Signalling, no 5G-S-TMSI",
			build: built(func() (*message.InitialUEMessage, error) {
				return InitialUEMessage(testRANUE, nasRegistrationRequest, testLoc, RRCCauseMOSignalling, nil)
			}),
			element: "ngap.InitialUEMessage_element",
			want: with(loc, map[string]string{"ngap.procedureCode": "15", "ngap.RAN_UE_NGAP_ID": fmt.Sprint(testRANUE), "ngap.AMF_UE_NGAP_ID": "",
				"ngap.RRCEstablishmentCause": "3", "ngap.fiveG_TMSI": "", "nas_5gs.mm.message_type": "0x41"}),
		},
		{
			name:  "initial_ue_message_tmsi",
			about: "Initial UE Message (TS 38.413 §9.2.5.1): Service Request, mo-Data, 5G-S-TMSI 2a5/15/deadbeef",
			build: built(func() (*message.InitialUEMessage, error) {
				tmsi := testTMSI
				return InitialUEMessage(testRANUE, nasServiceRequest, testLoc, RRCCauseMOData, &tmsi)
			}),
			element: "ngap.InitialUEMessage_element",
			want: with(loc, map[string]string{"ngap.procedureCode": "15", "ngap.RAN_UE_NGAP_ID": fmt.Sprint(testRANUE), "ngap.AMF_UE_NGAP_ID": "",
				"ngap.RRCEstablishmentCause": "4", "ngap.fiveG_TMSI": "3735928559", "ngap.aMFSetID": "a940", "ngap.aMFPointer": "54", "nas_5gs.mm.message_type": "0x4c"}),
		},
		{
			name:    "downlink_nas_transport",
			about:   "Downlink NAS Transport (TS 38.413 §9.2.5.2): Authentication Request",
			build:   fixed(DownlinkNASTransport(testAMFUE, testRANUE, nasAuthenticationRequest)),
			element: "ngap.DownlinkNASTransport_element",
			want:    with(ueIDFields, map[string]string{"ngap.procedureCode": "4", "nas_5gs.mm.message_type": "0x56"}),
		},
		{
			name:  "uplink_nas_transport",
			about: "Uplink NAS Transport (TS 38.413 §9.2.5.3): Authentication Response",
			build: built(func() (*message.UplinkNASTransport, error) {
				return UplinkNASTransport(testAMFUE, testRANUE, nasAuthenticationResponse, testLoc)
			}),
			element: "ngap.UplinkNASTransport_element",
			want:    with(with(ueIDFields, loc), map[string]string{"ngap.procedureCode": "46", "nas_5gs.mm.message_type": "0x57"}),
		},
		{
			name:  "initial_context_setup_request",
			about: "Initial Context Setup Request (TS 38.413 §9.2.2.1): Registration Accept, KgNB 000102..1f",
			build: built(func() (*message.InitialContextSetupRequest, error) {
				return InitialContextSetupRequest(testContext())
			}),
			element: "ngap.InitialContextSetupRequest_element",
			want: with(ueIDFields, map[string]string{"ngap.procedureCode": "14",
				"ngap.SecurityKey":                     hex.EncodeToString(testKgNB[:]),
				"ngap.nRencryptionAlgorithms":          "e000",
				"ngap.nRintegrityProtectionAlgorithms": "4000",
				"ngap.aMFSetID":                        "a940",
				"ngap.sST":                             "01,02",
				"ngap.sD":                              "abcdef",
				"nas_5gs.mm.message_type":              "0x42"}),
		},
		{
			name:  "initial_context_setup_request_minimal",
			about: "Initial Context Setup Request (TS 38.413 §9.2.2.1): mandatory IEs only",
			build: built(func() (*message.InitialContextSetupRequest, error) {
				c := testContext()
				c.NASPDU = nil
				c.AllowedNSSAI = c.AllowedNSSAI[:1]
				return InitialContextSetupRequest(c)
			}),
			element: "ngap.InitialContextSetupRequest_element",
			want: with(ueIDFields, map[string]string{"ngap.procedureCode": "14", "ngap.sST": "01", "ngap.sD": "",
				"ngap.NAS_PDU": "", "ngap.uEAggregateMaximumBitRateDL": ""}),
		},
		{
			name:  "initial_context_setup_response",
			about: "Initial Context Setup Response (TS 38.413 §9.2.2.2)",
			build: built(func() (*message.InitialContextSetupResponse, error) {
				return InitialContextSetupResponse(testAMFUE, testRANUE, nil)
			}),
			element: "ngap.InitialContextSetupResponse_element",
			want:    with(ueIDFields, map[string]string{"ngap.procedureCode": "14"}),
		},
		{
			name:  "initial_context_setup_failure",
			about: "Initial Context Setup Failure (TS 38.413 §9.2.2.3): radio-network/radio-resources-not-available",
			build: built(func() (*message.InitialContextSetupFailure, error) {
				return InitialContextSetupFailure(testAMFUE, testRANUE, RadioNetworkCause(ie.CauseRadioNetworkPresentRadioResourcesNotAvailable), nil)
			}),
			element: "ngap.InitialContextSetupFailure_element",
			want:    with(ueIDFields, map[string]string{"ngap.procedureCode": "14", "ngap.radioNetwork": "22"}),
		},
		{
			name:  "paging",
			about: "Paging (TS 38.413 §9.2.4.1): 5G-S-TMSI 2a5/15/deadbeef, TAIs 001-01-000001 and 001-01-abcdef, Paging DRX 128, Paging Priority 1",
			build: built(func() (*message.Paging, error) {
				return Paging(PagingRequest{TMSI: testTMSI, TAIs: []ident.TAI{testLoc.TAI, {PLMN: testPLMN, TAC: 0xabcdef}}, DRX: PagingDRX128, Priority: 1})
			}),
			element: "ngap.Paging_element",
			want: map[string]string{"ngap.procedureCode": "24", "ngap.AMF_UE_NGAP_ID": "", "ngap.RAN_UE_NGAP_ID": "",
				"ngap.fiveG_TMSI": "3735928559", "ngap.aMFSetID": "a940", "ngap.aMFPointer": "54",
				"ngap.tAC": "1,11259375", "ngap.PagingDRX": "2", "ngap.PagingPriority": "0"},
		},
		{
			name:  "paging_minimal",
			about: "Paging (TS 38.413 §9.2.4.1): mandatory IEs only, 5G-S-TMSI 2a5/15/deadbeef in TAI 001-01-000001",
			build: built(func() (*message.Paging, error) {
				return Paging(PagingRequest{TMSI: testTMSI, TAIs: []ident.TAI{testLoc.TAI}})
			}),
			element: "ngap.Paging_element",
			want: map[string]string{"ngap.procedureCode": "24", "ngap.fiveG_TMSI": "3735928559", "ngap.tAC": "1",
				"ngap.PagingDRX": "", "ngap.PagingPriority": ""},
		},
		{
			name:    "ue_context_release_command",
			about:   "UE Context Release Command (TS 38.413 §9.2.2.5): UE NGAP ID pair, nas/deregister",
			build:   fixed(UEContextReleaseCommand(testAMFUE, testRANUE, NASCause(ie.CauseNasPresentDeregister))),
			element: "ngap.UEContextReleaseCommand_element",
			want:    with(ueIDFields, map[string]string{"ngap.procedureCode": "41", "ngap.nas": "2"}),
		},
		{
			name:    "ue_context_release_command_amf_id",
			about:   "UE Context Release Command (TS 38.413 §9.2.2.5): AMF UE NGAP ID only, nas/normal-release",
			build:   fixed(UEContextReleaseCommand(testAMFUE, -1, NASCause(ie.CauseNasPresentNormalRelease))),
			element: "ngap.UEContextReleaseCommand_element",
			want:    map[string]string{"ngap.procedureCode": "41", "ngap.AMF_UE_NGAP_ID": fmt.Sprint(testAMFUE), "ngap.RAN_UE_NGAP_ID": "", "ngap.nas": "0"},
		},
		{
			name:    "ue_context_release_complete",
			about:   "UE Context Release Complete (TS 38.413 §9.2.2.6)",
			build:   fixed(UEContextReleaseComplete(testAMFUE, testRANUE)),
			element: "ngap.UEContextReleaseComplete_element",
			want:    with(ueIDFields, map[string]string{"ngap.procedureCode": "41"}),
		},
		{
			name:    "ue_context_release_request",
			about:   "UE Context Release Request (TS 38.413 §9.2.2.4): radio-network/user-inactivity",
			build:   fixed(UEContextReleaseRequest(testAMFUE, testRANUE, RadioNetworkCause(ie.CauseRadioNetworkPresentUserInactivity))),
			element: "ngap.UEContextReleaseRequest_element",
			want:    with(ueIDFields, map[string]string{"ngap.procedureCode": "42", "ngap.radioNetwork": "20"}),
		},
		{
			name:  "initial_context_setup_request_radio_capability",
			about: "Initial Context Setup Request (TS 38.413 §9.2.2.1): with the UE Radio Capability (§9.3.1.74) of a UE of NR bands 78, 1, 3",
			build: built(func() (*message.InitialContextSetupRequest, error) {
				c := testContext()
				c.UERadioCapability = testRadioCapability
				return InitialContextSetupRequest(c)
			}),
			element: "ngap.InitialContextSetupRequest_element",
			want:    with(ueIDFields, map[string]string{"ngap.procedureCode": "14", "nr-rrc.rat_Type": "0", "nr-rrc.bandNR": "78,1,3"}),
		},
		{
			name:    "ue_radio_capability_info_indication",
			about:   "UE Radio Capability Info Indication (TS 38.413 §9.2.11.1): NR bands 78, 1, 3",
			build:   fixed(UERadioCapabilityInfoIndication(testAMFUE, testRANUE, testRadioCapability)),
			element: "ngap.UERadioCapabilityInfoIndication_element",
			want:    with(ueIDFields, map[string]string{"ngap.procedureCode": "44", "nr-rrc.rat_Type": "0", "nr-rrc.bandNR": "78,1,3"}),
		},
		{
			name:  "handover_preparation_failure",
			about: "Handover Preparation Failure (TS 38.413 §9.2.3.3): radio-network/ho-failure-in-target-5GC-ngran-node-or-target-system",
			build: fixed(HandoverPreparationFailure(testAMFUE, testRANUE,
				RadioNetworkCause(ie.CauseRadioNetworkPresentHoFailureInTarget5GCNgranNodeOrTargetSystem))),
			element: "ngap.HandoverPreparationFailure_element",
			want:    with(ueIDFields, map[string]string{"ngap.procedureCode": "12", "ngap.radioNetwork": "7"}),
		},
		{
			name:    "handover_cancel_acknowledge",
			about:   "Handover Cancel Acknowledge (TS 38.413 §9.2.3.12)",
			build:   fixed(HandoverCancelAcknowledge(testAMFUE, testRANUE)),
			element: "ngap.HandoverCancelAcknowledge_element",
			want:    with(ueIDFields, map[string]string{"ngap.procedureCode": "10"}),
		},
		{
			name:  "path_switch_request_failure",
			about: "Path Switch Request Failure (TS 38.413 §9.2.3.10): PDU sessions 1 and 5 released, radio-network/ho-failure-in-target-5GC-ngran-node-or-target-system",
			build: built(func() (*message.PathSwitchRequestFailure, error) {
				return PathSwitchRequestFailure(testAMFUE, testRANUE, []uint8{1, 5},
					RadioNetworkCause(ie.CauseRadioNetworkPresentHoFailureInTarget5GCNgranNodeOrTargetSystem))
			}),
			element: "ngap.PathSwitchRequestFailure_element",
			want:    with(ueIDFields, map[string]string{"ngap.procedureCode": "25", "ngap.pDUSessionID": "1,5", "ngap.radioNetwork": "7,7"}),
		},
		{
			name:    "ue_context_resume_failure",
			about:   "UE Context Resume Failure (TS 38.413 §9.2.2.15): protocol/message-not-compatible-with-receiver-state",
			build:   fixed(UEContextResumeFailure(testAMFUE, testRANUE, ProtocolCause(ie.CauseProtocolPresentMessageNotCompatibleWithReceiverState))),
			element: "ngap.UEContextResumeFailure_element",
			want:    with(ueIDFields, map[string]string{"ngap.procedureCode": "58", "ngap.protocol": "3"}),
		},
		{
			name:    "ue_context_suspend_failure",
			about:   "UE Context Suspend Failure (TS 38.413 §9.2.2.18): protocol/message-not-compatible-with-receiver-state",
			build:   fixed(UEContextSuspendFailure(testAMFUE, testRANUE, ProtocolCause(ie.CauseProtocolPresentMessageNotCompatibleWithReceiverState))),
			element: "ngap.UEContextSuspendFailure_element",
			want:    with(ueIDFields, map[string]string{"ngap.procedureCode": "59", "ngap.protocol": "3"}),
		},
		{
			name:  "pdu_session_resource_modify_confirm_failed",
			about: "PDU Session Resource Modify Confirm (TS 38.413 §9.2.1.9): PDU session 5 failed to modify, misc/unspecified",
			build: built(func() (*message.PDUSessionResourceModifyConfirm, error) {
				tr, err := ModifyIndicationUnsuccessfulTransfer(MiscCause(ie.CauseMiscPresentUnspecified))
				if err != nil {
					return nil, err
				}
				return PDUSessionResourceModifyConfirm(testAMFUE, testRANUE, []SessionResult{{PDUSessionID: 5, Transfer: tr, Failed: true}})
			}),
			element: "ngap.PDUSessionResourceModifyConfirm_element",
			want:    with(ueIDFields, map[string]string{"ngap.procedureCode": "27", "ngap.pDUSessionID": "5", "ngap.misc": "5"}),
		},
		{
			name:  "pdu_session_resource_notify",
			about: "PDU Session Resource Notify (TS 38.413 §9.2.1.7): session 1's QoS flow 1 released (radio-network/radio-resources-not-available), session 2 released (radio-network/user-inactivity)",
			build: built(func() (*message.PDUSessionResourceNotify, error) {
				return PDUSessionResourceNotify(testAMFUE, testRANUE, []SessionResult{
					{PDUSessionID: 1, Transfer: testNotifyXfer},
					{PDUSessionID: 2, Transfer: testNotifyReleasedXfer, Failed: true},
				})
			}),
			element: "ngap.PDUSessionResourceNotify_element",
			want:    with(ueIDFields, map[string]string{"ngap.procedureCode": "30", "ngap.pDUSessionID": "1,2", "ngap.radioNetwork": "22,20"}),
		},
		{
			name:  "pdu_session_resource_modify_indication",
			about: "PDU Session Resource Modify Indication (TS 38.413 §9.2.1.8): session 5 asks for downlink tunnel 10.0.0.9/0xabcd, QoS flow 1",
			build: built(func() (*message.PDUSessionResourceModifyIndication, error) {
				return PDUSessionResourceModifyIndication(testAMFUE, testRANUE, []SessionResult{{PDUSessionID: 5, Transfer: testModIndXfer}})
			}),
			element: "ngap.PDUSessionResourceModifyIndication_element",
			want:    with(ueIDFields, map[string]string{"ngap.procedureCode": "27", "ngap.pDUSessionID": "5", "ngap.gTP_TEID": "0000abcd"}),
		},
	}
}

// testRadioCapability is a UERadioAccessCapabilityInformation (TS 38.331
// §6.5.2) with one UE-NR-Capability of NR bands 78, 1 and 3, Rel-15,
// every optional part absent: what Keel's simulator gNB sends
// (internal/sim/gnb.UERadioCapability), decoded field by field by tshark
// (TestTsharkDecodesGolden).
var testRadioCapability = mustHex("00988110000000000000800009a000000000001000")

// goldenPDUs encodes every case.
func goldenPDUs(t *testing.T) [][]byte {
	t.Helper()
	var out [][]byte
	for _, c := range goldenCases() {
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

// TestGolden pins the encoding of every UE-associated message Keel builds,
// and of Paging:
// a change in the encoder shows as a diff of testdata/*.hex (regenerate
// with go test -run TestGolden -update and review it). The bytes are
// checked independently by TestTsharkDecodesGolden.
func TestGolden(t *testing.T) {
	cases := goldenCases()
	for i, b := range goldenPDUs(t) {
		c := cases[i]
		goldentest.Seed(t, filepath.Join("testdata", "fuzz", "FuzzDecode", c.name), b, *update)
		want := goldentest.Hex(t, filepath.Join("testdata", c.name+".hex"), c.about, b, *update)
		if *update {
			continue
		}
		// The golden bytes decode to the same message type and re-encode
		// to themselves.
		m, err := Decode(want)
		if err != nil {
			t.Errorf("%s: Decode(golden) = %v", c.name, err)
			continue
		}
		again, err := Encode(m)
		if err != nil || !bytes.Equal(again, want) {
			t.Errorf("%s: Encode(Decode(golden)) = %x, %v, want the golden bytes", c.name, again, err)
		}
	}
}
