package udm

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	vectors          *prometheus.CounterVec
	resyncs          *prometheus.CounterVec
	authEvents       *prometheus.CounterVec
	amfRegistrations *prometheus.CounterVec
	// smReads counts the session management data reads by source: udr
	// (asked) or kept (read with the access and mobility data, sm_kept.go).
	smReads *prometheus.CounterVec
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
		smReads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_udm_sm_data_reads_total",
			Help: "Nudm_SDM_Get of sm-data answered, by source: udr (read from the UDR) or kept (read from the UDR with the UE's am-data, QueryProvisionedData of TS 29.505 §5.2.26).",
		}, []string{"source"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.vectors, m.resyncs, m.authEvents, m.amfRegistrations, m.smReads} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}
