package sm

import (
	"errors"
	"testing"
	"time"

	"github.com/free5gc/ngap/message"
	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/tsharktest"
)

// A QoS rule and a QoS flow description of a GBR flow, laid out by hand
// from TS 24.501 §9.11.4.13 and §9.11.4.12: rule 2, create, not the
// default rule, one bidirectional packet filter (ID 1) matching remote
// IPv4 address 10.45.0.1/32 (component 0x10) and single remote port 5000
// (0x50), precedence 16, QFI 2; flow 2, create, five parameters: 5QI 1,
// GFBR 128 kbps both ways, MFBR 256 kbps both ways (unit 1 = 1 kbps).
const (
	gbrRuleHex = "02 0011 21 31 0c 10 0a2d0001 ffffffff 50 1388 10 02"
	gbrFlowHex = "02 20 45 01 01 01 02 03 01 0080 03 03 01 0080 04 03 01 0100 05 03 01 0100"
)

func gbrIEs(t testing.TB) (rule, flow []byte) {
	return unhex(t, gbrRuleHex), unhex(t, gbrFlowHex)
}

func modificationRequest(t testing.TB) ModificationRequest {
	rule, flow := gbrIEs(t)
	return ModificationRequest{
		Header:              Header{PDUSessionID: 5, PTI: 0x2b, MessageType: MsgModificationRequest},
		MaxPacketFilters:    17,
		QoSRules:            rule,
		QoSFlowDescriptions: flow,
	}
}

func modificationCommand(t testing.TB) Modification {
	rule, flow := gbrIEs(t)
	return Modification{
		PDUSessionID: 5, PTI: 0x2b,
		HasAMBR: true, AMBRUplink: 100_000_000, AMBRDownlink: 1_000_000_000,
		QoSRules: rule, QoSFlowDescriptions: flow,
	}
}

// Encode-golden bytes of the modification messages, laid out by hand
// from TS 24.501 §8.3.7 to §8.3.11.
func TestModificationGolden(t *testing.T) {
	for _, c := range []struct {
		name string
		got  []byte
		want string
	}{
		// 55: Maximum number of supported packet filters, 11 bits: 17 =
		// 0b00000010 001 00000.
		{"request", AppendModificationRequest(nil, modificationRequest(t)),
			"2e 05 2b c9 55 0220 7a 0014 " + gbrRuleHex + " 79 001a " + gbrFlowHex},
		{"request with cause", AppendModificationRequest(nil, ModificationRequest{Header: Header{PDUSessionID: 1, PTI: 9}, Cause: CauseRegularDeactivation, Capability: []byte{0x00}}),
			"2e 01 09 c9 28 01 00 59 24"},
		// 2a: Session-AMBR, downlink first: 1 Gbps = 62500 × 16 kbps
		// (unit 3), 100 Mbps = 25000 × 4 kbps (unit 2).
		{"command", ModificationCommand(nil, modificationCommand(t)),
			"2e 05 2b cb 2a 06 03 f424 02 61a8 7a 0014 " + gbrRuleHex + " 79 001a " + gbrFlowHex},
		{"command network-requested, AMBR only", ModificationCommand(nil, Modification{PDUSessionID: 1, PTI: NoPTI, Cause: CauseRegularDeactivation, HasAMBR: true, AMBRUplink: 1000, AMBRDownlink: 2000}),
			"2e 01 00 cb 59 24 2a 06 01 0002 01 0001"},
		{"reject", ModificationReject(nil, 5, 0x2b, Cause5GSQoSNotAccepted), "2e 05 2b ca 25"},
		{"reject with back-off", ModificationRejectBackOff(nil, 5, 0x2b, CauseInsufficientResources, 2*time.Minute), "2e 05 2b ca 1a 37 01 84"},
		{"complete", AppendModificationComplete(nil, 5, 0x2b), "2e 05 2b cc"},
		{"command reject", AppendModificationCommandReject(nil, 5, 0, CauseSemanticErrorInQoSOperation), "2e 05 00 cd 53"},
	} {
		if want := unhex(t, c.want); string(c.got) != string(want) {
			t.Errorf("%s = % x, want % x", c.name, c.got, want)
		}
	}
}

func TestModificationRoundTrip(t *testing.T) {
	req := modificationRequest(t)
	got, err := ParseModificationRequest(AppendModificationRequest(nil, req))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(req, got); d != "" {
		t.Errorf("ParseModificationRequest (-sent +read):\n%s", d)
	}
	cmd := modificationCommand(t)
	gotCmd, err := ParseModificationCommand(ModificationCommand(nil, cmd))
	if err != nil {
		t.Fatal(err)
	}
	// 1 Gbps and 100 Mbps are exact in their units.
	if d := cmp.Diff(cmd, gotCmd); d != "" {
		t.Errorf("ParseModificationCommand (-sent +read):\n%s", d)
	}
	empty, err := ParseModificationCommand(ModificationCommand(nil, Modification{PDUSessionID: 3}))
	if err != nil || empty.HasAMBR || empty.QoSRules != nil || empty.QoSFlowDescriptions != nil {
		t.Errorf("empty command reads back as %+v, %v", empty, err)
	}
	rej, err := ParseModificationReject(ModificationRejectBackOff(nil, 5, 7, CauseInsufficientResources, time.Minute))
	if err != nil || rej.Cause != CauseInsufficientResources || !rej.HasBackOff || rej.BackOff != GPRSTimer3(time.Minute) {
		t.Errorf("ParseModificationReject = %+v, %v", rej, err)
	}
	rej, err = ParseModificationReject(ModificationReject(nil, 5, 7, Cause5GSQoSNotAccepted))
	if err != nil || rej.Cause != Cause5GSQoSNotAccepted || rej.HasBackOff {
		t.Errorf("ParseModificationReject without back-off = %+v, %v", rej, err)
	}
	c, err := ParseModificationComplete(AppendModificationComplete(nil, 5, 0x2b))
	if err != nil || c.PDUSessionID != 5 || c.PTI != 0x2b || c.Cause != 0 {
		t.Errorf("ParseModificationComplete = %+v, %v", c, err)
	}
	cr, err := ParseModificationCommandReject(AppendModificationCommandReject(nil, 5, 0, CauseSemanticErrorInQoSOperation))
	if err != nil || cr.Cause != CauseSemanticErrorInQoSOperation {
		t.Errorf("ParseModificationCommandReject = %+v, %v", cr, err)
	}
}

// TestModificationParseErrors checks the TS 24.501 §7 answers of the
// modification parsers.
func TestModificationParseErrors(t *testing.T) {
	for _, c := range []struct {
		name  string
		parse func([]byte) error
		in    string
		cause uint8 // 0: Ignore
	}{
		{"request short", reqErr, "2e05", 0},
		{"request PTI 0", reqErr, "2e0500c9", CauseInvalidPTIValue},
		{"request PSI 0", reqErr, "2e002bc9", CauseInvalidPDUSessionIdentity},
		{"request of another type", reqErr, "2e052bcc", CauseMessageTypeNotCompatible},
		{"request comprehension required", reqErr, "2e052bc9 0501 00", CauseInvalidMandatoryInformation},
		{"complete of another type", completeErr, "2e0500d4", CauseMessageTypeNotCompatible},
		{"command reject without cause", commandRejectErr, "2e0500cd", CauseInvalidMandatoryInformation},
		{"command from a UE", reqErr, "2e052bcb", CauseMessageTypeNonExistent},
		{"command bad AMBR length", commandErr, "2e0500cb 2a05 0100010100", CauseInvalidMandatoryInformation},
		{"command bad AMBR unit", commandErr, "2e0500cb 2a06 1a0001 010001", CauseInvalidMandatoryInformation},
		{"reject without cause", rejectErr, "2e0500ca", CauseInvalidMandatoryInformation},
	} {
		err := c.parse(unhex(t, c.in))
		if c.cause == 0 {
			if err != Ignore {
				t.Errorf("%s: %v, want Ignore", c.name, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Cause != c.cause {
			t.Errorf("%s: %v, want cause #%d", c.name, err, c.cause)
		}
	}
	// A truncated optional IE is treated as absent (§7.7.1).
	r, err := ParseModificationRequest(unhex(t, "2e052bc9 7a0014 02"))
	if err != nil || r.QoSRules != nil {
		t.Errorf("truncated Requested QoS rules: %+v, %v", r, err)
	}
}

func reqErr(b []byte) error           { _, err := ParseModificationRequest(b); return err }
func completeErr(b []byte) error      { _, err := ParseModificationComplete(b); return err }
func commandRejectErr(b []byte) error { _, err := ParseModificationCommandReject(b); return err }
func commandErr(b []byte) error       { _, err := ParseModificationCommand(b); return err }
func rejectErr(b []byte) error        { _, err := ParseModificationReject(b); return err }

// TestTsharkDecodesModification has tshark read the modification
// messages in 5GMM UL/DL NAS TRANSPORTs inside NGAP: no malformed packet
// or expert error, and the fields at the values given.
func TestTsharkDecodesModification(t *testing.T) {
	loc := ngap.UELocation{TAI: ident.TAI{PLMN: ident.PLMN{MCC: "001", MNC: "01"}, TAC: 1}, CellID: 0x10}
	qos := map[string]string{
		"nas_5gs.sm.qos_rule_id":         "2",
		"nas_5gs.sm.rop":                 "1",
		"nas_5gs.sm.dqr":                 "0",
		"nas_5gs.sm.pkt_flt_dir":         "3",
		"nas_5gs.sm.pf_type":             "16,80",
		"nas_5gs.sm.qos_rule_precedence": "16",
		"nas_5gs.sm.qfi":                 "2,2",
		"nas_5gs.sm.5qi":                 "1",
		"nas_5gs.sm.gfbr_ul":             "128",
		"nas_5gs.sm.gfbr_dl":             "128",
		"nas_5gs.sm.mfbr_ul":             "256",
		"nas_5gs.sm.mfbr_dl":             "256",
	}
	with := func(m map[string]string, kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range m {
			out[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	cases := []struct {
		name string
		nas  []byte
		up   bool
		want map[string]string
	}{
		{"request", ulNASTransport(5, AppendModificationRequest(nil, modificationRequest(t)), false), true,
			with(qos, "nas_5gs.sm.message_type", "0xc9", "nas_5gs.sm.max_nb_sup_pkt_flt.nb", "17")},
		{"command", dlNASTransport(5, ModificationCommand(nil, modificationCommand(t))), false,
			with(qos, "nas_5gs.sm.message_type", "0xcb", "nas_5gs.sm.session_ambr_dl", "62500", "nas_5gs.sm.session_ambr_ul", "25000")},
		{"reject", dlNASTransport(5, ModificationRejectBackOff(nil, 5, 0x2b, CauseInsufficientResources, 2*time.Minute)), false, map[string]string{
			"nas_5gs.sm.message_type": "0xca", "nas_5gs.sm.5gsm_cause": "26", "gsm_a.gm.gmm.gprs_timer3_value": "4"}},
		{"complete", ulNASTransport(5, AppendModificationComplete(nil, 5, 0x2b), false), true, map[string]string{
			"nas_5gs.sm.message_type": "0xcc"}},
		{"command reject", ulNASTransport(5, AppendModificationCommandReject(nil, 5, 0, CauseSemanticErrorInQoSOperation), false), true, map[string]string{
			"nas_5gs.sm.message_type": "0xcd", "nas_5gs.sm.5gsm_cause": "83"}},
	}
	var pdus [][]byte
	for _, c := range cases {
		var m message.Message = ngap.DownlinkNASTransport(7, 9, c.nas)
		if c.up {
			var err error
			if m, err = ngap.UplinkNASTransport(7, 9, c.nas, loc); err != nil {
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
		for f, want := range cases[i].want {
			if got[f] != want {
				t.Errorf("%s: tshark %s = %q, want %q", cases[i].name, f, got[f], want)
			}
		}
	}
	if t.Failed() {
		t.Logf("tshark:\n%s", run("-V"))
	}
}
