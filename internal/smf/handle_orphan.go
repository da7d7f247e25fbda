package smf

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/wmnsk/go-pfcp/message"

	"github.com/keelcore/keel/internal/pfcp"
)

// orphan is a PFCP session the UPF set up for a request the SMF had
// given up on: no PDU session owns it.
type orphan struct {
	cpSEID, upSEID uint64
}

// orphansQueued bounds the orphans waiting for deletion; one more is
// left to the UPF (and logged).
const orphansQueued = 64

// unmatched takes the responses the PFCP node matched with no request
// waiting (pfcp.Options.Unmatched): an accepted Session Establishment
// Response arriving after the SMF timed out means the UPF holds a
// session nobody will delete, which the association loop then deletes.
// It runs on the node's reader and does not block.
func (s *SMF) unmatched(peer netip.AddrPort, m message.Message) {
	resp, ok := m.(*message.SessionEstablishmentResponse)
	up := s.upfFrom(peer)
	if !ok || up == nil {
		return
	}
	r, err := pfcp.ParseEstablishmentResponse(resp)
	if err != nil || !pfcp.Accepted(r.Cause) || r.UPSEID == 0 {
		return
	}
	select {
	case up.orphans <- orphan{cpSEID: resp.SEID(), upSEID: r.UPSEID}:
	default:
		s.log.Warn("N4 session set up after its request timed out left at the UPF: too many waiting", "up_seid", r.UPSEID)
	}
}

// deleteOrphan deletes, at the UPF, a session that a late Session
// Establishment Response from up reported (TS 29.244 §6.3.4), unless it is the
// one a PDU session holds: a duplicate response to a request that was
// answered in time. The session's mu is taken so that an establishment
// still storing its UP SEID is seen done.
func (s *SMF) deleteOrphan(ctx context.Context, up *upfPeer, o orphan) {
	s.sessions.Lock()
	ss := s.sessions.bySEID[o.cpSEID]
	s.sessions.Unlock()
	if ss != nil {
		ss.mu.Lock()
		owned := ss.up == up && ss.upSEID.Load() == o.upSEID
		s.unlock(ss)
		if owned {
			return
		}
	}
	err := s.deleteUP(ctx, up, o.upSEID)
	s.log.Info("N4 session set up after its request timed out deleted", "cp_seid", o.cpSEID, "up_seid", o.upSEID, "error", err)
}

// deleteUP sends a Session Deletion Request for a UP SEID no PDU
// session holds; "Session context not found" counts as done.
func (s *SMF) deleteUP(ctx context.Context, up *upfPeer, upSEID uint64) error {
	m, err := s.request(ctx, up, n4Deletion, pfcp.DeletionRequest(upSEID, 0))
	if err != nil {
		return err
	}
	resp, ok := m.(*message.SessionDeletionResponse)
	if !ok {
		return s.checked(up, n4Deletion, 0, fmt.Errorf("answered with %s", m.MessageTypeName()))
	}
	r, err := pfcp.ParseDeletionResponse(resp)
	if err := s.checked(up, n4Deletion, r.Cause, err); err != nil && r.Cause != pfcp.CauseSessionContextNotFound {
		return err
	}
	return nil
}
