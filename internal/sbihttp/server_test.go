package sbihttp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/sbi"
)

// echoIn and echoOut are the bodies of the test service "nkeel-echo".
type echoIn struct {
	Supi  string `json:"supi"`
	Count int    `json:"count,omitempty"`
}

type echoOut struct {
	Supi  string `json:"supi"`
	Proto int    `json:"proto"`
	Self  string `json:"self"`
}

// echoServer registers nkeel-echo/v1 on a new server:
//
//	POST /echoes            201, Location /echoes/{supi}; sbi errors by supi
//	GET  /echoes/{supi}     200
//	DELETE /echoes/{supi}   204
func echoServer(cfg ServerConfig) *Server {
	s := NewServer(cfg)
	svc := s.Service("nkeel-echo", "v1")
	svc.Handle("POST /echoes", func(w http.ResponseWriter, r *http.Request) error {
		var in echoIn
		if err := Decode(r, &in); err != nil {
			return err
		}
		switch in.Supi {
		case "":
			return InvalidParamError(sbi.ErrMandatoryIEMissing, "/supi", "absent")
		case "imsi-unknown":
			return fmt.Errorf("echo: %w: %s", sbi.ErrUserNotFound, in.Supi)
		case "imsi-sync":
			return fmt.Errorf("echo: %w", sbi.ErrSyncFailure)
		case "imsi-busy":
			return fmt.Errorf("echo: %w", sbi.ErrUnavailable)
		case "imsi-fault":
			return errors.New("echo: disk on fire")
		}
		self := ResourceURI(APIRoot(r), svc.Prefix(), "echoes", in.Supi)
		return Created(w, self, echoOut{Supi: in.Supi, Proto: r.ProtoMajor, Self: self})
	})
	svc.Handle("GET /echoes/{supi}", func(w http.ResponseWriter, r *http.Request) error {
		return Respond(w, http.StatusOK, echoOut{Supi: r.PathValue("supi"), Proto: r.ProtoMajor})
	})
	svc.Handle("DELETE /echoes/{supi}", func(w http.ResponseWriter, r *http.Request) error {
		return NoContent(w)
	})
	return s
}

// start serves s on a loopback port until the test ends and returns its
// apiRoot.
func start(t testing.TB, s *Server, scheme string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Start(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return scheme + "://" + ln.Addr().String()
}

func TestCallOverH2C(t *testing.T) {
	root := start(t, echoServer(ServerConfig{}), "http")
	c := NewClient(ClientConfig{Resolver: StaticResolver{"nkeel-echo": {root}}})
	defer c.CloseIdle()
	var out echoOut
	resp, err := c.Do(context.Background(), Request{Service: "nkeel-echo", Method: "POST", Path: "/echoes", Body: echoIn{Supi: "imsi-001010000000001"}}, &out)
	if err != nil {
		t.Fatal(err)
	}
	want := root + "/nkeel-echo/v1/echoes/imsi-001010000000001"
	if resp.Status != http.StatusCreated || resp.Location != want || out.Self != want {
		t.Errorf("POST = %d, Location %q, self %q, want 201 and %q", resp.Status, resp.Location, out.Self, want)
	}
	if out.Proto != 2 {
		t.Errorf("server saw HTTP/%d, want HTTP/2", out.Proto)
	}
	// A resource named by its URI.
	var got echoOut
	if _, err := c.Do(context.Background(), Request{Method: "GET", URI: resp.Location}, &got); err != nil || got.Supi != "imsi-001010000000001" {
		t.Errorf("GET %s = %+v, %v", resp.Location, got, err)
	}
	if r, err := c.Do(context.Background(), Request{Method: "DELETE", URI: resp.Location}, nil); err != nil || r.Status != http.StatusNoContent {
		t.Errorf("DELETE = %d, %v, want 204", r.Status, err)
	}
}

func TestHTTP1Refused(t *testing.T) {
	// TS 29.500 §5.2.1: the SBI is HTTP/2; an HTTP/1.1 request gets no answer.
	root := start(t, echoServer(ServerConfig{}), "http")
	hc := &http.Client{Timeout: 2 * time.Second}
	resp, err := hc.Get(root + "/nkeel-echo/v1/echoes/imsi-1")
	if err == nil {
		resp.Body.Close()
		t.Fatalf("HTTP/1.1 GET answered %s", resp.Status)
	}
}

func TestErrorsCrossTheWire(t *testing.T) {
	root := start(t, echoServer(ServerConfig{}), "http")
	c := NewClient(ClientConfig{Resolver: StaticResolver{"nkeel-echo": {root}}})
	defer c.CloseIdle()
	for _, tc := range []struct {
		supi   string
		want   error
		status int
	}{
		{"imsi-unknown", sbi.ErrUserNotFound, 404},
		{"imsi-sync", sbi.ErrSyncFailure, 403},
		{"", sbi.ErrMandatoryIEMissing, 400},
		{"imsi-fault", sbi.ErrSystemFailure, 500},
		{"imsi-busy", sbi.ErrUnavailable, 503},
	} {
		_, err := c.Do(context.Background(), Request{Service: "nkeel-echo", Method: "POST", Path: "/echoes", Body: echoIn{Supi: tc.supi}}, nil)
		if !errors.Is(err, tc.want) {
			t.Errorf("POST %q: err = %v, want %v", tc.supi, err, tc.want)
		}
		if p := sbi.ProblemOf(err); p == nil || p.Status != tc.status {
			t.Errorf("POST %q: problem %+v, want status %d", tc.supi, p, tc.status)
		}
	}
	// ErrSyncFailure shares 403 AUTHENTICATION_REJECTED with ErrAuthRejected:
	// the type tells them apart.
	_, err := c.Do(context.Background(), Request{Service: "nkeel-echo", Method: "POST", Path: "/echoes", Body: echoIn{Supi: "imsi-sync"}}, nil)
	if errors.Is(err, sbi.ErrAuthRejected) {
		t.Errorf("sync failure maps to %v too", sbi.ErrAuthRejected)
	}
	// A fault's detail does not leave the NF.
	_, err = c.Do(context.Background(), Request{Service: "nkeel-echo", Method: "POST", Path: "/echoes", Body: echoIn{Supi: "imsi-fault"}}, nil)
	if strings.Contains(err.Error(), "fire") {
		t.Errorf("500 answer discloses the fault: %v", err)
	}
}

func TestAuthorizeHook(t *testing.T) {
	var seen atomic.Value
	authorize := func(r *http.Request, service string) error {
		seen.Store(service)
		switch r.Header.Get("Authorization") {
		case "Bearer good":
			return nil
		case "Bearer other-service":
			return fmt.Errorf("test: token audience: %w", sbi.ErrForbidden)
		}
		return fmt.Errorf("test: %w", sbi.ErrUnauthorized)
	}
	root := start(t, echoServer(ServerConfig{Authorize: authorize}), "http")
	for _, tc := range []struct {
		token string
		want  error
	}{
		{"good", nil},
		{"other-service", sbi.ErrForbidden},
		{"", sbi.ErrUnauthorized},
	} {
		cfg := ClientConfig{Resolver: StaticResolver{"nkeel-echo": {root}}}
		if tc.token != "" {
			tok := tc.token
			cfg.Token = func(_ context.Context, service string) (string, error) {
				if service != "nkeel-echo" {
					return "", fmt.Errorf("token asked for %q", service)
				}
				return tok, nil
			}
		}
		c := NewClient(cfg)
		_, err := c.Do(context.Background(), Request{Service: "nkeel-echo", Method: "GET", Path: "/echoes/imsi-1"}, nil)
		c.CloseIdle()
		if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("token %q: err = %v, want %v", tc.token, err, tc.want)
		}
	}
	if got := seen.Load(); got != "nkeel-echo" {
		t.Errorf("authorizer saw service %v, want nkeel-echo", got)
	}
}

func TestUnknownURIAndMethod(t *testing.T) {
	root := start(t, echoServer(ServerConfig{}), "http")
	c := NewClient(ClientConfig{Resolver: StaticResolver{"nkeel-echo": {root}}})
	defer c.CloseIdle()
	_, err := c.Do(context.Background(), Request{Service: "nkeel-echo", Method: "GET", Path: "/nothing"}, nil)
	if !errors.Is(err, sbi.ErrResourceNotFound) {
		t.Errorf("GET /nothing: %v, want %v", err, sbi.ErrResourceNotFound)
	}
	_, err = c.Do(context.Background(), Request{Service: "nkeel-echo", Method: "PATCH", Path: "/echoes/imsi-1"}, nil)
	if !errors.Is(err, sbi.ErrMethodNotAllowed) {
		t.Errorf("PATCH: %v, want %v", err, sbi.ErrMethodNotAllowed)
	}
}
