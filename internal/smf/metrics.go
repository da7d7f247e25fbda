package smf

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/nas/sm"
)

type metrics struct {
	sessions       *prometheus.GaugeVec
	establishments *prometheus.CounterVec
	n4             *prometheus.CounterVec
	reports        *prometheus.CounterVec
	restored       *prometheus.CounterVec
	upfRestarts    prometheus.Counter
	associated     prometheus.GaugeFunc
	refused        *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer, associated func() bool) (*metrics, error) {
	m := &metrics{
		sessions: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "keel_smf_sessions",
			Help: "PDU sessions by state (establishing, activating, active, inactive, releasing).",
		}, []string{"state"}),
		establishments: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_smf_pdu_session_establishments_total",
			Help: "PDU session establishment requests by result: accepted, the 5GSM cause of a reject (e.g. insufficient_resources, missing_or_unknown_dnn), or error (no 5GSM answer).",
		}, []string{"result"}),
		n4: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_smf_n4_requests_total",
			Help: "PFCP requests to the UPF by type and the cause of the response (TS 29.244 Table 8.2.1-1), timeout or error.",
		}, []string{"type", "cause"}),
		reports: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_smf_usage_reports_total",
			Help: "PFCP Session Report Requests from the UPF by result (ok, session_context_not_found).",
		}, []string{"result"}),
		restored: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_smf_upf_restored_sessions_total",
			Help: "PDU sessions whose N4 session the UPF lost (its restart, its association with the SMF dropped, or the session alone): ok (re-established) or released.",
		}, []string{"result"}),
		upfRestarts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "keel_smf_upf_restarts_total",
			Help: "UPF restarts seen (a new PFCP Recovery Time Stamp).",
		}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_smf_pfcp_refused_total",
			Help: "PFCP requests refused for who sent them, by reason (peer_not_allowed: not the UPF nor in Options.Peers).",
		}, []string{"reason"}),
		associated: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "keel_smf_upf_associated",
			Help: "1 while the SMF has a PFCP association with the UPF.",
		}, func() float64 {
			if associated() {
				return 1
			}
			return 0
		}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.sessions, m.establishments, m.n4, m.reports, m.restored, m.upfRestarts, m.associated, m.refused} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// causeLabel names a 5GSM reject cause for the result label.
func causeLabel(c uint8) string {
	switch c {
	case sm.CauseInsufficientResources:
		return "insufficient_resources"
	case sm.CauseMissingOrUnknownDNN:
		return "missing_or_unknown_dnn"
	case sm.CauseUnknownPDUSessionType:
		return "unknown_pdu_session_type"
	case sm.CauseRequestRejectedUnspecified:
		return "request_rejected_unspecified"
	case sm.CauseInvalidPDUSessionIdentity:
		return "invalid_pdu_session_identity"
	case sm.CausePDUSessionTypeIPv4OnlyAllowed:
		return "ipv4_only_allowed"
	case sm.CausePDUSessionTypeIPv6OnlyAllowed:
		return "ipv6_only_allowed"
	case sm.CauseNotSupportedSSCMode:
		return "not_supported_ssc_mode"
	case sm.CauseMissingOrUnknownDNNInASlice:
		return "missing_or_unknown_dnn_in_slice"
	case sm.CauseInvalidPTIValue:
		return "invalid_pti_value"
	case sm.CauseInvalidMandatoryInformation:
		return "invalid_mandatory_information"
	case sm.CauseMessageTypeNotCompatible:
		return "message_type_not_compatible"
	}
	return "cause_" + strconv.Itoa(int(c))
}
