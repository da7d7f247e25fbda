package smf

import (
	"github.com/wmnsk/go-pfcp/message"

	"github.com/keelcore/keel/internal/pfcp"
)

// handleReport answers a Session Report Request (TS 29.244 §6.3.6,
// §7.5.8): usage reports add to the session's byte counters; a Downlink
// Data Report (DLDR, §5.2.4.1) for an idle UE is handed to the paging
// workers (handle_paging.go), after which the answer goes at once; the
// answer is cause 1, or 65 for a SEID the SMF does not know or whose
// session is on another UPF than up, the one that sent the request (a
// UPF reports on its own sessions only). It runs on the PFCP node's
// goroutine and touches only the session's atomics.
func (s *SMF) handleReport(up *upfPeer, m *message.SessionReportRequest) (message.Message, error) {
	r, err := pfcp.ParseReportRequest(m)
	if err != nil {
		if ce, ok := err.(*pfcp.CauseError); ok {
			return ce.Response(0, s.nodeID, s.node.RecoveryTime())
		}
		return nil, err
	}
	s.sessions.Lock()
	ss := s.sessions.bySEID[r.SEID]
	s.sessions.Unlock()
	if ss == nil || ss.up != up {
		s.metrics.reports.WithLabelValues("session_context_not_found").Inc()
		return pfcp.ReportResponse{Cause: pfcp.CauseSessionContextNotFound}.Message(0, m.Sequence())
	}
	s.addUsage(ss, r.Usage)
	if r.DownlinkData != nil {
		s.downlinkData(ss, r.DownlinkData)
	}
	s.metrics.reports.WithLabelValues("ok").Inc()
	ss.log.Debug("usage report", "ul_bytes", ss.ulBytes.Load(), "dl_bytes", ss.dlBytes.Load())
	return pfcp.ReportResponse{Cause: pfcp.CauseRequestAccepted}.Message(ss.upSEID.Load(), m.Sequence())
}
