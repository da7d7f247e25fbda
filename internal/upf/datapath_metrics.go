package upf

import "github.com/prometheus/client_golang/prometheus"

// dropReason is why the datapath dropped a packet (the reason label of
// keel_upf_datapath_dropped_packets_total). pass is no drop.
type dropReason uint8

const (
	pass                   dropReason = iota
	dropMalformed                     // not GTP-U, or the T-PDU is not an IP packet
	dropUnknownTEID                   // uplink: no session has the TEID
	dropNoSession                     // downlink: no session has the address
	dropNoPDR                         // the session has no PDR for the packet (QFI, source address)
	dropGateClosed                    // a QER closes the gate
	dropMBR                           // above a QER's maximum bit rate
	dropFARDrop                       // the FAR drops
	dropFARBuffer                     // uplink: the FAR buffers, which this datapath does not do uplink
	dropBufferFull                    // downlink: the FAR buffers and the buffer is full
	dropBufferExpired                 // downlink: kept longer than the buffer's time bound
	dropDiscarded                     // downlink: kept, then dropped at the CP function's request (DROBU)
	dropUnsupported                   // an extension header to comprehend that is not understood
	dropSignalling                    // GTP-U signalling the datapath does not act on
	dropRouterSolicitation            // uplink: a Router Solicitation not answered (no IPv6 router or downlink tunnel, rate)
	dropUnknownQFI                    // uplink: a QFI of none of the session's QoS flows (TS 23.501 §5.7.1.1)
	numDropReasons
)

func (r dropReason) String() string {
	switch r {
	case pass:
		return "pass"
	case dropMalformed:
		return "malformed"
	case dropUnknownTEID:
		return "unknown_teid"
	case dropNoSession:
		return "no_session"
	case dropNoPDR:
		return "no_pdr"
	case dropGateClosed:
		return "gate_closed"
	case dropMBR:
		return "mbr"
	case dropFARDrop:
		return "far_drop"
	case dropFARBuffer:
		return "far_buffer"
	case dropBufferFull:
		return "buffer_full"
	case dropBufferExpired:
		return "buffer_expired"
	case dropDiscarded:
		return "discarded"
	case dropUnsupported:
		return "unsupported_extension"
	case dropSignalling:
		return "signalling"
	case dropRouterSolicitation:
		return "router_solicitation"
	case dropUnknownQFI:
		return "unknown_qfi"
	}
	return "unknown"
}

type direction uint8

const (
	uplink direction = iota
	downlink
)

func (d direction) String() string {
	if d == uplink {
		return "uplink"
	}
	return "downlink"
}

// possible tells whether reason can happen in direction d, so that only
// those series are exported.
func (r dropReason) possible(d direction) bool {
	switch r {
	case pass:
		return false
	case dropUnknownTEID, dropUnsupported, dropSignalling, dropFARBuffer, dropRouterSolicitation, dropUnknownQFI:
		return d == uplink
	case dropNoSession, dropBufferFull, dropBufferExpired, dropDiscarded:
		return d == downlink
	}
	return true
}

// dirStats are one reader's counts since its last flush: the readers
// count in plain fields and add to the Prometheus counters once a batch.
type dirStats struct {
	pkts, bytes uint64
	drops       [numDropReasons]uint64
	// failed reads and writes on N3 (the GTP-U socket) and N6 (the TUN)
	n3Errors, n6Errors uint64
	// uplink only
	unknownTEID, echoRequests, errorIndications uint64
	// Router Solicitations received, Router Advertisements answering them
	routerSolicits, routerAdverts uint64
	// downlink only: packets kept for a FAR that buffers
	buffered uint64
}

func (s *dirStats) drop(r dropReason) { s.drops[r]++ }

type datapathMetrics struct {
	packets, bytes [2]prometheus.Counter
	drops          [2][numDropReasons]prometheus.Counter
	n3Errors       prometheus.Counter
	n6Errors       prometheus.Counter
	unknownTEID    prometheus.Counter
	echoRequests   prometheus.Counter
	errorInds      prometheus.Counter
	routerSolicits prometheus.Counter
	routerAdverts  prometheus.Counter
	endMarkers     prometheus.Counter
	buffered       prometheus.Counter
	sessions       prometheus.GaugeFunc
	kept           prometheus.GaugeFunc
}

// newDatapathMetrics makes the datapath's metrics; sessions and kept
// read the sessions installed and the downlink packets kept now.
func newDatapathMetrics(reg prometheus.Registerer, sessions, kept func() float64) (*datapathMetrics, error) {
	packets := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "keel_upf_datapath_packets_total", Help: "Packets forwarded, uplink (N3 to N6) and downlink (N6 to N3).",
	}, []string{"direction"})
	bytes := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "keel_upf_datapath_bytes_total", Help: "Octets of the inner IP packets forwarded, by direction.",
	}, []string{"direction"})
	drops := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "keel_upf_datapath_dropped_packets_total", Help: "Packets dropped, by direction and reason.",
	}, []string{"direction", "reason"})
	ioErrors := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "keel_upf_datapath_io_errors_total", Help: "Failed reads and writes, by interface (n3: the GTP-U socket, n6: the TUN device).",
	}, []string{"interface"})
	m := &datapathMetrics{
		unknownTEID: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "keel_upf_gtpu_unknown_teid_total", Help: "G-PDUs received on N3 for a TEID no session has (TS 29.281 §7.3.1).",
		}),
		routerSolicits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "keel_upf_router_solicitations_total", Help: "IPv6 Router Solicitations received from UEs (RFC 4861 §6.2.6), answered or not.",
		}),
		routerAdverts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "keel_upf_router_advertisements_total", Help: "IPv6 Router Advertisements sent to UEs (TS 23.501 §5.8.2.2.3): at establishment and answering solicitations.",
		}),
		echoRequests: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "keel_upf_gtpu_echo_requests_total", Help: "GTP-U Echo Requests received and answered (TS 29.281 §7.2.1).",
		}),
		errorInds: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "keel_upf_gtpu_error_indications_sent_total", Help: "GTP-U Error Indications sent, at most 1000 a second (TS 29.281 §7.3.1).",
		}),
		endMarkers: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "keel_upf_gtpu_end_markers_sent_total", Help: "GTP-U End Markers sent on a downlink tunnel the CP function switched away from (TS 29.281 §7.3.2, TS 29.244 §5.2.2.4 SNDEM).",
		}),
		buffered: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "keel_upf_datapath_buffered_packets_total", Help: "Downlink packets kept while their FAR buffers (TS 29.244 §5.2.1), sent when it forwards.",
		}),
		sessions: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "keel_upf_datapath_sessions", Help: "Sessions installed in the datapath.",
		}, sessions),
		kept: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "keel_upf_datapath_buffered_packets", Help: "Downlink packets kept now while their FAR buffers, all sessions together.",
		}, kept),
	}
	for _, d := range []direction{uplink, downlink} {
		m.packets[d] = packets.WithLabelValues(d.String())
		m.bytes[d] = bytes.WithLabelValues(d.String())
		for r := range numDropReasons {
			if r.possible(d) {
				m.drops[d][r] = drops.WithLabelValues(d.String(), r.String())
			}
		}
	}
	m.n3Errors = ioErrors.WithLabelValues("n3")
	m.n6Errors = ioErrors.WithLabelValues("n6")
	if reg != nil {
		for _, c := range []prometheus.Collector{packets, bytes, drops, ioErrors, m.unknownTEID, m.echoRequests, m.errorInds, m.routerSolicits, m.routerAdverts, m.endMarkers, m.buffered, m.sessions, m.kept} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// flush adds s to the counters of direction d and clears it.
func (m *datapathMetrics) flush(d direction, s *dirStats) {
	add := func(c prometheus.Counter, v uint64) {
		if v != 0 && c != nil {
			c.Add(float64(v))
		}
	}
	add(m.packets[d], s.pkts)
	add(m.bytes[d], s.bytes)
	for r, v := range s.drops {
		add(m.drops[d][r], v)
	}
	add(m.n3Errors, s.n3Errors)
	add(m.n6Errors, s.n6Errors)
	add(m.unknownTEID, s.unknownTEID)
	add(m.echoRequests, s.echoRequests)
	add(m.errorInds, s.errorIndications)
	add(m.routerSolicits, s.routerSolicits)
	add(m.routerAdverts, s.routerAdverts)
	add(m.buffered, s.buffered)
	*s = dirStats{}
}
