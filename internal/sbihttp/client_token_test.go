package sbihttp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/keelcore/keel/internal/sbi"
)

// tokenCache is a TokenSource with a cache, as nfclient's: a new token
// each time the cached one is dropped.
type tokenCache struct {
	mu      sync.Mutex
	cached  map[string]string
	issued  int
	dropped []string
}

func (tc *tokenCache) token(_ context.Context, service string) (string, error) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if t, ok := tc.cached[service]; ok {
		return t, nil
	}
	tc.issued++
	t := fmt.Sprintf("tok-%d", tc.issued)
	tc.cached[service] = t
	return t, nil
}

func (tc *tokenCache) invalidate(service string) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	delete(tc.cached, service)
	tc.dropped = append(tc.dropped, service)
}

// TestStaleTokenRetried: a producer refusing a token as invalid_token
// (a restarted NRF with another key, an expiry the consumer's clock
// missed) gets the request again once, with a fresh token (RFC 6750
// §3.1: the client may request a new access token and retry); other
// refusals are not retried.
func TestStaleTokenRetried(t *testing.T) {
	var accept atomic.Value // the token the producer accepts
	var hits atomic.Int32
	srv := NewServer(ServerConfig{Authorize: func(r *http.Request, service string) error {
		hits.Add(1)
		switch got := r.Header.Get("Authorization"); {
		case got == "Bearer "+accept.Load().(string):
			return nil
		case got == "Bearer scope":
			return &Challenge{Err: sbi.ErrForbidden, Header: `Bearer error="insufficient_scope", scope="nkeel-echo"`}
		case got == "":
			return &Challenge{Err: sbi.ErrUnauthorized, Header: "Bearer"}
		}
		return &Challenge{Err: sbi.ErrUnauthorized, Header: `Bearer error="invalid_token", error_description="signature does not verify"`}
	}})
	srv.Service("nkeel-echo", "v1").Handle("GET /echoes/{supi}", func(w http.ResponseWriter, r *http.Request) error { return NoContent(w) })
	root := start(t, srv, "http")

	tc := &tokenCache{cached: map[string]string{}}
	c := NewClient(ClientConfig{Resolver: StaticResolver{"nkeel-echo": {root}}, Token: tc.token, InvalidateToken: tc.invalidate})
	defer c.CloseIdle()
	req := Request{Service: "nkeel-echo", Method: "GET", Path: "/echoes/imsi-1"}

	accept.Store("tok-1")
	if _, err := c.Do(context.Background(), req, nil); err != nil || hits.Load() != 1 {
		t.Fatalf("first call: %v after %d requests", err, hits.Load())
	}
	// The producer now trusts another key: tok-1 is refused, tok-2 passes.
	accept.Store("tok-2")
	hits.Store(0)
	if _, err := c.Do(context.Background(), req, nil); err != nil {
		t.Fatalf("call after the key changed: %v", err)
	}
	if hits.Load() != 2 || len(tc.dropped) != 1 || tc.dropped[0] != "nkeel-echo" {
		t.Errorf("%d requests, tokens dropped %v; want 2 and [nkeel-echo]", hits.Load(), tc.dropped)
	}

	// A producer refusing every token: one retry, then the 401.
	accept.Store("never")
	hits.Store(0)
	if _, err := c.Do(context.Background(), req, nil); !errors.Is(err, sbi.ErrUnauthorized) || hits.Load() != 2 {
		t.Errorf("every token refused: %v after %d requests, want ErrUnauthorized after 2", err, hits.Load())
	}

	// insufficient_scope (403) is not the token's age: no retry.
	scoped := NewClient(ClientConfig{Resolver: StaticResolver{"nkeel-echo": {root}},
		Token: func(context.Context, string) (string, error) { return "scope", nil }, InvalidateToken: tc.invalidate})
	defer scoped.CloseIdle()
	hits.Store(0)
	dropped := len(tc.dropped)
	if _, err := scoped.Do(context.Background(), req, nil); !errors.Is(err, sbi.ErrForbidden) || hits.Load() != 1 || len(tc.dropped) != dropped {
		t.Errorf("insufficient scope: %v after %d requests, %d tokens dropped; want ErrForbidden after 1, none dropped", err, hits.Load(), len(tc.dropped)-dropped)
	}

	// Without a token source nothing is retried.
	bare := NewClient(ClientConfig{Resolver: StaticResolver{"nkeel-echo": {root}}})
	defer bare.CloseIdle()
	hits.Store(0)
	if _, err := bare.Do(context.Background(), req, nil); !errors.Is(err, sbi.ErrUnauthorized) || hits.Load() != 1 {
		t.Errorf("no token: %v after %d requests, want ErrUnauthorized after 1", err, hits.Load())
	}
}

func TestInvalidTokenChallenge(t *testing.T) {
	for h, want := range map[string]bool{
		`Bearer error="invalid_token"`:                                      true,
		`bearer error=invalid_token`:                                        true,
		`Bearer realm="keel", error="invalid_token", error_description="x"`: true,
		`Bearer`:                                   false,
		`Bearer error="insufficient_scope"`:        false,
		`Basic realm="invalid_token"`:              false,
		`Bearer error_description="invalid_token"`: false,
	} {
		if got := invalidToken([]string{h}); got != want {
			t.Errorf("invalidToken(%q) = %v, want %v", h, got, want)
		}
	}
}

// TestTokenScopeOfResourceURI: a request to a resource an earlier answer
// named (a Location, a _links href) is authorised for the service of
// that URI (TS 29.501 §4.4.1).
func TestTokenScopeOfResourceURI(t *testing.T) {
	for _, c := range []struct {
		req  Request
		want string
	}{
		{Request{Service: "nudm-sdm", Path: "/x"}, "nudm-sdm"},
		{Request{URI: "http://10.0.0.1:7777/nausf-auth/v1/ue-authentications/abc/5g-aka-confirmation"}, "nausf-auth"},
		{Request{URI: "https://ausf.example/prefix/nausf-auth/v1/ue-authentications/abc"}, "nausf-auth"},
		{Request{URI: "http://10.0.0.1/nsmf-pdusession/v12/sm-contexts/1", Path: "/modify"}, "nsmf-pdusession"},
		{Request{URI: "http://10.0.0.1/callbacks/sm-context-status/7"}, ""},
		{Request{URI: "http://10.0.0.1/callbacks/v1/sm-policy/update"}, "callbacks"},
		{Request{URI: "http://10.0.0.1/nudm-sdm/vx/y"}, ""},
		{Request{URI: "::"}, ""},
	} {
		if got := tokenScope(c.req); got != c.want {
			t.Errorf("tokenScope(%+v) = %q, want %q", c.req, got, c.want)
		}
	}

	// The token of a URI request is the one of its service.
	var asked []string
	srv := NewServer(ServerConfig{Authorize: func(r *http.Request, service string) error {
		if r.Header.Get("Authorization") != "Bearer for-"+service {
			return &Challenge{Err: sbi.ErrUnauthorized, Header: `Bearer error="invalid_token"`}
		}
		return nil
	}})
	srv.Service("nkeel-echo", "v1").Handle("PUT /echoes/{supi}", func(w http.ResponseWriter, r *http.Request) error { return NoContent(w) })
	root := start(t, srv, "http")
	c := NewClient(ClientConfig{Token: func(_ context.Context, service string) (string, error) {
		asked = append(asked, service)
		return "for-" + service, nil
	}})
	defer c.CloseIdle()
	if _, err := c.Do(context.Background(), Request{URI: root + "/nkeel-echo/v1/echoes/imsi-1", Method: "PUT"}, nil); err != nil || len(asked) != 1 || asked[0] != "nkeel-echo" {
		t.Errorf("PUT to a resource URI: %v, tokens asked for %q; want one for nkeel-echo", err, asked)
	}
	// A notification to a callback goes without a token.
	var auth []string
	cb := NewServer(ServerConfig{})
	cb.Service(CallbackService, "v1").Handle("POST /n", func(w http.ResponseWriter, r *http.Request) error {
		auth = append(auth, r.Header.Get("Authorization"))
		return NoContent(w)
	})
	cbRoot := start(t, cb, "http")
	asked = nil
	if _, err := c.Do(context.Background(), Request{URI: cbRoot + "/callbacks/v1/n", Method: "POST", Body: map[string]int{}}, nil); err != nil {
		t.Fatal(err)
	}
	if len(asked) != 0 || len(auth) != 1 || auth[0] != "" {
		t.Errorf("notifications: tokens asked for %q, Authorization %q; want none", asked, auth)
	}
}

// TestInboundTokenRefusal: a producer whose own request to another NF
// was refused its token answers SYSTEM_FAILURE, not the 401 or 403 of
// that other NF: its consumer's token is good, and a 500 has the
// consumer try another instance rather than drop the token.
func TestInboundTokenRefusal(t *testing.T) {
	srv := NewServer(ServerConfig{})
	svc := srv.Service("nkeel-echo", "v1")
	svc.Handle("GET /unauthorized", func(http.ResponseWriter, *http.Request) error {
		return fmt.Errorf("udm: GenerateAuthData: %w", sbi.ErrUnauthorized)
	})
	svc.Handle("GET /forbidden", func(http.ResponseWriter, *http.Request) error {
		return fmt.Errorf("access token for nudr-dr: %w", sbi.ErrForbidden)
	})
	root := start(t, srv, "http")
	hc := &http.Client{Transport: NewTransport(nil)}
	for _, p := range []string{"/unauthorized", "/forbidden"} {
		resp, err := hc.Get(root + "/nkeel-echo/v1" + p)
		if err != nil {
			t.Fatal(err)
		}
		var pd ProblemDetails
		json.NewDecoder(resp.Body).Decode(&pd)
		resp.Body.Close()
		if resp.StatusCode != http.StatusInternalServerError || pd.Cause != "SYSTEM_FAILURE" || resp.Header.Get("WWW-Authenticate") != "" {
			t.Errorf("%s: %d %q %q, want 500 SYSTEM_FAILURE without a challenge", p, resp.StatusCode, pd.Cause, resp.Header.Get("WWW-Authenticate"))
		}
	}
}
