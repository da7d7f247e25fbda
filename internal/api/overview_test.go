package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/api"
	"github.com/keelcore/keel/internal/procevent"
)

// counterSource is a settable Counters reader.
type counterSource struct {
	mu sync.Mutex
	c  api.Counters
}

func (s *counterSource) Read() api.Counters {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.c
}

func (s *counterSource) set(c api.Counters) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.c = c
}

func TestSamplerRates(t *testing.T) {
	clk := &testClock{now: time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)}
	src := &counterSource{}
	s := api.NewSampler(api.SamplerOptions{Read: src.Read, Every: 2 * time.Second, Window: 10 * time.Second, Now: clk.Now})
	if r := s.Rates(src.Read()); r != (api.Rates{}) {
		t.Fatalf("Rates before a sample = %+v, want zero", r)
	}
	// 10 registrations, 5 sessions, 1000 and 3000 octets a second.
	for i := range 20 {
		src.set(api.Counters{Registrations: float64(10 * i), Establishments: float64(5 * i), UplinkBytes: float64(1000 * i), DownlinkBytes: float64(3000 * i)})
		s.Sample()
		clk.Add(time.Second)
	}
	src.set(api.Counters{Registrations: 200, Establishments: 100, UplinkBytes: 20000, DownlinkBytes: 60000})
	r := s.Rates(src.Read())
	if r.Window < 10*time.Second || r.Window > 12*time.Second {
		t.Errorf("window %v, want 10 to 12 s", r.Window)
	}
	want := api.Rates{Registrations: 10, Establishments: 5, UplinkBps: 8000, DownlinkBps: 24000, Window: r.Window}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("Rates (-want +got):\n%s", diff)
	}
	// Traffic stops: the rates fall to 0 once the window has passed.
	for range 12 {
		s.Sample()
		clk.Add(time.Second)
	}
	if r := s.Rates(src.Read()); r.Registrations != 0 || r.UplinkBps != 0 {
		t.Errorf("rates after 12 s without traffic = %+v, want 0", r)
	}
}

func TestGatheredCounters(t *testing.T) {
	reg := prometheus.NewRegistry()
	procs := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "keel_amf_procedures_total", Help: "h"}, []string{"procedure", "result"})
	est := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "keel_smf_pdu_session_establishments_total", Help: "h"}, []string{"result"})
	bytes := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "keel_upf_datapath_bytes_total", Help: "h"}, []string{"direction"})
	sessions := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "keel_smf_sessions", Help: "h"}, []string{"state"})
	reg.MustRegister(procs, est, bytes, sessions)
	procs.WithLabelValues("registration", "accepted").Add(7)
	procs.WithLabelValues("registration", "rejected").Add(100)
	procs.WithLabelValues("deregistration", "accepted").Add(100)
	est.WithLabelValues("accepted").Add(3)
	est.WithLabelValues("missing_or_unknown_dnn").Add(100)
	bytes.WithLabelValues("uplink").Add(1500)
	bytes.WithLabelValues("downlink").Add(9000)
	sessions.WithLabelValues("active").Set(4)
	sessions.WithLabelValues("inactive").Set(2)
	got := api.GatheredCounters(reg)()
	want := api.Counters{Registrations: 7, Establishments: 3, UplinkBytes: 1500, DownlinkBytes: 9000, Sessions: 6}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GatheredCounters (-want +got):\n%s", diff)
	}
}

// countingUEs is a UEs view that also counts (api.UECounter).
type countingUEs struct{ fakeUEs }

func (countingUEs) UECounts() api.UECounts {
	return api.UECounts{Registered: 100, Connected: 60, Idle: 40}
}

func TestOverview(t *testing.T) {
	src := &counterSource{c: api.Counters{Sessions: 3}}
	ring := procevent.NewRing(10)
	ring.Record(procevent.Event{Procedure: "registration", Result: "rejected", Cause: "Congestion (5GMM #22)"})
	ring.Record(procevent.Event{Procedure: "registration", Result: "rejected", Cause: "Congestion (5GMM #22)"})
	ring.Record(procevent.Event{Procedure: "pdu-session-establishment", Result: "rejected", Cause: "Missing or unknown DNN (5GSM #27)"})
	ues := &fakeUEs{list: []api.UEInfo{
		{SUPI: "imsi-001010000000001", State: "registered", CMState: "connected"},
		{SUPI: "imsi-001010000000002", State: "registered", CMState: "idle"},
		{SUPI: "imsi-001010000000003", State: "registered", CMState: "idle"},
		{SUPI: "imsi-001010000000004", State: "authenticating", CMState: "connected"},
	}}
	sampler := api.NewSampler(api.SamplerOptions{Read: src.Read})
	do := testServer(t, api.Options{RAN: &fakeRAN{}, UEs: ues, Sampler: sampler, Events: ring})
	code, body := do("GET", "/api/v1/overview", true)
	if code != http.StatusOK {
		t.Fatalf("GET /api/v1/overview = %d %s", code, body)
	}
	var o api.Overview
	if err := json.Unmarshal([]byte(body), &o); err != nil {
		t.Fatal(err)
	}
	if o.GNBs != 1 || o.UEs != (api.UECounts{Registered: 3, Connected: 1, Idle: 2}) || o.Sessions != 3 || o.Time.IsZero() {
		t.Errorf("overview = %+v", o)
	}
	wantFailures := []api.FailureCount{{Cause: "Congestion (5GMM #22)", Count: 2}, {Cause: "Missing or unknown DNN (5GSM #27)", Count: 1}}
	if diff := cmp.Diff(wantFailures, o.Failures); diff != "" {
		t.Errorf("failures (-want +got):\n%s", diff)
	}
	if !o.Serving["amf"] || o.Serving["smf"] {
		t.Errorf("serving = %v, want the AMF only", o.Serving)
	}
	for _, key := range []string{`"uplink_bps"`, `"downlink_bps"`, `"registrations_per_second"`, `"sessions_per_second"`, `"registered"`, `"connected"`, `"idle"`} {
		if !strings.Contains(body, key) {
			t.Errorf("overview lacks %s: %s", key, body)
		}
	}

	// A view that counts is asked for its counts, not listed.
	do = testServer(t, api.Options{UEs: &countingUEs{}, Sampler: sampler})
	_, body = do("GET", "/api/v1/overview", true)
	json.Unmarshal([]byte(body), &o)
	if o.UEs != (api.UECounts{Registered: 100, Connected: 60, Idle: 40}) || o.Failures == nil {
		t.Errorf("overview with a counting view = %+v", o)
	}
}

func TestEvents(t *testing.T) {
	ring := procevent.NewRing(10)
	t0 := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)
	for i, e := range []procevent.Event{
		{Procedure: "registration", Result: "rejected", Cause: "5GS services not allowed (5GMM #7)", SUPI: "imsi-001010000000001"},
		{Procedure: "service-request", Result: "rejected-9", Cause: "UE identity cannot be derived by the network (5GMM #9)", SUPI: "imsi-001010000000002"},
		{Procedure: "pdu-session-establishment", Result: "rejected", Cause: "Missing or unknown DNN (5GSM #27)", SUPI: "imsi-001010000000001", Detail: `PDU session 1, DNN "x"`},
	} {
		e.Time = t0.Add(time.Duration(i) * time.Second)
		ring.Record(e)
	}
	do := testServer(t, api.Options{Events: ring})
	get := func(q string) []api.Event {
		t.Helper()
		code, body := do("GET", "/api/v1/events"+q, true)
		if code != http.StatusOK {
			t.Fatalf("GET /api/v1/events%s = %d %s", q, code, body)
		}
		var l api.EventList
		if err := json.Unmarshal([]byte(body), &l); err != nil {
			t.Fatal(err)
		}
		return l.Events
	}
	all := get("")
	if len(all) != 3 || all[0].Procedure != "pdu-session-establishment" || all[2].Procedure != "registration" || !all[0].Time.Equal(t0.Add(2*time.Second)) {
		t.Errorf("events = %+v, want 3 newest first", all)
	}
	if got := get("?limit=1"); len(got) != 1 || got[0].Procedure != "pdu-session-establishment" {
		t.Errorf("limit=1: %+v", got)
	}
	if got := get("?supi=imsi-001010000000001"); len(got) != 2 {
		t.Errorf("supi filter: %+v", got)
	}
	if got := get("?procedure=service-request"); len(got) != 1 || got[0].SUPI != "imsi-001010000000002" {
		t.Errorf("procedure filter: %+v", got)
	}
	for _, q := range []string{"?limit=0", "?limit=1001", "?limit=x"} {
		if code, body := do("GET", "/api/v1/events"+q, true); code != http.StatusBadRequest || !strings.Contains(body, `"field": "limit"`) {
			t.Errorf("GET /api/v1/events%s = %d %s, want 400 naming limit", q, code, body)
		}
	}
	if code, _ := do("GET", "/api/v1/events", false); code != http.StatusUnauthorized {
		t.Errorf("events without the token = %d", code)
	}
}

func TestConfigView(t *testing.T) {
	view := &api.ConfigView{PLMN: "00101", TACs: []uint32{1}, Slices: []api.SNSSAI{{SST: 1}},
		DNNs: []api.ConfigDNN{{Name: "internet", Pools: []string{"10.45.0.0/16"}}}, Store: "sqlite"}
	do := testServer(t, api.Options{Config: view})
	code, body := do("GET", "/api/v1/config", true)
	if code != http.StatusOK {
		t.Fatalf("GET /api/v1/config = %d", code)
	}
	var got api.ConfigView
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(*view, got); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
}
