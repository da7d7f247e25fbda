package upf

import (
	"errors"
	"net/netip"

	"github.com/wmnsk/go-pfcp/message"

	"github.com/keelcore/keel/internal/pfcp"
)

// establish creates a PFCP session (TS 29.244 §6.3.2, §7.5.2): it
// allocates a UP SEID and the F-TEIDs the CP function asked the UPF to
// CHOOSE, installs the rules in the datapath and answers with the UP
// F-SEID and the Created PDRs. A CP function without an association gets
// "No established PFCP Association" (§6.2.6.1), and so does a request
// naming a Node ID whose association is bound to another address than
// the request's; rules the datapath refuses "Rule creation/modification
// Failure".
func (u *UPF) establish(peer netip.AddrPort, m *message.SessionEstablishmentRequest) (message.Message, uint8) {
	req, err := pfcp.ParseEstablishmentRequest(m)
	log := u.log.With("peer", peer, "cp", req.NodeID, "cp_seid", req.CPSEID)
	refuse := func(cause uint8, offending uint16, err error) (message.Message, uint8) {
		log.Info("upf: Session Establishment Request refused", "cause", cause, "err", err)
		resp, berr := pfcp.EstablishmentResponse{NodeID: u.nodeID, Cause: cause, OffendingIE: offending}.Message(req.CPSEID, 0)
		return u.built(resp, berr, log), cause
	}
	if err != nil {
		cause, off := causeOf(err, pfcp.CauseMandatoryIEIncorrect)
		return refuse(cause, off, err)
	}
	if !u.associated(req.NodeID, peer.Addr()) {
		u.metrics.refused.WithLabelValues(refusedNoAssoc).Inc()
		return refuse(pfcp.CauseNoEstablishedPFCPAssociation, 0, errors.New("upf: no PFCP association with this Node ID from this address"))
	}

	s := u.newSession(req.NodeID, req.CPSEID, peer)
	defer s.mu.Unlock()
	log = log.With("seid", s.upSEID)
	rules := req.Rules.Clone()
	created, taken, err := u.claim(s, &rules)
	if err == nil {
		err = u.install(s, rules, taken, nil)
	}
	if err != nil {
		u.forget(s)
		cause, off := causeOf(err, pfcp.CauseRuleCreationModificationFailure)
		return refuse(cause, off, err)
	}
	s.startURRs(rules, u.now())
	log.Debug("upf: PFCP session established", "pdrs", len(rules.PDRs), "fars", len(rules.FARs), "qers", len(rules.QERs), "urrs", len(rules.URRs))
	resp, err := pfcp.EstablishmentResponse{
		NodeID: u.nodeID, Cause: pfcp.CauseRequestAccepted,
		UPSEID: s.upSEID, UPAddr: u.n4Addr(), CreatedPDRs: created,
	}.Message(req.CPSEID, 0)
	return u.built(resp, err, log), pfcp.CauseRequestAccepted
}

// n4Addr is the address in the UP F-SEID: the N4 socket's, or the Node
// ID when the socket listens on every address.
func (u *UPF) n4Addr() netip.Addr {
	if a := u.node.Addr().Addr(); !a.IsUnspecified() {
		return a
	}
	return u.nodeID
}
