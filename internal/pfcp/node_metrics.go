package pfcp

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// nodeMetrics count a Node's traffic. Each carries the Node's local
// address as a constant label, so that several Nodes (an SMF's and a
// UPF's in one process) share a registry.
type nodeMetrics struct {
	messages        *prometheus.CounterVec
	retransmissions prometheus.Counter
	timeouts        prometheus.Counter
	duplicates      prometheus.Counter
	protocolErrors  *prometheus.CounterVec
}

func newNodeMetrics(reg prometheus.Registerer, local netip.AddrPort) (*nodeMetrics, error) {
	l := prometheus.Labels{"local": local.String()}
	m := &nodeMetrics{
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_pfcp_messages_total", Help: "PFCP messages sent and received, retransmissions included, by direction and message type.", ConstLabels: l,
		}, []string{"direction", "type"}),
		retransmissions: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "keel_pfcp_retransmissions_total", Help: "PFCP requests sent again after T1 expired (TS 29.244 §6.4).", ConstLabels: l,
		}),
		timeouts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "keel_pfcp_request_timeouts_total", Help: "PFCP requests given up after N1 retransmissions.", ConstLabels: l,
		}),
		duplicates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "keel_pfcp_duplicate_requests_total", Help: "PFCP requests received again, answered from the response cache.", ConstLabels: l,
		}),
		protocolErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_pfcp_protocol_errors_total", Help: "PFCP messages refused or discarded (TS 29.244 §7.6), by the cause answered (0: none).", ConstLabels: l,
		}, []string{"cause"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.messages, m.retransmissions, m.timeouts, m.duplicates, m.protocolErrors} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

func (m *nodeMetrics) message(direction string, typ uint8) {
	m.messages.WithLabelValues(direction, MetricTypeName(typ)).Inc()
}

func (m *nodeMetrics) protocolError(ce *CauseError) {
	m.protocolErrors.WithLabelValues(strconv.Itoa(int(ce.Cause))).Inc()
}

// MetricTypeName is a message type as a metric label value:
// "session_establishment_request".
func MetricTypeName(t uint8) string {
	if _, ok := typeNames[t]; !ok {
		return "unknown"
	}
	return strings.ReplaceAll(strings.ToLower(TypeName(t)), " ", "_")
}
