package sm

import (
	"testing"
	"time"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/tsharktest"

	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/ngap"
)

// 5GMM transport of 5GSM messages (TS 24.501 §8.2.10, §8.2.11): payload
// container type 1 "N1 SM information" (V ½, spare high nibble), the
// payload container (LV-E) and the PDU session ID (IEI 0x12, TV 2).
func dlNASTransport(psi uint8, sm []byte) []byte {
	b := []byte{0x7e, 0x00, 0x68, 0x01, byte(len(sm) >> 8), byte(len(sm))}
	b = append(b, sm...)
	return append(b, 0x12, psi)
}

// ulNASTransport adds, for a new session, request type "initial request"
// (IEI 0x8-, TV 1), S-NSSAI 1 (0x22) and DNN "internet" (0x25).
func ulNASTransport(psi uint8, sm []byte, initial bool) []byte {
	b := []byte{0x7e, 0x00, 0x67, 0x01, byte(len(sm) >> 8), byte(len(sm))}
	b = append(b, sm...)
	b = append(b, 0x12, psi)
	if initial {
		b = append(b, 0x81, 0x22, 0x01, 0x01, 0x25, 0x09, 0x08, 'i', 'n', 't', 'e', 'r', 'n', 'e', 't')
	}
	return b
}

// TestTsharkDecodes has tshark, a decoder written independently of this
// package, read every message this package builds: each is carried in a
// 5GMM DL (or UL) NAS TRANSPORT inside an NGAP Downlink (or Uplink) NAS
// Transport, wrapped in SCTP by text2pcap. tshark must flag no packet as
// malformed and raise no expert warning or error, and must decode the
// 5GSM fields to the values the builders were given.
func TestTsharkDecodes(t *testing.T) {
	loc := ngap.UELocation{TAI: ident.TAI{PLMN: ident.PLMN{MCC: "001", MNC: "01"}, TAC: 1}, CellID: 0x10}
	const amfUE, ranUE = 7, 9
	type tcase struct {
		name string
		nas  []byte // the 5GMM message
		up   bool
		want map[string]string // tshark field → value; "" for absent
	}
	cases := []tcase{
		{"accept IPv4", dlNASTransport(5, mustAccept(t, acceptIPv4)), false, map[string]string{
			"nas_5gs.sm.message_type":             "0xc2",
			"nas_5gs.pdu_session_id":              "5,5", // the 5GMM IE and the 5GSM header
			"nas_5gs.sm.pdu_session_type":         "1",
			"nas_5gs.sm.sel_sc_mode":              "2",
			"nas_5gs.sm.qos_rule_id":              "1",
			"nas_5gs.sm.rop":                      "1",
			"nas_5gs.sm.dqr":                      "1",
			"nas_5gs.sm.nof_pkt_filters":          "1",
			"nas_5gs.sm.pkt_flt_dir":              "3",
			"nas_5gs.sm.pf_type":                  "1",
			"nas_5gs.sm.qos_rule_precedence":      "255",
			"nas_5gs.sm.qfi":                      "1,1",
			"nas_5gs.sm.5qi":                      "9",
			"nas_5gs.sm.unit_for_session_ambr_dl": "3",
			"nas_5gs.sm.session_ambr_dl":          "62500",
			"nas_5gs.sm.unit_for_session_ambr_ul": "2",
			"nas_5gs.sm.session_ambr_ul":          "25000",
			"nas_5gs.sm.pdu_addr_inf_ipv4":        "10.45.0.7",
			"nas_5gs.mm.sst":                      "1",
			"nas_5gs.mm.mm_sd":                    "11259375",
			"gsm_a.gm.sm.pco.dns.ipv4":            "8.8.8.8",
			"gsm_a.gm.sm.pco.ipv4_link_mtu_size":  "1400",
			"nas_5gs.cmn.dnn":                     "internet",
			"nas_5gs.sm.5gsm_cause":               "",
		}},
		{"accept IPv4v6", dlNASTransport(1, mustAccept(t, acceptIPv4v6)), false, map[string]string{
			"nas_5gs.sm.message_type":             "0xc2",
			"nas_5gs.sm.pdu_session_type":         "3",
			"nas_5gs.sm.sel_sc_mode":              "1",
			"nas_5gs.sm.unit_for_session_ambr_dl": "10",
			"nas_5gs.sm.session_ambr_dl":          "19531",
			"nas_5gs.sm.unit_for_session_ambr_ul": "4",
			"nas_5gs.sm.session_ambr_ul":          "31250",
			"nas_5gs.sm.pdu_addr_inf_ipv4":        "10.45.0.8",
			"nas_5gs.sm.pdu_addr_inf_ipv6":        "0211223344556677",
			"gsm_a.gm.sm.pco.dns.ipv4":            "8.8.4.4",
			"gsm_a.gm.sm.pco.dns.ipv6":            "2001:4860:4860::8888",
			"gsm_a.gm.sm.pco.ipv4_link_mtu_size":  "",
			"nas_5gs.cmn.dnn":                     "ims",
			"nas_5gs.mm.mm_sd":                    "",
		}},
		{"accept IPv6", dlNASTransport(15, mustAccept(t, acceptIPv6)), false, map[string]string{
			"nas_5gs.sm.message_type":      "0xc2",
			"nas_5gs.pdu_session_id":       "15,15",
			"nas_5gs.sm.pdu_session_type":  "2",
			"nas_5gs.sm.sel_sc_mode":       "3",
			"nas_5gs.sm.qfi":               "63,63",
			"nas_5gs.sm.5qi":               "5",
			"nas_5gs.sm.5gsm_cause":        "51",
			"nas_5gs.sm.pdu_addr_inf_ipv4": "",
			"nas_5gs.sm.pdu_addr_inf_ipv6": "0211223344556677",
			"nas_5gs.cmn.dnn":              "",
		}},
		{"accept IMS", dlNASTransport(2, mustAccept(t, acceptIMS)), false, map[string]string{
			"nas_5gs.sm.message_type":    "0xc2",
			"gsm_a.gm.sm.pco.dns.ipv6":   "2001:db8::53",
			"gsm_a.gm.sm.pco.dns.ipv4":   "",
			"gsm_a.gm.sm.pco.pcscf.ipv4": "10.46.0.1",
			"gsm_a.gm.sm.pco.pcscf.ipv6": "2001:db8::5060",
			"nas_5gs.cmn.dnn":            "ims",
		}},
		// tshark 4.0 shows the segregation bit (bit 7 of the QFI octet,
		// TS 24.501 §9.11.4.13) as spare, so it is not compared.
		{"accept QoS rules", dlNASTransport(1, mustAccept(t, acceptQoS(acceptGBR))), false, map[string]string{
			"nas_5gs.sm.message_type":        "0xc2",
			"nas_5gs.sm.qos_rule_id":         "1,2,3,4,5,6",
			"nas_5gs.sm.rop":                 "1,1,2,5,6,1",
			"nas_5gs.sm.dqr":                 "1,0,0,0,0,0",
			"nas_5gs.sm.nof_pkt_filters":     "1,2,0,2,0,1",
			"nas_5gs.sm.pkt_flt_dir":         "3,1,2,3",
			"nas_5gs.sm.pkt_flt_id":          "1,1,2,1,2,3",
			"nas_5gs.sm.pf_type":             "1,16,48,81,33,64,112,128,96,129,135,131,133,17,80,65",
			"nas_5gs.sm.qos_rule_precedence": "255,10,20,30,40",
			"nas_5gs.sm.5qi":                 "9,1,2",
			"nas_5gs.sm.unit_for_gfbr_ul":    "1",
			"nas_5gs.sm.gfbr_ul":             "64",
			"nas_5gs.sm.gfbr_dl":             "128",
			"nas_5gs.sm.mfbr_ul":             "2000",
			"nas_5gs.sm.unit_for_mfbr_dl":    "2,3",
			"nas_5gs.sm.mfbr_dl":             "25000,62500",
			"nas_5gs.sm.averaging_window":    "2000",
			"nas_5gs.sm.eps_bearer_id":       "5",
			"nas_5gs.sm.nof_params":          "1,7,0,1,1",
		}},
		{"request IMS", ulNASTransport(2, AppendEstablishmentRequest(nil, requestIMS), true), true, map[string]string{
			"nas_5gs.sm.message_type": "0xc1",
			"gsm_a.gm.sm.pco_pid":     "0x0003,0x000c,0x0001",
		}},
		{"reject", dlNASTransport(5, EstablishmentReject(nil, 5, 0x2a, CauseMissingOrUnknownDNN)), false, map[string]string{
			"nas_5gs.sm.message_type": "0xc3", "nas_5gs.sm.5gsm_cause": "27"}},
		{"reject with back-off", dlNASTransport(5, EstablishmentRejectBackOff(nil, 5, 0x2a, CauseInsufficientResources, 2*time.Minute)), false, map[string]string{
			"nas_5gs.sm.message_type": "0xc3", "nas_5gs.sm.5gsm_cause": "26", "gsm_a.gm.gmm.gprs_timer3_unit": "4", "gsm_a.gm.gmm.gprs_timer3_value": "4"}},
		{"release command", dlNASTransport(5, ReleaseCommand(nil, 5, NoPTI, CauseRegularDeactivation)), false, map[string]string{
			"nas_5gs.sm.message_type": "0xd3", "nas_5gs.sm.5gsm_cause": "36"}},
		{"release reject", dlNASTransport(5, ReleaseReject(nil, 5, 7, CausePDUSessionDoesNotExist)), false, map[string]string{
			"nas_5gs.sm.message_type": "0xd2", "nas_5gs.sm.5gsm_cause": "54"}},
		{"status", dlNASTransport(5, Status(nil, 5, 7, CauseInvalidMandatoryInformation)), false, map[string]string{
			"nas_5gs.sm.message_type": "0xd6", "nas_5gs.sm.5gsm_cause": "96"}},
		{"request", ulNASTransport(5, AppendEstablishmentRequest(nil, requestAll), true), true, map[string]string{
			"nas_5gs.sm.message_type":              "0xc1",
			"nas_5gs.sm.pdu_session_type":          "3",
			"nas_5gs.sm.sc_mode":                   "1",
			"gsm_a.gm.sm.pco_pid":                  "0x000d,0x0003,0x0010",
			"nas_5gs.sm.int_prot_max_data_rate_ul": "255",
			"nas_5gs.sm.int_prot_max_data_rate_dl": "255",
			"nas_5gs.cmn.dnn":                      "internet",
		}},
		{"release request", ulNASTransport(5, AppendReleaseRequest(nil, 5, 3, CauseRegularDeactivation), false), true, map[string]string{
			"nas_5gs.sm.message_type": "0xd1", "nas_5gs.sm.5gsm_cause": "36"}},
		{"release complete", ulNASTransport(5, AppendReleaseComplete(nil, 5, NoPTI, 0), false), true, map[string]string{
			"nas_5gs.sm.message_type": "0xd4", "nas_5gs.sm.5gsm_cause": ""}},
	}

	var pdus [][]byte
	for _, c := range cases {
		var m message.Message = ngap.DownlinkNASTransport(amfUE, ranUE, c.nas)
		if c.up {
			var err error
			if m, err = ngap.UplinkNASTransport(amfUE, ranUE, c.nas, loc); err != nil {
				t.Fatal(err)
			}
		}
		pdu, err := ngap.Encode(m)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		pdus = append(pdus, pdu)
	}
	run := tsharktest.Runner(t, tsharktest.Pcap(t, []string{"-S", "40000,38412,60"}, pdus), "-o", "sctp.checksum:CRC 32c")
	tsharktest.CheckClean(t, run, "sctp.checksum.status==0")
	var fields []string
	for _, c := range cases {
		for f := range c.want {
			fields = append(fields, f)
		}
	}
	for i, got := range tsharktest.Fields(t, run, len(cases), fields) {
		c := cases[i]
		for f, want := range c.want {
			if got[f] != want {
				t.Errorf("%s: tshark %s = %q, want %q", c.name, f, got[f], want)
			}
		}
	}
	if t.Failed() {
		t.Logf("tshark:\n%s", run("-V"))
	}
}
