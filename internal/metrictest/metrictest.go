// Package metrictest reads Prometheus metrics in tests: the value of one
// series of a counter or gauge, found by its labels.
package metrictest

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// Value returns the value of the first series of the counter or gauge
// name in g whose labels match labels, given as name, value pairs; as in
// Prometheus, a label a series does not have has the value "". It returns
// 0 when no series matches.
func Value(t testing.TB, g prometheus.Gatherer, name string, labels ...string) float64 {
	t.Helper()
	if len(labels)%2 != 0 {
		t.Fatalf("metrictest.Value(%s): labels %q are not name, value pairs", name, labels)
	}
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			for i := 0; i < len(labels); i += 2 {
				got := ""
				for _, l := range m.GetLabel() {
					if l.GetName() == labels[i] {
						got = l.GetValue()
					}
				}
				if got != labels[i+1] {
					continue series
				}
			}
			if m.GetGauge() != nil {
				return m.GetGauge().GetValue()
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}
