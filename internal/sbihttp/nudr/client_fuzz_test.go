package nudr

import (
	"context"
	"testing"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/openapitest"
)

// FuzzClientAnswers: no answer of a UDR makes the client panic.
func FuzzClientAnswers(f *testing.F) {
	f.Add(200, []byte(`{"authenticationMethod":"5G_AKA","encPermanentKey":"00112233445566778899aabbccddeeff","encOpcKey":"00112233445566778899aabbccddeeff","authenticationManagementField":"8000","algorithmId":"milenage","sequenceNumber":{"sqnScheme":"NON_TIME_BASED","sqn":"000000000021","indLength":5}}`))
	f.Add(204, []byte(``))
	f.Add(409, []byte(`{"status":409}`))
	f.Add(200, []byte(`[{"singleNssai":{"sst":1},"dnnConfigurations":{"internet":{"pduSessionTypes":{},"sscModes":{"defaultSscMode":"SSC_MODE_1"}}}}]`))
	f.Add(200, []byte(`{"amData":{"subscribedUeAmbr":{"uplink":"1 Gbps","downlink":"2 Gbps"},"nssai":{"defaultSingleNssais":[{"sst":1}]}},"smData":[{"singleNssai":{"sst":1},"dnnConfigurations":{"internet":{"pduSessionTypes":{"defaultSessionType":"IPV4"},"sscModes":{"defaultSscMode":"SSC_MODE_1"}}}}]}`))
	f.Add(200, []byte(`{"smData":[{"singleNssai":null}]}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 {
			return
		}
		c := NewClient(sbihttp.NewClient(sbihttp.ClientConfig{
			Resolver:    sbihttp.StaticResolver{ServiceName: {"http://127.0.0.1:1"}},
			Transport:   openapitest.Answering{Status: status, ContentType: "application/json", Body: body},
			MaxAttempts: 1,
		}), ident.PLMN{MCC: "001", MNC: "01"})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		const supi = "imsi-001010000000001"
		_, _ = c.AuthenticationSubscription(ctx, supi)
		_ = c.ResyncSQN(ctx, supi, 5)
		_, _ = c.AccessAndMobilitySubscription(ctx, supi)
		_, _ = c.SessionManagementSubscription(ctx, supi)
		_, _, _ = c.AccessAndMobilityWithSessionManagement(ctx, supi)
		_ = c.Subscribe(ctx, "http://127.0.0.1/cb")
		if status != 409 { // a 409 to every PATCH has NextSQN wait between its rounds
			_, _ = c.NextSQN(ctx, supi)
		}
	})
}
