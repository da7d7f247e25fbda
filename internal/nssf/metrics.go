package nssf

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	selections   *prometheus.CounterVec
	rejected     *prometheus.CounterVec
	availability *prometheus.CounterVec
	reporting    prometheus.GaugeFunc
	subs         prometheus.GaugeFunc
	// notifications counts the NSSAI availability notifications sent,
	// by result: delivered or failed.
	notifications *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer, reporting, subscriptions func() float64) (*metrics, error) {
	m := &metrics{
		selections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_nssf_nsselection_total",
			Help: "Nnssf_NSSelection_Get queries for a registration (TS 29.531 §5.2.2.2.2), by result: allowed (an allowed NSSAI), none_allowed (no S-NSSAI can be allowed), or the refusal (mandatory_query_param_missing, invalid_query_param, unavailable).",
		}, []string{"result"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_nssf_rejected_snssais_total",
			Help: "Requested S-NSSAIs rejected by Nnssf_NSSelection_Get, by where they are not available: plmn (rejectedNssaiInPlmn) or ta (rejectedNssaiInTa).",
		}, []string{"cause"}),
		availability: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_nssf_nssai_availability_total",
			Help: "Nnssf_NSSAIAvailability requests (TS 29.531 §5.3.2.2 to §5.3.2.6), by operation (update, delete, subscribe, unsubscribe) and result: ok or the refusal (invalid_request, nssai_availability_not_found, nssai_subscription_not_found, unavailable).",
		}, []string{"operation", "result"}),
		reporting: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "keel_nssf_nssai_availability_nfs",
			Help: "NF instances whose NSSAI availability the NSSF holds.",
		}, reporting),
		subs: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "keel_nssf_nssai_availability_subscriptions",
			Help: "NSSAI availability subscriptions the NSSF holds (TS 29.531 §5.3.2.3).",
		}, subscriptions),
		notifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_nssf_nssai_availability_notifications_total",
			Help: "NSSAI availability notifications sent to subscribers (TS 29.531 §5.3.2.5), by result: delivered or failed.",
		}, []string{"result"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.selections, m.rejected, m.availability, m.reporting, m.subs, m.notifications} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}
