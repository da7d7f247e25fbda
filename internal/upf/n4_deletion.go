package upf

import (
	"errors"
	"net/netip"

	"github.com/wmnsk/go-pfcp/message"

	"github.com/keelcore/keel/internal/pfcp"
)

// deleteSession deletes a PFCP session (TS 29.244 §6.3.4, §7.5.6): the
// datapath removes it and returns its final counters, sent as usage
// reports with trigger termination (§7.5.7.2). An unknown SEID gets
// "Session context not found", and so does the SEID of a session whose
// association is bound to another address than the request's. The session is gone even when the
// datapath fails to delete it, which is answered "System failure".
func (u *UPF) deleteSession(peer netip.AddrPort, m *message.SessionDeletionRequest) (message.Message, uint8) {
	log := u.log.With("peer", peer, "seid", m.SEID())
	s := u.lookup(m.SEID())
	if s != nil {
		s.mu.Lock()
		defer s.mu.Unlock()
	}
	var cpSEID uint64
	refuse := func(cause uint8, err error) (message.Message, uint8) {
		log.Info("upf: Session Deletion Request refused", "cause", cause, "err", err)
		resp, berr := pfcp.DeletionResponse{Cause: cause}.Message(cpSEID, 0)
		return u.built(resp, berr, log), cause
	}
	if !u.associatedFrom(peer.Addr()) {
		u.metrics.refused.WithLabelValues(refusedNoAssoc).Inc()
		return refuse(pfcp.CauseNoEstablishedPFCPAssociation, errors.New("upf: no PFCP association with this peer"))
	}
	if s == nil || s.gone {
		return refuse(pfcp.CauseSessionContextNotFound, errors.New("upf: unknown SEID"))
	}
	if !u.associated(s.cpNode, peer.Addr()) {
		// Another CP function's session: answered as if unknown, so that
		// SEIDs cannot be probed.
		u.metrics.refused.WithLabelValues(refusedOtherCP).Inc()
		return refuse(pfcp.CauseSessionContextNotFound, errors.New("upf: SEID of another CP function's session"))
	}
	cpSEID = s.cpSEID
	usage, err := u.dp.Delete(s.upSEID)
	now := u.now()
	var reports []pfcp.UsageReport
	for _, use := range usage {
		reports = append(reports, s.report(use, pfcp.TriggerTermination, now))
	}
	u.forget(s)
	if err != nil {
		log.Error("upf: datapath: deleting a session", "err", err)
		return refuse(pfcp.CauseSystemFailure, err)
	}
	log.Debug("upf: PFCP session deleted", "reports", len(reports))
	resp, err := pfcp.DeletionResponse{Cause: pfcp.CauseRequestAccepted, Usage: reports}.Message(cpSEID, 0)
	return u.built(resp, err, log), pfcp.CauseRequestAccepted
}
