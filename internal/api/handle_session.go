package api

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/keelcore/keel/internal/websession"
)

// CSRFHeader is the header a state-changing request made with the
// console's session cookie repeats the session's CSRF token in.
const CSRFHeader = "X-CSRF-Token"

// SignInRequest is the body of POST /api/v1/session.
type SignInRequest struct {
	Token string `json:"token"`
}

// WebSession is the answer to a sign-in and to GET /api/v1/session.
type WebSession struct {
	// CSRFToken is what state-changing requests with the session cookie
	// carry in X-CSRF-Token.
	CSRFToken string `json:"csrf_token"`
	// Expires is when the session ends unless used before.
	Expires time.Time `json:"expires"`
}

// authorize checks a request to a route needing the admin token: the
// token as a bearer credential, or the console's session cookie, which
// on a state-changing request must come with the session's CSRF token.
// It returns the refusal, or nil.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) (int, *Error) {
	if h := r.Header.Get("Authorization"); h != "" || !hasSessionCookie(r) {
		const prefix = "Bearer "
		if len(h) > len(prefix) && strings.EqualFold(h[:len(prefix)], prefix) && s.opts.Token != "" && s.opts.Token.Equal(h[len(prefix):]) {
			return 0, nil
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="keel"`)
		return http.StatusUnauthorized, &Error{Message: "missing or wrong admin token (Authorization: Bearer <token>)"}
	}
	sess, ok := s.session(r)
	if !ok {
		clearSessionCookie(w, r)
		return http.StatusUnauthorized, &Error{Message: "console session expired or unknown: sign in again (POST /api/v1/session)"}
	}
	if stateChanging(r.Method) && !sess.CSRFMatches(r.Header.Get(CSRFHeader)) {
		return http.StatusForbidden, &Error{Message: "missing or wrong CSRF token (" + CSRFHeader + ")"}
	}
	return 0, nil
}

// stateChanging reports whether a method may change state (RFC 9110
// §9.2.1: all but the safe methods).
func stateChanging(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

func hasSessionCookie(r *http.Request) bool {
	_, err := r.Cookie(websession.CookieName)
	return err == nil
}

// session returns the live session of the request's cookie.
func (s *Server) session(r *http.Request) (websession.Session, bool) {
	c, err := r.Cookie(websession.CookieName)
	if err != nil {
		return websession.Session{}, false
	}
	return s.opts.WebSessions.Lookup(c.Value)
}

func setSessionCookie(w http.ResponseWriter, r *http.Request, id string) {
	http.SetCookie(w, &http.Cookie{Name: websession.CookieName, Value: id, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
}

func clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: websession.CookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
}

// clientAddress is the address sign-in failures are counted against:
// the peer's IP (a proxy in front of Keel makes its clients one).
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// signIn starts a console session for a client that gives the admin
// token: the session id goes in an HttpOnly, SameSite=Strict cookie
// (Secure over TLS), the CSRF token in the body.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	client := clientAddress(r)
	if ok, wait := s.opts.SignInThrottle.Allow(client); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+0.999)))
		writeError(w, http.StatusTooManyRequests, &Error{Message: "too many failed sign-ins from this address: try again later"})
		return
	}
	var req SignInRequest
	body := limitBody(w, r, 4<<10)
	if e := decodeJSON(body, &req); e != nil {
		writeError(w, body.status(), e)
		return
	}
	if req.Token == "" || s.opts.Token == "" || !s.opts.Token.Equal(req.Token) {
		s.opts.SignInThrottle.Fail(client)
		s.log.Warn("console sign-in refused: wrong admin token", "client", client)
		writeError(w, http.StatusUnauthorized, &Error{Field: "token", Message: "wrong admin token"})
		return
	}
	id, sess := s.opts.WebSessions.Create()
	setSessionCookie(w, r, id)
	w.Header().Set("Cache-Control", "no-store")
	s.log.Info("console sign-in", "client", client)
	writeJSON(w, http.StatusOK, WebSession{CSRFToken: sess.CSRF, Expires: sess.Expires.UTC()})
}

// getSession returns the CSRF token of the request's session again: a
// reloaded console page learns it here.
func (s *Server) getSession(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.session(r)
	if !ok {
		writeError(w, http.StatusUnauthorized, &Error{Message: "no console session (sign in with POST /api/v1/session)"})
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, WebSession{CSRFToken: sess.CSRF, Expires: sess.Expires.UTC()})
}

// signOut ends the request's session and clears its cookie.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(websession.CookieName); err == nil {
		s.opts.WebSessions.Delete(c.Value)
		clearSessionCookie(w, r)
		s.log.Info("console sign-out", "client", clientAddress(r))
	}
	w.WriteHeader(http.StatusNoContent)
}
