package nas

import (
	"testing"
	"time"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/secret"
)

// BenchmarkDecodeRegistrationRequest decodes an initial Registration
// Request with a SUCI (profile A size) and UE security capability.
func BenchmarkDecodeRegistrationRequest(b *testing.B) {
	pdu := unhex(b, "7e004179003501"+"00f110"+"0000"+"01"+"01"+
		"b2e92f836055a255837debf850b528997ce0201cb82adfe4be1f587d07d8457dcb02352410cddd9e730ef3fa87"+"2e04f0f0f0f0")
	b.ReportAllocs()
	for b.Loop() {
		h, body, err := Split(pdu)
		if err != nil {
			b.Fatal(err)
		}
		m, err := Decode(body)
		if err != nil || h.Type != Plain {
			b.Fatal(err)
		}
		if _, err := ParseIdentity(m.RegistrationRequest.MobileIdentity5GS.GetMobileIdentity5GSContents()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProtectRegistrationAccept encodes a Registration Accept and
// protects it with 128-NIA2 and 128-NEA2.
func BenchmarkProtectRegistrationAccept(b *testing.B) {
	c := &Context{IntAlg: 2, EncAlg: 2, KInt: secret.Key128{1}, KEnc: secret.Key128{2}}
	plmn := ident.PLMN{MCC: "001", MNC: "01"}
	a := Accept{GUTI: &ident.GUTI{GUAMI: ident.GUAMI{PLMN: plmn, RegionID: 1, SetID: 1}, TMSI: 7}, TAIs: []ident.TAI{{PLMN: plmn, TAC: 1}},
		AllowedNSSAI: []ident.SNSSAI{{SST: 1}}, T3512: 54 * time.Minute}
	buf := make([]byte, 0, 128)
	b.ReportAllocs()
	for b.Loop() {
		plain, err := RegistrationAccept(buf[:0], a)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Protect(plain, IntegrityCiphered); err != nil {
			b.Fatal(err)
		}
	}
}
