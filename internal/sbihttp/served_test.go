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
	// Each answered request has its latency observed once, by service.
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var observed uint64
	for _, mf := range mfs {
		if mf.GetName() != "keel_sbi_request_duration_seconds" {
			continue
		}
		for _, s := range mf.GetMetric() {
			if l := s.GetLabel(); len(l) != 1 || l[0].GetName() != "service" || l[0].GetValue() != "nkeel-echo" {
				t.Errorf("keel_sbi_request_duration_seconds series labelled %v, want service nkeel-echo", l)
			}
			if h := s.GetHistogram(); h.GetSampleSum() <= 0 {
				t.Errorf("keel_sbi_request_duration_seconds sum = %v, want the time spent", h.GetSampleSum())
			}
			observed += s.GetHistogram().GetSampleCount()
		}
	}
	if observed != 6 {
		t.Errorf("keel_sbi_request_duration_seconds counts %d requests, want the 6 answered", observed)
	}
}
