package pfcp

import (
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keelcore/keel/internal/goldentest"
	"github.com/wmnsk/go-pfcp/ie"
	"github.com/wmnsk/go-pfcp/message"
)

var update = flag.Bool("update", false, "rewrite testdata/*.hex and the fuzz seeds from the encoder")

// goldenCase is one message Keel builds, with the values tshark must
// find in it (tshark_test.go).
type goldenCase struct {
	name  string
	about string
	build func() (message.Message, error)
	want  map[string]string // tshark field → value (-E occurrence=a)
}

func goldenCases() []goldenCase {
	return []goldenCase{
		{
			name: "heartbeat_request", about: "Heartbeat Request, sequence 0x000102",
			build: func() (message.Message, error) { return HeartbeatRequest(0x000102, testRecovery) },
			want:  map[string]string{"pfcp.msg_type": "1", "pfcp.seqno": "258", "pfcp.recovery_time_stamp": "Jan  2, 2024 03:04:05.000000000 UTC"},
		},
		{
			name: "heartbeat_response", about: "Heartbeat Response",
			build: func() (message.Message, error) { return HeartbeatResponse(0x000102, testRecovery) },
			want:  map[string]string{"pfcp.msg_type": "2", "pfcp.recovery_time_stamp": "Jan  2, 2024 03:04:05.000000000 UTC"},
		},
		{
			name: "association_setup_request", about: "Association Setup Request from the SMF",
			build: func() (message.Message, error) { return AssociationSetupRequest(1, smfNodeID, testRecovery) },
			want:  map[string]string{"pfcp.msg_type": "5", "pfcp.node_id_ipv4": "10.100.200.1"},
		},
		{
			name: "association_setup_response", about: "Association Setup Response from the UPF, FTUP",
			build: func() (message.Message, error) {
				m, err := AssociationSetupResponse(1, upfNodeID, CauseRequestAccepted, testRecovery)
				if err == nil {
					m.UPFunctionFeatures = UPFunctionFeaturesIE(FeatureFTUP)
				}
				return m, err
			},
			want: map[string]string{"pfcp.msg_type": "6", "pfcp.node_id_ipv4": "10.100.200.2", "pfcp.cause": "1", "pfcp.up_function_features.ftup": "1"},
		},
		{
			name: "association_release_request", about: "Association Release Request",
			build: func() (message.Message, error) { return AssociationReleaseRequest(2, smfNodeID) },
			want:  map[string]string{"pfcp.msg_type": "9", "pfcp.node_id_ipv4": "10.100.200.1"},
		},
		{
			name: "association_release_response", about: "Association Release Response",
			build: func() (message.Message, error) { return AssociationReleaseResponse(2, upfNodeID, CauseRequestAccepted) },
			want:  map[string]string{"pfcp.msg_type": "10", "pfcp.cause": "1"},
		},
		{
			name: "association_update_request_release", about: "Association Update Request from the UPF asking for the release (SARR, URSS)",
			build: func() (message.Message, error) { return AssociationUpdateRequest(3, upfNodeID, true) },
			want:  map[string]string{"pfcp.msg_type": "7", "pfcp.seqno": "3", "pfcp.node_id_ipv4": "10.100.200.2", "pfcp.assoc_rel_req.sarr": "1"},
		},
		{
			name: "association_update_response", about: "Association Update Response",
			build: func() (message.Message, error) { return AssociationUpdateResponse(3, smfNodeID, CauseRequestAccepted) },
			want:  map[string]string{"pfcp.msg_type": "8", "pfcp.node_id_ipv4": "10.100.200.1", "pfcp.cause": "1"},
		},
		{
			name: "session_establishment_request", about: "Session Establishment Request of a 5G PDU session",
			build: func() (message.Message, error) { return testEstablishmentRequest().Message(0x123456) },
			want: map[string]string{
				"pfcp.msg_type": "50", "pfcp.seqno": "1193046", "pfcp.node_id_ipv4": "10.100.200.1",
				"pfcp.seid": "0x0000000000000000,0x8000000000000a01", "pfcp.f_seid.ipv4": "10.100.200.1",
				"pfcp.pdr_id": "1,2", "pfcp.far_id": "1,2,1,2", "pfcp.precedence": "255,255",
				"pfcp.f_teid_flags.ch": "1", "pfcp.f_teid.choose_id": "5a", "pfcp.ue_ip_addr_ipv4": "10.45.0.7",
				"pfcp.outer_hdr_creation.teid": "0x8a3f1c27", "pfcp.outer_hdr_creation.ipv4": "192.168.71.9",
				"pfcp.ul_mbr": "100000", "pfcp.dl_mbr": "250000", "pfcp.qfi_value": "0x09,0x09",
				"pfcp.gate_status.ulgate": "0", "pfcp.gate_status.dlgate": "0",
				"pfcp.volume_threshold.tovol": "1000000000", "pfcp.network_instance": "internet,internet,internet",
				"pfcp.pdn_type": "1", "pfcp.apply_action.forw": "1,1",
			},
		},
		{
			name: "session_establishment_response", about: "Session Establishment Response, F-TEID chosen",
			build: func() (message.Message, error) { return testEstablishmentResponse().Message(testCPSEID, 0x123456) },
			want: map[string]string{
				"pfcp.msg_type": "51", "pfcp.cause": "1", "pfcp.seid": "0x8000000000000a01,0x0000000123456789",
				"pfcp.f_teid.teid": "0x00014f2b", "pfcp.f_teid.ipv4_addr": "192.168.72.3", "pfcp.pdr_id": "1",
			},
		},
		{
			name: "session_establishment_response_rejected", about: "Session Establishment Response, Node ID missing",
			build: func() (message.Message, error) {
				return EstablishmentResponse{NodeID: upfNodeID, Cause: CauseMandatoryIEMissing, OffendingIE: ie.NodeID}.Message(0, 7)
			},
			want: map[string]string{"pfcp.msg_type": "51", "pfcp.cause": "66", "pfcp.offending_ie": "60"},
		},
		{
			name: "session_modification_request", about: "Session Modification Request: create, update, remove, query",
			build: func() (message.Message, error) { return testModificationRequest().Message(8) },
			want: map[string]string{
				"pfcp.msg_type": "52", "pfcp.seid": "0x0000000123456789", "pfcp.pdr_id": "7,3,2",
				"pfcp.outer_hdr_creation.teid": "0x8a3f1c28", "pfcp.volume_threshold.tovol": "5000000000",
				"pfcp.gate_status.ulgate": "0", "pfcp.gate_status.dlgate": "1",
			},
		},
		{
			name: "session_modification_request_gbr", about: "Session Modification Request: a GBR QoS flow's downlink PDR with two SDF filters, its uplink PDR and its QER",
			build: func() (message.Message, error) {
				return ModificationRequest{SEID: testUPSEID, Create: Rules{
					PDRs: []PDR{
						{ID: 3, Precedence: 10, SourceInterface: InterfaceAccess, FTEID: &FTEID{Choose: true, ChooseID: 1}, QFI: 2,
							RemoveOuterHeader: true, FARID: 1, QERIDs: []uint32{3, 1}},
						{ID: 4, Precedence: 10, SourceInterface: InterfaceCore, UEIPv4: ueAddr,
							SDFFilters: []string{"permit out 17 from any 5000-5010 to assigned", "permit out 6 from 198.51.100.0/24 to assigned"},
							FARID:      2, QERIDs: []uint32{3, 1}},
					},
					QERs: []QER{{ID: 3, GateUL: true, GateDL: true, MBRUL: 256_000, MBRDL: 2_000_000, QFI: 2}},
				}}.Message(12)
			},
			want: map[string]string{
				"pfcp.msg_type": "52", "pfcp.pdr_id": "3,4", "pfcp.sdf_filter.fd": "1,1",
				"pfcp.flow_desc": "permit out 17 from any 5000-5010 to assigned,permit out 6 from 198.51.100.0/24 to assigned",
				"pfcp.ul_mbr":    "256", "pfcp.dl_mbr": "2000", "pfcp.qfi_value": "0x02,0x02",
			},
		},
		{
			name: "session_modification_request_idle", about: "Session Modification Request: the downlink FAR buffers and notifies the CP function (BUFF|NOCP) under a new BAR",
			build: func() (message.Message, error) {
				return ModificationRequest{SEID: testUPSEID, Create: Rules{BARs: []BAR{{ID: 1, SuggestedPackets: 32}}},
					Update: Rules{FARs: []FAR{{ID: 2, Buffer: true, NotifyCP: true, BARID: 1, Set: FieldApplyAction | FieldBARID}}}}.Message(11)
			},
			want: map[string]string{
				"pfcp.msg_type": "52", "pfcp.far_id": "2", "pfcp.apply_action.buff": "1", "pfcp.apply_action.nocp": "1",
				"pfcp.apply_action.forw": "0", "pfcp.bar_id": "1,1", "pfcp.suggested_buffering_packets_count.packet_count": "32",
			},
		},
		{
			name: "session_modification_request_drobu", about: "Session Modification Request: drop the buffered packets (DROBU)",
			build: func() (message.Message, error) {
				return ModificationRequest{SEID: testUPSEID, DropBuffered: true}.Message(12)
			},
			want: map[string]string{"pfcp.msg_type": "52", "pfcp.smreq_flags.drobu": "1"},
		},
		{
			name: "session_modification_request_sndem", about: "Session Modification Request: the downlink FAR forwards to a new gNB tunnel, End Marker packets on the old one (PFCPSMReq-Flags SNDEM in Update Forwarding Parameters, TS 29.244 §7.5.4.3-2)",
			build: func() (message.Message, error) {
				far := FAR{ID: 2, Forward: true, DestinationInterface: 0, Outer: &OuterHeader{TEID: 0x2001, IPv4: netip.MustParseAddr("10.0.0.3")}, SendEndMarker: true,
					Set: FieldApplyAction | FieldDestination | FieldOuterHeader}
				return ModificationRequest{SEID: testUPSEID, Update: Rules{FARs: []FAR{far}}}.Message(13)
			},
			want: map[string]string{"pfcp.msg_type": "52", "pfcp.smreq_flags.sndem": "1", "pfcp.outer_hdr_creation.teid": "0x00002001"},
		},
		{
			name: "session_modification_response", about: "Session Modification Response with a queried usage report",
			build: func() (message.Message, error) {
				return ModificationResponse{Cause: CauseRequestAccepted, Usage: testUsage(TriggerQuery)}.Message(testCPSEID, 8)
			},
			want: map[string]string{
				"pfcp.msg_type": "53", "pfcp.cause": "1", "pfcp.usage_report_trigger.immer": "1",
				"pfcp.volume_measurement.ulvol": "600000123", "pfcp.volume_measurement.dlvol": "400000456",
				"pfcp.volume_measurement.tovol": "1000000579", "pfcp.ur_seqn": "3",
			},
		},
		{
			name: "session_deletion_request", about: "Session Deletion Request",
			build: func() (message.Message, error) { return DeletionRequest(testUPSEID, 9), nil },
			want:  map[string]string{"pfcp.msg_type": "54", "pfcp.seid": "0x0000000123456789"},
		},
		{
			name: "session_deletion_response", about: "Session Deletion Response with the final usage",
			build: func() (message.Message, error) {
				return DeletionResponse{Cause: CauseRequestAccepted, Usage: testUsage(TriggerTermination)}.Message(testCPSEID, 9)
			},
			want: map[string]string{"pfcp.msg_type": "55", "pfcp.cause": "1", "pfcp.usage_report_trigger.term": "1", "pfcp.volume_measurement.dlnop": "298765"},
		},
		{
			name: "session_report_request", about: "Session Report Request, volume threshold reached",
			build: func() (message.Message, error) {
				return ReportRequest{SEID: testCPSEID, Usage: testUsage(TriggerVolumeThreshold)}.Message(10)
			},
			want: map[string]string{
				"pfcp.msg_type": "56", "pfcp.report_type.usar": "1", "pfcp.usage_report_trigger_flags.volth": "1",
				"pfcp.start_time": "Jan  2, 2024 03:04:05.000000000 UTC", "pfcp.end_time": "Jan  2, 2024 04:34:05.000000000 UTC",
			},
		},
		{
			name: "session_report_request_dldr", about: "Session Report Request, downlink data buffered for PDR 2 (QFI 9)",
			build: func() (message.Message, error) {
				return ReportRequest{SEID: testCPSEID, DownlinkData: &DownlinkDataReport{PDRID: 2, QFI: 9}}.Message(13)
			},
			want: map[string]string{
				"pfcp.msg_type": "56", "pfcp.report_type.dldr": "1", "pfcp.report_type.usar": "0", "pfcp.pdr_id": "2",
				"pfcp.dl_data_service_inf.qfii": "1", "pfcp.qfi_value": "0x09",
			},
		},
		{
			name: "session_report_response", about: "Session Report Response",
			build: func() (message.Message, error) {
				return ReportResponse{Cause: CauseRequestAccepted}.Message(testUPSEID, 10)
			},
			want: map[string]string{"pfcp.msg_type": "57", "pfcp.cause": "1"},
		},
	}
}

// goldenBytes encodes every case.
func goldenBytes(t *testing.T) [][]byte {
	t.Helper()
	var out [][]byte
	for _, c := range goldenCases() {
		m, err := c.build()
		if err != nil {
			t.Fatalf("%s: build: %v", c.name, err)
		}
		b, err := Marshal(m)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		out = append(out, b)
	}
	return out
}

// TestGolden pins the encoding of every message Keel builds: a change in
// the encoder shows as a diff of testdata/*.hex (regenerate with go test
// -run TestGolden -update and review it). tshark checks the same bytes
// independently (TestTsharkDecodesGolden), and each decodes to a message
// that re-encodes to itself.
func TestGolden(t *testing.T) {
	cases := goldenCases()
	for i, b := range goldenBytes(t) {
		c := cases[i]
		goldentest.Seed(t, filepath.Join("testdata", "fuzz", "FuzzDecode", c.name), b, *update)
		want := goldentest.Hex(t, filepath.Join("testdata", c.name+".hex"), c.about, b, *update)
		if *update {
			continue
		}
		m, err := Decode(want)
		if err != nil {
			t.Fatalf("%s: Decode(golden) = %v", c.name, err)
		}
		if again, err := Marshal(m); err != nil || !bytes.Equal(again, want) {
			t.Errorf("%s: golden message re-encodes to %x, %v", c.name, again, err)
		}
	}
}

// malformedSeeds are fuzz seeds for the refusals (TestRefusals has more).
var malformedSeeds = []struct {
	name, hex string
	cause     uint8 // 0: ErrVersionNotSupported
	offending uint16
}{
	{"malformed_node_id_overrun", "2132 0026 0000000000000000 000a0b00 003c 0400 00 0a64c801 0039 000d 02 8000000000000a01 0a64c801", CauseInvalidLength, ie.NodeID},
	{"malformed_version_2", "4001 000c 00000100 0060 0004 e93dfba5", 0, 0},
	{"malformed_truncated_ie", "2001 000b 00000100 0060 0004 e93dfb", CauseInvalidLength, ie.RecoveryTimeStamp},
	{"malformed_grouped_overrun", "2134 0016 0000000123456789 00000500 000f 0006 0038 0008 0001", CauseInvalidLength, ie.PDRID},
}

// TestMalformedSeeds keeps the malformed fuzz seeds in
// testdata/fuzz/FuzzDecode (written with -update) and checks that Decode
// refuses each for its reason.
func TestMalformedSeeds(t *testing.T) {
	for _, s := range malformedSeeds {
		b := mustHex(t, s.hex)
		goldentest.Seed(t, filepath.Join("testdata", "fuzz", "FuzzDecode", s.name), b, *update)
		_, err := Decode(b)
		var ce *CauseError
		if !errors.As(err, &ce) || ce.Cause != s.cause || ce.OffendingIE != s.offending || (s.cause == 0 && !errors.Is(err, ErrVersionNotSupported)) {
			t.Errorf("%s: Decode = %v, want cause %d offending IE %d", s.name, err, s.cause, s.offending)
		}
	}
}

// TestKnownBytes checks encodings worked out by hand from the figures of
// TS 29.244 §7.2.2 (header) and §8.2 (IEs), independently of the encoder.
func TestKnownBytes(t *testing.T) {
	hb, _ := HeartbeatRequest(0x000102, testRecovery)
	setup, _ := AssociationSetupRequest(1, smfNodeID, testRecovery)
	rejected, _ := EstablishmentResponse{NodeID: upfNodeID, Cause: CauseMandatoryIEMissing, OffendingIE: ie.NodeID}.Message(0, 7)
	far, err := farIE(testRules().FARs[1], false)
	if err != nil {
		t.Fatal(err)
	}
	qer, err := qerIE(testRules().QERs[0], false)
	if err != nil {
		t.Fatal(err)
	}
	fteid, _ := fteidIE(FTEID{Choose: true, ChooseID: 0x5a})
	sdf, _ := sdfFilterIE("permit out 17 from any 5000 to assigned")
	ueip, _ := ueIPIE(ueAddr, netip.MustParsePrefix("2001:db8:1:2::/64"), true)
	for _, tc := range []struct {
		name string
		got  interface{ MarshalLen() int }
		want string
	}{
		// Header (§7.2.2.3): version 1, no S flag, type 1, length 12
		// (octets after the first 4), sequence 000102, spare; Recovery
		// Time Stamp (§8.2.65): type 96, length 4, NTP seconds.
		{"Heartbeat Request", hb, "2001000c 00010200" + "0060 0004 e93dfba5"},
		// Node ID (§8.2.38): type 60, length 5, type IPv4 (0), 10.100.200.1.
		{"Association Setup Request", setup, "20050015 00000100" + "003c 0005 00 0a64c801" + "0060 0004 e93dfba5"},
		// Session header (§7.2.2.4): S flag, type 51, length 32, SEID 0,
		// sequence 7; Node ID; Cause (§8.2.1) 66; Offending IE (§8.2.22) 60.
		{"Session Establishment Response (rejected)", rejected,
			"21330020 0000000000000000 00000700" + "003c 0005 00 0a64c802" + "0013 0001 42" + "0028 0002 003c"},
		// Create FAR (§7.5.2.3): FAR ID 2; Apply Action (§8.2.26) FORW;
		// Forwarding Parameters: Destination Interface (§8.2.24) Access,
		// Outer Header Creation (§8.2.56) GTP-U/UDP/IPv4 0100, TEID,
		// 192.168.71.9.
		{"Create FAR", far, "0003 0024" + "006c 0004 00000002" + "002c 0001 02" +
			"0004 0013" + "002a 0001 00" + "0054 000a 0100 8a3f1c27 c0a84709"},
		// Create QER (§7.5.2.5): QER ID 1; Gate Status (§8.2.7) both open;
		// MBR (§8.2.8) 100000 and 250000 kbit/s in 40 bits; QFI (§8.2.89) 9.
		{"Create QER", qer, "0007 0020" + "006d 0004 00000001" + "0019 0001 00" +
			"001a 000a 00000186a0 000003d090" + "007c 0001 09"},
		// SDF Filter (§8.2.5): type 23, flags FD, spare, length of the
		// flow description (39), its text.
		{"SDF Filter", sdf, "0017 002b 01 00 0027" + hex.EncodeToString([]byte("permit out 17 from any 5000 to assigned"))},
		// F-TEID (§8.2.3): CHID, CH and V4 set, CHOOSE ID 0x5a.
		{"F-TEID CHOOSE", fteid, "0015 0002 0d 5a"},
		// UE IP Address (§8.2.62): S/D, V4 and V6 set, 10.45.0.7,
		// 2001:db8:1:2:: (a /64: no prefix length octet).
		{"UE IP Address", ueip, "005d 0015 07 0a2d0007 20010db8000100020000000000000000"},
	} {
		want, _ := hex.DecodeString(strings.ReplaceAll(tc.want, " ", ""))
		var got []byte
		switch v := tc.got.(type) {
		case message.Message:
			got, err = Marshal(v)
		case *ie.IE:
			got, err = v.Marshal()
		}
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s = %x, %v\n                want %x", tc.name, got, err, want)
		}
	}
}
