package panics_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/metrictest"
	"github.com/keelcore/keel/internal/panics"
)

func TestRun(t *testing.T) {
	reg := prometheus.NewRegistry()
	var observed []panics.Panic
	r, err := panics.New(panics.Options{Registry: reg, Observe: func(p panics.Panic) { observed = append(observed, p) }})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))

	ran := false
	if p := r.Run("unit", log, func() { ran = true }); p != nil || !ran {
		t.Fatalf("Run(no panic) = %v, ran %v; want nil, ran", p, ran)
	}
	p := r.Run("unit", log, explode)
	if p == nil || p.Value != "boom" || p.Component != "unit" || !strings.Contains(string(p.Stack), "panics_test.explode") {
		t.Fatalf("Run(panic) = %+v, want the panic with a stack through explode", p)
	}
	if got := metrictest.Value(t, reg, "keel_panics_total", "component", "unit"); got != 1 {
		t.Errorf("keel_panics_total{component=unit} = %v, want 1", got)
	}
	if len(observed) != 1 || observed[0].Value != "boom" {
		t.Errorf("observed %+v, want the one panic", observed)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("log has %d lines, want 1:\n%s", len(lines), buf.String())
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatal(err)
	}
	if rec["level"] != "ERROR" || rec["panic"] != "boom" || !strings.Contains(rec["stack"].(string), "panics_test.explode") {
		t.Errorf("log record %v: want level ERROR, the panic and its stack", rec)
	}
}

func explode() { panic("boom") }

// runtime.Goexit, which t.FailNow uses, is not a panic: it goes through.
func TestRunGoexit(t *testing.T) {
	r, err := panics.New(panics.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	after := false
	go func() {
		defer wg.Done()
		r.Run("unit", slog.New(slog.DiscardHandler), runtime.Goexit)
		after = true
	}()
	wg.Wait()
	if after {
		t.Error("Run returned after runtime.Goexit")
	}
}

// Declared components are listed at zero before any panic.
func TestDeclare(t *testing.T) {
	reg := prometheus.NewRegistry()
	r, err := panics.New(panics.Options{Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	r.Declare("a", "b")
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var series []string
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			series = append(series, fmt.Sprintf("%s{%s} %v", mf.GetName(), m.GetLabel()[0].GetValue(), m.GetCounter().GetValue()))
		}
	}
	if want := []string{"keel_panics_total{a} 0", "keel_panics_total{b} 0"}; !slices.Equal(series, want) {
		t.Errorf("series %q, want %q", series, want)
	}
}

// Two Recorders on one registry collide: a process shares one.
func TestOneRecorderPerRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	if _, err := panics.New(panics.Options{Registry: reg}); err != nil {
		t.Fatal(err)
	}
	if _, err := panics.New(panics.Options{Registry: reg}); err == nil {
		t.Error("a second Recorder registered keel_panics_total again")
	}
}
