package smf

import (
	"context"
	"sync"

	"github.com/keelcore/keel/internal/nas/sm"
)

// upfLost runs when up stops answering heartbeats (after the PFCP
// node's retransmissions, TS 29.244 §6.2.2): the UPF failed, or the path
// to it did, and its sessions carry no traffic. TS 23.527 §4.3 leaves a
// UPF failure without restart to the implementation; Keel releases
// each PDU session of the UPF that another associated UPF can serve
// (its DNN in its slice) with 5GSM cause #39 "reactivation requested"
// (TS 24.501 §6.3.3.2, §9.11.4.2), through the AMF's N1N2MessageTransfer
// — the PDU SESSION RELEASE COMMAND, and the N2 release when the user
// plane is up — so that the UE establishes the session again and is
// given a live UPF. A UE in CM-IDLE is paged by the AMF or, when it
// cannot be reached, the session is released at once and the UE learns
// of it at its next contact from its PDU session status (TS 23.502
// §4.3.4.2). A session no other UPF can serve is kept: the UPF may come
// back, and restore takes its sessions back if it restarted. The N4
// sessions of the released PDU sessions are not deleted at the UPF that
// does not answer; their UP SEIDs wait in up.abandoned, deleted once it
// answers again (associate). Counted in keel_smf_upf_failures_total and
// keel_smf_upf_lost_sessions_total. Run by the UPF's association loop.
func (s *SMF) upfLost(ctx context.Context, up *upfPeer) {
	up.mu.Lock()
	wasUp := !up.down
	up.associated, up.down = false, true
	up.mu.Unlock()
	if !wasUp {
		return
	}
	s.metrics.upfFailures.WithLabelValues("heartbeat").Inc()
	work := make(chan *session)
	var wg sync.WaitGroup
	for range restoreWorkers {
		wg.Go(func() {
			for ss := range work {
				s.moveOff(ctx, ss)
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
}

// moveOff releases a session of a lost UPF with #39 when another UPF
// can take it, or keeps it.
func (s *SMF) moveOff(ctx context.Context, ss *session) {
	if s.alternative(ss) == nil {
		s.metrics.upfLostSessions.WithLabelValues("kept").Inc()
		ss.log.Warn("the session's UPF does not answer and no other UPF serves its DNN: kept until the UPF is back", "upf", ss.up.name)
		return
	}
	err := s.release(ctx, ss, sm.CauseReactivationRequested)
	switch {
	case err != nil:
		// The UE could not be told (not reachable): released locally, it
		// learns of it at its next contact.
		s.metrics.upfLostSessions.WithLabelValues("released_locally").Inc()
		ss.log.Info("PDU session of a lost UPF released without the UE", "upf", ss.up.name, "error", err)
	default:
		s.metrics.upfLostSessions.WithLabelValues("reactivation_requested").Inc()
	}
}

// alternative is an associated UPF other than the session's that serves
// its DNN in its slice, nil when there is none.
func (s *SMF) alternative(ss *session) *upfPeer {
	for _, up := range s.upfList() {
		if up != ss.up && up.isAssociated() && !up.isRetired() && up.servesDNN(ss.dnn, ss.snssai) != nil {
			return up
		}
	}
	return nil
}

// abandon keeps seid, the N4 session of a PDU session being released,
// for deletion once the UPF answers again, and reports whether the UPF
// is down (handle_upf_lost.go); when it is not, the caller deletes the
// session itself.
func (up *upfPeer) abandon(seid uint64) bool {
	up.mu.Lock()
	defer up.mu.Unlock()
	if !up.down {
		return false
	}
	up.abandoned = append(up.abandoned, seid)
	return true
}

// deleteAbandoned deletes at up the N4 sessions of PDU sessions
// released while it did not answer. A UPF that restarted meanwhile has
// none of them ("Session context not found" counts as done); one that
// was cut off has kept them, rules and all, and would otherwise forward
// for addresses given to other UEs since.
func (s *SMF) deleteAbandoned(ctx context.Context, up *upfPeer, seids []uint64) {
	for _, seid := range seids {
		err := s.deleteUP(ctx, up, seid)
		if err != nil {
			s.log.Warn("N4 session of a PDU session released while the UPF did not answer not deleted", "upf", up.name, "up_seid", seid, "error", err)
		}
	}
}
