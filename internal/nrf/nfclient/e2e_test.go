package nfclient

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/accesstoken"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/openapitest"
)

// TestConsumerFindsProducer: a UDM checking tokens registers through its
// Client; an AMF's sbihttp client finds it through the NRF (Resolver)
// and calls it with a token from the NRF (TokenSource). A client without
// tokens is refused.
func TestConsumerFindsProducer(t *testing.T) {
	v := openapitest.New(t)
	s := startNRF(t, v, "127.0.0.1:0")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	authz, err := accesstoken.Authorizer(accesstoken.ProducerConfig{Key: s.key.Public(), NFType: "UDM", InstanceID: udmID})
	if err != nil {
		t.Fatal(err)
	}
	udmSrv := sbihttp.NewServer(sbihttp.ServerConfig{Authorize: authz})
	udmSrv.Service("nudm-sdm", "v2").Handle("GET /{supi}/nssai", func(w http.ResponseWriter, r *http.Request) error {
		return sbihttp.Respond(w, http.StatusOK, map[string]any{"defaultSingleNssais": []map[string]int{{"sst": 1}}})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	udmSrv.Start(ln)
	defer udmSrv.Stop(context.Background())

	udm := newClient(t, v, s.addr, udmSpec(udmID, "http://"+ln.Addr().String()), nil)
	udm.Start()
	defer udm.Stop(context.Background())
	if err := udm.WaitRegistered(ctx); err != nil {
		t.Fatal(err)
	}
	amf := newClient(t, v, s.addr, amfSpec(), nil)
	amf.Start()
	defer amf.Stop(context.Background())
	if err := amf.WaitRegistered(ctx); err != nil {
		t.Fatal(err)
	}

	call := func(token sbihttp.TokenSource) error {
		c := sbihttp.NewClient(sbihttp.ClientConfig{Resolver: amf, Token: token})
		var out map[string]any
		_, err := c.Do(ctx, sbihttp.Request{Service: "nudm-sdm", Version: APIVersion("nudm-sdm"), Method: http.MethodGet, Path: sbihttp.Path("imsi-001010000000001", "nssai")}, &out)
		return err
	}
	if err := call(amf.Token); err != nil {
		t.Fatalf("call with the NRF's token = %v", err)
	}
	if err := call(nil); !errors.Is(err, sbi.ErrUnauthorized) {
		t.Errorf("call without a token = %v, want %v", err, sbi.ErrUnauthorized)
	}
	// A token for another service: the producer refuses its scope.
	wrong := func(ctx context.Context, _ string) (string, error) { return amf.Token(ctx, "nudm-uecm") }
	if err := call(wrong); !errors.Is(err, sbi.ErrForbidden) {
		t.Errorf("call with a token for nudm-uecm = %v, want %v", err, sbi.ErrForbidden)
	}
}
