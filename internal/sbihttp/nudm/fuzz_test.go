package nudm

import (
	"context"
	"fmt"
	"testing"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/openapitest"
)

// fakeUDM accepts every well-formed request.
type fakeUDM struct{}

func (fakeUDM) GenerateAuthData(_ context.Context, req sbi.AuthRequest) (sbi.AuthVector, error) {
	if _, _, err := sbi.ParseServingNetworkName(req.ServingNetworkName); err != nil {
		return sbi.AuthVector{}, err
	}
	return sbi.AuthVector{SUPI: "imsi-001010000000001"}, nil
}
func (fakeUDM) ConfirmAuth(context.Context, string, sbi.AuthEvent) error { return nil }
func (fakeUDM) AccessAndMobility(context.Context, string) (sbi.AMData, error) {
	return sbi.AMData{}, nil
}
func (fakeUDM) SessionManagement(context.Context, string) ([]sbi.SMData, error) { return nil, nil }
func (fakeUDM) RegisterAMF(_ context.Context, supi string, _ sbi.AMFRegistration) error {
	if !sbi.ValidSUPI(supi) {
		return fmt.Errorf("fake: %w", sbi.ErrInvalidRequest)
	}
	return nil
}
func (fakeUDM) DeregisterAMF(context.Context, string, ident.GUAMI) error { return nil }
func (fakeUDM) AMF(context.Context, string) (sbi.AMFRegistration, bool) {
	return sbi.AMFRegistration{}, false
}

const supi = "imsi-001010000000001"

func fuzzEntry(f *testing.F, method, path, contentType, seed string) {
	f.Add([]byte(seed))
	srv := sbihttp.NewServer(sbihttp.ServerConfig{})
	Register(srv, fakeUDM{}, fakeUDM{}, fakeUDM{})
	h := srv.Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		openapitest.CheckHandler(t, h, method, path, contentType, body)
	})
}

// FuzzGenerateAuthData: generate-auth-data never faults on its body.
func FuzzGenerateAuthData(f *testing.F) {
	fuzzEntry(f, "POST", "/nudm-ueau/v1/"+supi+"/security-information/generate-auth-data", sbihttp.ContentJSON,
		`{"servingNetworkName":"5G:mnc001.mcc001.3gppnetwork.org","ausfInstanceId":"6f3e2c1a-0000-4000-8000-00000000a05f","resynchronizationInfo":{"rand":"00112233445566778899aabbccddeeff","auts":"00112233445566778899aabbccdd"}}`)
}

// FuzzAuthEvents: auth-events never faults on its body.
func FuzzAuthEvents(f *testing.F) {
	fuzzEntry(f, "POST", "/nudm-ueau/v1/"+supi+"/auth-events", sbihttp.ContentJSON,
		`{"nfInstanceId":"6f3e2c1a-0000-4000-8000-00000000a05f","success":true,"timeStamp":"2026-12-06T20:00:00Z","authType":"5G_AKA","servingNetworkName":"5G:mnc001.mcc001.3gppnetwork.org"}`)
}

// FuzzRegisterAMF: the PUT of amf-3gpp-access never faults on its body.
func FuzzRegisterAMF(f *testing.F) {
	fuzzEntry(f, "PUT", "/nudm-uecm/v1/"+supi+"/registrations/amf-3gpp-access", sbihttp.ContentJSON,
		`{"amfInstanceId":"4947a69a-f61b-4bc1-b9da-47c9c5d14b64","deregCallbackUri":"http://amf.invalid/cb","guami":{"plmnId":{"mcc":"001","mnc":"01"},"amfId":"ca0fc1"},"ratType":"NR"}`)
}

// FuzzPurgeAMF: the purge PATCH never faults on its body.
func FuzzPurgeAMF(f *testing.F) {
	fuzzEntry(f, "PATCH", "/nudm-uecm/v1/"+supi+"/registrations/amf-3gpp-access", sbihttp.ContentMergePatch,
		`{"guami":{"plmnId":{"mcc":"001","mnc":"01"},"amfId":"ca0fc1"},"purgeFlag":true}`)
}

func (fakeUDM) SubscribeSDM(sbi.NudmSDMNotifier) {}

func (fakeUDM) AccessAndMobilityChanged(context.Context, string, sbi.AMData) {}

// FuzzSubscribeSDM: POST sdm-subscriptions never faults on its body.
func FuzzSubscribeSDM(f *testing.F) {
	f.Add([]byte(`{"nfInstanceId":"4947a69a-f61b-4bc1-b9da-47c9c5d14b64","callbackReference":"http://amf.invalid/cb","monitoredResourceUris":["/nudm-sdm/v2/anyUE/am-data"]}`))
	srv := sbihttp.NewServer(sbihttp.ServerConfig{})
	ServeSubscriptions(srv, fakeUDM{}, sbihttp.NewClient(sbihttp.ClientConfig{}), nil)
	h := srv.Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		openapitest.CheckHandler(t, h, "POST", "/nudm-sdm/v2/anyUE/sdm-subscriptions", sbihttp.ContentJSON, body)
	})
}

// FuzzSDMNotification: the consumer's callback never faults on a
// notification body.
func FuzzSDMNotification(f *testing.F) {
	f.Add([]byte(`{"notifyItems":[{"resourceId":"http://udm.invalid/nudm-sdm/v2/imsi-001010000000001/am-data","changes":[{"op":"REPLACE","path":"","newValue":{"subscribedUeAmbr":{"uplink":"1 Mbps","downlink":"2 Mbps"},"nssai":{"defaultSingleNssais":[{"sst":1}]}}}]}]}`))
	srv := sbihttp.NewServer(sbihttp.ServerConfig{})
	ServeNotifications(srv, fakeUDM{})
	h := srv.Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		openapitest.CheckHandler(t, h, "POST", CallbackPath, sbihttp.ContentJSON, body)
	})
}
