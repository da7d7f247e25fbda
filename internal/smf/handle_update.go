package smf

import (
	"context"
	"errors"
	"fmt"

	"github.com/keelcore/keel/internal/nas/sm"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sbi"
)

// UpdateSMContext is Nsmf_PDUSession_UpdateSMContext (TS 29.502
// §5.2.2.3): N2 SM information from the gNB, a 5GSM message from the UE,
// the news that the UE's user plane is deactivated (DEACTIVATED), or the
// AMF asking for it to be activated again (ACTIVATING). N2 information
// is handled before an N1 message given with it.
func (s *SMF) UpdateSMContext(ctx context.Context, ref string, upd sbi.SmContextUpdateData) (sbi.SmContextUpdatedData, error) {
	ss, err := s.lookup(ref)
	if err != nil {
		return sbi.SmContextUpdatedData{}, err
	}
	ss.mu.Lock()
	defer s.unlock(ss)
	if ss.state == released || ss.state == establishing {
		return sbi.SmContextUpdatedData{}, fmt.Errorf("smf: SM context %q: %w", ref, sbi.ErrSMContextNotFound)
	}
	var out sbi.SmContextUpdatedData
	switch {
	case upd.HoState != sbi.HONone:
		if out, err = s.handover(ctx, ss, upd); err != nil {
			return out, err
		}
	case upd.N2SmInfoType != sbi.N2None:
		if out, err = s.updateN2(ctx, ss, upd.N2SmInfoType, upd.N2SmInfo.Bytes()); err != nil {
			return out, err
		}
	case upd.UpCnxState == sbi.UpCnxDeactivated:
		if err = s.deactivate(ctx, ss); err != nil {
			return out, err
		}
	case upd.UpCnxState == sbi.UpCnxActivating:
		if out, err = s.reactivate(ss); err != nil {
			return out, err
		}
	case upd.N1SmMsg.Bytes() == nil:
		return out, fmt.Errorf("smf: UpdateSMContext %q: %w: neither N1 nor N2 SM information", ref, sbi.ErrInvalidRequest)
	}
	if upd.N1SmMsg.Bytes() != nil && ss.state != released {
		n1, err := s.updateN1(ctx, ss, upd.N1SmMsg.Bytes())
		if err != nil {
			return out, err
		}
		out.N1SmMsg = n1.N1SmMsg
		if n1.N2SmInfoType != sbi.N2None {
			out.N2SmInfoType, out.N2SmInfo = n1.N2SmInfoType, n1.N2SmInfo
		}
	}
	out.Released = ss.state == released
	return out, nil
}

// updateN2 handles N2 SM information. Called with ss.mu held.
func (s *SMF) updateN2(ctx context.Context, ss *session, t sbi.N2SmInfoType, b []byte) (sbi.SmContextUpdatedData, error) {
	switch t {
	case sbi.N2SetupResponse:
		r, err := ngap.DecodeSetupResponseTransfer(b)
		if err != nil {
			return sbi.SmContextUpdatedData{}, fmt.Errorf("smf: PDU Session Resource Setup Response Transfer: %w: %w", sbi.ErrInvalidRequest, err)
		}
		if err := s.activate(ctx, ss, tunnel{Addr: r.DL.Addr, TEID: r.DL.TEID}); err != nil {
			return sbi.SmContextUpdatedData{}, err
		}
		return sbi.SmContextUpdatedData{}, s.dropFlows(ctx, ss, r.Failed, "not admitted by the gNB")
	case sbi.N2SetupFailure:
		if ss.upOnce {
			return sbi.SmContextUpdatedData{}, s.reactivationFailed(ctx, ss)
		}
		// TS 23.502 §4.3.2.2.1: the gNB could not set the
		// session up; the SMF releases it. The UE learns from the gNB
		// that its PDU session has no radio resources.
		if _, ok := next(ss.state, evN2SetupFailed{}); !ok {
			return sbi.SmContextUpdatedData{}, s.incompatible(ss, "PDU Session Resource Setup Unsuccessful Transfer")
		}
		s.teardown(ctx, ss)
		s.transition(ss, evN2SetupFailed{})
		s.remove(ss)
		ss.log.Info("PDU session released: the gNB could not set it up")
		return sbi.SmContextUpdatedData{Released: true}, nil
	case sbi.N2ReleaseResponse:
		// TS 23.502 §4.3.4.2: the gNB released its resources; the
		// context waits for the UE's PDU SESSION RELEASE COMPLETE.
		if _, err := ngap.DecodeReleaseResponseTransfer(b); err != nil {
			return sbi.SmContextUpdatedData{}, fmt.Errorf("smf: PDU Session Resource Release Response Transfer: %w: %w", sbi.ErrInvalidRequest, err)
		}
		return sbi.SmContextUpdatedData{}, nil
	}
	if t == sbi.N2ModifyResponse || t == sbi.N2ModifyFailure {
		return s.modifyN2(ctx, ss, t, b)
	}
	if out, ok, err := s.notified(ctx, ss, t, b); ok {
		return out, err
	}
	if out, ok, err := s.pathSwitched(ctx, ss, t, b); ok {
		return out, err
	}
	return sbi.SmContextUpdatedData{}, fmt.Errorf("smf: %w: N2 SM information type %d not expected from the AMF", sbi.ErrInvalidRequest, t)
}

// incompatible is an update the session's state does not allow.
func (s *SMF) incompatible(ss *session, what string) error {
	return fmt.Errorf("smf: %s in state %s: %w", what, ss.state, sbi.ErrInvalidRequest)
}

// activate points the downlink at the gNB's tunnel (TS 23.502
// §4.3.2.2.1, and §4.2.3.2 when a UE leaves idle). Called with ss.mu
// held.
func (s *SMF) activate(ctx context.Context, ss *session, gnb tunnel) error {
	if _, ok := next(ss.state, evN2Setup{gnb}); !ok {
		return s.incompatible(ss, "PDU Session Resource Setup Response Transfer")
	}
	if !gnb.Addr.Is4() || gnb.TEID == 0 {
		return fmt.Errorf("smf: %w: gNB tunnel %d@%s: want an IPv4 address and a TEID", sbi.ErrInvalidRequest, gnb.TEID, gnb.Addr)
	}
	if err := s.modifyDownlink(ctx, ss, active, gnb, false); err != nil {
		return err
	}
	ss.setGNB(gnb)
	ss.upOnce = true
	s.transition(ss, evN2Setup{gnb})
	// TS 23.502 §4.2.3.3: the user plane is back, paging is over; the
	// UPF sent what it kept (the FAR forwards).
	ss.paging.Store(false)
	ss.log.Debug("downlink to the gNB", "gnb", gnb.Addr, "dl_teid", gnb.TEID)
	return nil
}

// reactivate answers the AMF asking for the user plane of a session
// (UpdateSMContext upCnxState ACTIVATING; TS 23.502 §4.2.3.2 steps 4-5,
// §4.2.3.3): the PDU Session Resource Setup Request Transfer, the one of
// the establishment, with upCnxState ACTIVATING. The UPF goes on
// buffering until the gNB's answer brings its tunnel (activate). A
// session that is active already, or being activated, gets the same
// answer (the gNB may be a new one: its answer moves the downlink); a
// session being released gets an answer without N2 SM information, which
// the AMF reads as not reactivated. Called with ss.mu held.
func (s *SMF) reactivate(ss *session) (sbi.SmContextUpdatedData, error) {
	if _, ok := next(ss.state, evUPActivating{}); !ok {
		ss.log.Info("user plane activation refused", "state", ss.state)
		return sbi.SmContextUpdatedData{}, nil
	}
	n2, err := setupTransfer(ss)
	if err != nil {
		return sbi.SmContextUpdatedData{}, fmt.Errorf("smf: %w", err)
	}
	if ss.state == inactive {
		s.metrics.reactivations.WithLabelValues("requested").Inc()
	}
	s.transition(ss, evUPActivating{})
	return sbi.SmContextUpdatedData{N2SmInfoType: sbi.N2SetupRequest, N2SmInfo: sbi.N2SM(n2), UpCnxState: sbi.UpCnxActivating}, nil
}

// reactivationFailed: the gNB could not set up a session that had been
// active (PDU Session Resource Setup Unsuccessful Transfer after a
// Service Request or paging). The session stays, deactivated; what the
// UPF buffered is dropped (DROBU), so that the next downlink packet
// starts a new buffering period and is reported again. Called with ss.mu
// held.
func (s *SMF) reactivationFailed(ctx context.Context, ss *session) error {
	if _, ok := next(ss.state, evReactivationFailed{}); !ok {
		return s.incompatible(ss, "PDU Session Resource Setup Unsuccessful Transfer")
	}
	s.metrics.reactivations.WithLabelValues("failed").Inc()
	ss.setGNB(tunnel{})
	s.transition(ss, evReactivationFailed{})
	ss.paging.Store(false)
	s.discardBuffered(ctx, ss)
	ss.log.Info("user plane reactivation failed at the gNB: the session stays deactivated")
	return nil
}

// deactivate handles the loss of the UE's N2 connection (TS 23.502
// §4.2.6): the session is kept; the UPF buffers its downlink and reports
// the first packet (FAR BUFF|NOCP). Called with ss.mu held.
func (s *SMF) deactivate(ctx context.Context, ss *session) error {
	if _, ok := next(ss.state, evANReleased{}); !ok {
		return nil // releasing: the N4 session is gone already
	}
	from := ss.state
	if from != inactive {
		// A new idle period, counted before the UPF is told to buffer so
		// that its first report is taken as this period's.
		ss.idlePeriod.Add(1)
		if err := s.modifyDownlink(ctx, ss, inactive, tunnel{}, false); err != nil {
			return err
		}
	}
	if from == activating && ss.upOnce {
		// A reactivation that did not complete (the UE lost its radio
		// connection during the Service Request): as when the gNB refuses
		// it, what the UPF kept goes, so that the next downlink packet is
		// reported and pages the UE again.
		s.discardBuffered(ctx, ss)
	}
	ss.setGNB(tunnel{})
	s.transition(ss, evANReleased{})
	// A new idle period: a transfer for the last one is over.
	ss.paging.Store(false)
	return nil
}

// updateN1 handles a 5GSM message from the UE (TS 24.501 §6.4.3, §7).
// Called with ss.mu held.
func (s *SMF) updateN1(ctx context.Context, ss *session, b []byte) (sbi.SmContextUpdatedData, error) {
	h, err := sm.ParseHeader(b)
	var smErr *sm.Error
	switch {
	case errors.As(err, &smErr):
		return status(ss, smErr.Header, smErr.Cause, "malformed 5GSM message"), nil
	case err != nil:
		return sbi.SmContextUpdatedData{}, nil // TS 24.501 §7.2: ignored
	case h.PDUSessionID != ss.key.psi:
		return status(ss, h, sm.CauseInvalidPDUSessionIdentity, "PDU session ID of another session"), nil
	}
	switch h.MessageType {
	case sm.MsgReleaseRequest:
		return s.releaseRequested(ctx, ss, b)
	case sm.MsgReleaseComplete:
		return s.releaseCompleted(ss, b)
	case sm.MsgStatus:
		ss.log.Info("5GSM STATUS from the UE", "message", b)
		return sbi.SmContextUpdatedData{}, nil
	case sm.MsgModificationRequest:
		return s.modificationRequested(ctx, ss, b)
	case sm.MsgModificationComplete:
		return s.modificationCompleted(ctx, ss, b, false)
	case sm.MsgModificationCommandReject:
		return s.modificationCompleted(ctx, ss, b, true)
	}
	// Secondary authentication and the rest: TS 24.501 §7.4, a message
	// type Keel does not implement.
	return status(ss, h, sm.CauseMessageTypeNonExistent, "message type not implemented"), nil
}

// status answers a 5GSM message with 5GSM STATUS (TS 24.501 §6.5, §7)
// and logs it once with the session's SUPI and the cause.
func status(ss *session, h sm.Header, cause uint8, reason string) sbi.SmContextUpdatedData {
	ss.log.Info("5GSM STATUS sent", "cause", int(cause), "cause_name", sm.CauseName(cause), "reason", reason,
		"message_type", int(h.MessageType))
	return sbi.SmContextUpdatedData{N1SmMsg: sbi.N1SM(sm.Status(nil, h.PDUSessionID, h.PTI, cause))}
}

// releaseRequested is the UE-requested PDU session release (TS 23.502
// §4.3.4.2, TS 24.501 §6.4.3.3): the SMF deletes the N4
// session and answers PDU SESSION RELEASE COMMAND (#36 regular
// deactivation, the UE's PTI) with, when the session has user plane
// resources, a PDU Session Resource Release Command Transfer.
func (s *SMF) releaseRequested(ctx context.Context, ss *session, b []byte) (sbi.SmContextUpdatedData, error) {
	r, err := sm.ParseReleaseRequest(b)
	var smErr *sm.Error
	if errors.As(err, &smErr) {
		ss.log.Info("PDU session release rejected", "cause", int(smErr.Cause), "cause_name", sm.CauseName(smErr.Cause),
			"reason", "malformed PDU SESSION RELEASE REQUEST", "error", err)
		return sbi.SmContextUpdatedData{N1SmMsg: sbi.N1SM(sm.ReleaseReject(nil, smErr.Header.PDUSessionID, smErr.Header.PTI, smErr.Cause))}, nil
	}
	if err != nil {
		return sbi.SmContextUpdatedData{}, nil
	}
	from := ss.state
	if from == releasing {
		// A request crossing the release under way: the command again.
		return sbi.SmContextUpdatedData{N1SmMsg: sbi.N1SM(sm.ReleaseCommand(nil, r.PDUSessionID, ss.pti, sm.CauseRegularDeactivation))}, nil
	}
	if _, ok := next(from, evReleaseRequested{r.PTI}); !ok {
		return status(ss, r.Header, sm.CauseMessageTypeNotCompatible, "message not compatible with the session state"), nil
	}
	s.teardown(ctx, ss)
	ss.pti = r.PTI
	s.transition(ss, evReleaseRequested{r.PTI})
	ss.log.Debug("UE-requested PDU session release", "ue_cause", r.Cause)
	n2Type, n2, err := releaseTransfer(from)
	if err != nil {
		return sbi.SmContextUpdatedData{}, err
	}
	return sbi.SmContextUpdatedData{N1SmMsg: sbi.N1SM(sm.ReleaseCommand(nil, r.PDUSessionID, r.PTI, sm.CauseRegularDeactivation)), N2SmInfoType: n2Type.N2SmInfoType(), N2SmInfo: sbi.N2SM(n2)}, nil
}

// releaseCompleted ends a release: PDU SESSION RELEASE COMPLETE (TS
// 24.501 §6.3.3.3, §6.4.3.3; TS 23.502 §4.3.4.2): the context
// goes.
func (s *SMF) releaseCompleted(ss *session, b []byte) (sbi.SmContextUpdatedData, error) {
	r, err := sm.ParseReleaseComplete(b)
	var smErr *sm.Error
	switch {
	case errors.As(err, &smErr):
		return status(ss, smErr.Header, smErr.Cause, "malformed 5GSM message"), nil
	case err != nil:
		return sbi.SmContextUpdatedData{}, nil
	case ss.state != releasing:
		return status(ss, r.Header, sm.CauseMessageTypeNotCompatible, "message not compatible with the session state"), nil
	case r.PTI != ss.pti:
		// TS 24.501 §7.3.1: a PTI that does not match the command's.
		return status(ss, r.Header, sm.CausePTIMismatch, "PTI not the release command's"), nil
	}
	s.transition(ss, evReleaseComplete{})
	s.remove(ss)
	ss.log.Debug("PDU session released")
	return sbi.SmContextUpdatedData{Released: true}, nil
}
