package nrf

import (
	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	registrations *prometheus.CounterVec
	discoveries   *prometheus.CounterVec
	tokens        *prometheus.CounterVec
	notifications *prometheus.CounterVec
	instances     *instancesCollector
}

// instancesCollector reports the registered NF instances by type and
// status from the registry at each scrape.
type instancesCollector struct {
	desc  *prometheus.Desc
	count func() map[[2]string]int
}

func (c *instancesCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *instancesCollector) Collect(ch chan<- prometheus.Metric) {
	for k, v := range c.count() {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(v), k[0], k[1])
	}
}

func newMetrics(reg prometheus.Registerer, count func() map[[2]string]int) (*metrics, error) {
	m := &metrics{
		registrations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_nrf_nfm_requests_total",
			Help: "NFManagement requests by operation (register, update, heartbeat, deregister, retrieve, list, subscribe, unsubscribe) and result (ok or the ProblemDetails cause).",
		}, []string{"operation", "result"}),
		discoveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_nrf_discovery_requests_total",
			Help: "NFDiscovery requests by target NF type and result: found, empty (no instance matched) or the ProblemDetails cause.",
		}, []string{"target_nf_type", "result"}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_nrf_token_requests_total",
			Help: "Access token requests by result: granted, or the OAuth 2.0 error (invalid_request, invalid_client, invalid_scope, unauthorized_client, unsupported_grant_type).",
		}, []string{"result"}),
		notifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_nrf_notifications_total",
			Help: "NF status notifications by event and delivery result (ok, error, dropped: the queue was full).",
		}, []string{"event", "result"}),
		instances: &instancesCollector{
			desc:  prometheus.NewDesc("keel_nrf_nf_instances", "Registered NF instances by NF type and status.", []string{"nf_type", "status"}, nil),
			count: count,
		},
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.registrations, m.discoveries, m.tokens, m.notifications, m.instances} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}
