package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/keelcore/keel/internal/api"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/websession"
)

// FuzzSignIn sends arbitrary sign-in bodies, session cookies and CSRF
// headers, a browser's input, through the server: nothing panics or
// answers 5xx, a sign-in succeeds only with the admin token, and a cookie
// request changing state succeeds only with its session's CSRF token.
func FuzzSignIn(f *testing.F) {
	tok := secret.Token("fuzz-admin-token-fuzz-admin-token-0123456789")
	sessions := websession.New(websession.Options{})
	id, sess := sessions.Create()
	s, err := api.New(api.Options{Token: tok, WebSessions: sessions, RAN: &fakeRAN{},
		SignInThrottle: websession.NewThrottle(websession.ThrottleOptions{Failures: 1 << 30})})
	if err != nil {
		f.Fatal(err)
	}
	h := s.Handler()
	f.Add(`{"token":"`+tok.Reveal()+`"}`, id, sess.CSRF)
	f.Add(`{"token":""}`, "", "")
	f.Add(`{"token":1}`, id, "")
	f.Add(`{"token":"x"} {}`, "A"+id[1:], sess.CSRF)
	f.Add("\x00\xff", "keel_session=x; Path=/", "\r\n")
	f.Fuzz(func(t *testing.T, body, cookie, csrf string) {
		r := httptest.NewRequest("POST", "/api/v1/session", strings.NewReader(body))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("sign-in with %q = %d", body, w.Code)
		}
		if w.Code == http.StatusOK {
			var req api.SignInRequest
			if json.Unmarshal([]byte(body), &req) != nil || req.Token != tok.Reveal() {
				t.Fatalf("sign-in with %q succeeded", body)
			}
		}
		r = httptest.NewRequest("POST", "/api/v1/gnbs/gnb-00101-9/reset", nil)
		r.Header.Set("Cookie", websession.CookieName+"="+cookie)
		r.Header.Set(api.CSRFHeader, csrf)
		w = httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("cookie %q CSRF %q = %d", cookie, csrf, w.Code)
		}
		if w.Code != http.StatusUnauthorized && w.Code != http.StatusForbidden && (cookie != id || csrf != sess.CSRF) {
			t.Fatalf("cookie %q CSRF %q passed: %d", cookie, csrf, w.Code)
		}
	})
}
