package ident

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The IMSI of the TS 23.003 §28.7.2 and §28.7.3 examples: MCC 234, MNC 15,
// MSIN 0999999999, routing indicator 678.
const exampleIMSI = "234150999999999"

func TestPLMNText(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want PLMN
	}{
		{"001-01", PLMN{"001", "01"}},
		{"234-15", PLMN{"234", "15"}},
		{"310-260", PLMN{"310", "260"}},
	} {
		got, err := ParsePLMN(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParsePLMN(%q) = %v, %v, want %v", tc.in, got, err, tc.want)
		}
		if got.String() != tc.in {
			t.Errorf("%v.String() = %q, want %q", got, got.String(), tc.in)
		}
	}
	for in, field := range map[string]string{
		"00101": "", "01-01": "mcc", "0a1-01": "mcc", "001-1": "mnc", "001-0123": "mnc", "001-0x": "mnc", "-": "mcc",
	} {
		_, err := ParsePLMN(in)
		var e *Error
		if !errors.As(err, &e) || e.Field != field || !errors.Is(err, ErrInvalid) {
			t.Errorf("ParsePLMN(%q) = %v, want an ident error on field %q", in, err, field)
		}
	}
}

// TestPLMNOctets checks the TS 24.008 figure 10.5.13 coding against golden
// octets: MCC digit 2|1, MNC digit 3|MCC digit 3, MNC digit 2|1.
func TestPLMNOctets(t *testing.T) {
	for _, tc := range []struct {
		p    PLMN
		want [3]byte
	}{
		{PLMN{"001", "01"}, [3]byte{0x00, 0xf1, 0x10}},
		{PLMN{"234", "15"}, [3]byte{0x32, 0xf4, 0x51}},
		{PLMN{"310", "260"}, [3]byte{0x13, 0x00, 0x62}},
		{PLMN{"999", "999"}, [3]byte{0x99, 0x99, 0x99}},
	} {
		got, err := tc.p.Octets()
		if err != nil || got != tc.want {
			t.Errorf("%v.Octets() = % x, %v, want % x", tc.p, got, err, tc.want)
		}
		back, err := PLMNFromOctets(got[:])
		if err != nil || back != tc.p {
			t.Errorf("PLMNFromOctets(% x) = %v, %v, want %v", got, back, err, tc.p)
		}
	}
	for _, b := range [][]byte{{0x00, 0xf1}, {0x0a, 0xf1, 0x10}, {0x00, 0xf1, 0x1f}, {0x00, 0xfa, 0x10}, {0x00, 0xf1, 0x10, 0x00}} {
		if p, err := PLMNFromOctets(b); err == nil {
			t.Errorf("PLMNFromOctets(% x) = %v, want an error", b, p)
		}
	}
	if _, err := (PLMN{"01", "01"}).Octets(); err == nil {
		t.Error("Octets of a 2-digit MCC succeeded")
	}
}

func TestTAIText(t *testing.T) {
	tai := TAI{PLMN{"001", "01"}, 1}
	if got := tai.String(); got != "001-01-000001" {
		t.Errorf("String() = %q, want 001-01-000001", got)
	}
	for in, want := range map[string]TAI{
		"001-01-000001":  tai,
		"310-260-ABCDEF": {PLMN{"310", "260"}, 0xabcdef},
		"234-15-1234":    {PLMN{"234", "15"}, 0x1234}, // a 16-bit TAC, TS 29.571 Tac
	} {
		if got, err := ParseTAI(in); err != nil || got != want {
			t.Errorf("ParseTAI(%q) = %v, %v, want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"001-01", "001-01-12345", "001-01-1234567", "001-01-00000g", "0011-01-000001", "001-01-"} {
		if got, err := ParseTAI(in); err == nil {
			t.Errorf("ParseTAI(%q) = %v, want an error", in, got)
		}
	}
	if err := (TAI{PLMN{"001", "01"}, MaxTAC + 1}).Validate(); err == nil {
		t.Error("a 25-bit TAC validated")
	}
}

func TestSNSSAIText(t *testing.T) {
	for _, tc := range []struct {
		in       string
		want     SNSSAI
		str, key string
	}{
		{"1", SNSSAI{SST: 1}, "1", "1"},
		{"1:000001", SNSSAI{1, 1, true}, "1:000001", "1-000001"},
		{"1-000001", SNSSAI{1, 1, true}, "1:000001", "1-000001"},
		{"255:ABCDEF", SNSSAI{255, 0xabcdef, true}, "255:abcdef", "255-abcdef"},
		{"2:ffffff", SNSSAI{2, NoSD, true}, "2:ffffff", "2-ffffff"},
	} {
		got, err := ParseSNSSAI(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseSNSSAI(%q) = %v, %v, want %v", tc.in, got, err, tc.want)
		}
		if got.String() != tc.str || got.Key() != tc.key {
			t.Errorf("%#v: String() = %q, Key() = %q, want %q, %q", got, got.String(), got.Key(), tc.str, tc.key)
		}
	}
	for in, msg := range map[string]string{
		"1:zz":      `ident: S-NSSAI sd "zz": want 6 hex digits`,
		"256":       `ident: S-NSSAI sst "256": want a number from 0 to 255`,
		"":          `ident: S-NSSAI sst "": want a number from 0 to 255`,
		"+1":        `ident: S-NSSAI sst "+1": want a number from 0 to 255`,
		"1:00001":   `ident: S-NSSAI sd "00001": want 6 hex digits`,
		"1:0000001": `ident: S-NSSAI sd "0000001": want 6 hex digits`,
	} {
		if _, err := ParseSNSSAI(in); err == nil || err.Error() != msg {
			t.Errorf("ParseSNSSAI(%q) = %v, want %s", in, err, msg)
		}
	}
}

// TestSNSSAINoSD: TS 23.003 §28.4.2, an SD of ffffff is no SD.
func TestSNSSAINoSD(t *testing.T) {
	withFF, without := SNSSAI{1, NoSD, true}, SNSSAI{SST: 1}
	if !withFF.Same(without) || withFF.Canonical() != without {
		t.Errorf("%v and %v are not the same slice", withFF, without)
	}
	if (SNSSAI{1, 1, true}).Same(without) || (SNSSAI{2, NoSD, true}).Same(without) {
		t.Error("different slices compare the same")
	}
	if err := (SNSSAI{1, 1 << 24, true}).Validate(); err == nil {
		t.Error("a 25-bit SD validated")
	}
}

func TestGUAMIText(t *testing.T) {
	g := GUAMI{PLMN: PLMN{"001", "01"}, RegionID: 0xca, SetID: 0x3f8, Pointer: 1}
	if got := g.AMFID(); got != 0xcafe01 {
		t.Errorf("AMFID() = %06x, want cafe01", got)
	}
	if got := g.String(); got != "001-01-cafe01" {
		t.Errorf("String() = %q", got)
	}
	if got, err := ParseGUAMI("001-01-CAFE01"); err != nil || got != g {
		t.Errorf("ParseGUAMI = %+v, %v, want %+v", got, err, g)
	}
	for _, in := range []string{"001-01-cafe0", "001-01-cafe0g", "001-cafe01", "00101cafe01"} {
		if got, err := ParseGUAMI(in); err == nil {
			t.Errorf("ParseGUAMI(%q) = %v, want an error", in, got)
		}
	}
	for _, bad := range []GUAMI{{PLMN: g.PLMN, SetID: 1 << 10}, {PLMN: g.PLMN, Pointer: 1 << 6}, {PLMN: PLMN{"1", "01"}}} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v validated", bad)
		}
	}
}

func TestGUTIText(t *testing.T) {
	g := GUTI{GUAMI: GUAMI{PLMN: PLMN{"001", "01"}, RegionID: 0xca, SetID: 0x3ff, Pointer: 0x3f}, TMSI: 0xdeadbeef}
	const s = "5g-guti-00101caffffdeadbeef"
	if got := g.String(); got != s {
		t.Errorf("String() = %q, want %q", got, s)
	}
	if got, err := ParseGUTI(s); err != nil || got != g {
		t.Errorf("ParseGUTI(%q) = %+v, %v, want %+v", s, got, err, g)
	}
	three := GUTI{GUAMI: GUAMI{PLMN: PLMN{"310", "260"}, RegionID: 1, SetID: 0x3ff, Pointer: 0x3f}, TMSI: 0xdeadbeef}
	if got, err := ParseGUTI("5g-guti-31026001ffffdeadbeef"); err != nil || got != three {
		t.Errorf("ParseGUTI with a 3-digit MNC = %+v, %v, want %+v", got, err, three)
	}
	for _, in := range []string{
		"5g-guti-00101-caffff-deadbeef", "5g-guti-00101caffffdeadbee", "5g-guti-0010caffffdeadbeef0",
		"5G-GUTI-00101caffffdeadbeef", "5g-guti-0a101caffffdeadbeef", "5g-guti-00101caffffdeadbeeg",
	} {
		if got, err := ParseGUTI(in); err == nil {
			t.Errorf("ParseGUTI(%q) = %v, want an error", in, got)
		}
	}
}

func TestSUPIText(t *testing.T) {
	s, err := ParseSUPI("imsi-" + exampleIMSI)
	if err != nil || s.IMSI() != exampleIMSI {
		t.Errorf("ParseSUPI = %q, %v", s, err)
	}
	if v, err := SUPIFromIMSI("001010"); err != nil || v != "imsi-001010" {
		t.Errorf("SUPIFromIMSI(001010) = %q, %v", v, err)
	}
	for _, in := range []string{"imsi-00101", "imsi-1234567890123456", "imsi-00101x", "nai-user@example.org", "IMSI-001010000000001", "001010000000001", ""} {
		if _, err := ParseSUPI(in); err == nil {
			t.Errorf("ParseSUPI(%q) succeeded", in)
		}
	}
	if SUPI("nai-x@y").IMSI() != "" {
		t.Error("IMSI() of a non-IMSI SUPI is not empty")
	}
}

func TestSUCIText(t *testing.T) {
	// TS 23.003 §28.7.3 example: IMSI 234150999999999, routing indicator
	// 678, null scheme: the scheme output is the MSIN.
	null := SUCI{MCC: "234", MNC: "15", RoutingIndicator: "678", SchemeOutput: []byte{0x90, 0x99, 0x99, 0x99, 0x99}}
	const nullText = "suci-0-234-15-678-0-0-0999999999"
	// TS 33.501 Annex C.4.3, profile A: scheme output for the MSIN of
	// plaintext 00012080f6, home network key identifier 27 as in the
	// §28.7.3 example.
	out := mustHex(t, "b2e92f836055a255837debf850b528997ce0201cb82adfe4be1f587d07d8457dcb02352410cddd9e730ef3fa87")
	profA := SUCI{MCC: "234", MNC: "15", RoutingIndicator: "678", Scheme: SchemeProfileA, KeyID: 27, SchemeOutput: out}
	profAText := "suci-0-234-15-678-1-27-b2e92f836055a255837debf850b528997ce0201cb82adfe4be1f587d07d8457dcb02352410cddd9e730ef3fa87"
	for _, tc := range []struct {
		s    SUCI
		text string
	}{{null, nullText}, {profA, profAText}} {
		if got := tc.s.String(); got != tc.text {
			t.Errorf("String() = %q, want %q", got, tc.text)
		}
		got, err := ParseSUCI(tc.text)
		if err != nil {
			t.Fatalf("ParseSUCI(%q): %v", tc.text, err)
		}
		if d := cmp.Diff(tc.s, got); d != "" {
			t.Errorf("ParseSUCI(%q) (-want +got):\n%s", tc.text, d)
		}
	}
	for in, field := range map[string]string{
		"suci-0-234-15-678-0-1-0999999999": "key id",
		"suci-0-234-15-678-1-0-b2e9":       "key id",
		"suci-0-234-15-678-1-007-b2e9":     "key id",
		"suci-0-234-15-67890-0-0-09":       "routing indicator",
		"suci-0-234-1-678-0-0-09":          "mnc",
		"suci-0-234-15-678-0-0-09a":        "scheme output",
		"suci-0-234-15-678-1-1-b2e":        "scheme output",
		"suci-0-234-15-678-1-1-":           "scheme output",
		"suci-0-234-15-678-g-1-b2e9":       "protection scheme",
		"suci-1-234-15-678-0-0-0999999999": "",
		"suci-0-234-15-678-0-0":            "",
		"suci-0-234-15-678-0-0-09-9":       "",
	} {
		_, err := ParseSUCI(in)
		var e *Error
		if !errors.As(err, &e) || e.Field != field {
			t.Errorf("ParseSUCI(%q) = %v, want an error on field %q", in, err, field)
		}
	}
	bad := null
	bad.SchemeOutput = []byte{0x9a}
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "BCD") {
		t.Errorf("a null-scheme output that is not BCD: Validate() = %v", err)
	}
}

func TestDNNText(t *testing.T) {
	for _, in := range []string{"internet", "ims", "Internet-2", "apn1.mnc015.mcc234.gprs", "a", strings.Repeat("a", 63), strings.Repeat("a.", 49) + "a"} {
		if _, err := ParseDNN(in); err != nil {
			t.Errorf("ParseDNN(%q): %v", in, err)
		}
	}
	for _, in := range []string{"", ".", "a..b", "a.", "-a", "a-", "a_b", "a b", strings.Repeat("a", 64), strings.Repeat("a.", 50)} {
		if _, err := ParseDNN(in); err == nil {
			t.Errorf("ParseDNN(%q) succeeded", in)
		}
	}
	if !DNN("Internet").Equal("internet") || DNN("internet").Equal("ims") {
		t.Error("Equal does not compare without regard to case")
	}
}
