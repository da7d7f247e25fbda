package smf

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/wmnsk/go-pfcp/message"

	"github.com/keelcore/keel/internal/nas/sm"
	"github.com/keelcore/keel/internal/pfcp"
)

// runAssociation keeps the N4 association with one UPF (TS 29.244
// §6.2.6): it sets it up, retrying with a backoff from a tenth of the
// heartbeat interval up to it until the UPF answers; then sends a
// Heartbeat Request every interval (§6.2.2). A heartbeat without answer
// (after the node's retransmissions) drops the association, so that new
// sessions go to other UPFs or are refused until the UPF answers again,
// and the UPF is lost (upfLost); a changed Recovery Time Stamp (in a
// heartbeat or association setup from the UPF, or in the answer to the
// SMF's own association setup) means the UPF restarted and lost its
// sessions, which restore re-establishes. Each UPF has a loop of its
// own, which New (or AddUPF) starts and Close joins; a retired UPF's
// loop ends once the UPF holds no session (dropRetired).
func (s *SMF) runAssociation(ctx context.Context, up *upfPeer) {
	interval := s.opts.HeartbeatInterval
	minBackoff := max(interval/10, time.Millisecond)
	backoff := minBackoff
	var audited uint64 // the CP SEID the audit goes on after
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if s.dropRetired(up) {
			return
		}
		if up.takeLeft() {
			// The UPF released the association, going out of service:
			// not asked again at once.
			select {
			case <-ctx.Done():
				return
			case <-time.After(interval):
			}
			continue
		}
		if !up.isAssociated() {
			if err := s.associate(ctx, up); err != nil {
				if ctx.Err() != nil {
					return
				}
				s.log.Warn("PFCP association setup with the UPF failed", "upf", up.name, "retry_in", backoff, "error", err)
				select {
				case <-ctx.Done():
					return
				case <-time.After(backoff):
				}
				backoff = min(2*backoff, interval)
				continue
			}
			backoff = minBackoff
		}
		select {
		case <-ctx.Done():
			return
		case <-up.kick:
			if up.takeReleasing() {
				s.upfReleased(ctx, up)
			}
		case o := <-up.orphans:
			s.deleteOrphan(ctx, up, o)
		case ss := <-up.vanished:
			epoch, _ := up.state()
			s.restoreOne(ctx, ss, epoch)
		case <-tick.C:
			if err := s.heartbeat(ctx, up); err != nil && ctx.Err() == nil {
				s.log.Warn("UPF does not answer heartbeats: association dropped", "upf", up.name, "error", err)
				s.upfLost(ctx, up)
			} else if up.isAssociated() {
				audited = s.audit(ctx, up, audited)
			}
		}
	}
}

// associate sends an Association Setup Request and, once accepted,
// restores the sessions if the UPF restarted since they were set up, and
// deletes those released while it did not answer.
func (s *SMF) associate(ctx context.Context, up *upfPeer) error {
	req, err := pfcp.AssociationSetupRequest(0, s.nodeID, s.node.RecoveryTime())
	if err != nil {
		return err
	}
	m, err := s.request(ctx, up, n4AssociationSetup, req)
	if err != nil {
		return err
	}
	_, rec, cause, err := pfcp.ParseAssociationSetup(m)
	if err := s.checked(up, n4AssociationSetup, cause, err); err != nil {
		return err
	}
	up.mu.Lock()
	prev, lost, wasDown := up.recovery, up.lost, up.down
	restarted := !prev.IsZero() && !prev.Equal(rec)
	if restarted || lost {
		up.epoch++
	}
	up.recovery, up.associated, up.lost, up.down = rec, true, false, false
	epoch := up.epoch
	abandoned := up.abandoned
	up.abandoned = nil
	up.mu.Unlock()
	s.log.Info("PFCP association with the UPF set up", "upf", up.name, "upf_recovery", rec, "upf_restarted", restarted,
		"upf_lost_sessions", lost, "upf_was_unreachable", wasDown)
	if restarted {
		s.metrics.upfRestarts.Inc()
		s.metrics.upfFailures.WithLabelValues("restart").Inc()
	}
	if restarted || lost {
		s.restore(ctx, up, epoch)
	}
	s.deleteAbandoned(ctx, up, abandoned)
	return nil
}

// heartbeat sends one Heartbeat Request to up and checks its Recovery
// Time Stamp.
func (s *SMF) heartbeat(ctx context.Context, up *upfPeer) error {
	req, err := pfcp.HeartbeatRequest(0, s.node.RecoveryTime())
	if err != nil {
		return err
	}
	m, err := s.request(ctx, up, n4Heartbeat, req)
	if err != nil {
		return err
	}
	resp, ok := m.(*message.HeartbeatResponse)
	if !ok {
		err = fmt.Errorf("answered with %s", m.MessageTypeName())
		s.observeN4(n4Heartbeat, 0, err)
		return err
	}
	rec, err := pfcp.ParseHeartbeat(resp)
	s.observeN4(n4Heartbeat, pfcp.CauseRequestAccepted, err)
	if err != nil {
		return err
	}
	s.checkRecovery(up, rec)
	return nil
}

// restoreWorkers bounds the N4 establishments restore runs at once.
const restoreWorkers = 8

// causeNetworkFailure is the 5GSM cause of a release after a UPF restart
// the session did not survive.
const causeNetworkFailure = sm.CauseNetworkFailure

// restore re-establishes the PFCP session of every PDU session the UPF
// lost in its restart (TS 23.527, restoration after a UPF restart; TS
// 29.244 §6.2.6.2: the CP function learns of the restart from the
// Recovery Time Stamp) or with the SMF's association (a session request
// answered "No established PFCP Association", §6.2.8). Each
// session is re-established with its rules as they stand and with the
// uplink F-TEID the gNB already uses, given to the UPF rather than
// chosen by it, so that no N2 signalling is needed. A session the UPF
// will not take back is released as the network does it (TS 23.502
// §4.3.4.2): the UE learns of it and may establish it anew.
func (s *SMF) restore(ctx context.Context, up *upfPeer, epoch uint64) {
	work := make(chan *session)
	var wg sync.WaitGroup
	for range restoreWorkers {
		wg.Go(func() {
			for ss := range work {
				s.restoreOne(ctx, ss, epoch)
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

// restoreOne re-establishes one session whose N4 session is of an
// epoch before epoch, or releases it.
func (s *SMF) restoreOne(ctx context.Context, ss *session, epoch uint64) {
	ss.mu.Lock()
	switch ss.state {
	case activating, active, inactive:
	default:
		s.unlock(ss)
		return
	}
	if ss.epoch >= epoch {
		s.unlock(ss)
		return // set up since the UPF lost its sessions
	}
	err := s.reestablish(ctx, ss)
	if err == nil {
		s.unlock(ss)
		s.metrics.restored.WithLabelValues("ok").Inc()
		ss.log.Info("N4 session re-established after the UPF lost it", "up_seid", ss.upSEID.Load())
		return
	}
	s.unlock(ss)
	s.metrics.restored.WithLabelValues("released").Inc()
	ss.log.Warn("N4 session lost by the UPF not re-established: releasing the PDU session", "error", err)
	if err := s.release(ctx, ss, causeNetworkFailure); err != nil {
		ss.log.Warn("network-requested release", "error", err)
	}
}
