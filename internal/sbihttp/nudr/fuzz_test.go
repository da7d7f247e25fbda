package nudr

import (
	"context"
	"testing"

	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/openapitest"
)

// fakeUDR holds one SQN.
type fakeUDR struct{ sqn uint64 }

func (u *fakeUDR) AuthenticationSubscription(context.Context, string) (sbi.AuthenticationSubscription, error) {
	return sbi.AuthenticationSubscription{SequenceNumber: sbi.SequenceNumber{SQN: u.sqn}}, nil
}
func (u *fakeUDR) NextSQN(context.Context, string) (sbi.AuthenticationSubscription, error) {
	u.sqn++
	return sbi.AuthenticationSubscription{SequenceNumber: sbi.SequenceNumber{SQN: u.sqn}}, nil
}
func (u *fakeUDR) ResyncSQN(_ context.Context, _ string, v uint64) error {
	u.sqn = max(u.sqn, v)
	return nil
}
func (u *fakeUDR) AccessAndMobilitySubscription(context.Context, string) (sbi.AMData, error) {
	return sbi.AMData{}, nil
}
func (u *fakeUDR) SessionManagementSubscription(context.Context, string) ([]sbi.SMData, error) {
	return nil, nil
}

// FuzzPatchAuthenticationSubscription: the PATCH of the authentication
// subscription never faults on its body.
func FuzzPatchAuthenticationSubscription(f *testing.F) {
	f.Add([]byte(`[{"op":"test","path":"/sequenceNumber/sqn","value":"000000000000"},{"op":"replace","path":"/sequenceNumber/sqn","value":"000000000001"}]`))
	f.Add([]byte(`[{"op":"replace","path":"/sequenceNumber/sqn","value":"0000000000ff"}]`))
	srv := sbihttp.NewServer(sbihttp.ServerConfig{})
	Register(srv, &fakeUDR{})
	h := srv.Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		openapitest.CheckHandler(t, h, "PATCH", "/nudr-dr/v2/subscription-data/imsi-001010000000001/authentication-data/authentication-subscription", sbihttp.ContentJSONPatch, body)
	})
}

func (u *fakeUDR) Subscribe(sbi.NudrDataChangeNotifier) {}

func (u *fakeUDR) SubscriptionDataChanged(context.Context, string) {}

// FuzzSubscribe: POST subs-to-notify never faults on its body.
func FuzzSubscribe(f *testing.F) {
	f.Add([]byte(`{"callbackReference":"http://udm.invalid/cb","monitoredResourceUris":["/nudr-dr/v2/subscription-data"]}`))
	srv := sbihttp.NewServer(sbihttp.ServerConfig{})
	ServeSubscriptions(srv, &fakeUDR{}, sbihttp.NewClient(sbihttp.ClientConfig{}), nil)
	h := srv.Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		openapitest.CheckHandler(t, h, "POST", "/nudr-dr/v2/subscription-data/subs-to-notify", sbihttp.ContentJSON, body)
	})
}

// FuzzDataChangeNotify: the UDM's callback never faults on a
// notification body.
func FuzzDataChangeNotify(f *testing.F) {
	f.Add([]byte(`{"ueId":"imsi-001010000000001","notifyItems":[{"resourceId":"http://udr.invalid/nudr-dr/v2/subscription-data/imsi-001010000000001","changes":[{"op":"REPLACE","path":""}]}]}`))
	srv := sbihttp.NewServer(sbihttp.ServerConfig{})
	ServeNotifications(srv, &fakeUDR{})
	h := srv.Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		openapitest.CheckHandler(t, h, "POST", CallbackPath, sbihttp.ContentJSON, body)
	})
}
