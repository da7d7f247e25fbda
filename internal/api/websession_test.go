package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/keelcore/keel/internal/api"
	"github.com/keelcore/keel/internal/console"
	"github.com/keelcore/keel/internal/websession"
)

// consoleClient makes requests as the console does: with the session
// cookie and, when set, the CSRF token.
type consoleClient struct {
	e      *env
	base   string
	client *http.Client
	cookie *http.Cookie
	csrf   string
}

func (c *consoleClient) send(method, path, body string, hdr map[string]string) *http.Response {
	c.e.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.e.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.cookie != nil {
		req.AddCookie(c.cookie)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	return resp
}

// do sends a request with the cookie and the given CSRF header ("": none).
func (c *consoleClient) do(method, path, body, csrf string) (int, string) {
	c.e.t.Helper()
	hdr := map[string]string{}
	if csrf != "" {
		hdr[api.CSRFHeader] = csrf
	}
	resp := c.send(method, path, body, hdr)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// signIn signs in with token and keeps the cookie and CSRF token.
func (c *consoleClient) signIn(token string) *http.Response {
	c.e.t.Helper()
	b, _ := json.Marshal(api.SignInRequest{Token: token})
	resp := c.send("POST", "/api/v1/session", string(b), nil)
	if resp.StatusCode == http.StatusOK {
		var ws api.WebSession
		if err := json.NewDecoder(resp.Body).Decode(&ws); err != nil {
			c.e.t.Fatal(err)
		}
		c.csrf = ws.CSRFToken
		for _, ck := range resp.Cookies() {
			if ck.Name == websession.CookieName {
				c.cookie = ck
			}
		}
		if c.cookie == nil {
			c.e.t.Fatal("sign-in answered 200 without a session cookie")
		}
	}
	resp.Body.Close()
	return resp
}

func newConsoleClient(e *env) *consoleClient {
	return &consoleClient{e: e, base: e.srv.URL, client: http.DefaultClient}
}

func errorMessage(t *testing.T, body string) string {
	t.Helper()
	var e api.Error
	if err := json.Unmarshal([]byte(body), &e); err != nil || e.Message == "" {
		t.Errorf("body %q is not an API error", body)
	}
	return e.Message
}

func TestSignInWrongToken(t *testing.T) {
	e := newEnv(t)
	c := newConsoleClient(e)
	for _, tok := range []string{"", "wrong", e.token.Reveal() + "x", strings.ToLower(e.token.Reveal())} {
		resp := c.signIn(tok)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("sign-in with %q = %d, want 401", tok, resp.StatusCode)
		}
		if len(resp.Cookies()) != 0 {
			t.Errorf("refused sign-in set cookies %v", resp.Cookies())
		}
	}
	for _, body := range []string{"", "{", `{"token":1}`, `{"tok":"x"}`} {
		resp := c.send("POST", "/api/v1/session", body, nil)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("sign-in with body %q = %d, want 400", body, resp.StatusCode)
		}
	}
}

func TestSessionCookie(t *testing.T) {
	e := newEnv(t)
	c := newConsoleClient(e)
	resp := c.signIn(e.token.Reveal())
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-in = %d, want 200", resp.StatusCode)
	}
	ck := c.cookie
	if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" || ck.Secure {
		t.Errorf("cookie %v: want HttpOnly, SameSite=Strict, Path=/, not Secure over plain HTTP", ck)
	}
	if !websession.ValidID(ck.Value) || !websession.ValidID(c.csrf) || ck.Value == c.csrf {
		t.Errorf("cookie value %q, CSRF token %q: want two distinct 256-bit random values", ck.Value, c.csrf)
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("sign-in Cache-Control = %q, want no-store", resp.Header.Get("Cache-Control"))
	}

	// The cookie works for reads, without a CSRF token.
	if code, body := c.do("GET", "/api/v1/subscribers", "", ""); code != http.StatusOK {
		t.Fatalf("GET with the cookie = %d %s", code, body)
	}
	// The page reload path gets the CSRF token back.
	code, body := c.do("GET", "/api/v1/session", "", "")
	var ws api.WebSession
	if json.Unmarshal([]byte(body), &ws); code != http.StatusOK || ws.CSRFToken != c.csrf || ws.Expires.IsZero() {
		t.Errorf("GET /api/v1/session = %d %s, want 200 with the same CSRF token", code, body)
	}
}

func TestCSRF(t *testing.T) {
	e := newEnv(t)
	c := newConsoleClient(e)
	c.signIn(e.token.Reveal())
	const supi = "imsi-001010000000001"
	wrong := strings.Repeat("A", len(c.csrf))
	for _, csrf := range []string{"", wrong, c.csrf[:len(c.csrf)-1], c.csrf + "A"} {
		for _, r := range []struct{ method, path, body string }{
			{"POST", "/api/v1/subscribers", subJSON(supi)},
			{"POST", "/api/v1/subscribers/import", "[]"},
			{"PUT", "/api/v1/subscribers/" + supi, subJSON(supi)},
			{"PATCH", "/api/v1/subscribers/" + supi, `{"amf":"8000"}`},
			{"DELETE", "/api/v1/subscribers/" + supi, ""},
			{"DELETE", "/api/v1/session", ""},
		} {
			code, body := c.do(r.method, r.path, r.body, csrf)
			if code != http.StatusForbidden {
				t.Errorf("%s %s with the cookie and CSRF token %q = %d, want 403", r.method, r.path, csrf, code)
				continue
			}
			if msg := errorMessage(t, body); msg != "missing or wrong CSRF token (X-CSRF-Token)" {
				t.Errorf("403 message %q", msg)
			}
		}
	}
	if n, _ := e.store.CountSubscribers(t.Context()); n != 0 {
		t.Fatalf("requests without the CSRF token stored %d subscribers", n)
	}
	if code, body := c.do("POST", "/api/v1/subscribers", subJSON(supi), c.csrf); code != http.StatusCreated {
		t.Fatalf("POST with the cookie and CSRF token = %d %s, want 201", code, body)
	}
	if code, _ := c.do("GET", "/api/v1/session", "", ""); code != http.StatusOK {
		t.Error("session ended by a refused sign-out")
	}
	// Bearer requests need no CSRF token.
	if code, body := e.do("DELETE", "/api/v1/subscribers/"+supi, "", ""); code != http.StatusNoContent {
		t.Errorf("DELETE with the bearer token = %d %s, want 204", code, body)
	}
	// A wrong bearer token is refused even alongside a good cookie.
	resp := c.send("GET", "/api/v1/subscribers", "", map[string]string{"Authorization": "Bearer wrong"})
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong bearer token with a good cookie = %d, want 401", resp.StatusCode)
	}
}

func TestForgedAndExpiredCookies(t *testing.T) {
	clk := &testClock{now: time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)}
	e := newEnvWith(t, func(o *api.Options) {
		o.WebSessions = websession.New(websession.Options{Now: clk.Now})
	})
	c := newConsoleClient(e)
	c.signIn(e.token.Reveal())
	good := c.cookie.Value
	for _, v := range []string{strings.Repeat("A", len(good)), good[:len(good)-1], good + "A", "", "keel", good[1:] + good[:1]} {
		c.cookie = &http.Cookie{Name: websession.CookieName, Value: v}
		code, body := c.do("GET", "/api/v1/subscribers", "", "")
		if code != http.StatusUnauthorized {
			t.Errorf("forged cookie %q = %d, want 401", v, code)
		}
		errorMessage(t, body)
	}
	c.cookie = &http.Cookie{Name: websession.CookieName, Value: good}
	clk.Add(29 * time.Minute)
	if code, _ := c.do("GET", "/api/v1/subscribers", "", ""); code != http.StatusOK {
		t.Fatalf("cookie used within 30 minutes = %d, want 200", code)
	}
	clk.Add(30 * time.Minute)
	resp := c.send("GET", "/api/v1/subscribers", "", nil)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("cookie idle for 30 minutes = %d, want 401", resp.StatusCode)
	}
	var cleared bool
	for _, ck := range resp.Cookies() {
		cleared = cleared || ck.Name == websession.CookieName && ck.MaxAge < 0
	}
	if !cleared {
		t.Error("401 for an expired session does not clear the cookie")
	}
	if code, _ := c.do("GET", "/api/v1/session", "", ""); code != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/session with an expired cookie = %d, want 401", code)
	}
}

func TestSignOut(t *testing.T) {
	e := newEnv(t)
	c := newConsoleClient(e)
	c.signIn(e.token.Reveal())
	other := newConsoleClient(e)
	other.signIn(e.token.Reveal())
	resp := c.send("DELETE", "/api/v1/session", "", map[string]string{api.CSRFHeader: c.csrf})
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("sign-out = %d, want 204", resp.StatusCode)
	}
	var cleared bool
	for _, ck := range resp.Cookies() {
		cleared = cleared || ck.Name == websession.CookieName && ck.MaxAge < 0 && ck.Value == ""
	}
	if !cleared {
		t.Error("sign-out does not clear the cookie")
	}
	// The old cookie, replayed, is refused: the session ended server-side.
	for _, path := range []string{"/api/v1/subscribers", "/api/v1/session"} {
		if code, _ := c.do("GET", path, "", ""); code != http.StatusUnauthorized {
			t.Errorf("GET %s after sign-out = %d, want 401", path, code)
		}
	}
	if code, _ := other.do("GET", "/api/v1/subscribers", "", ""); code != http.StatusOK {
		t.Errorf("another browser's session ended with the sign-out: %d", code)
	}
}

func TestSecureCookieOverTLS(t *testing.T) {
	e := newEnv(t)
	srv := httptest.NewTLSServer(e.handler)
	t.Cleanup(srv.Close)
	c := &consoleClient{e: e, base: srv.URL, client: srv.Client()}
	if resp := c.signIn(e.token.Reveal()); resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-in over TLS = %d", resp.StatusCode)
	}
	if !c.cookie.Secure || !c.cookie.HttpOnly || c.cookie.SameSite != http.SameSiteStrictMode {
		t.Errorf("cookie over TLS %v: want Secure, HttpOnly, SameSite=Strict", c.cookie)
	}
}

func TestSignInThrottled(t *testing.T) {
	clk := &testClock{now: time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)}
	e := newEnvWith(t, func(o *api.Options) {
		o.SignInThrottle = websession.NewThrottle(websession.ThrottleOptions{Failures: 3, Window: time.Minute, Now: clk.Now})
	})
	c := newConsoleClient(e)
	for range 3 {
		if resp := c.signIn("wrong"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong token = %d, want 401", resp.StatusCode)
		}
	}
	resp := c.signIn(e.token.Reveal())
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "60" {
		t.Fatalf("sign-in after 3 failures = %d Retry-After %q, want 429 60", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	clk.Add(time.Minute)
	if resp := c.signIn(e.token.Reveal()); resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-in after the window = %d, want 200", resp.StatusCode)
	}
}

// TestSessionSecretsNotLogged: neither the admin token given at sign-in,
// nor the session id, nor the CSRF token reaches the log.
func TestSessionSecretsNotLogged(t *testing.T) {
	e := newEnv(t)
	c := newConsoleClient(e)
	c.signIn("wrong-token-that-must-not-be-logged")
	c.signIn(e.token.Reveal())
	c.do("POST", "/api/v1/subscribers", subJSON("imsi-001010000000001"), "")
	c.do("GET", "/api/v1/subscribers", "", "")
	c.do("DELETE", "/api/v1/session", "", c.csrf)
	c.do("GET", "/api/v1/subscribers", "", "")
	logs := e.logs.String()
	if !strings.Contains(logs, "console sign-in") || !strings.Contains(logs, "console sign-out") {
		t.Fatalf("sign-in and sign-out not logged:\n%s", logs)
	}
	for _, s := range []string{e.token.Reveal(), "wrong-token-that-must-not-be-logged", c.cookie.Value, c.csrf} {
		if strings.Contains(logs, s) {
			t.Errorf("log holds a secret %q:\n%s", s, logs)
		}
	}
}

func TestConsoleMounted(t *testing.T) {
	h, err := console.NewFS(fstest.MapFS{"index.html": {Data: []byte("<!doctype html><title>Keel</title>")}, "app.js": {Data: []byte("1")}})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvWith(t, func(o *api.Options) { o.Console = h })
	for _, path := range []string{"/", "/ues/imsi-001010000000001", "/subscribers", "/app.js"} {
		code, body := e.doAuth("GET", path, "", "", "")
		if code != http.StatusOK || (path != "/app.js") != strings.Contains(string(body), "<title>Keel") {
			t.Errorf("GET %s = %d %.40q, want the console", path, code, body)
		}
	}
	resp, err := http.Get(e.srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Content-Security-Policy") != console.ContentSecurityPolicy {
		t.Errorf("console answer without the Content-Security-Policy")
	}
	for _, path := range []string{"/api/v1/nothing", "/api", "/api/", "/debug/pprof/"} {
		code, body := e.doAuth("GET", path, "", "", "")
		if code != http.StatusNotFound || !strings.Contains(string(body), "no such route") {
			t.Errorf("GET %s = %d %.60q, want the API's 404", path, code, body)
		}
	}
	for _, path := range []string{"/metrics", "/healthz", "/readyz"} {
		if code, body := e.doAuth("GET", path, "", "", ""); code != http.StatusOK || strings.Contains(string(body), "<title>Keel") {
			t.Errorf("GET %s = %d, want its own answer", path, code)
		}
	}
	if code, _ := e.doAuth("POST", "/", "", "", ""); code != http.StatusMethodNotAllowed {
		t.Errorf("POST / = %d, want 405", code)
	}
	// Without a console, / is the API's 404.
	bare := newEnv(t)
	if code, body := bare.doAuth("GET", "/", "", "", ""); code != http.StatusNotFound || !strings.Contains(string(body), "no such route") {
		t.Errorf("GET / without a console = %d %q", code, body)
	}
}

type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
