package udm

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	vectors          *prometheus.CounterVec
	resyncs          *prometheus.CounterVec
	authEvents       *prometheus.CounterVec
	amfRegistrations prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		vectors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_udm_auth_vectors_total",
			Help: "5G HE authentication vector requests by result (ok, user_not_found, suci_deconceal_failure, sync_failure, serving_network_not_authorized, invalid_request, error).",
		}, []string{"result"}),
		resyncs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_udm_resyncs_total",
			Help: "SQN re-synchronisations requested by UEs, by result (ok, sync_failure: MAC-S wrong, user_not_found, error).",
		}, []string{"result"}),
		authEvents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_udm_auth_events_total",
			Help: "Authentication results reported by the AUSF (success, failure).",
		}, []string{"result"}),
		amfRegistrations: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "keel_udm_amf_registrations",
			Help: "AMF registrations for 3GPP access this instance created less those it removed: with instances sharing their records, their sum is the UEs registered (one instance's value may be negative).",
		}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.vectors, m.resyncs, m.authEvents, m.amfRegistrations} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}
