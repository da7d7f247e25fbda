package ngap

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/keelcore/keel/internal/ident"

	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
)

// TS 24.008 §10.5.1.3, figure 10.5.13: PLMN identity octets.
func TestPLMNEncode(t *testing.T) {
	tests := []struct {
		plmn ident.PLMN
		want string
	}{
		{ident.PLMN{MCC: "001", MNC: "01"}, "00f110"},
		{ident.PLMN{MCC: "001", MNC: "001"}, "001100"},
		{ident.PLMN{MCC: "310", MNC: "410"}, "130014"},
		{ident.PLMN{MCC: "208", MNC: "93"}, "02f839"},
		{ident.PLMN{MCC: "999", MNC: "70"}, "99f907"},
	}
	for _, tt := range tests {
		b, err := tt.plmn.Octets()
		if err != nil || hex.EncodeToString(b[:]) != tt.want {
			t.Errorf("%v.Octets() = %x, %v, want %s", tt.plmn, b, err, tt.want)
		}
		back, err := DecodePLMN(b[:])
		if err != nil || back != tt.plmn {
			t.Errorf("DecodePLMN(%x) = %v, %v, want %v", b, back, err, tt.plmn)
		}
	}
	for _, bad := range []ident.PLMN{{MCC: "01", MNC: "01"}, {MCC: "001", MNC: "1"}, {MCC: "0a1", MNC: "01"}, {MCC: "001", MNC: "0001"}} {
		if _, err := bad.Octets(); err == nil {
			t.Errorf("%v.Octets() = nil error", bad)
		}
	}
	for _, bad := range []string{"", "00f1", "a0f110", "00f1a0"} {
		b, _ := hex.DecodeString(bad)
		if _, err := DecodePLMN(b); err == nil {
			t.Errorf("DecodePLMN(%s) = nil error", bad)
		}
	}
}

func TestRANNodeIDRoundTrip(t *testing.T) {
	for _, id := range []RANNodeID{
		{PLMN: ident.PLMN{MCC: "001", MNC: "01"}, Kind: KindGNB, ID: 1, Bits: 22},
		{PLMN: ident.PLMN{MCC: "001", MNC: "01"}, Kind: KindGNB, ID: 0x3fffff, Bits: 22},
		{PLMN: ident.PLMN{MCC: "310", MNC: "410"}, Kind: KindGNB, ID: 0xdeadbeef, Bits: 32},
		{PLMN: ident.PLMN{MCC: "208", MNC: "93"}, Kind: KindGNB, ID: 0x1234567, Bits: 25},
	} {
		x, err := id.IE()
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeRANNodeID(x)
		if err != nil || back != id {
			t.Errorf("DecodeRANNodeID(%v.IE()) = %v, %v", id, back, err)
		}
	}
}

func testGNB() GNBInfo {
	return GNBInfo{
		ID:   RANNodeID{PLMN: ident.PLMN{MCC: "001", MNC: "01"}, Kind: KindGNB, ID: 1, Bits: 22},
		Name: "keel-gnb-1",
		TAs:  []TA{{TAC: 1, PLMNs: []ident.PLMN{{MCC: "001", MNC: "01"}}, Slices: []ident.SNSSAI{{SST: 1}, {SST: 2, SD: 0xabcdef, HasSD: true}}}},
	}
}

// TestNGSetupRequestGolden pins the encoding of an NG Setup Request; the
// bytes were decoded by tshark 4.0 (text2pcap -S 40000,38412,60) without
// error: gNB ID 1 of 22 bits, TAC 1, slices 1 and 2/abcdef, paging DRX v128.
func TestNGSetupRequestGolden(t *testing.T) {
	m, err := NGSetupRequest(testGNB())
	if err != nil {
		t.Fatal(err)
	}
	b, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	const golden = "0015003a000004001b00080000f110000000040052400c04806b65656c2d676e622d310066001200000000010000f110000100088080abcdef0015400140"
	if got := hex.EncodeToString(b); got != golden {
		t.Errorf("NGSetupRequest = %s\nwant %s", got, golden)
	}
	back, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	req := back.(*message.NGSetupRequest)
	id, _ := DecodeRANNodeID(req.GlobalRANNodeID)
	tas, _ := DecodeSupportedTAs(req.SupportedTAList)
	got := GNBInfo{ID: id, Name: string(req.RANNodeName.Value), TAs: tas}
	if diff := cmp.Diff(testGNB(), got); diff != "" {
		t.Errorf("decoded NG Setup Request differs (-want +got):\n%s", diff)
	}
}

func TestDecodeErrors(t *testing.T) {
	setup, _ := NGSetupRequest(testGNB())
	good, _ := Encode(setup)

	var pe *ProtocolError
	for _, b := range [][]byte{nil, {0xff}, {0x00}, good[:5], bytes.Repeat([]byte{0xff}, 40)} {
		_, err := Decode(b)
		if !errors.As(err, &pe) {
			t.Errorf("Decode(%x) = %v, want a *ProtocolError", b, err)
			continue
		}
		if pe.Cause == nil && pe.Diagnostics == nil && !pe.Silent {
			t.Errorf("Decode(%x): protocol error with nothing to answer: %v", b, pe)
		}
	}

	// An NG Setup Request without its mandatory Global RAN Node ID:
	// abstract syntax error, reject, naming the procedure (§10.3.5).
	b := withoutFirstIE(t, setup)
	_, err := Decode(b)
	if !errors.As(err, &pe) || pe.Case != AbstractSyntax || pe.ProcedureCode != message.ProcedureCodeNGSetup {
		t.Fatalf("Decode(NG Setup without Global RAN Node ID) = %v, want an abstract syntax error of NG Setup", err)
	}
	if c, ok := pe.Cause.Choice.(*ie.CauseProtocol); !ok || c.Value != ie.CauseProtocolPresentAbstractSyntaxErrorReject {
		t.Errorf("cause = %s, want abstract-syntax-error-reject", CauseString(pe.Cause))
	}

	// Unknown procedure code 200: reported with Criticality Diagnostics only.
	unknown := append([]byte(nil), good...)
	unknown[1] = 200
	_, err = Decode(unknown)
	if !errors.As(err, &pe) || pe.Case != AbstractSyntax {
		t.Fatalf("Decode(procedure 200) = %v, want an abstract syntax error", err)
	}
	if pe.Diagnostics == nil || pe.Diagnostics.ProcedureCode == nil || pe.Diagnostics.ProcedureCode.Value != 200 {
		t.Errorf("unknown procedure: diagnostics %+v, want procedure code 200", pe.Diagnostics)
	}
	if pe.Silent {
		t.Errorf("unknown procedure of criticality reject is silent, want an Error Indication (§10.3.4.1)")
	}

	// §10.3.4.1: a procedure code not comprehended with criticality
	// "ignore IE" is ignored without report; "ignore IE and notify
	// sender" is reported. The criticality is the top two bits of the
	// octet after the procedure code (APER ENUMERATED reject, ignore,
	// notify).
	for _, c := range []struct {
		bits   byte
		silent bool
	}{{0x40, true}, {0x80, false}} {
		b := append([]byte(nil), unknown...)
		b[2] = b[2]&0x3f | c.bits
		_, err = Decode(b)
		if !errors.As(err, &pe) || pe.Case != AbstractSyntax || pe.Silent != c.silent {
			t.Errorf("Decode(procedure 200, criticality bits %#x) = %v (silent %v), want silent %v", c.bits, err, pe != nil && pe.Silent, c.silent)
		}
	}
}

// withoutFirstIE encodes full with its first (mandatory) IE removed: the
// codec refuses to, so the test takes a full encoding and cuts the IE out.
func withoutFirstIE(t *testing.T, full *message.NGSetupRequest) []byte {
	t.Helper()
	b, err := Encode(full)
	if err != nil {
		t.Fatal(err)
	}
	// PDU: 00 15 00 <len> 00 00 <n IEs> then IEs; the first IE is the
	// Global RAN Node ID: id(2) crit(1) len(1) value(len).
	ies := b[7:]
	first := 4 + int(ies[3])
	out := append([]byte{}, b[:7]...)
	out[6]--
	out = append(out, ies[first:]...)
	out[3] = byte(len(out) - 4)
	return out
}

// TS 23.003 §28.4.2: SD ffffff and no SD name the same slice.
func TestSNSSAISame(t *testing.T) {
	noSD, ffffff := ident.SNSSAI{SST: 1}, ident.SNSSAI{SST: 1, SD: ident.NoSD, HasSD: true}
	if !noSD.Same(ffffff) || !ffffff.Same(noSD) || ffffff.Canonical() != noSD {
		t.Errorf("SST 1 and SST 1 with SD ffffff differ")
	}
	if noSD.Same(ident.SNSSAI{SST: 1, SD: 0, HasSD: true}) || noSD.Same(ident.SNSSAI{SST: 2}) {
		t.Errorf("SST 1 is the same as SST 1 SD 000000 or SST 2")
	}
}
