package udm

import (
	"testing"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
)

func TestAMFRegistrationRecord(t *testing.T) {
	reg := sbi.AMFRegistration{AMFInstanceID: "4947a69a-f61b-4bc1-b9da-47c9c5d14b64", RATType: "NR", DeregCallbackURI: "https://amf.example/cb",
		GUAMI: ident.GUAMI{PLMN: ident.PLMN{MCC: "001", MNC: "001"}, RegionID: 255, SetID: 1023, Pointer: 63}}
	b, err := encodeAMFRegistration(reg)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeAMFRegistration(b)
	if err != nil || got != reg {
		t.Errorf("decodeAMFRegistration(%s) = %+v, %v; want %+v", b, got, err, reg)
	}
	for _, bad := range []string{``, `{`, `[]`, `{"amfInstanceId":1}`, `{"unknown":1}`, `{} {}`, `{"amfRegionId":256}`} {
		if _, err := decodeAMFRegistration([]byte(bad)); err == nil {
			t.Errorf("decodeAMFRegistration(%s) = nil error", bad)
		}
	}
}

// FuzzDecodeAMFRegistration: a record value, whatever the store holds,
// never panics the decoder.
func FuzzDecodeAMFRegistration(f *testing.F) {
	f.Add([]byte(`{"amfInstanceId":"x","mcc":"001","mnc":"01","amfRegionId":1,"amfSetId":1,"amfPointer":1,"ratType":"NR"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		reg, err := decodeAMFRegistration(b)
		if err != nil {
			return
		}
		if _, err := encodeAMFRegistration(reg); err != nil {
			t.Errorf("encodeAMFRegistration(decodeAMFRegistration(%q)) = %v", b, err)
		}
	})
}
