package pcf

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	creates  *prometheus.CounterVec
	deletes  *prometheus.CounterVec
	updates  *prometheus.CounterVec
	notifies prometheus.Counter
	orphans  prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		creates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_pcf_sm_policy_creates_total",
			Help: "Npcf_SMPolicyControl_Create requests by result (ok, policy_context_denied, user_not_found, invalid_request, error).",
		}, []string{"result"}),
		deletes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_pcf_sm_policy_deletes_total",
			Help: "Npcf_SMPolicyControl_Delete requests by result (ok, policy_not_found).",
		}, []string{"result"}),
		updates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_pcf_sm_policy_updates_total",
			Help: "Npcf_SMPolicyControl_Update requests (UE-requested resources) by result (ok, policy_context_denied, policy_not_found).",
		}, []string{"result"}),
		notifies: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "keel_pcf_sm_policy_update_notifies_total",
			Help: "Npcf_SMPolicyControl_UpdateNotify sent to the SMF after a subscription change.",
		}),
		orphans: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "keel_pcf_sm_policy_orphans_released_total",
			Help: "SM policy associations released because their SMF is no longer registered at the NRF (OrphanSweep).",
		}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.creates, m.deletes, m.updates, m.notifies, m.orphans} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}
