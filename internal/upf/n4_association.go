package upf

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/wmnsk/go-pfcp/message"

	"github.com/keelcore/keel/internal/pfcp"
)

// heartbeat answers a Heartbeat Request with the UPF's Recovery Time
// Stamp (TS 29.244 §6.2.2), association or not. From the address of an
// associated CP function, a Recovery Time Stamp other than the one it
// gave means it restarted: its sessions are deleted and its association
// dropped until it sets one up again.
func (u *UPF) heartbeat(peer netip.AddrPort, m *message.HeartbeatRequest) (message.Message, uint8) {
	if rec, err := pfcp.ParseHeartbeat(m); err == nil {
		u.state.Lock()
		var restarted *association
		for _, a := range u.state.peers {
			if a.addr == peer && !a.recovery.Equal(rec) {
				restarted = a
				delete(u.state.peers, a.nodeID)
				u.state.purging++
				break
			}
		}
		var doomed []*session
		if restarted != nil {
			doomed = u.sessionsOf(restarted.nodeID)
			u.metrics.associations.Set(float64(len(u.state.peers)))
		}
		u.state.Unlock()
		if restarted != nil {
			u.log.Warn("upf: CP function restarted (heartbeat): its sessions are deleted", "cp", restarted.nodeID, "peer", peer,
				"old_recovery", restarted.recovery, "new_recovery", rec, "sessions", len(doomed))
			u.purge(doomed)
			u.removed()
		}
	}
	resp, err := pfcp.HeartbeatResponse(0, u.node.RecoveryTime())
	return u.built(resp, err, u.log), 0
}

// associationSetup accepts a PFCP Association Setup Request from a CP
// function (TS 29.244 §6.2.6.2) and remembers its Node ID, address and
// Recovery Time Stamp. A CP function already associated with another
// Recovery Time Stamp has restarted: the sessions it had are deleted;
// those of an unchanged one are kept. The association is bound to the
// address that set it up: a setup for the same Node ID from another
// address is refused "Request rejected" (§8.2.1), unless
// Options.AllowAddressChange lets it move, and so is one for a Node ID
// Options.Peers does not list. Otherwise anyone able to send from a
// listed address could claim another CP function's Node ID with a new
// Recovery Time Stamp and have all its sessions deleted.
func (u *UPF) associationSetup(peer netip.AddrPort, m *message.AssociationSetupRequest) (message.Message, uint8) {
	nodeID, rec, _, err := pfcp.ParseAssociationSetup(m)
	if err != nil {
		cause, _ := causeOf(err, pfcp.CauseMandatoryIEIncorrect)
		u.log.Info("upf: Association Setup Request refused", "peer", peer, "err", err)
		resp, err := pfcp.AssociationSetupResponse(0, u.nodeID, cause, u.node.RecoveryTime())
		return u.built(resp, err, u.log), cause
	}
	log := u.log.With("cp", nodeID, "peer", peer)
	refuse := func(reason string, err error) (message.Message, uint8) {
		u.metrics.refused.WithLabelValues(reason).Inc()
		log.Warn("upf: Association Setup Request refused", "err", err)
		resp, berr := pfcp.AssociationSetupResponse(0, u.nodeID, pfcp.CauseRequestRejected, u.node.RecoveryTime())
		return u.built(resp, berr, log), pfcp.CauseRequestRejected
	}
	if u.peers != nil && !u.peers[nodeID] {
		return refuse(refusedNodeID, errors.New("upf: Node ID not among the allowed peers"))
	}
	if u.leaving.Load() {
		// Taken out of service (Leave): no new association.
		return refuse(refusedLeaving, errors.New("upf: leaving service"))
	}
	u.state.Lock()
	old := u.state.peers[nodeID]
	moved := old != nil && old.addr.Addr() != peer.Addr()
	if moved && !u.allowMove {
		u.state.Unlock()
		return refuse(refusedNodeIDUsed, fmt.Errorf("upf: Node ID associated from %v", old.addr))
	}
	var doomed, kept []*session
	if old != nil && !old.recovery.Equal(rec) {
		// Collected before the new association is in place, so that no
		// session of the restarted CP function is among them.
		doomed = u.sessionsOf(nodeID)
	} else if moved {
		kept = u.sessionsOf(nodeID)
	}
	u.state.peers[nodeID] = &association{nodeID: nodeID, addr: peer, recovery: rec}
	u.metrics.associations.Set(float64(len(u.state.peers)))
	u.state.Unlock()
	switch {
	case old == nil:
		log.Info("upf: PFCP association set up", "recovery", rec)
	case !old.recovery.Equal(rec):
		log.Warn("upf: CP function restarted: its sessions are deleted", "old_recovery", old.recovery, "new_recovery", rec, "sessions", len(doomed))
		u.purge(doomed)
	case moved:
		log.Warn("upf: PFCP association moved to another address, sessions kept", "old_peer", old.addr, "sessions", len(kept))
		for _, s := range kept {
			s.mu.Lock()
			s.cpAddr = peer
			s.mu.Unlock()
		}
	default:
		log.Info("upf: PFCP association set up again, sessions kept")
	}
	resp, err := pfcp.AssociationSetupResponse(0, u.nodeID, pfcp.CauseRequestAccepted, u.node.RecoveryTime())
	if err == nil {
		// §7.4.4.2: present as the UP function supports a feature: FTUP,
		// it allocates F-TEIDs (CHOOSE); UDBC, it bounds its buffering by
		// a BAR's Suggested Buffering Packets Count.
		resp.UPFunctionFeatures = pfcp.UPFunctionFeaturesIE(pfcp.FeatureFTUP | pfcp.FeatureUDBC)
	}
	return u.built(resp, err, log), pfcp.CauseRequestAccepted
}

// associationRelease releases a CP function's association at its request
// (TS 29.244 §6.2.8): its sessions are deleted first. Only the address
// the association is bound to may release it; another gets "Request
// rejected".
func (u *UPF) associationRelease(peer netip.AddrPort, m *message.AssociationReleaseRequest) (message.Message, uint8) {
	nodeID, _, err := pfcp.ParseAssociationRelease(m)
	if err != nil {
		cause, _ := causeOf(err, pfcp.CauseMandatoryIEIncorrect)
		resp, err := pfcp.AssociationReleaseResponse(0, u.nodeID, cause)
		return u.built(resp, err, u.log), cause
	}
	u.state.Lock()
	a, ok := u.state.peers[nodeID]
	if ok && a.addr.Addr() != peer.Addr() {
		u.state.Unlock()
		u.metrics.refused.WithLabelValues(refusedNotOwner).Inc()
		u.log.Warn("upf: Association Release Request refused", "cp", nodeID, "peer", peer, "err", fmt.Errorf("upf: Node ID associated from %v", a.addr))
		resp, err := pfcp.AssociationReleaseResponse(0, u.nodeID, pfcp.CauseRequestRejected)
		return u.built(resp, err, u.log), pfcp.CauseRequestRejected
	}
	var doomed []*session
	if ok {
		delete(u.state.peers, nodeID)
		u.state.purging++
		doomed = u.sessionsOf(nodeID)
		u.metrics.associations.Set(float64(len(u.state.peers)))
	}
	u.state.Unlock()
	cause := pfcp.CauseRequestAccepted
	if !ok {
		cause = pfcp.CauseNoEstablishedPFCPAssociation
	} else {
		u.log.Info("upf: PFCP association released", "cp", nodeID, "peer", peer, "sessions", len(doomed))
		u.purge(doomed)
		u.removed()
	}
	resp, err := pfcp.AssociationReleaseResponse(0, u.nodeID, cause)
	return u.built(resp, err, u.log), cause
}

// sessionsOf lists the sessions of a CP function. u.state must be held.
func (u *UPF) sessionsOf(nodeID netip.Addr) []*session {
	out := []*session{}
	for _, s := range u.state.sessions {
		if s.cpNode == nodeID {
			out = append(out, s)
		}
	}
	return out
}

// purge deletes sessions without telling their CP function, which has
// lost them already.
func (u *UPF) purge(doomed []*session) {
	for _, s := range doomed {
		s.mu.Lock()
		if !s.gone {
			if _, err := u.dp.Delete(s.upSEID); err != nil && !errors.Is(err, ErrUnknownSession) {
				u.log.Error("upf: datapath: deleting a session", "seid", s.upSEID, "err", err)
			}
			u.forget(s)
		}
		s.mu.Unlock()
	}
}
