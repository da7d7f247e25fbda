package subdata_test

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"testing"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/subdata"
)

// realAM and realSM are the bodies Keel's UDR and UDM write for a
// subscriber with two slices, three DNNs and static addresses.
func realAM(t testing.TB) []byte {
	b, err := json.Marshal(subdata.FromAMData(sbi.AMData{
		UEAMBRUplink: 50e6, UEAMBRDownlink: 200e6,
		DefaultNSSAI: []ident.SNSSAI{{SST: 1}},
		NSSAI:        []ident.SNSSAI{{SST: 1}, {SST: 2, SD: 10, HasSD: true}},
		DNNs:         []string{"internet", "ims"},
	}))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func realSM(t testing.TB) []byte {
	b, err := json.Marshal(subdata.FromSMData([]sbi.SMData{
		{DNN: "internet", SNSSAI: ident.SNSSAI{SST: 1}, FiveQI: 9, ARPPriority: 8, SessionAMBRUplink: 100e6, SessionAMBRDownlink: 300e6, StaticIPv4: netip.MustParseAddr("10.45.0.7"), StaticIPv6: netip.MustParseAddr("2001:db8:0:7::")},
		{DNN: "ims", SNSSAI: ident.SNSSAI{SST: 1}, FiveQI: 5, ARPPriority: 1, SessionAMBRUplink: 1e6, SessionAMBRDownlink: 1e6},
		{DNN: "iot.mnc01.mcc001.gprs", SNSSAI: ident.SNSSAI{SST: 2, SD: 10, HasSD: true}, SessionAMBRUplink: 10e3, SessionAMBRDownlink: 10e3},
	}))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// discard is a ResponseWriter that keeps nothing: the answer's encoding
// alone is measured.
type discard struct{ h http.Header }

func (d discard) Header() http.Header       { return d.h }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}

// BenchmarkJSON: the server's strict decoding (DecodeBytes) and its
// answer's encoding (Respond) of the subscription data bodies.
func BenchmarkJSON(b *testing.B) {
	am, sm := realAM(b), realSM(b)
	w := discard{h: http.Header{}}
	b.Run("AccessAndMobilitySubscriptionData/decode", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(am)))
		for b.Loop() {
			var v subdata.AccessAndMobilitySubscriptionData
			if err := sbihttp.DecodeBytes(am, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AccessAndMobilitySubscriptionData/encode", func(b *testing.B) {
		var v subdata.AccessAndMobilitySubscriptionData
		if err := sbihttp.DecodeBytes(am, &v); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			_ = sbihttp.Respond(w, http.StatusOK, v)
		}
	})
	b.Run("SessionManagementSubscriptionData/decode", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(sm)))
		for b.Loop() {
			v := subdata.FromSMData(nil)
			if err := sbihttp.DecodeBytes(sm, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("SessionManagementSubscriptionData/encode", func(b *testing.B) {
		v := subdata.FromSMData(nil)
		if err := sbihttp.DecodeBytes(sm, &v); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			_ = sbihttp.Respond(w, http.StatusOK, v)
		}
	})
}
