package ausf

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	authentications *prometheus.CounterVec
	contexts        prometheus.GaugeFunc
}

func newMetrics(reg prometheus.Registerer, p *pending) (*metrics, error) {
	m := &metrics{
		authentications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_ausf_authentications_total",
			Help: "5G AKA authentications by result: success, rejected (RES* wrong), ue_failure (the UE refused the challenge: AUTHENTICATION FAILURE), context_not_found (unknown, expired, or confirmed already), unavailable (the records failed), overloaded (refused: Options.MaxContexts contexts await confirmation), or why no challenge was made (user_not_found, suci_deconceal_failure, sync_failure, serving_network_not_authorized, invalid_request, error).",
		}, []string{"result"}),
		contexts: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "keel_ausf_auth_contexts",
			Help: "Authentication contexts this instance made that await their confirmation (bounded by ausf MaxContexts; a context another instance confirmed counts until its expiry).",
		}, func() float64 { return float64(p.count()) }),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.authentications, m.contexts} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}
