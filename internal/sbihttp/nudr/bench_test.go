package nudr

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/openapitest"
	"github.com/keelcore/keel/internal/sbihttp/subdata"
)

// provisionedBody is the UDR's answer to QueryProvisionedData for AM
// and SM of a subscriber with two slices and three DNNs.
func provisionedBody(b testing.TB) provisionedDataSets {
	am := subdata.FromAMData(sbi.AMData{UEAMBRUplink: 50e6, UEAMBRDownlink: 200e6, DefaultNSSAI: []ident.SNSSAI{{SST: 1}}, NSSAI: []ident.SNSSAI{{SST: 1}, {SST: 2, SD: 10, HasSD: true}}, DNNs: []string{"internet", "ims"}})
	return provisionedDataSets{AMData: &am, SMData: subdata.FromSMData([]sbi.SMData{
		{DNN: "internet", SNSSAI: ident.SNSSAI{SST: 1}, FiveQI: 9, ARPPriority: 8, SessionAMBRUplink: 100e6, SessionAMBRDownlink: 300e6},
		{DNN: "ims", SNSSAI: ident.SNSSAI{SST: 1}, FiveQI: 5, ARPPriority: 1, SessionAMBRUplink: 1e6, SessionAMBRDownlink: 1e6},
		{DNN: "iot", SNSSAI: ident.SNSSAI{SST: 2, SD: 10, HasSD: true}, SessionAMBRUplink: 10e3, SessionAMBRDownlink: 10e3},
	})}
}

type discard struct{ h http.Header }

func (d discard) Header() http.Header       { return d.h }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}

// BenchmarkQueryProvisionedData: the UDR's encoding of the answer
// (Respond) and the UDM's reading of it (the client's whole call over a
// transport that answers from memory).
func BenchmarkQueryProvisionedData(b *testing.B) {
	v := provisionedBody(b)
	body, err := json.Marshal(v)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("encode", func(b *testing.B) {
		w := discard{h: http.Header{}}
		b.ReportAllocs()
		for b.Loop() {
			_ = sbihttp.Respond(w, http.StatusOK, v)
		}
	})
	b.Run("client", func(b *testing.B) {
		c := NewClient(sbihttp.NewClient(sbihttp.ClientConfig{
			Resolver:    sbihttp.StaticResolver{ServiceName: {"http://127.0.0.1:1"}},
			Transport:   openapitest.Answering{Status: 200, ContentType: "application/json", Body: body},
			MaxAttempts: 1,
		}), ident.PLMN{MCC: "001", MNC: "01"})
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if _, _, err := c.AccessAndMobilityWithSessionManagement(context.Background(), "imsi-001010000000001"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
