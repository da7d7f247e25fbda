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
	// UPF failures by reason, and what became of the sessions of a UPF
	// that stopped answering (handle_upf_lost.go).
	upfFailures     *prometheus.CounterVec
	upfLostSessions *prometheus.CounterVec
	associated      prometheus.GaugeFunc
	refused         *prometheus.CounterVec
	// Idle mode: Downlink Data Reports, the N1N2MessageTransfers they
	// start, the user plane reactivations.
	downlinkReports *prometheus.CounterVec
	n1n2            *prometheus.CounterVec
	reactivations   *prometheus.CounterVec
	pathSwitches    *prometheus.CounterVec
	modifications   *prometheus.CounterVec
	handovers       *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer, associated func() int) (*metrics, error) {
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
		upfFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_smf_upf_failures_total",
			Help: "UPF failures seen, by reason: heartbeat (no answer to a Heartbeat Request: the UPF is lost), restart (a new Recovery Time Stamp), association_lost (a request answered \"No established PFCP Association\"), released (the UPF asked for the release of its association, as when taken out of service).",
		}, []string{"reason"}),
		upfLostSessions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_smf_upf_lost_sessions_total",
			Help: "PDU sessions of a UPF that stopped answering heartbeats or released its association, by what became of them: reactivation_requested (released with 5GSM cause #39 to be established again on another UPF), released_locally (the UE could not be told), kept (no other UPF serves the session's DNN, and the UPF may come back; a UPF that released its association keeps none).",
		}, []string{"result"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_smf_pfcp_refused_total",
			Help: "PFCP requests refused for who sent them, by reason (peer_not_allowed: not the UPF nor in Options.Peers).",
		}, []string{"reason"}),
		downlinkReports: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_smf_downlink_data_reports_total",
			Help: "Downlink Data Reports from the UPF (TS 29.244 §5.2.4.1) for sessions of idle UEs, by what followed: paging (an N1N2MessageTransfer queued), outstanding (one was under way already), dropped (queue full), stale (taken up after its idle period ended: the session was reactivated meanwhile).",
		}, []string{"result"}),
		modifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_smf_pdu_session_modifications_total",
			Help: "PDU session modifications (TS 23.502 §4.3.3.2) by kind (ue, network) and result: completed, ue-rejected (COMMAND REJECT, rolled back), gnb-failed (Modify Unsuccessful, rolled back), refused (a UE request the network refused), unreachable (the UE could not be reached; the policy stays at the UPF), error.",
		}, []string{"kind", "result"}),
		n1n2: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_smf_n1n2_transfers_total",
			Help: "N1N2MessageTransfers for downlink data of idle UEs (TS 29.518 §5.2.2.3.1), by result: attempting (the AMF pages), initiated (sent to a connected UE), error (refused by the AMF), failed (failure notification: paging got no answer).",
		}, []string{"result"}),
		reactivations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_smf_up_reactivations_total",
			Help: "User plane reactivations of deactivated sessions (TS 23.502 §4.2.3.2): requested (UpdateSMContext ACTIVATING answered), failed (the gNB could not set the session up).",
		}, []string{"result"}),
		pathSwitches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_smf_path_switches_total",
			Help: "Downlink path switches of PDU sessions after a handover (TS 23.502 §4.9.1.2.2), by result: switched, setup_failed (the target gNB could not set the session up: released), failed (not switched: released).",
		}, []string{"result"}),
		handovers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_smf_n2_handovers_total",
			Help: "Steps of N2 handovers of PDU sessions (TS 23.502 §4.9.1.3), by hoState the AMF sent and result: preparing, prepared, not_admitted (the target could not set the session up: released), completed (path switched), cancelled, refused.",
		}, []string{"step"}),
		associated: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "keel_smf_upf_associated",
			Help: "The UPFs the SMF has a PFCP association with (1 for an SMF of one UPF while associated).",
		}, func() float64 { return float64(associated()) }),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.sessions, m.establishments, m.n4, m.reports, m.restored, m.upfRestarts, m.upfFailures, m.upfLostSessions, m.associated, m.refused, m.downlinkReports, m.n1n2, m.reactivations, m.pathSwitches, m.modifications, m.handovers} {
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
