package upf

import (
	"errors"

	"github.com/wmnsk/go-pfcp/message"

	"github.com/keelcore/keel/internal/pfcp"
)

// report is a URR that reached its volume threshold.
type report struct {
	seid uint64
	use  Usage
}

// enqueueReport is the datapath's reporter: it never blocks the
// datapath's goroutine; a report beyond the queue is dropped and counted.
func (u *UPF) enqueueReport(seid uint64, use Usage) {
	select {
	case u.reports <- report{seid, use}:
	default:
		u.metrics.reports.WithLabelValues("dropped").Inc()
	}
}

// reportLoop sends a Session Report Request for each report, at most
// reportSenders at once: a CP function slow to answer holds up its own
// reports only.
func (u *UPF) reportLoop() {
	senders := make(chan struct{}, reportSenders)
	for {
		var r report
		select {
		case <-u.ctx.Done():
			return
		case r = <-u.reports:
		}
		select {
		case <-u.ctx.Done():
			return
		case senders <- struct{}{}:
		}
		u.wg.Go(func() {
			defer func() { <-senders }()
			u.sendReport(r)
		})
	}
}

// sendReport sends the usage report of a URR that reached its volume
// threshold to the session's CP function in a Session Report Request
// (TS 29.244 §6.3.5, §7.5.8, trigger VOLTH) and reads the response.
func (u *UPF) sendReport(r report) {
	s := u.lookup(r.seid)
	if s == nil {
		return // deleted meanwhile: its final usage went in the Deletion Response
	}
	s.mu.Lock()
	if s.gone {
		s.mu.Unlock()
		return
	}
	ur := s.report(r.use, pfcp.TriggerVolumeThreshold, u.now())
	cpSEID, cpAddr := s.cpSEID, s.cpAddr
	s.mu.Unlock()
	log := u.log.With("seid", r.seid, "cp_seid", cpSEID, "cp", cpAddr, "urr", r.use.URRID)

	req, err := pfcp.ReportRequest{SEID: cpSEID, Usage: []pfcp.UsageReport{ur}}.Message(0)
	if err != nil {
		log.Error("upf: building a Session Report Request", "err", err)
		u.metrics.reports.WithLabelValues("failed").Inc()
		return
	}
	resp, err := u.node.Request(u.ctx, cpAddr, req)
	if err != nil {
		if !errors.Is(err, pfcp.ErrClosed) && u.ctx.Err() == nil {
			log.Warn("upf: Session Report Request unanswered", "err", err)
		}
		u.metrics.reports.WithLabelValues("failed").Inc()
		return
	}
	m, ok := resp.(*message.SessionReportResponse)
	if !ok {
		log.Warn("upf: Session Report Request answered with another message", "type", resp.MessageTypeName())
		u.metrics.reports.WithLabelValues("refused").Inc()
		return
	}
	rr, err := pfcp.ParseReportResponse(m)
	if err != nil || !pfcp.Accepted(rr.Cause) {
		log.Warn("upf: Session Report Request refused", "cause", rr.Cause, "err", err)
		u.metrics.reports.WithLabelValues("refused").Inc()
		return
	}
	u.metrics.reports.WithLabelValues("sent").Inc()
	log.Info("upf: volume threshold reported", "volume", ur.Total)
}
