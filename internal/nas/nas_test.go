package nas

import (
	"bytes"
	"encoding/hex"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/crypto/nassec"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/secret"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Encode-golden bytes of the downlink messages, laid out by hand from
// the TS 24.501 §8.2 message tables.
func TestBuildersGolden(t *testing.T) {
	var rand, autn [16]byte
	for i := range rand {
		rand[i], autn[i] = byte(i), byte(0xf0+i)
	}
	guti := ident.GUTI{GUAMI: ident.GUAMI{PLMN: ident.PLMN{MCC: "001", MNC: "01"}, RegionID: 0xca, SetID: 0x3fe, Pointer: 0x15}, TMSI: 0xc0ffee01}
	accept, err := RegistrationAccept(nil, Accept{GUTI: &guti,
		TAIs:         []ident.TAI{{PLMN: guti.PLMN, TAC: 1}, {PLMN: guti.PLMN, TAC: 0x10203}},
		AllowedNSSAI: []ident.SNSSAI{{SST: 1}, {SST: 2, SD: 0xabcdef, HasSD: true}}, T3512: 54 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	full, err := RegistrationAccept(nil, fullAccept)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		got  []byte
		want string
	}{
		// EPD, plain, 0x56, ngKSI 2, ABBA (LV 2 octets), RAND (TV 0x21), AUTN (TLV 0x20).
		{"AuthenticationRequest", AuthenticationRequest(nil, 2, []byte{0, 0}, rand, autn),
			"7e0056" + "02" + "020000" + "21000102030405060708090a0b0c0d0e0f" + "2010f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"},
		{"AuthenticationReject", AuthenticationReject(nil), "7e0058"},
		// NEA0/NIA2, ngKSI 1, replayed capabilities f0f0, IMEISV request, RINMR.
		{"SecurityModeCommand", SecurityModeCommand(nil, SecurityMode{IntAlg: 2, EncAlg: 0, NgKSI: 1,
			ReplayedCapabilities: []byte{0xf0, 0xf0}, RequestIMEISV: true, RetransmitInitial: true}),
			"7e005d" + "02" + "01" + "02f0f0" + "e1" + "360102"},
		// Result 3GPP; 5G-GUTI (TLV-E 0x77); TAI list type 00 with two
		// TACs; allowed NSSAI; T3512 = 5 × 10 min (unit 000).
		{"RegistrationAccept", accept, "7e0042" + "0101" +
			"77000bf2" + "00f110" + "ca" + "ff" + "95" + "c0ffee01" +
			"540a" + "01" + "00f110" + "000001" + "010203" +
			"1507" + "0101" + "0402abcdef" +
			"5e0105"},
		// Every optional IE Keel sends, in the order of the §8.2.7 table:
		// rejected NSSAI (0x11: length<<4|cause, SST[, SD]); configured
		// NSSAI (0x31); 5GS network feature support (0x21: IMS-VoPS-3GPP
		// bit 1, EMC "01" in bits 3-4); service area list (0x27: one
		// allowed partial list of type 00, two TACs); T3512; T3502 = 12
		// minutes (GPRS timer 2, unit 1 min: 001 01100); emergency
		// number list (0x34: per entry length, category, BCD digits
		// filled with f).
		{"RegistrationAccept all IEs", full, "7e0042" + "0101" +
			"5407" + "00" + "00f110" + "000001" +
			"15020101" +
			"1107" + "1002" + "4103112233" +
			"3107" + "0101" + "0402abcdef" +
			"21020500" +
			"270a" + "01" + "00f110" + "000001" + "000002" +
			"5e0105" +
			"16012c" +
			"3408" + "030711f2" + "03104100"},
		{"RegistrationReject", RegistrationReject(nil, Cause5GSServicesNotAllowed), "7e004407"},
		// Cause #62 with the rejected NSSAI (IEI 0x69, §8.2.9.5).
		{"RegistrationRejectNSSAI", RegistrationRejectNSSAI(nil, CauseNoNetworkSlicesAvailable,
			[]RejectedSNSSAI{{SNSSAI: ident.SNSSAI{SST: 2}, Cause: RejectedNotAvailableInPLMN}}), "7e00443e" + "6902" + "1002"},
		// Cause #22 and T3346 = 3 minutes (GPRS timer 2, unit 1 min).
		{"RegistrationRejectBackoff", RegistrationRejectBackoff(nil, CauseCongestion, 3*time.Minute), "7e004416" + "5f0123"},
		{"IdentityRequest", IdentityRequest(nil, IdentitySUCI), "7e005b01"},
		{"DeregistrationAccept", DeregistrationAcceptUEOriginating(nil), "7e0046"},
		{"DeregistrationRequest", DeregistrationRequestUETerminated(nil, true, 0x0a), "7e004709580a"},
		{"5GMMStatus", Status5GMM(nil, CauseInvalidMandatoryInfo), "7e006460"},
	} {
		if got := hex.EncodeToString(c.got); got != c.want {
			t.Errorf("%s = %s, want %s", c.name, got, c.want)
		}
	}
}

// fullAccept has every optional IE of a REGISTRATION ACCEPT Keel sends.
var fullAccept = Accept{
	TAIs:         []ident.TAI{{PLMN: ident.PLMN{MCC: "001", MNC: "01"}, TAC: 1}},
	AllowedNSSAI: []ident.SNSSAI{{SST: 1}},
	RejectedNSSAI: []RejectedSNSSAI{{SNSSAI: ident.SNSSAI{SST: 2}, Cause: RejectedNotAvailableInPLMN},
		{SNSSAI: ident.SNSSAI{SST: 3, SD: 0x112233, HasSD: true}, Cause: RejectedNotAvailableInRegistrationArea}},
	ConfiguredNSSAI: []ident.SNSSAI{{SST: 1}, {SST: 2, SD: 0xabcdef, HasSD: true}},
	Features:        &NetworkFeatures{IMSVoPS: true, EMC: true},
	ServiceArea:     []ident.TAI{{PLMN: ident.PLMN{MCC: "001", MNC: "01"}, TAC: 1}, {PLMN: ident.PLMN{MCC: "001", MNC: "01"}, TAC: 2}},
	T3512:           54 * time.Minute,
	T3502:           12 * time.Minute,
	EmergencyNumbers: []EmergencyNumber{{Categories: EmergencyPolice | EmergencyAmbulance | EmergencyFireBrigade, Digits: "112"},
		{Categories: EmergencyMountainRescue, Digits: "1400"}},
}

func TestAcceptErrors(t *testing.T) {
	plmn := ident.PLMN{MCC: "001", MNC: "01"}
	many := make([]ident.TAI, 17)
	for i := range many {
		many[i] = ident.TAI{PLMN: plmn, TAC: uint32(i + 1)}
	}
	for name, a := range map[string]Accept{
		"17 service area TAIs":    {ServiceArea: many},
		"letters in a number":     {EmergencyNumbers: []EmergencyNumber{{Digits: "11a"}}},
		"filler digit in number":  {EmergencyNumbers: []EmergencyNumber{{Digits: "1?"}}},
		"empty emergency number":  {EmergencyNumbers: []EmergencyNumber{{Digits: ""}}},
		"21-digit number":         {EmergencyNumbers: []EmergencyNumber{{Digits: "123456789012345678901"}}},
		"emergency list too long": {EmergencyNumbers: slices.Repeat([]EmergencyNumber{{Digits: "12345678901234567890"}}, 5)},
	} {
		if b, err := RegistrationAccept(nil, a); err == nil {
			t.Errorf("%s: RegistrationAccept = %x, want an error", name, b)
		}
	}
}

func TestGPRSTimer3(t *testing.T) {
	for d, want := range map[time.Duration]byte{
		6 * time.Second: 0b011_00011, 54 * time.Minute: 0b000_00101, time.Minute: 0b011_11110,
		20 * time.Minute: 0b101_10100, 3 * time.Hour: 0b000_10010, 12 * time.Hour: 0b001_01100,
	} {
		if got := GPRSTimer3(d); got != want {
			t.Errorf("GPRSTimer3(%s) = %08b, want %08b", d, got, want)
		}
	}
}

// The SUCI of TS 33.501 Annex C.4.3 (profile A) as a 5GS mobile identity
// (TS 24.501 figure 9.11.3.4.3), and a 5G-GUTI round trip.
func TestParseIdentity(t *testing.T) {
	out := "b2e92f836055a255837debf850b528997ce0201cb82adfe4be1f587d07d8457dcb02352410cddd9e730ef3fa87"
	id, err := ParseIdentity(unhex(t, "01"+"00f110"+"2143"+"01"+"07"+out))
	if err != nil {
		t.Fatal(err)
	}
	s := id.SUCI
	if id.Type != IdentitySUCI || s.MCC != "001" || s.MNC != "01" || s.RoutingIndicator != "1234" || s.Scheme != 1 || s.KeyID != 7 || hex.EncodeToString(s.SchemeOutput) != out {
		t.Errorf("ParseIdentity(SUCI) = %+v %+v", id, s)
	}
	g := ident.GUTI{GUAMI: ident.GUAMI{PLMN: ident.PLMN{MCC: "310", MNC: "260"}, RegionID: 1, SetID: 1023, Pointer: 63}, TMSI: 0xdeadbeef}
	b, err := AppendGUTI(nil, g)
	if err != nil {
		t.Fatal(err)
	}
	id, err = ParseIdentity(b)
	if err != nil || id.GUTI == nil || *id.GUTI != g {
		t.Errorf("ParseIdentity(AppendGUTI(%+v)) = %+v, %v", g, id.GUTI, err)
	}
	if g.String() != "5g-guti-31026001ffffdeadbeef" {
		t.Errorf("GUTI.String() = %s", g.String())
	}
	for _, bad := range []string{"", "f2", "01", "11" + "00f110" + "0000" + "0000", "07"} {
		if _, err := ParseIdentity(unhex(t, bad)); err == nil {
			t.Errorf("ParseIdentity(%s) succeeded", bad)
		}
	}
}

// uplinkPDU protects plain as a UE would with COUNT count: MAC over the
// sequence number and the message (TS 24.501 §4.4.3.3), uplink direction.
func uplinkPDU(t *testing.T, c *Context, count uint32, plain []byte) []byte {
	t.Helper()
	out := append([]byte{EPD5GMM, IntegrityProtected, 0, 0, 0, 0, byte(count)}, plain...)
	mac, err := nassec.MAC(c.IntAlg, c.KInt, count, nassec.Bearer3GPP, nassec.Uplink, out[6:])
	if err != nil {
		t.Fatal(err)
	}
	copy(out[2:6], mac[:])
	return out
}

// Unprotect accepts increasing COUNTs across a sequence number wrap,
// refuses a replayed COUNT and a flipped bit (TS 24.501 §4.4.3), and
// Protect counts downlink messages.
func TestSecurity(t *testing.T) {
	for _, alg := range []uint8{1, 2, 3} {
		c := &Context{IntAlg: alg, EncAlg: alg, KInt: secret.RandomKey128(), KEnc: secret.RandomKey128()}
		plain := []byte{0x7e, 0x00, 0x43}
		for count := uint32(0); count < 300; count += 7 {
			h, body, err := Split(uplinkPDU(t, c, count, plain))
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Unprotect(h, body)
			if err != nil || !bytes.Equal(got, plain) {
				t.Fatalf("NIA%d: Unprotect(COUNT %d) = %x, %v", alg, count, got, err)
			}
			if c.LastULCount() != count {
				t.Errorf("LastULCount = %d, want %d", c.LastULCount(), count)
			}
		}
		replay := uplinkPDU(t, c, c.LastULCount(), plain)
		h, body, _ := Split(replay)
		if _, err := c.Unprotect(h, body); !errors.Is(err, ErrMAC) {
			t.Errorf("NIA%d: replayed COUNT accepted: %v", alg, err)
		}
		flipped := uplinkPDU(t, c, c.ULCount(), plain)
		flipped[len(flipped)-1] ^= 1
		h, body, _ = Split(flipped)
		if _, err := c.Unprotect(h, body); !errors.Is(err, ErrMAC) {
			t.Errorf("NIA%d: flipped bit accepted: %v", alg, err)
		}
		for range 3 {
			if _, err := c.Protect(plain, IntegrityCiphered); err != nil {
				t.Fatal(err)
			}
		}
		if c.DLCount() != 3 {
			t.Errorf("DLCount = %d, want 3", c.DLCount())
		}
	}
}

func TestSplitAndDecodeErrors(t *testing.T) {
	for _, c := range []struct {
		pdu   string
		cause uint8 // 0: Ignore
	}{
		{"", 0}, {"7e", 0}, {"2e0041", 0}, {"7e0f41", 0}, {"7e01aabbccdd00", 0},
		{"7e0056", CauseMessageTypeNonExistent}, {"7e00ff", CauseMessageTypeNonExistent},
		{"7e004179", CauseInvalidMandatoryInfo},
	} {
		b := unhex(t, c.pdu)
		_, body, err := Split(b)
		if err == nil {
			_, err = Decode(body)
		}
		var e *Error
		switch {
		case c.cause == 0 && !errors.Is(err, Ignore):
			t.Errorf("%s: %v, want Ignore", c.pdu, err)
		case c.cause != 0 && (!errors.As(err, &e) || e.Cause != c.cause):
			t.Errorf("%s: %v, want cause #%d", c.pdu, err, c.cause)
		}
	}
}

// FuzzUplink feeds arbitrary bytes through every uplink entry point:
// Split, Unprotect with a context, Decode and the identity parser.
func FuzzUplink(f *testing.F) {
	for _, s := range []string{
		"7e004179000d0100f110000000000000000010" + "2e04f0f0f0f0",
		"7e00572d10000102030405060708090a0b0c0d0e0f",
		"7e04aabbccdd007e005e",
		"7e02aabbccdd017e0043",
		"7e00593015",
	} {
		f.Add(unhex(f, s))
	}
	c := &Context{IntAlg: 2, EncAlg: 2, KInt: secret.Key128{1}, KEnc: secret.Key128{2}}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, body, err := Split(b)
		if err != nil {
			return
		}
		if h.Type != Plain {
			if p, err := c.Unprotect(h, body); err == nil {
				body = p
			}
		}
		m, err := Decode(body)
		if err == nil && m.RegistrationRequest != nil {
			ParseIdentity(m.RegistrationRequest.MobileIdentity5GS.GetMobileIdentity5GSContents())
			if n := m.RegistrationRequest.RequestedNSSAI; n != nil {
				ParseNSSAI(n.GetSNSSAIValue())
			}
		}
		ParseIdentity(b)
		ParseNSSAI(b)
	})
}
