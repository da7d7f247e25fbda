package metrictest

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestValue(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "c_total", Help: "c"}, []string{"kind", "result"})
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "g", Help: "g"})
	reg.MustRegister(c, g)
	c.WithLabelValues("a", "ok").Add(2)
	c.WithLabelValues("b", "ok").Add(3)
	c.WithLabelValues("b", "").Add(5)
	g.Set(7)
	for _, tt := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"c_total", []string{"kind", "a", "result", "ok"}, 2},
		{"c_total", []string{"kind", "b", "result", "ok"}, 3},
		{"c_total", []string{"kind", "b", "result", ""}, 5},
		{"c_total", []string{"kind", "z"}, 0},
		{"g", nil, 7},
		{"missing", nil, 0},
	} {
		if got := Value(t, reg, tt.name, tt.labels...); got != tt.want {
			t.Errorf("Value(%s, %q) = %v, want %v", tt.name, tt.labels, got, tt.want)
		}
	}
}
