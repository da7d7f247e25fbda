package app

import (
	"runtime"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// The process's /metrics carries the live heap of the last collection
// (keel bench reads it) and the memory limit memory_limit sets.
func TestGoCollectorLiveHeap(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(goCollector())
	runtime.GC()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		if m := mf.GetMetric(); len(m) == 1 && m[0].GetGauge() != nil {
			got[mf.GetName()] = m[0].GetGauge().GetValue()
		}
	}
	if got["go_gc_heap_live_bytes"] <= 0 {
		t.Errorf("go_gc_heap_live_bytes = %v after a collection, want the live heap", got["go_gc_heap_live_bytes"])
	}
	if _, ok := got["go_gc_gomemlimit_bytes"]; !ok {
		t.Errorf("no go_gc_gomemlimit_bytes among %d gauges", len(got))
	}
}
