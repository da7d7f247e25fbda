package smf

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"time"

	"github.com/wmnsk/go-pfcp/message"

	"github.com/keelcore/keel/internal/nas/sm"
	"github.com/keelcore/keel/internal/pfcp"
)

// N4 request types, the type label of keel_smf_n4_requests_total.
const (
	n4AssociationSetup   = "association_setup"
	n4AssociationRelease = "association_release"
	n4Heartbeat          = "heartbeat"
	n4Establishment      = "session_establishment"
	n4Modification       = "session_modification"
	n4Deletion           = "session_deletion"
	n4Audit              = "session_audit"   // a modification changing nothing (handle_audit.go)
	n4Discard            = "session_discard" // a modification with DROBU (handle_paging.go)
)

// rejectedError is an N4 request the UPF answered with a rejecting cause.
type rejectedError struct {
	op    string
	cause uint8
}

func (e *rejectedError) Error() string {
	return fmt.Sprintf("smf: N4 %s: UPF answered cause %d (%s)", e.op, e.cause, pfcp.CauseName(e.cause))
}

// errNotAssociated: no PFCP association with the UPF.
var errNotAssociated = errors.New("smf: no PFCP association with the UPF")

// n4Cause is the 5GSM cause for a failed N4 establishment: #26 when the
// UPF is out of reach, out of resources, congested or without an
// association with the SMF (the UE may retry later, TS 24.501
// §6.4.1.4.2), #31 for any other refusal.
func n4Cause(err error) uint8 {
	var re *rejectedError
	switch {
	case errors.Is(err, pfcp.ErrTimeout), errors.Is(err, errNotAssociated):
		return sm.CauseInsufficientResources
	case errors.As(err, &re) && (re.cause == pfcp.CauseNoResourcesAvailable || re.cause == pfcp.CausePFCPEntityInCongestion ||
		re.cause == pfcp.CauseNoEstablishedPFCPAssociation):
		return sm.CauseInsufficientResources
	}
	return sm.CauseRequestRejectedUnspecified
}

// request sends an N4 request to a UPF and returns its response.
func (s *SMF) request(ctx context.Context, up *upfPeer, op string, m message.Message) (message.Message, error) {
	resp, err := s.node.Request(ctx, up.addr, m)
	if err != nil {
		s.observeN4(op, 0, err)
		return nil, fmt.Errorf("smf: N4 %s: %w", op, err)
	}
	return resp, nil
}

// observeN4 counts an N4 request by its outcome: the response's cause,
// "timeout", or "error" (no response that could be read).
func (s *SMF) observeN4(op string, cause uint8, err error) {
	label := strconv.Itoa(int(cause))
	switch {
	case errors.Is(err, pfcp.ErrTimeout):
		label = "timeout"
	case err != nil:
		label = "error"
	}
	s.metrics.n4.WithLabelValues(op, label).Inc()
}

// checked counts a parsed response from up and turns a rejecting cause
// into a *rejectedError.
func (s *SMF) checked(up *upfPeer, op string, cause uint8, err error) error {
	s.observeN4(op, cause, err)
	if err != nil {
		return fmt.Errorf("smf: N4 %s: %w", op, err)
	}
	if !pfcp.Accepted(cause) {
		if cause == pfcp.CauseNoEstablishedPFCPAssociation && op != n4AssociationSetup {
			s.associationLost(up)
		}
		return &rejectedError{op: op, cause: cause}
	}
	return nil
}

// establishN4 creates the session's PFCP session (TS 29.244 §6.3.2) and
// records the UP SEID and the UPF's N3 tunnel. Called with ss.mu held.
func (s *SMF) establishN4(ctx context.Context, ss *session, n3 tunnel) error {
	epoch, ok := ss.up.state()
	if !ok {
		return errNotAssociated
	}
	req, err := pfcp.EstablishmentRequest{NodeID: s.nodeID, CPSEID: ss.seid, CPAddr: s.cpAddr, Rules: s.sessionRules(ss, n3), PDNType: ss.pduType}.Message(0)
	if err != nil {
		return fmt.Errorf("smf: %w", err)
	}
	m, err := s.request(ctx, ss.up, n4Establishment, req)
	if err != nil {
		return err
	}
	resp, ok := m.(*message.SessionEstablishmentResponse)
	if !ok {
		return s.checked(ss.up, n4Establishment, 0, fmt.Errorf("answered with %s", m.MessageTypeName()))
	}
	r, err := pfcp.ParseEstablishmentResponse(resp)
	if err := s.checked(ss.up, n4Establishment, r.Cause, err); err != nil {
		return err
	}
	got := n3
	for _, c := range r.CreatedPDRs {
		if c.ID == pdrUplink {
			got = tunnel{Addr: c.FTEID.IPv4, TEID: c.FTEID.TEID}
		}
	}
	if got.TEID == 0 || !got.Addr.IsValid() {
		// The session exists at the UPF but is useless: take it down.
		ss.upSEID.Store(r.UPSEID)
		return fmt.Errorf("smf: N4 %s: no F-TEID for the uplink PDR in the response", n4Establishment)
	}
	ss.upSEID.Store(r.UPSEID)
	ss.viewMu.Lock()
	ss.n3 = got
	ss.viewMu.Unlock()
	ss.epoch = epoch
	return nil
}

// modifyDownlink points the downlink FAR where a session in state st
// sends its downlink (TS 23.502 §4.3.2.2.1, §4.2.6):
// forward to the gNB's tunnel, buffer, or drop. A session the UPF no
// longer has ("Session context not found"), unless it restarted, is
// re-established as it stands and then modified; one that cannot be is
// handed to the association loop to be released (vanish). Called with
// ss.mu held.
func (s *SMF) modifyDownlink(ctx context.Context, ss *session, st state, gnb tunnel, endMarker bool) error {
	err := s.modifyFAR(ctx, ss, st, gnb, endMarker)
	var re *rejectedError
	if !errors.As(err, &re) || re.cause != pfcp.CauseSessionContextNotFound {
		return err
	}
	// The UPF lost the session. Unless it restarted (the association
	// loop then restores every session), set the session up again as it
	// stands, then change it.
	if s.upfRestarted(ctx, ss.up) {
		return err
	}
	ss.log.Warn("the UPF lost the N4 session: re-establishing it", "up_seid", ss.upSEID.Load())
	if err := s.reestablish(ctx, ss); err != nil {
		s.vanish(ss)
		return fmt.Errorf("smf: N4 session lost by the UPF and not re-established: %w", err)
	}
	s.metrics.restored.WithLabelValues("ok").Inc()
	return s.modifyFAR(ctx, ss, st, gnb, endMarker)
}

// modifyFAR sends the Session Modification Request of modifyDownlink.
// endMarker asks the UPF for End Marker packets on the tunnel the FAR
// leaves (PFCPSMReq-Flags SNDEM, TS 29.244 §5.2.2.4, §7.5.4.3-2).
func (s *SMF) modifyFAR(ctx context.Context, ss *session, st state, gnb tunnel, endMarker bool) error {
	far := downlinkFAR(st, gnb)
	far.Set = pfcp.FieldApplyAction | pfcp.FieldDestination | pfcp.FieldOuterHeader | pfcp.FieldBARID
	far.SendEndMarker = endMarker
	return s.modifyN4(ctx, ss, n4Modification, pfcp.ModificationRequest{SEID: ss.upSEID.Load(), Update: pfcp.Rules{FARs: []pfcp.FAR{far}}})
}

// modifyN4 sends a Session Modification Request and counts it as op.
func (s *SMF) modifyN4(ctx context.Context, ss *session, op string, mr pfcp.ModificationRequest) error {
	req, err := mr.Message(0)
	if err != nil {
		return fmt.Errorf("smf: %w", err)
	}
	m, err := s.request(ctx, ss.up, op, req)
	if err != nil {
		return err
	}
	resp, ok := m.(*message.SessionModificationResponse)
	if !ok {
		return s.checked(ss.up, op, 0, fmt.Errorf("answered with %s", m.MessageTypeName()))
	}
	r, err := pfcp.ParseModificationResponse(resp)
	if err := s.checked(ss.up, op, r.Cause, err); err != nil {
		return err
	}
	s.addUsage(ss, r.Usage)
	return nil
}

// reestablish sets the session's N4 session up again with its rules as
// they stand and the uplink F-TEID the gNB uses, given to the UPF rather
// than chosen (TS 23.527 §4.3: restoration without N2 signalling). On
// failure the session has no N4 session. Called with ss.mu held.
func (s *SMF) reestablish(ctx context.Context, ss *session) error {
	old := ss.n3
	ss.upSEID.Store(0)
	ss.epoch = 0
	if err := s.establishN4(ctx, ss, old); err != nil {
		return err
	}
	if ss.n3 != old {
		return fmt.Errorf("smf: the UPF gave F-TEID %d@%s, the gNB uses %d@%s", ss.n3.TEID, ss.n3.Addr, old.TEID, old.Addr)
	}
	return nil
}

// vanish hands a session the UPF lost, and that could not be set up
// again, to the association loop, which tries once more and otherwise
// releases it (restoreOne), so that Sessions does not go on listing it.
func (s *SMF) vanish(ss *session) {
	select {
	case ss.up.vanished <- ss:
	default:
		ss.log.Error("session lost by the UPF not queued for release: too many waiting")
	}
}

// deleteN4 deletes the session's PFCP session (TS 29.244 §6.3.4) and
// counts its final usage. A session the UPF no longer has (cause 65,
// e.g. after its restart, or 72) is gone all the same. Called with ss.mu held.
func (s *SMF) deleteN4(ctx context.Context, ss *session) error {
	seid := ss.upSEID.Load()
	if seid == 0 {
		return nil
	}
	if ss.up.abandon(seid) {
		// The UPF does not answer (handle_upf_lost.go): its session is
		// deleted once it does.
		ss.upSEID.Store(0)
		return nil
	}
	m, err := s.request(ctx, ss.up, n4Deletion, pfcp.DeletionRequest(seid, 0))
	if err != nil {
		return err
	}
	resp, ok := m.(*message.SessionDeletionResponse)
	if !ok {
		return s.checked(ss.up, n4Deletion, 0, fmt.Errorf("answered with %s", m.MessageTypeName()))
	}
	r, err := pfcp.ParseDeletionResponse(resp)
	if err := s.checked(ss.up, n4Deletion, r.Cause, err); err != nil && !gone(r.Cause) {
		return err
	}
	s.addUsage(ss, r.Usage)
	ss.upSEID.Store(0)
	return nil
}

// gone reports whether a cause says the UPF no longer has the session:
// it does not know it (65), or has no association with the SMF (72),
// whose sessions went with the association (TS 29.244 §6.2.8).
func gone(cause uint8) bool {
	return cause == pfcp.CauseSessionContextNotFound || cause == pfcp.CauseNoEstablishedPFCPAssociation
}

// addUsage adds usage reports to the session's counters. Each report
// carries the volume measured since the URR's previous report (TS 29.244
// §5.2.2.2.1), so the counters are their sum.
func (s *SMF) addUsage(ss *session, us []pfcp.UsageReport) {
	for _, u := range us {
		if u.URRID != urrSession {
			continue
		}
		ss.ulBytes.Add(u.Uplink)
		ss.dlBytes.Add(u.Downlink)
	}
}

// handleN4 answers the requests the UPFs send. It runs on the PFCP
// node's goroutines and never takes a session's mu. A request from an
// address other than a UPF's (its N4 address and UPFConfig.Peers) is
// refused "Request rejected" (TS 29.244 §8.2.1; a Heartbeat goes
// unanswered) and counted: N4 has no authentication of its own, and a
// forged Session Report or Recovery Time Stamp would change the SMF's
// view of its sessions.
func (s *SMF) handleN4(ctx context.Context, peer netip.AddrPort, req message.Message) message.Message {
	var (
		resp message.Message
		err  error
	)
	up := s.upfFrom(peer)
	if up == nil {
		s.metrics.refused.WithLabelValues("peer_not_allowed").Inc()
		s.log.Info("N4 request from a peer not allowed refused", "type", req.MessageTypeName(), "peer", peer)
		ce := &pfcp.CauseError{Cause: pfcp.CauseRequestRejected, MessageType: req.MessageType(), Sequence: req.Sequence(), Err: errors.New("smf: peer not allowed")}
		resp, err := ce.Response(0, s.nodeID, s.node.RecoveryTime())
		if err != nil {
			s.log.Error("N4 response", "type", req.MessageTypeName(), "error", err)
			return nil
		}
		return resp
	}
	switch m := req.(type) {
	case *message.HeartbeatRequest:
		if rec, err := pfcp.ParseHeartbeat(m); err == nil {
			s.checkRecovery(up, rec)
		}
		resp, err = pfcp.HeartbeatResponse(m.Sequence(), s.node.RecoveryTime())
	case *message.AssociationSetupRequest:
		// A UPF-initiated association (TS 29.244 §6.2.6.2.1), as after
		// its restart: accepted, and a new Recovery Time Stamp means the
		// UPF lost its sessions.
		cause := pfcp.CauseRequestAccepted
		if _, rec, _, perr := pfcp.ParseAssociationSetup(m); perr != nil {
			cause = pfcp.CauseMandatoryIEMissing
		} else {
			s.checkRecovery(up, rec)
		}
		resp, err = pfcp.AssociationSetupResponse(m.Sequence(), s.nodeID, cause, s.node.RecoveryTime())
	case *message.SessionReportRequest:
		resp, err = s.handleReport(up, m)
	case *message.AssociationUpdateRequest:
		resp, err = s.handleAssociationUpdate(up, m)
	default:
		s.log.Debug("N4 request ignored", "type", req.MessageTypeName(), "peer", peer)
		return nil
	}
	if err != nil {
		s.log.Error("N4 response", "type", req.MessageTypeName(), "error", err)
		return nil
	}
	return resp
}

// Associated reports whether the SMF holds a PFCP association with one
// of its UPFs at least (TS 29.244 §6.2.6): without any it refuses PDU
// sessions (#26).
func (s *SMF) Associated() bool { return s.associated() > 0 }

// associated counts the UPFs the SMF is associated with.
func (s *SMF) associated() int {
	n := 0
	for _, up := range s.upfList() {
		if up.isAssociated() {
			n++
		}
	}
	return n
}

// associationLost: up answered a session request "No established PFCP
// Association" (TS 29.244 §6.2.6.1). It dropped the association, and
// its sessions with it (§6.2.8), without restarting, so its Recovery
// Time Stamp says nothing: the association loop sets the association up
// again and restores every session.
func (s *SMF) associationLost(up *upfPeer) {
	up.mu.Lock()
	first := !up.lost
	up.associated, up.lost = false, true
	up.mu.Unlock()
	if first {
		s.metrics.upfFailures.WithLabelValues("association_lost").Inc()
		s.log.Warn("the UPF has no PFCP association with the SMF: its sessions are to be restored", "upf", up.name)
	}
	up.wake()
}

// checkRecovery compares a Recovery Time Stamp up sent with the one of
// the association; a different one means the UPF restarted (TS 29.244
// §6.2.2, §6.2.6.2): the association loop sets the association up again
// and restores the sessions.
func (s *SMF) checkRecovery(up *upfPeer, rec time.Time) {
	up.mu.Lock()
	restarted := up.associated && !rec.Equal(up.recovery)
	if restarted {
		up.associated = false
	}
	up.mu.Unlock()
	if restarted {
		up.wake()
	}
}
