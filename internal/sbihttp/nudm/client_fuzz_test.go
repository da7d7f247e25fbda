package nudm

import (
	"context"
	"testing"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/openapitest"
)

// FuzzClientAnswers: no answer of a UDM makes the client panic.
func FuzzClientAnswers(f *testing.F) {
	f.Add(200, []byte(`{"authType":"5G_AKA","supi":"imsi-001010000000001","authenticationVector":{"avType":"5G_HE_AKA","rand":"00112233445566778899aabbccddeeff","autn":"00112233445566778899aabbccddeeff","xresStar":"00112233445566778899aabbccddeeff","kausf":"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"}}`))
	f.Add(200, []byte(`{"subscribedUeAmbr":{"uplink":"1 Mbps","downlink":"2 Mbps"},"nssai":{"defaultSingleNssais":[{"sst":1}]}}`))
	f.Add(200, []byte(`{"amfInstanceId":"x","deregCallbackUri":"http://x","guami":{"plmnId":{"mcc":"001","mnc":"01"},"amfId":"ca0fc1"},"ratType":"NR"}`))
	f.Add(404, []byte(`{"status":404,"cause":"USER_NOT_FOUND"}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 {
			return
		}
		c := NewClient(sbihttp.NewClient(sbihttp.ClientConfig{
			Resolver:    sbihttp.StaticResolver{UEAU: {"http://127.0.0.1:1"}, SDM: {"http://127.0.0.1:1"}, UECM: {"http://127.0.0.1:1"}},
			Transport:   openapitest.Answering{Status: status, ContentType: "application/json", Body: body},
			MaxAttempts: 1,
		}), "6f3e2c1a-0000-4000-8000-00000000a05f")
		ctx := context.Background()
		const supi = "imsi-001010000000001"
		if v, err := c.GenerateAuthData(ctx, sbi.AuthRequest{SUPI: supi, ServingNetworkName: "5G:mnc001.mcc001.3gppnetwork.org"}); err == nil && !sbi.ValidSUPI(v.SUPI) {
			t.Fatalf("a vector for SUPI %q", v.SUPI)
		}
		_ = c.ConfirmAuth(ctx, supi, sbi.AuthEvent{Success: true})
		_, _ = c.AccessAndMobility(ctx, supi)
		_, _ = c.SessionManagement(ctx, supi)
		_, _ = c.AMF(ctx, supi)
		_ = c.RegisterAMF(ctx, supi, sbi.AMFRegistration{GUAMI: ident.GUAMI{PLMN: ident.PLMN{MCC: "001", MNC: "01"}, RegionID: 1}})
		_ = c.DeregisterAMF(ctx, supi, ident.GUAMI{})
		_ = c.SubscribeSDM(ctx, "http://127.0.0.1/cb")
	})
}
