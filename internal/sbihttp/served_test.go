package sbihttp

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/keelcore/keel/internal/metrictest"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/prometheus/client_golang/prometheus"
)

func TestServerMetricsCountByServiceAndStatus(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := NewServerMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	refuse := func(r *http.Request, service string) error {
		if r.Header.Get("X-Refuse") != "" {
			return sbi.ErrUnauthorized
		}
		return nil
	}
	root := start(t, echoServer(ServerConfig{Metrics: m, Authorize: refuse}), "http")
	c := NewClient(ClientConfig{Resolver: StaticResolver{"nkeel-echo": {root}}})
	defer c.CloseIdle()
	ctx := context.Background()
	for range 2 {
		if _, err := c.Do(ctx, Request{Service: "nkeel-echo", Method: "POST", Path: "/echoes", Body: echoIn{Supi: "imsi-001010000000001"}}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Do(ctx, Request{Service: "nkeel-echo", Method: "GET", Path: "/echoes/imsi-1"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Do(ctx, Request{Service: "nkeel-echo", Method: "DELETE", Path: "/echoes/imsi-1"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Do(ctx, Request{Service: "nkeel-echo", Method: "POST", Path: "/echoes", Body: echoIn{Supi: "imsi-unknown"}}, nil); !errors.Is(err, sbi.ErrUserNotFound) {
		t.Fatalf("POST imsi-unknown: %v", err)
	}
	if _, err := c.Do(ctx, Request{Service: "nkeel-echo", Method: "GET", Path: "/echoes/imsi-1", Header: http.Header{"X-Refuse": {"1"}}}, nil); !errors.Is(err, sbi.ErrUnauthorized) {
		t.Fatalf("refused GET: %v", err)
	}
	// A path no service has is not counted as any service's.
	if _, err := c.Do(ctx, Request{Service: "nkeel-echo", Method: "GET", Path: "/nowhere"}, nil); !errors.Is(err, sbi.ErrResourceNotFound) {
		t.Fatalf("GET /nowhere: %v", err)
	}
	for status, want := range map[string]float64{"201": 2, "200": 1, "204": 1, "404": 1, "401": 1} {
		if got := metrictest.Value(t, reg, "keel_sbi_requests_served_total", "service", "nkeel-echo", "status", status); got != want {
			t.Errorf("served nkeel-echo %s = %v, want %v", status, got, want)
		}
	}
}
