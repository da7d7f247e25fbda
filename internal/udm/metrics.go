package udm

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	vectors          *prometheus.CounterVec
	resyncs          *prometheus.CounterVec
	authEvents       *prometheus.CounterVec
	amfRegistrations *prometheus.CounterVec
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
		amfRegistrations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_udm_amf_registrations_total",
			Help: "Changes of the UECM AMF registrations for 3GPP access by event: created (a UE with none registered), replaced (another AMF registered it), purged (deregistered). The UEs registered are, summed over the instances sharing the records, created - purged, plus those the records kept over a restart.",
		}, []string{"event"}),
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
