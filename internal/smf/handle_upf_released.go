package smf

import (
	"context"
	"errors"
	"sync"

	"github.com/wmnsk/go-pfcp/message"

	"github.com/keelcore/keel/internal/nas/sm"
	"github.com/keelcore/keel/internal/pfcp"
)

// handleAssociationUpdate answers a UPF's PFCP Association Update
// Request (TS 29.244 §6.2.7.3): accepted, or refused with the cause of
// what is wrong in it. One with the PFCP Association Release Request IE
// and SARR set (§8.2.77) asks the SMF to release the association, as a
// UPF taken out of service does: the association loop does it
// (upfReleased) once the response is sent. Runs on the PFCP node's
// goroutines.
func (s *SMF) handleAssociationUpdate(up *upfPeer, m *message.AssociationUpdateRequest) (message.Message, error) {
	u, err := pfcp.ParseAssociationUpdate(m)
	if err != nil {
		cause := pfcp.CauseMandatoryIEIncorrect
		var ce *pfcp.CauseError
		if errors.As(err, &ce) && ce.Cause != 0 {
			cause = ce.Cause
		}
		s.log.Info("PFCP Association Update Request refused", "upf", up.name, "cause", cause, "error", err)
		return pfcp.AssociationUpdateResponse(m.Sequence(), s.nodeID, cause)
	}
	if u.ReleaseRequested {
		up.mu.Lock()
		asked := up.associated && !up.releasing
		up.releasing = up.releasing || up.associated
		up.mu.Unlock()
		if asked {
			s.log.Info("the UPF asks for the release of its PFCP association: its sessions are moved", "upf", up.name,
				"graceful_release_period", u.GracefulRelease)
			up.wake()
		}
	}
	return pfcp.AssociationUpdateResponse(m.Sequence(), s.nodeID, pfcp.CauseRequestAccepted)
}

// upfReleased carries out a UPF's request to release the association
// (TS 29.244 §6.2.7.3, §6.2.8): no new session goes to it; each of its
// PDU sessions is released with 5GSM cause #39 "reactivation requested"
// (TS 24.501 §6.3.3.2) — its N4 session deleted at the UPF, which still
// answers — so that the UE establishes it again on another UPF at once,
// rather than after the heartbeats a lost UPF goes unanswered for; a
// UE that cannot be reached learns of it at its next contact (TS 23.502
// §4.3.4.2). A session no other UPF serves is released all the same:
// its UPF is going. Then the SMF releases the association (PFCP
// Association Release Request, §6.2.8.2) and waits a heartbeat interval
// before it associates again. Counted in keel_smf_upf_failures_total
// {reason="released"} and keel_smf_upf_lost_sessions_total. Run by the
// UPF's association loop.
func (s *SMF) upfReleased(ctx context.Context, up *upfPeer) {
	up.mu.Lock()
	up.associated, up.left = false, true
	up.mu.Unlock()
	s.metrics.upfFailures.WithLabelValues("released").Inc()
	work := make(chan *session)
	var wg sync.WaitGroup
	for range restoreWorkers {
		wg.Go(func() {
			for ss := range work {
				if err := s.release(ctx, ss, sm.CauseReactivationRequested); err != nil {
					s.metrics.upfLostSessions.WithLabelValues("released_locally").Inc()
					ss.log.Info("PDU session of a UPF leaving released without the UE", "upf", up.name, "error", err)
					continue
				}
				s.metrics.upfLostSessions.WithLabelValues("reactivation_requested").Inc()
			}
		})
	}
	for _, ss := range s.all() {
		if ss.up == up {
			work <- ss
		}
	}
	close(work)
	wg.Wait()
	req, err := pfcp.AssociationReleaseRequest(0, s.nodeID)
	if err == nil {
		var m message.Message
		if m, err = s.request(ctx, up, n4AssociationRelease, req); err == nil {
			_, cause, perr := pfcp.ParseAssociationRelease(m)
			err = s.checked(up, n4AssociationRelease, cause, perr)
		}
	}
	if err != nil && ctx.Err() == nil {
		s.log.Info("PFCP association release of a UPF leaving not answered", "upf", up.name, "error", err)
	}
	s.log.Info("PFCP association released at the UPF's request", "upf", up.name)
}

// takeReleasing reports whether the UPF asked for the release of the
// association, and clears it.
func (up *upfPeer) takeReleasing() bool {
	up.mu.Lock()
	defer up.mu.Unlock()
	r := up.releasing
	up.releasing = false
	return r
}

// takeLeft reports whether the UPF released the association, and
// clears it.
func (up *upfPeer) takeLeft() bool {
	up.mu.Lock()
	defer up.mu.Unlock()
	l := up.left
	up.left = false
	return l
}
