package accesstoken

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/sbihttp"
)

// BenchmarkSBICall is one SBI request and its answer over h2c on
// loopback, client and server, without and with an access token checked
// by the producer (the consumer's token from its cache): what switching
// sbi.oauth2 on costs a call.
func BenchmarkSBICall(b *testing.B) {
	key := newKey(b)
	c := sample()
	c.Expiry = time.Now().Add(time.Hour).Unix()
	tok, err := Sign(key, c)
	if err != nil {
		b.Fatal(err)
	}
	authz, err := Authorizer(ProducerConfig{Key: key.Public(), NFType: "UDM"})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name  string
		authz sbihttp.Authorizer
		token sbihttp.TokenSource
	}{
		{"no token", nil, nil},
		{"token", authz, func(context.Context, string) (string, error) { return tok, nil }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			srv := sbihttp.NewServer(sbihttp.ServerConfig{Authorize: bc.authz})
			srv.Service("nudm-sdm", "v2").Handle("GET /{supi}/am-data", func(w http.ResponseWriter, r *http.Request) error {
				return sbihttp.Respond(w, http.StatusOK, map[string]string{"supi": r.PathValue("supi")})
			})
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			srv.Start(ln)
			defer srv.Stop(context.Background())
			cl := sbihttp.NewClient(sbihttp.ClientConfig{Resolver: sbihttp.StaticResolver{"nudm-sdm": {"http://" + ln.Addr().String()}}, Token: bc.token})
			defer cl.CloseIdle()
			req := sbihttp.Request{Service: "nudm-sdm", Version: "v2", Method: http.MethodGet, Path: "/imsi-001010000000001/am-data"}
			var out map[string]string
			for b.Loop() {
				if _, err := cl.Do(context.Background(), req, &out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
