package ausf

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	authentications *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		authentications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_ausf_authentications_total",
			Help: "5G AKA authentications by result: success, rejected (RES* wrong), ue_failure (the UE refused the challenge: AUTHENTICATION FAILURE), context_not_found (unknown, expired, or confirmed already), unavailable (the records failed), or why no challenge was made (user_not_found, suci_deconceal_failure, sync_failure, serving_network_not_authorized, invalid_request, error).",
		}, []string{"result"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.authentications} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}
