package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// gather returns the metric families of reg by name.
func gather(t *testing.T, reg *prometheus.Registry) map[string]*dto.MetricFamily {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather() = %v", err)
	}
	byName := map[string]*dto.MetricFamily{}
	for _, mf := range mfs {
		byName[mf.GetName()] = mf
	}
	return byName
}

func TestMetrics(t *testing.T) {
	ctx := t.Context()
	reg := prometheus.NewRegistry()
	path := filepath.Join(t.TempDir(), "keel.db")
	s := openTest(t, path, Options{Registerer: reg})
	sub := testSubscriber(1, 0)
	if err := s.CreateSubscriber(ctx, sub); err != nil {
		t.Fatalf("CreateSubscriber = %v", err)
	}
	for range 3 {
		if _, err := s.AdvanceSQN(ctx, sub.SUPI); err != nil {
			t.Fatalf("AdvanceSQN = %v", err)
		}
	}
	if _, err := s.AdvanceSQN(ctx, "imsi-999990000000000"); err == nil {
		t.Fatalf("AdvanceSQN(absent) = nil error")
	}
	if err := s.ResyncSQN(ctx, sub.SUPI, 100); err != nil {
		t.Fatalf("ResyncSQN = %v", err)
	}

	mfs := gather(t, reg)
	if got := mfs["keel_store_sqn_advances_total"].GetMetric()[0].GetCounter().GetValue(); got != 3 {
		t.Errorf("keel_store_sqn_advances_total = %v, want 3", got)
	}
	counts := map[string]uint64{}
	for _, m := range mfs["keel_store_operation_duration_seconds"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "op" {
				counts[l.GetValue()] = m.GetHistogram().GetSampleCount()
			}
		}
	}
	for op, want := range map[string]uint64{opCreate: 1, opAdvanceSQN: 4, opResyncSQN: 1} {
		if counts[op] != want {
			t.Errorf("keel_store_operation_duration_seconds{op=%q} count = %d, want %d", op, counts[op], want)
		}
	}

	if err := s.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	if n := len(gather(t, reg)); n != 0 {
		t.Errorf("metric families after Close = %d, want 0", n)
	}
	openTest(t, path, Options{Registerer: reg})
}

func TestPing(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "keel.db"), Options{})
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping() = %v, want nil", err)
	}
	s.Close()
	if err := s.Ping(t.Context()); err == nil {
		t.Errorf("Ping() after Close = nil, want an error")
	}
}
