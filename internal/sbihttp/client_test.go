package sbihttp

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/sbi"
)

// deadRoot is an apiRoot nothing listens on any more.
func deadRoot(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func TestRetryOnAnotherInstance(t *testing.T) {
	live := start(t, echoServer(ServerConfig{}), "http")
	// An instance answering 503 to everything.
	busy := NewServer(ServerConfig{})
	var busyHits atomic.Int32
	busy.Service("nkeel-echo", "v1").Handle("GET /echoes/{supi}", func(http.ResponseWriter, *http.Request) error {
		busyHits.Add(1)
		return sbi.ErrUnavailable
	})
	busyRoot := start(t, busy, "http")
	dead := deadRoot(t)

	c := NewClient(ClientConfig{Resolver: StaticResolver{"nkeel-echo": {dead, busyRoot, live}}})
	defer c.CloseIdle()
	// Whatever instance the client starts with, it reaches the live one.
	for i := range 6 {
		var out echoOut
		if _, err := c.Do(context.Background(), Request{Service: "nkeel-echo", Method: "GET", Path: "/echoes/imsi-1"}, &out); err != nil || out.Supi != "imsi-1" {
			t.Fatalf("call %d: %+v, %v", i, out, err)
		}
	}
	if busyHits.Load() == 0 {
		t.Errorf("the 503 instance was never tried")
	}

	// Every instance failing: the last failure, temporary.
	c2 := NewClient(ClientConfig{Resolver: StaticResolver{"nkeel-echo": {dead, busyRoot}}})
	defer c2.CloseIdle()
	for range 2 {
		_, err := c2.Do(context.Background(), Request{Service: "nkeel-echo", Method: "GET", Path: "/echoes/imsi-1"}, nil)
		if !errors.Is(err, sbi.ErrUnavailable) && !errors.Is(err, sbi.ErrNoInstance) || !sbi.Temporary(err) {
			t.Errorf("all instances failing: %v, want a temporary error", err)
		}
	}
}

func TestNoRetryOnRefusal(t *testing.T) {
	var hits atomic.Int32
	mk := func() string {
		s := NewServer(ServerConfig{})
		s.Service("nkeel-echo", "v1").Handle("GET /echoes/{supi}", func(http.ResponseWriter, *http.Request) error {
			hits.Add(1)
			return sbi.ErrUserNotFound
		})
		return start(t, s, "http")
	}
	c := NewClient(ClientConfig{Resolver: StaticResolver{"nkeel-echo": {mk(), mk()}}})
	defer c.CloseIdle()
	_, err := c.Do(context.Background(), Request{Service: "nkeel-echo", Method: "GET", Path: "/echoes/imsi-1"}, nil)
	if !errors.Is(err, sbi.ErrUserNotFound) || hits.Load() != 1 {
		t.Errorf("404: err %v after %d attempts, want USER_NOT_FOUND after 1", err, hits.Load())
	}
}

func TestAttemptDeadline(t *testing.T) {
	slow := NewServer(ServerConfig{})
	release := make(chan struct{})
	slow.Service("nkeel-echo", "v1").Handle("GET /echoes/{supi}", func(w http.ResponseWriter, r *http.Request) error {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		return NoContent(w)
	})
	slowRoot := start(t, slow, "http")
	defer close(release)
	live := start(t, echoServer(ServerConfig{}), "http")

	c := NewClient(ClientConfig{Resolver: StaticResolver{"nkeel-echo": {slowRoot, live}}, Timeout: 100 * time.Millisecond})
	defer c.CloseIdle()
	for range 2 {
		begin := time.Now()
		var out echoOut
		if _, err := c.Do(context.Background(), Request{Service: "nkeel-echo", Method: "GET", Path: "/echoes/imsi-1"}, &out); err != nil || out.Supi != "imsi-1" {
			t.Fatalf("slow then live: %+v, %v", out, err)
		}
		if d := time.Since(begin); d > 2*time.Second {
			t.Errorf("call took %v with a 100 ms attempt deadline", d)
		}
	}
	// Only the slow instance: the deadline ends the call.
	c2 := NewClient(ClientConfig{Resolver: StaticResolver{"nkeel-echo": {slowRoot}}, Timeout: 100 * time.Millisecond})
	defer c2.CloseIdle()
	_, err := c2.Do(context.Background(), Request{Service: "nkeel-echo", Method: "GET", Path: "/echoes/imsi-1"}, nil)
	if !errors.Is(err, sbi.ErrNoInstance) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow instance: %v, want TARGET_NF_NOT_REACHABLE and a deadline", err)
	}
	// The caller's own deadline ends it too, and is no connection error.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = c.Do(ctx, Request{Service: "nkeel-echo", Method: "GET", URI: slowRoot + "/nkeel-echo/v1", Path: "/echoes/imsi-1"}, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("caller deadline: %v", err)
	}
}

func TestResolverErrors(t *testing.T) {
	c := NewClient(ClientConfig{Resolver: StaticResolver{}})
	_, err := c.Do(context.Background(), Request{Service: "nkeel-echo", Method: "GET", Path: "/echoes/x"}, nil)
	if !errors.Is(err, sbi.ErrNoInstance) {
		t.Errorf("no instance: %v", err)
	}
	_, err = c.Do(context.Background(), Request{Method: "GET", URI: "ftp://x/y"}, nil)
	if !errors.Is(err, sbi.ErrInvalidRequest) {
		t.Errorf("bad URI: %v", err)
	}
}

// TS 29.500 §5.2.2.2: every request carries the User-Agent of the
// consumer, its NF type first; a request's own header wins.
func TestUserAgent(t *testing.T) {
	s := NewServer(ServerConfig{})
	agents := make(chan string, 2)
	s.Service("nkeel-echo", "v1").Handle("GET /echoes/{supi}", func(w http.ResponseWriter, r *http.Request) error {
		agents <- r.Header.Get("User-Agent")
		return NoContent(w)
	})
	root := start(t, s, "http")
	ua := UserAgent("AMF", "3b9c41a4-7a5e-4c8e-9d3e-1f2a3b4c5d6e")
	if want := "AMF-3b9c41a4-7a5e-4c8e-9d3e-1f2a3b4c5d6e"; ua != want {
		t.Errorf("UserAgent = %q, want %q", ua, want)
	}
	c := NewClient(ClientConfig{Resolver: StaticResolver{"nkeel-echo": {root}}, UserAgent: ua})
	defer c.CloseIdle()
	if _, err := c.Do(context.Background(), Request{Service: "nkeel-echo", Method: "GET", Path: "/echoes/imsi-1"}, nil); err != nil {
		t.Fatal(err)
	}
	if got := <-agents; got != ua {
		t.Errorf("User-Agent = %q, want %q", got, ua)
	}
	req := Request{Service: "nkeel-echo", Method: "GET", Path: "/echoes/imsi-1", Header: http.Header{"User-Agent": {"SMF-x"}}}
	if _, err := c.Do(context.Background(), req, nil); err != nil {
		t.Fatal(err)
	}
	if got := <-agents; got != "SMF-x" {
		t.Errorf("User-Agent with the request's own = %q, want SMF-x", got)
	}
}

// TestDirectTarget: the URIs that go to h2client.Exchange as they are,
// and how they split; the others go through net/http's parsing.
func TestDirectTarget(t *testing.T) {
	for uri, want := range map[string][2]string{
		"http://127.0.0.1:8080/nudm-sdm/v2/imsi-001010000000001/am-data?plmn-id=x": {"127.0.0.1:8080", "/nudm-sdm/v2/imsi-001010000000001/am-data?plmn-id=x"},
		"http://[::1]:80/nnrf-disc/v1/nf-instances":                                {"[::1]:80", "/nnrf-disc/v1/nf-instances"},
		"http://udm.keel":     {"udm.keel", "/"},
		"http://udm.keel?x=1": {"udm.keel", "/?x=1"},
	} {
		if !directTarget(uri) {
			t.Errorf("directTarget(%q) = false", uri)
			continue
		}
		if a, p := splitTarget(uri); a != want[0] || p != want[1] {
			t.Errorf("splitTarget(%q) = %q, %q, want %q", uri, a, p, want)
		}
	}
	for _, uri := range []string{"https://udm.keel/x", "http://", "http://udm.keel/a b", "http://udm.keel/é", "http://u@udm.keel/", "http://udm.keel/x#f", "HTTP://udm.keel/"} {
		if directTarget(uri) {
			t.Errorf("directTarget(%q) = true", uri)
		}
	}
}
