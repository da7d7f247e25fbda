package smf

import (
	"context"
	"errors"

	"github.com/keelcore/keel/internal/nas/sm"
	"github.com/keelcore/keel/internal/pfcp"
	"github.com/keelcore/keel/internal/sbi"
)

// Network-triggered Service Request (TS 23.502 §4.2.3.3), the SMF's
// part. While a UE is idle its sessions' downlink FAR buffers and
// notifies (BUFF|NOCP); the UPF reports the first downlink packet of a
// buffering period in a Session Report Request with a Downlink Data
// Report (TS 29.244 §5.2.4.1). The PFCP handler answers it at once and
// hands the session to the paging workers (at most one transfer per
// session at a time, ss.paging); a worker sends the AMF an
// N1N2MessageTransfer with the PDU Session Resource Setup Request
// Transfer and the SMF as failure notifier. The AMF pages the UE and
// answers ATTEMPTING_TO_REACH_UE (or, for a connected UE, sends the
// request to the gNB: N1_N2_TRANSFER_INITIATED); the gNB's PDU Session
// Resource Setup Response then activates the session (handle_update.go),
// and the UPF sends what it kept. If the UE cannot be reached — the AMF
// refuses the transfer, or later tells N1N2TransferFailed — the SMF has
// the UPF drop what it buffered (PFCPSMReq-Flags DROBU, §8.2.31) and
// keeps the FAR at BUFF|NOCP: the next downlink packet starts a new
// buffering period, is reported again and the UE is paged again.

// pagingWorkers send the N1N2MessageTransfers of Downlink Data Reports;
// pagingQueued bounds the reports waiting for them.
const (
	pagingWorkers = 4
	pagingQueued  = 4096
)

// downlinkData handles a Downlink Data Report for ss. It runs on the
// PFCP handler's goroutine and touches atomics only: a session with a
// transfer outstanding is left alone, another is queued for a paging
// worker.
func (s *SMF) downlinkData(ss *session, d *pfcp.DownlinkDataReport) {
	if !ss.paging.CompareAndSwap(false, true) {
		s.metrics.downlinkReports.WithLabelValues("outstanding").Inc()
		return
	}
	select {
	case s.pages <- downlinkReport{ss, ss.idlePeriod.Load()}:
		s.metrics.downlinkReports.WithLabelValues("paging").Inc()
		ss.log.Debug("downlink data for an idle UE", "pdr", d.PDRID, "qfi", d.QFI)
	default:
		ss.paging.Store(false)
		s.metrics.downlinkReports.WithLabelValues("dropped").Inc()
		ss.log.Warn("downlink data report not handled: too many waiting", "cause", "paging_queue_full")
	}
}

// runPaging is a paging worker: it sends the transfer of each session
// queued by downlinkData until ctx ends.
func (s *SMF) runPaging(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case r := <-s.pages:
			s.page(ctx, r)
		}
	}
}

// page asks the AMF to reach the UE of an idle session with its PDU
// Session Resource Setup Request Transfer (TS 23.502 §4.2.3.3 step 3a;
// TS 29.518 §5.2.2.3.1). The transfer is built under ss.mu; the AMF is
// called without it (it may call UpdateSMContext before answering).
func (s *SMF) page(ctx context.Context, r downlinkReport) {
	ss := r.ss
	ss.mu.Lock()
	if ss.state != inactive || ss.idlePeriod.Load() != r.period {
		// Activated (a Service Request crossed the report) or released
		// meanwhile, or the report is of an idle period that ended —
		// kept while the UE's Service Request was being served, its
		// packets sent when the user plane came up: nothing to page for.
		// A new period's flag is not this report's to clear.
		if ss.idlePeriod.Load() == r.period {
			ss.paging.Store(false)
		}
		s.unlock(ss)
		s.metrics.downlinkReports.WithLabelValues("stale").Inc()
		return
	}
	n2, err := setupTransfer(ss)
	s.unlock(ss)
	amf := s.amfService()
	if err == nil && amf == nil {
		err = errors.New("no AMF to reach the UE")
	}
	var res sbi.N1N2MessageTransferRspData
	if err == nil {
		tr := sbi.NewN1N2Transfer(ss.key.psi, nil, sbi.NgapPduResSetupReq, n2)
		tr.FailureNotify = s
		cctx, cancel := context.WithTimeout(ctx, s.opts.SBITimeout)
		res, err = amf.N1N2MessageTransfer(cctx, ss.key.supi, tr)
		cancel()
	}
	switch {
	case err != nil:
		s.metrics.n1n2.WithLabelValues("error").Inc()
		ss.log.Info("the AMF cannot reach the UE for downlink data: buffered packets dropped", "cause", "n1n2_refused", "error", err)
		s.unreachable(ctx, ss, r.period)
	case res.Cause == sbi.N1N2AttemptingToReachUE:
		s.metrics.n1n2.WithLabelValues("attempting").Inc()
	default:
		s.metrics.n1n2.WithLabelValues("initiated").Inc()
	}
}

// N1N2TransferFailed is the AMF's N1N2MessageTransferFailureNotification
// (TS 29.518 §5.2.2.3.1; TS 23.502 §4.2.3.3 step 3c): paging the UE for
// a session's downlink data failed. The SMF has the UPF drop what it
// buffered; the session stays, deactivated.
func (s *SMF) N1N2TransferFailed(ctx context.Context, supi string, psi uint8, cause sbi.N1N2MessageTransferCause) {
	s.metrics.n1n2.WithLabelValues("failed").Inc()
	s.sessions.Lock()
	ss := s.sessions.byKey[key{supi, psi}]
	s.sessions.Unlock()
	if ss == nil {
		return
	}
	ss.log.Info("paging failed: buffered downlink dropped", "cause", cause.String())
	s.unreachable(ctx, ss, ss.idlePeriod.Load())
	// A network-requested modification that waited for the UE ends:
	// its policy stays at the UPF (handle_modify.go).
	ss.mu.Lock()
	if ss.mod != nil && ss.mod.pti == sm.NoPTI {
		s.endModification(ctx, ss, modUnreachable)
	}
	s.unlock(ss)
}

var _ sbi.N1N2FailureNotifier = (*SMF)(nil)

// unreachable ends a session's paging for idle period period: the UE
// could not be reached, so what the UPF buffered for it goes (DROBU),
// and the next downlink packet is reported anew. When the session was
// reactivated and went idle again meanwhile, the buffer and the paging
// flag are the new period's, not this transfer's to end.
func (s *SMF) unreachable(ctx context.Context, ss *session, period uint64) {
	ss.mu.Lock()
	defer s.unlock(ss)
	if ss.idlePeriod.Load() != period {
		return
	}
	ss.paging.Store(false)
	if ss.state != inactive {
		return // activated meanwhile: the UPF sent what it kept
	}
	s.discardBuffered(ctx, ss)
}

// discardBuffered has the UPF drop what the session buffers (a Session
// Modification Request with PFCPSMReq-Flags DROBU, TS 29.244 §8.2.31);
// the FAR stays as it is. It runs to the end even when ctx is done;
// failures are logged here. Called with ss.mu held.
func (s *SMF) discardBuffered(ctx context.Context, ss *session) {
	seid := ss.upSEID.Load()
	if seid == 0 {
		return
	}
	ctx = context.WithoutCancel(ctx)
	if err := s.modifyN4(ctx, ss, n4Discard, pfcp.ModificationRequest{SEID: seid, DropBuffered: true}); err != nil {
		ss.log.Warn("N4: dropping the buffered downlink failed", "up_seid", seid, "error", err)
	}
}
