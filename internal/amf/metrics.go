package amf

import (
	"github.com/free5gc/ngap/message"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/amf/gmm"
)

type metrics struct {
	associations   prometheus.Gauge
	gnbs           prometheus.Gauge
	messages       *prometheus.CounterVec
	protocolErrors *prometheus.CounterVec
	setups         *prometheus.CounterVec
	configUpdates  *prometheus.CounterVec
	resets         *prometheus.CounterVec

	ues                 prometheus.Gauge
	overload            prometheus.Counter
	overloads           prometheus.Counter
	procedures          *prometheus.CounterVec
	registrationLatency prometheus.Histogram
	paging              *prometheus.CounterVec
	pagingAttempts      prometheus.Counter
	serviceRequests     *prometheus.CounterVec
	pathSwitches        *prometheus.CounterVec
	handovers           *prometheus.CounterVec

	refused *prometheus.CounterVec
	reports *prometheus.CounterVec
	// contextModifications counts UE Context Modifications (TS 38.413
	// §8.3.4) by result: sent, modified, failed.
	contextModifications *prometheus.CounterVec
	radioCapabilities    *prometheus.CounterVec
	// saves and restores count the UE contexts kept in and read from the
	// AMF set's store (saver.go, restore.go) by result.
	saves, restores *prometheus.CounterVec
	// writeAhead counts the saves downlink waited for (writeahead.go)
	// by result; writeAheadWait is how long it waited.
	writeAhead     *prometheus.CounterVec
	writeAheadWait prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		associations: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "keel_amf_n2_associations", Help: "SCTP associations from gNBs, set up or not.",
		}),
		gnbs: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "keel_amf_gnbs_connected", Help: "gNBs that completed NG Setup and are connected.",
		}),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_ngap_messages_total", Help: "NGAP messages by direction, procedure and message type.",
		}, []string{"direction", "procedure", "type"}),
		protocolErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_ngap_protocol_errors_total", Help: "NGAP PDUs refused, by TS 38.413 §10 error kind.",
		}, []string{"kind"}),
		setups: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_ngap_ng_setups_total", Help: "NG Setup requests by outcome.",
		}, []string{"outcome"}),
		configUpdates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_ngap_ran_configuration_updates_total", Help: "RAN Configuration Updates by outcome.",
		}, []string{"outcome"}),
		resets: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_ngap_resets_total", Help: "NG Resets by initiator.",
		}, []string{"initiator"}),
		ues: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "keel_amf_ue_contexts", Help: "UE contexts the AMF holds (registered, or registering).",
		}),
		overload: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "keel_amf_overload_events_total", Help: "UE events or new UEs refused because a bound was reached.",
		}),
		overloads: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "keel_amf_overload_starts_total", Help: "Times the AMF entered overload and sent NGAP Overload Start to its gNBs.",
		}),
		procedures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_amf_procedures_total", Help: "5GMM procedures (registration, authentication, deregistration) by result.",
		}, []string{"procedure", "result"}),
		handovers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_amf_n2_handovers_total",
			Help: "N2 handovers (TS 23.502 §4.9.1.3, TS 38.413 §8.4.1-8.4.3, 8.4.5): required, commanded, completed, cancelled, and the preparation failures by cause (not-connected, type-not-supported, unknown-target, ta-not-served, no-session, not-prepared, not-admitted, target-failure, timeout).",
		}, []string{"result"}),
		pathSwitches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_amf_path_switches_total",
			Help: "Path Switch Requests of Xn handovers (TS 38.413 §8.4.4, TS 23.502 §4.9.1.2), by result: acknowledged, or failed with its cause (unknown-ue, not-connected, ta-not-served, no-session-switched, busy).",
		}, []string{"result"}),
		saves: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_amf_ue_context_saves_total", Help: "UE context writes to the AMF set's store (TS 23.501 §5.21.2) by result: saved, deleted, conflict (another instance took the UE over), error.",
		}, []string{"result"}),
		writeAhead: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_amf_ue_context_write_ahead_total", Help: "UE context saves that the downlink relying on them waited for (a REGISTRATION ACCEPT or CONFIGURATION UPDATE COMMAND with a new 5G-GUTI, a PDU Session Establishment Accept) by result: saved (sent after the store had it), unsaved (the store failed or did not answer within its deadline: sent anyway), dropped (another instance took the UE over: not sent).",
		}, []string{"result"}),
		writeAheadWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "keel_amf_ue_context_write_ahead_seconds",
			Help:    "Time downlink waited for the save of the UE context it relies on.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}),
		restores: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_amf_ue_context_restores_total", Help: "UE contexts read from the AMF set's store for a UE another instance served, by result: restored, not-found, error.",
		}, []string{"result"}),
		serviceRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_amf_service_requests_total",
			Help: "UE-triggered Service Requests (TS 24.501 §5.6.1) by result: accepted (context set up), context-setup-failed, ignored, rejected-<5GMM cause> (9, 10, 22, 96, 111, other); for one that failed the integrity check and ran authentication, authentication-failed, security-mode-rejected, timeout, lower-layer-failure.",
		}, []string{"result"}),
		registrationLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "keel_amf_registration_duration_seconds",
			Help:    "Time from the Initial UE Message to the end of a successful registration.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}),
		paging: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_amf_paging_total", Help: "Pagings of idle UEs (TS 23.502 §4.2.3.3) by outcome: answered, no-answer (after the T3513 retransmissions), cancelled (the UE was deregistered).",
		}, []string{"outcome"}),
		pagingAttempts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "keel_amf_paging_attempts_total", Help: "Paging rounds sent (the first and each T3513 retransmission), each to every gNB serving the UE's registration area.",
		}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_ngap_refused_procedures_total",
			Help: "UE-associated NGAP procedures Keel does not run, refused for a known UE (TS 38.413 §10), by procedure.",
		}, []string{"procedure"}),
		reports: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_ngap_ue_reports_total",
			Help: "UE-associated reports and indications from gNBs taken without an answer of substance, by procedure.",
		}, []string{"procedure"}),
		contextModifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_amf_ue_context_modifications_total",
			Help: "UE Context Modifications with a new UE-AMBR (TS 38.413 §8.3.4) by result: sent, modified (the gNB's response), failed (its failure).",
		}, []string{"result"}),
		radioCapabilities: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_amf_ue_radio_capabilities_total",
			Help: "UE Radio Capability Info Indications by result: stored, too-large or malformed (refused).",
		}, []string{"result"}),
	}
	// Every kind of protocol error is listed from the start, at 0, so
	// that a rate or an alert over it has a series before the first.
	for _, kind := range []string{"transfer-syntax", "abstract-syntax", "logical", "unknown-ue", "wrong-ppid"} {
		m.protocolErrors.WithLabelValues(kind)
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.associations, m.gnbs, m.messages, m.protocolErrors, m.setups, m.configUpdates, m.resets,
			m.ues, m.overload, m.overloads, m.procedures, m.registrationLatency, m.paging, m.pagingAttempts, m.serviceRequests, m.pathSwitches, m.handovers, m.saves, m.restores,
			m.writeAhead, m.writeAheadWait, m.refused, m.reports, m.contextModifications, m.radioCapabilities} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

func (m *metrics) outcome(o gmm.Outcome) {
	if o.Procedure == "paging" {
		m.paging.WithLabelValues(o.Result).Inc()
		return
	}
	m.procedures.WithLabelValues(o.Procedure, o.Result).Inc()
}

func (m *metrics) count(direction string, msg message.Message) {
	m.messages.WithLabelValues(direction, procedureName(msg.ProcedureCode()), messageType(msg.MessageType())).Inc()
}

func messageType(t int64) string {
	switch t {
	case message.MessageTypeInitiatingMessage:
		return "initiating"
	case message.MessageTypeSuccessfulOutcome:
		return "successful"
	case message.MessageTypeUnsuccessfulOutcome:
		return "unsuccessful"
	}
	return "unknown"
}
