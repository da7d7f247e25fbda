package upf

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/pfcp"
)

// metrics are the N4 side's; the datapath has its own (datapath_metrics.go).
type metrics struct {
	requests     *prometheus.CounterVec
	sessions     prometheus.Gauge
	associations prometheus.Gauge
	reports      *prometheus.CounterVec
	refused      *prometheus.CounterVec
	// downlinkReports counts Downlink Data Reports (DLDR).
	downlinkReports *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_upf_pfcp_requests_total",
			Help: "PFCP requests the UPF answered, by message type and the cause answered (\"none\" for Heartbeat).",
		}, []string{"type", "cause"}),
		sessions: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "keel_upf_sessions", Help: "PFCP sessions the UPF holds.",
		}),
		associations: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "keel_upf_pfcp_associations", Help: "CP functions with a PFCP association.",
		}),
		reports: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_upf_usage_reports_total",
			Help: "Volume threshold reports (Session Report Requests), by result: sent, refused, failed (unanswered), dropped (queue full).",
		}, []string{"result"}),
		downlinkReports: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_upf_downlink_data_reports_total",
			Help: "Downlink Data Reports (Session Report Requests, Report Type DLDR, TS 29.244 §5.2.4.1) for the first packet buffered for an idle UE, by result: sent, refused, failed (unanswered), dropped (queue full).",
		}, []string{"result"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_upf_pfcp_refused_total",
			Help: "N4 requests refused for who sent them, by reason: peer_not_allowed, node_id_not_allowed, node_id_in_use, not_association_peer, no_association, not_session_owner, leaving (an Association Setup while the UPF leaves service).",
		}, []string{"reason"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.requests, m.sessions, m.associations, m.reports, m.refused, m.downlinkReports} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

func (m *metrics) request(typ, cause uint8) {
	c := "none"
	if cause != 0 {
		c = strconv.Itoa(int(cause))
	}
	m.requests.WithLabelValues(pfcp.MetricTypeName(typ), c).Inc()
}
