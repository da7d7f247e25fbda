package postgres

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Operation labels of keel_store_operation_duration_seconds.
const (
	opCreate     = "create"
	opGet        = "get"
	opUpdate     = "update"
	opDelete     = "delete"
	opList       = "list"
	opCount      = "count"
	opImport     = "import"
	opAdvanceSQN = "advance_sqn"
	opResyncSQN  = "resync_sqn"
)

// metrics are the store's Prometheus collectors, named as the SQLite
// engine's are: a process runs one engine.
type metrics struct {
	duration    *prometheus.HistogramVec
	sqnAdvances prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "keel_store_operation_duration_seconds",
			Help:    "Subscriber store operation latency by operation, failures included.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1, 5, 30},
		}, []string{"op"}),
		sqnAdvances: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "keel_store_sqn_advances_total",
			Help: "SQN increments committed by AdvanceSQN.",
		}),
	}
	if reg == nil {
		return m, nil
	}
	for i, c := range m.collectors() {
		if err := reg.Register(c); err != nil {
			for _, r := range m.collectors()[:i] {
				reg.Unregister(r)
			}
			return nil, fmt.Errorf("metrics: %w", err)
		}
	}
	return m, nil
}

func (m *metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.duration, m.sqnAdvances}
}

func (m *metrics) unregister(reg prometheus.Registerer) {
	if reg == nil {
		return
	}
	for _, c := range m.collectors() {
		reg.Unregister(c)
	}
}

// observe records the duration of an operation begun at start; use as
// defer m.observe(op, time.Now()).
func (m *metrics) observe(op string, start time.Time) {
	m.duration.WithLabelValues(op).Observe(time.Since(start).Seconds())
}
