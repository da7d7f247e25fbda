package udr

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/store"
)

type metrics struct {
	requests *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_udr_requests_total",
			Help: "Nudr_DataRepository requests by operation and result (ok, user_not_found, error).",
		}, []string{"operation", "result"}),
	}
	if reg != nil {
		if err := reg.Register(m.requests); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *metrics) observe(op string, err error) {
	result := "ok"
	switch {
	case errors.Is(err, store.ErrNotFound):
		result = "user_not_found"
	case err != nil:
		result = "error"
	}
	m.requests.WithLabelValues(op, result).Inc()
}
