package upf

import (
	"errors"
	"log/slog"
	"net/netip"

	"github.com/wmnsk/go-pfcp/message"

	"github.com/keelcore/keel/internal/pfcp"
)

// report is a URR that reached its volume threshold, or (dl set) the
// first downlink packet of a buffering period.
type report struct {
	seid uint64
	use  Usage
	dl   *DownlinkData
}

// enqueueReport is the datapath's reporter: it never blocks the
// datapath's goroutine; a report beyond the queue is dropped and counted.
func (u *UPF) enqueueReport(seid uint64, use Usage) {
	select {
	case u.reports <- report{seid: seid, use: use}:
	default:
		u.metrics.reports.WithLabelValues("dropped").Inc()
	}
}

// enqueueDownlink is the datapath's downlink notifier, as enqueueReport.
func (u *UPF) enqueueDownlink(seid uint64, d DownlinkData) {
	select {
	case u.reports <- report{seid: seid, dl: &d}:
	default:
		u.metrics.downlinkReports.WithLabelValues("dropped").Inc()
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
			if r.dl != nil {
				u.sendDownlinkReport(r.seid, *r.dl)
			} else {
				u.sendReport(r)
			}
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

	result := u.reportExchange(log, cpAddr, pfcp.ReportRequest{SEID: cpSEID, Usage: []pfcp.UsageReport{ur}})
	u.metrics.reports.WithLabelValues(result).Inc()
	if result != "sent" {
		return
	}
	log.Info("upf: volume threshold reported", "volume", ur.Total)
}

// sendDownlinkReport tells the session's CP function that downlink data
// arrived for a FAR buffering with NOCP: a Session Report Request with
// Report Type DLDR and a Downlink Data Report naming the PDR and the QFI
// (TS 29.244 §5.2.4.1, §7.5.8.2), and reads the response.
func (u *UPF) sendDownlinkReport(seid uint64, d DownlinkData) {
	s := u.lookup(seid)
	if s == nil {
		return
	}
	s.mu.Lock()
	if s.gone {
		s.mu.Unlock()
		return
	}
	cpSEID, cpAddr := s.cpSEID, s.cpAddr
	s.mu.Unlock()
	log := u.log.With("seid", seid, "cp_seid", cpSEID, "cp", cpAddr, "pdr", d.PDRID)
	result := u.reportExchange(log, cpAddr, pfcp.ReportRequest{SEID: cpSEID, DownlinkData: &pfcp.DownlinkDataReport{PDRID: d.PDRID, QFI: d.QFI}})
	u.metrics.downlinkReports.WithLabelValues(result).Inc()
	if result == "sent" {
		log.Debug("upf: downlink data reported", "qfi", d.QFI)
	}
}

// reportExchange sends a Session Report Request and reads its response;
// it returns the result label: sent, refused or failed.
func (u *UPF) reportExchange(log *slog.Logger, cpAddr netip.AddrPort, rr pfcp.ReportRequest) string {
	req, err := rr.Message(0)
	if err != nil {
		log.Error("upf: building a Session Report Request", "err", err)
		return "failed"
	}
	resp, err := u.node.Request(u.ctx, cpAddr, req)
	if err != nil {
		if !errors.Is(err, pfcp.ErrClosed) && u.ctx.Err() == nil {
			log.Warn("upf: Session Report Request unanswered", "err", err)
		}
		return "failed"
	}
	m, ok := resp.(*message.SessionReportResponse)
	if !ok {
		log.Warn("upf: Session Report Request answered with another message", "type", resp.MessageTypeName())
		return "refused"
	}
	r, err := pfcp.ParseReportResponse(m)
	if err != nil || !pfcp.Accepted(r.Cause) {
		log.Warn("upf: Session Report Request refused", "cause", r.Cause, "err", err)
		return "refused"
	}
	return "sent"
}
