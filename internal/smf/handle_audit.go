package smf

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/wmnsk/go-pfcp/message"

	"github.com/keelcore/keel/internal/pfcp"
)

// auditPerHeartbeat is how many sessions the association loop audits
// after each heartbeat answered.
const auditPerHeartbeat = 4

// audit checks that up still has the next few sessions after the
// CP SEID after, in CP SEID order and round the registry, and returns
// the CP SEID to go on from. A UPF can lose sessions without restarting
// (its Recovery Time Stamp unchanged): it dropped the SMF's association
// (answered 72: associationLost restores them all) or a session alone
// (answered 65: re-established or released). Without the audit the SMF
// would go on listing sessions that carry no traffic. The association
// loop runs it.
func (s *SMF) audit(ctx context.Context, up *upfPeer, after uint64) uint64 {
	all := slices.DeleteFunc(s.all(), func(ss *session) bool { return ss.up != up })
	if len(all) == 0 {
		return after
	}
	slices.SortFunc(all, func(a, b *session) int { return cmp.Compare(a.seid, b.seid) })
	i, _ := slices.BinarySearchFunc(all, after+1, func(ss *session, seid uint64) int { return cmp.Compare(ss.seid, seid) })
	for n := range min(auditPerHeartbeat, len(all)) {
		ss := all[(i+n)%len(all)]
		after = ss.seid
		s.auditOne(ctx, ss)
		if !up.isAssociated() {
			break
		}
	}
	return after
}

// auditOne asks the UPF whether it has the session, with a Session
// Modification Request that changes nothing (TS 29.244 §7.5.4: every IE
// of the request is conditional or optional).
func (s *SMF) auditOne(ctx context.Context, ss *session) {
	seid := ss.upSEID.Load()
	if seid == 0 {
		return
	}
	req, err := pfcp.ModificationRequest{SEID: seid}.Message(0)
	if err != nil {
		ss.log.Error("N4 audit", "error", err)
		return
	}
	m, err := s.request(ctx, ss.up, n4Audit, req)
	if err != nil {
		return // an unreachable UPF is the heartbeats' business
	}
	resp, ok := m.(*message.SessionModificationResponse)
	if !ok {
		s.checked(ss.up, n4Audit, 0, fmt.Errorf("answered with %s", m.MessageTypeName()))
		return
	}
	r, err := pfcp.ParseModificationResponse(resp)
	if s.checked(ss.up, n4Audit, r.Cause, err) == nil || r.Cause != pfcp.CauseSessionContextNotFound {
		return
	}
	if s.upfRestarted(ctx, ss.up) {
		return // restore takes every session back
	}
	ss.mu.Lock()
	if ss.upSEID.Load() != seid {
		s.unlock(ss)
		return // changed meanwhile: released, or established again
	}
	ss.epoch = 0
	s.unlock(ss)
	ss.log.Warn("N4 audit: the UPF lost the session", "up_seid", seid)
	epoch, _ := ss.up.state()
	s.restoreOne(ctx, ss, epoch)
}

// upfRestarted asks the UPF for its Recovery Time Stamp before the SMF
// concludes that it lost one session: a session unknown to a UPF that
// restarted is for the restoration of every session to take back, not
// to be re-established alone (and then again). It reports whether the
// SMF is without an association afterwards: the UPF restarted, or did
// not answer.
func (s *SMF) upfRestarted(ctx context.Context, up *upfPeer) bool {
	if err := s.heartbeat(ctx, up); err != nil {
		return true
	}
	return !up.isAssociated()
}
