package upf

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"

	"github.com/wmnsk/go-pfcp/message"

	"github.com/keelcore/keel/internal/pfcp"
)

// handle answers a PFCP request from N4: the pfcp.Node runs it once per
// request (duplicates are answered from its cache), many at once.
func (u *UPF) handle(ctx context.Context, peer netip.AddrPort, req message.Message) message.Message {
	<-u.ready
	var resp message.Message
	var cause uint8
	if !u.allowed(peer.Addr()) {
		resp, cause = u.notAllowed(peer, req.MessageType(), req.Sequence())
		u.metrics.request(req.MessageType(), cause)
		return resp
	}
	switch m := req.(type) {
	case *message.HeartbeatRequest:
		resp, cause = u.heartbeat(peer, m)
	case *message.AssociationSetupRequest:
		resp, cause = u.associationSetup(peer, m)
	case *message.AssociationReleaseRequest:
		resp, cause = u.associationRelease(peer, m)
	case *message.SessionEstablishmentRequest:
		resp, cause = u.establish(peer, m)
	case *message.SessionModificationRequest:
		resp, cause = u.modify(peer, m)
	case *message.SessionDeletionRequest:
		resp, cause = u.deleteSession(peer, m)
	default:
		// Association Update, PFD Management, Session Set Deletion and
		// the requests a UP function sends itself.
		resp, cause = u.reject(&pfcp.CauseError{
			Cause: pfcp.CauseServiceNotSupported, MessageType: req.MessageType(), Sequence: req.Sequence(),
			Err: errors.New("upf: request not supported"),
		}, 0)
	}
	u.metrics.request(req.MessageType(), cause)
	return resp
}

// refused answers a request pfcp.Decode refused (TS 29.244 §7.6): the
// response of its type with the cause, addressed to the session's CP
// SEID when the header names a session the UPF knows.
func (u *UPF) refused(ctx context.Context, peer netip.AddrPort, e *pfcp.CauseError) message.Message {
	<-u.ready
	if !u.allowed(peer.Addr()) {
		resp, cause := u.notAllowed(peer, e.MessageType, e.Sequence)
		u.metrics.request(e.MessageType, cause)
		return resp
	}
	var seid uint64
	if e.MessageType != message.MsgTypeSessionEstablishmentRequest && e.SEID != 0 {
		// Only the session's own CP function learns its CP SEID.
		if s := u.lookup(e.SEID); s != nil && u.associated(s.cpNode, peer.Addr()) {
			s.mu.Lock()
			seid = s.cpSEID
			s.mu.Unlock()
		}
	}
	u.log.Info("upf: N4 request refused", "peer", peer, "type", pfcp.TypeName(e.MessageType), "err", e)
	resp, cause := u.reject(e, seid)
	u.metrics.request(e.MessageType, cause)
	return resp
}

// reject builds the response refusing a request with e's cause.
func (u *UPF) reject(e *pfcp.CauseError, seid uint64) (message.Message, uint8) {
	resp, err := e.Response(seid, u.nodeID, u.node.RecoveryTime())
	if err != nil {
		u.log.Error("upf: building a refusal", "type", pfcp.TypeName(e.MessageType), "err", err)
		return nil, e.Cause
	}
	return resp, e.Cause
}

// causeOf is the cause for err: a *pfcp.CauseError's own, otherwise
// fallback.
func causeOf(err error, fallback uint8) (uint8, uint16) {
	var ce *pfcp.CauseError
	if errors.As(err, &ce) && ce.Cause != 0 {
		return ce.Cause, ce.OffendingIE
	}
	return fallback, 0
}

// built logs a response that does not build; the request then goes
// unanswered, as a bug must not be hidden behind a made-up cause.
func (u *UPF) built(m message.Message, err error, log *slog.Logger) message.Message {
	if err != nil {
		log.Error("upf: building the response", "err", err)
		return nil
	}
	return m
}

// Why the UPF refused an N4 request on the grounds of who sent it: the
// reason label of keel_upf_pfcp_refused_total.
const (
	refusedPeer       = "peer_not_allowed"     // a source address not in Options.Peers
	refusedNodeID     = "node_id_not_allowed"  // an Association Setup for a Node ID not in Options.Peers
	refusedNodeIDUsed = "node_id_in_use"       // an Association Setup for a Node ID bound to another address
	refusedNotOwner   = "not_association_peer" // an Association Release for a Node ID bound to another address
	refusedLeaving    = "leaving"              // an Association Setup while the UPF leaves service (Leave)
	refusedNoAssoc    = "no_association"       // a session request from an address without an association (for its Node ID)
	refusedOtherCP    = "not_session_owner"    // a session request for a session of another association
)

// allowed reports whether requests from this address are taken
// (Options.Peers).
func (u *UPF) allowed(from netip.Addr) bool {
	return u.peers == nil || u.peers[from.Unmap()]
}

// notAllowed refuses a request from an address not in Options.Peers:
// "Request rejected" (TS 29.244 §8.2.1), and no answer to a Heartbeat,
// whose response has no cause.
func (u *UPF) notAllowed(peer netip.AddrPort, typ uint8, seq uint32) (message.Message, uint8) {
	u.metrics.refused.WithLabelValues(refusedPeer).Inc()
	u.log.Info("upf: N4 request from a peer not allowed refused", "peer", peer, "type", pfcp.TypeName(typ))
	return u.reject(&pfcp.CauseError{Cause: pfcp.CauseRequestRejected, MessageType: typ, Sequence: seq,
		Err: errors.New("upf: peer not allowed")}, 0)
}

// associated reports whether the CP function with this Node ID has a
// PFCP association set up from this address: a CP function's session
// requests are taken from the address its association is bound to only,
// whatever Node ID they claim.
func (u *UPF) associated(nodeID netip.Addr, from netip.Addr) bool {
	u.state.Lock()
	defer u.state.Unlock()
	a := u.state.peers[nodeID]
	return a != nil && a.addr.Addr() == from
}

// associatedFrom reports whether any CP function has a PFCP association
// set up from this address.
func (u *UPF) associatedFrom(from netip.Addr) bool {
	u.state.Lock()
	defer u.state.Unlock()
	for _, a := range u.state.peers {
		if a.addr.Addr() == from {
			return true
		}
	}
	return false
}
