package accesstoken

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
)

// TestAuthorizer runs a producer behind the authorizer and checks each
// refusal's status, ProblemDetails and WWW-Authenticate challenge
// (RFC 6750 §3, TS 33.501 §13.4.1.2).
func TestAuthorizer(t *testing.T) {
	key := newKey(t)
	authz, err := Authorizer(ProducerConfig{Key: key.Public(), NFType: "UDM", InstanceID: "udm-1", Exempt: []string{"nnrf-nfm"}, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	srv := sbihttp.NewServer(sbihttp.ServerConfig{Authorize: authz})
	ok := func(w http.ResponseWriter, r *http.Request) error { return sbihttp.NoContent(w) }
	srv.Service("nudm-sdm", "v2").Handle("GET /x", ok)
	srv.Service("nnrf-nfm", "v1").Handle("GET /x", ok)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Start(ln)
	defer srv.Stop(context.Background())
	root := "http://" + ln.Addr().String()
	hc := &http.Client{Transport: sbihttp.NewTransport(nil)}

	sign := func(mod func(*Claims)) string {
		c := sample()
		c.Scope = "nudm-sdm"
		mod(&c)
		tok, err := Sign(key, c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	other := newKey(t)
	foreign, _ := Sign(other, sample())
	good := sign(func(*Claims) {})
	cases := []struct {
		name, path, auth string
		status           int
		challenge        string
	}{
		{"valid", "/nudm-sdm/v2/x", "Bearer " + good, 204, ""},
		{"scheme case", "/nudm-sdm/v2/x", "bearer " + good, 204, ""},
		{"instance audience", "/nudm-sdm/v2/x", "Bearer " + sign(func(c *Claims) { c.Audience = Audience{Instances: []string{"udm-1"}} }), 204, ""},
		{"exempt", "/nnrf-nfm/v1/x", "", 204, ""},
		{"missing", "/nudm-sdm/v2/x", "", 401, `Bearer`},
		{"basic", "/nudm-sdm/v2/x", "Basic dXNlcjpwdw==", 401, `Bearer`},
		{"expired", "/nudm-sdm/v2/x", "Bearer " + sign(func(c *Claims) { c.Expiry = t0.Unix() }), 401, `Bearer error="invalid_token", error_description="token expired"`},
		{"other audience", "/nudm-sdm/v2/x", "Bearer " + sign(func(c *Claims) { c.Audience = Audience{NFType: "AUSF"} }), 401, `Bearer error="invalid_token", error_description="token not for this NF"`},
		{"other instance", "/nudm-sdm/v2/x", "Bearer " + sign(func(c *Claims) { c.Audience = Audience{Instances: []string{"udm-2"}} }), 401, `Bearer error="invalid_token", error_description="token not for this NF"`},
		{"other key", "/nudm-sdm/v2/x", "Bearer " + foreign, 401, `Bearer error="invalid_token", error_description="signature does not verify"`},
		{"garbage", "/nudm-sdm/v2/x", "Bearer x.y.z", 401, `Bearer error="invalid_token", error_description="malformed token"`},
		{"wrong scope", "/nudm-sdm/v2/x", "Bearer " + sign(func(c *Claims) { c.Scope = "nudm-uecm" }), 403, `Bearer error="insufficient_scope", scope="nudm-sdm"`},
	}
	for _, c := range cases {
		req, _ := http.NewRequest("GET", root+c.path, nil)
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || resp.Header.Get("WWW-Authenticate") != c.challenge {
			t.Errorf("%s: %d %q, want %d %q", c.name, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), c.status, c.challenge)
			continue
		}
		if c.status >= 400 {
			var pd sbihttp.ProblemDetails
			if err := json.Unmarshal(body, &pd); err != nil || pd.Status != c.status || resp.Header.Get("Content-Type") != sbihttp.ContentProblem {
				t.Errorf("%s: answer %s is not ProblemDetails of %d", c.name, body, c.status)
			}
			// TS 29.500 Table 5.2.7.2-1 has no cause for these refusals.
			if pd.Cause != "" {
				t.Errorf("%s: cause %q, want none", c.name, pd.Cause)
			}
			if strings.Contains(string(body), good[:20]) {
				t.Errorf("%s: the answer repeats the token", c.name)
			}
		}
	}
}

// BenchmarkAuthorizer is a producer's cost of checking a request's
// token once the token's signature was verified (the cache).
func BenchmarkAuthorizer(b *testing.B) {
	key := newKey(b)
	authz, err := Authorizer(ProducerConfig{Key: key.Public(), NFType: "UDM", Now: func() time.Time { return t0 }})
	if err != nil {
		b.Fatal(err)
	}
	tok, _ := Sign(key, sample())
	r, _ := http.NewRequest("GET", "http://udm/nudm-sdm/v2/x", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	for b.Loop() {
		if err := authz(r, "nudm-sdm"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestAuthorizerCacheKeepsChecks: a token remembered as verified is
// still refused once expired and for another service.
func TestAuthorizerCacheKeepsChecks(t *testing.T) {
	key := newKey(t)
	now := t0
	authz, err := Authorizer(ProducerConfig{Key: key.Public(), NFType: "UDM", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := Sign(key, sample())
	r, _ := http.NewRequest("GET", "http://udm/nudm-sdm/v2/x", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	if err := authz(r, "nudm-sdm"); err != nil {
		t.Fatal(err)
	}
	if err := authz(r, "nudm-ueau"); !errors.Is(err, sbi.ErrForbidden) {
		t.Errorf("cached token for another service = %v, want %v", err, sbi.ErrForbidden)
	}
	now = t0.Add(time.Hour)
	if err := authz(r, "nudm-sdm"); !errors.Is(err, sbi.ErrUnauthorized) {
		t.Errorf("cached token after its expiry = %v, want %v", err, sbi.ErrUnauthorized)
	}
}
