package upf

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"

	"github.com/wmnsk/go-pfcp/message"

	"github.com/keelcore/keel/internal/pfcp"
)

// modify changes a PFCP session (TS 29.244 §6.3.3, §7.5.4): removes,
// updates and creates rules on the session's installed set, installs the
// result in the datapath as one change, and answers with the Created
// PDRs and the usage reports: of the URRs removed (trigger termination)
// and, when asked, of all (trigger immediate report). An unknown SEID
// gets "Session context not found", and so does the SEID of a session
// whose association is bound to another address than the request's; a
// rule that cannot be applied "Rule creation/modification Failure", and
// the session is unchanged. A request without changes or query is
// accepted without a datapath call: it tells the CP function the session
// is there.
func (u *UPF) modify(peer netip.AddrPort, m *message.SessionModificationRequest) (message.Message, uint8) {
	log := u.log.With("peer", peer, "seid", m.SEID())
	s := u.lookup(m.SEID())
	if s != nil {
		s.mu.Lock()
		defer s.mu.Unlock()
	}
	var cpSEID uint64
	refuse := func(cause uint8, offending uint16, err error) (message.Message, uint8) {
		log.Info("upf: Session Modification Request refused", "cause", cause, "err", err)
		resp, berr := pfcp.ModificationResponse{Cause: cause, OffendingIE: offending}.Message(cpSEID, 0)
		return u.built(resp, berr, log), cause
	}
	if !u.associatedFrom(peer.Addr()) {
		u.metrics.refused.WithLabelValues(refusedNoAssoc).Inc()
		return refuse(pfcp.CauseNoEstablishedPFCPAssociation, 0, errors.New("upf: no PFCP association with this peer"))
	}
	if s == nil || s.gone {
		return refuse(pfcp.CauseSessionContextNotFound, 0, errors.New("upf: unknown SEID"))
	}
	if !u.associated(s.cpNode, peer.Addr()) {
		// Another CP function's session: answered as if unknown, so that
		// SEIDs cannot be probed.
		u.metrics.refused.WithLabelValues(refusedOtherCP).Inc()
		return refuse(pfcp.CauseSessionContextNotFound, 0, errors.New("upf: SEID of another CP function's session"))
	}
	cpSEID = s.cpSEID
	req, err := pfcp.ParseModificationRequest(m)
	if err != nil {
		cause, off := causeOf(err, pfcp.CauseMandatoryIEIncorrect)
		return refuse(cause, off, err)
	}
	if req.Empty() {
		// Nothing to change (a CP function checking that the session is
		// still here): the datapath is left alone.
		log.Debug("upf: PFCP session modification without changes")
		resp, err := pfcp.ModificationResponse{Cause: pfcp.CauseRequestAccepted}.Message(cpSEID, 0)
		return u.built(resp, err, log), pfcp.CauseRequestAccepted
	}
	cur, err := s.rules.unpack()
	if err != nil {
		log.Error("upf: session rules", "err", err)
		return refuse(pfcp.CauseSystemFailure, 0, err)
	}
	next, err := modified(cur, req)
	if err != nil {
		cause, off := causeOf(err, pfcp.CauseRuleCreationModificationFailure)
		return refuse(cause, off, err)
	}
	// The counters of the URRs to report are read before the change
	// removes any.
	var usage []Usage
	if req.QueryURRs || len(req.RemoveURRs) > 0 {
		if usage, err = u.dp.Usage(s.upSEID); err != nil {
			log.Error("upf: datapath: reading usage", "err", err)
			usage = nil
		}
	}
	if req.DropBuffered {
		// §8.2.31 DROBU: what the session buffers goes before the FARs
		// apply.
		n, err := u.dp.DropBuffered(s.upSEID)
		if err != nil {
			log.Error("upf: datapath: dropping buffered packets", "err", err)
		}
		log.Debug("upf: buffered downlink dropped at the CP function's request", "packets", n)
	}
	created, taken, err := u.claim(s, &next)
	if err == nil {
		err = u.install(s, next, taken, endMarkers(cur, req.Update.FARs))
	}
	if err != nil {
		cause, off := causeOf(err, pfcp.CauseRuleCreationModificationFailure)
		return refuse(cause, off, err)
	}
	now := u.now()
	var reports []pfcp.UsageReport
	for _, use := range usage {
		switch {
		case slices.Contains(req.RemoveURRs, use.URRID):
			reports = append(reports, s.report(use, pfcp.TriggerTermination, now))
		case req.QueryURRs:
			reports = append(reports, s.report(use, pfcp.TriggerQuery, now))
		}
	}
	s.startURRs(next, now)
	log.Debug("upf: PFCP session modified", "pdrs", len(next.PDRs), "reports", len(reports))
	resp, err := pfcp.ModificationResponse{Cause: pfcp.CauseRequestAccepted, CreatedPDRs: created, Usage: reports}.Message(cpSEID, 0)
	return u.built(resp, err, log), pfcp.CauseRequestAccepted
}

// endMarkers returns the downlink tunnels that the Update FARs asking
// for End Marker packets (PFCPSMReq-Flags SNDEM, TS 29.244 §5.2.2.4,
// §8.2.31) switch away from: the outer header the FAR had before, when
// the update changes it. An update that keeps the tunnel sends none.
func endMarkers(cur pfcp.Rules, updates []pfcp.FAR) []OuterHeader {
	var out []OuterHeader
	for _, u := range updates {
		if !u.SendEndMarker {
			continue
		}
		i := slices.IndexFunc(cur.FARs, func(f pfcp.FAR) bool { return f.ID == u.ID })
		if i < 0 {
			continue
		}
		old := cur.FARs[i].Outer
		if old == nil || (u.Outer != nil && *u.Outer == *old) {
			continue
		}
		out = append(out, OuterHeader{TEID: old.TEID, Addr: old.IPv4})
	}
	return out
}

// modified returns the rules of a session after a modification request:
// removals, then updates, then creations. A rule to remove or update that
// the session does not have, or one to create that it has, is refused;
// so is an Update PDR asking the UPF to CHOOSE a new F-TEID, which would
// need the Updated PDR IE of §7.5.5.
func modified(cur pfcp.Rules, req pfcp.ModificationRequest) (pfcp.Rules, error) {
	r := cur.Clone()
	var err error
	for _, id := range req.RemovePDRs {
		if r.PDRs, err = remove(r.PDRs, "PDR", uint32(id), func(p pfcp.PDR) uint32 { return uint32(p.ID) }); err != nil {
			return r, err
		}
	}
	for _, id := range req.RemoveFARs {
		if r.FARs, err = remove(r.FARs, "FAR", id, func(f pfcp.FAR) uint32 { return f.ID }); err != nil {
			return r, err
		}
	}
	for _, id := range req.RemoveQERs {
		if r.QERs, err = remove(r.QERs, "QER", id, func(q pfcp.QER) uint32 { return q.ID }); err != nil {
			return r, err
		}
	}
	for _, id := range req.RemoveURRs {
		if r.URRs, err = remove(r.URRs, "URR", id, func(x pfcp.URR) uint32 { return x.ID }); err != nil {
			return r, err
		}
	}
	for _, id := range req.RemoveBARs {
		if r.BARs, err = remove(r.BARs, "BAR", uint32(id), func(x pfcp.BAR) uint32 { return uint32(x.ID) }); err != nil {
			return r, err
		}
		// The FARs that named it buffer without BAR from now on.
		for i := range r.FARs {
			if r.FARs[i].BARID == id {
				r.FARs[i].BARID = 0
			}
		}
	}
	for _, p := range req.Update.PDRs {
		if p.Set&pfcp.FieldPDI != 0 && p.FTEID != nil && p.FTEID.Choose {
			return r, &pfcp.CauseError{Cause: pfcp.CauseInvalidFTEIDAllocationOption, OffendingIE: 21,
				Err: fmt.Errorf("upf: Update PDR %d: CHOOSE in an update is not supported", p.ID)}
		}
		if err := update(r.PDRs, "PDR", uint32(p.ID), func(x pfcp.PDR) uint32 { return uint32(x.ID) }, func(x pfcp.PDR) pfcp.PDR { return x.Update(p) }); err != nil {
			return r, err
		}
	}
	for _, f := range req.Update.FARs {
		if err := update(r.FARs, "FAR", f.ID, func(x pfcp.FAR) uint32 { return x.ID }, func(x pfcp.FAR) pfcp.FAR { return x.Update(f) }); err != nil {
			return r, err
		}
	}
	for _, q := range req.Update.QERs {
		if err := update(r.QERs, "QER", q.ID, func(x pfcp.QER) uint32 { return x.ID }, func(x pfcp.QER) pfcp.QER { return x.Update(q) }); err != nil {
			return r, err
		}
	}
	for _, x := range req.Update.URRs {
		if err := update(r.URRs, "URR", x.ID, func(y pfcp.URR) uint32 { return y.ID }, func(y pfcp.URR) pfcp.URR { return y.Update(x) }); err != nil {
			return r, err
		}
	}
	for _, b := range req.Update.BARs {
		if err := update(r.BARs, "BAR", uint32(b.ID), func(x pfcp.BAR) uint32 { return uint32(x.ID) }, func(x pfcp.BAR) pfcp.BAR { return x.Update(b) }); err != nil {
			return r, err
		}
	}
	c := req.Create.Clone()
	for _, p := range c.PDRs {
		if slices.ContainsFunc(r.PDRs, func(x pfcp.PDR) bool { return x.ID == p.ID }) {
			return r, ruleErr("PDR", uint32(p.ID), "exists already")
		}
		r.PDRs = append(r.PDRs, p)
	}
	for _, f := range c.FARs {
		if slices.ContainsFunc(r.FARs, func(x pfcp.FAR) bool { return x.ID == f.ID }) {
			return r, ruleErr("FAR", f.ID, "exists already")
		}
		r.FARs = append(r.FARs, f)
	}
	for _, q := range c.QERs {
		if slices.ContainsFunc(r.QERs, func(x pfcp.QER) bool { return x.ID == q.ID }) {
			return r, ruleErr("QER", q.ID, "exists already")
		}
		r.QERs = append(r.QERs, q)
	}
	for _, x := range c.URRs {
		if slices.ContainsFunc(r.URRs, func(y pfcp.URR) bool { return y.ID == x.ID }) {
			return r, ruleErr("URR", x.ID, "exists already")
		}
		r.URRs = append(r.URRs, x)
	}
	for _, b := range c.BARs {
		if slices.ContainsFunc(r.BARs, func(y pfcp.BAR) bool { return y.ID == b.ID }) {
			return r, ruleErr("BAR", uint32(b.ID), "exists already")
		}
		r.BARs = append(r.BARs, b)
	}
	return r, nil
}

func remove[T any](rules []T, kind string, id uint32, key func(T) uint32) ([]T, error) {
	i := slices.IndexFunc(rules, func(x T) bool { return key(x) == id })
	if i < 0 {
		return rules, ruleErr(kind, id, "unknown")
	}
	return slices.Delete(rules, i, i+1), nil
}

func update[T any](rules []T, kind string, id uint32, key func(T) uint32, change func(T) T) error {
	i := slices.IndexFunc(rules, func(x T) bool { return key(x) == id })
	if i < 0 {
		return ruleErr(kind, id, "unknown")
	}
	rules[i] = change(rules[i])
	return nil
}

func ruleErr(kind string, id uint32, what string) error {
	return &pfcp.CauseError{Cause: pfcp.CauseRuleCreationModificationFailure, Err: fmt.Errorf("upf: %s %d %s", kind, id, what)}
}
