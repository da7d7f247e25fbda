package nfclient

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/sbi"
)

type metrics struct {
	requests      *prometheus.CounterVec
	cache         *prometheus.CounterVec
	notifications *prometheus.CounterVec
	// hit and miss are cache's two series, looked up once: every
	// discovery of every SBI call counts one.
	hit, miss prometheus.Counter
}

func newMetrics(reg prometheus.Registerer, nfType sbi.NFType) (*metrics, error) {
	labels := prometheus.Labels{"nf_type": string(nfType)}
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name:        "keel_nfclient_nrf_requests_total",
			Help:        "Requests of an NF to the NRF by operation (register, heartbeat, deregister, discover, token, subscribe, unsubscribe) and result (ok or the error's reason).",
			ConstLabels: labels,
		}, []string{"operation", "result"}),
		cache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name:        "keel_nfclient_discovery_cache_total",
			Help:        "Discoveries answered from the cache (hit) or asked of the NRF (miss).",
			ConstLabels: labels,
		}, []string{"result"}),
		notifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name:        "keel_nfclient_notifications_total",
			Help:        "NF status notifications received, by event.",
			ConstLabels: labels,
		}, []string{"event"}),
	}
	m.hit, m.miss = m.cache.WithLabelValues("hit"), m.cache.WithLabelValues("miss")
	if reg != nil {
		for _, c := range []prometheus.Collector{m.requests, m.cache, m.notifications} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}
