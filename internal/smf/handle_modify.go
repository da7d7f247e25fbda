package smf

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/free5gc/ngap/ie"

	"github.com/keelcore/keel/internal/nas/sm"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/pfcp"
	"github.com/keelcore/keel/internal/sbi"
)

// modification is the PDU session modification in progress (TS 23.502
// §4.3.3.2, TS 24.501 §6.3.2, §6.4.2): the UPF has the new rules; the
// PDU SESSION MODIFICATION COMMAND travels to the UE inside the PDU
// Session Resource Modify Request. It ends with the UE's PDU SESSION
// MODIFICATION COMPLETE. The UE's COMMAND REJECT, or the gNB's Modify
// Unsuccessful Transfer, rolls it back: the UPF gets the rules of before.
type modification struct {
	// pti is the PTI of the UE's PDU SESSION MODIFICATION REQUEST, or
	// NoPTI for a network-requested modification.
	pti uint8
	// old and oldFlows are the policy and QoS flows before: restored on
	// a roll back.
	old      sbi.SmPolicyDecision
	oldFlows []qosFlow
}

// Outcomes of a modification, the label of keel_smf_modifications_total.
const (
	modCompleted   = "completed"
	modUERejected  = "ue-rejected"
	modGNBFailed   = "gnb-failed"
	modRefused     = "refused" // a UE-requested one the network refused
	modUnreachable = "unreachable"
	modError       = "error"
)

// SMPolicyUpdated is Npcf_SMPolicyControl_UpdateNotify (TS 29.512
// §4.2.3): the PCF changed the decision of a session's association, after
// the subscriber's session AMBR changed (TS 23.502 §4.16.5.2). A new
// session AMBR starts a network-requested PDU session modification (TS
// 23.502 §4.3.3.2 step 1b): the UPF's session QER gets the new MBR at
// once, and the PDU SESSION MODIFICATION COMMAND (no PTI, the
// Session-AMBR) goes to the UE in a PDU Session Resource Modify Request
// with the new PDU Session Aggregate Maximum Bit Rate, through the AMF's
// N1N2MessageTransfer. An idle UE is paged for it (step 3b); one that
// cannot be reached keeps the new AMBR at the UPF, and its gNB gets it
// with the next Service Request's setup (its UE learns it at the next
// modification or establishment: the choice TS 23.502 §4.3.3.2 leaves to
// the SMF when the UE is not reachable).
func (s *SMF) SMPolicyUpdated(ctx context.Context, pol sbi.SmPolicyDecision) error {
	ss := s.byPolicy(pol.ID)
	if ss == nil {
		return fmt.Errorf("smf: UpdateNotify for policy %q: %w", pol.ID, sbi.ErrSMContextNotFound)
	}
	ss.mu.Lock()
	switch {
	case ss.state != active && ss.state != inactive && ss.state != activating:
		s.unlock(ss)
		return nil // being released
	case ss.mod != nil:
		// One modification at a time: this one starts when the running
		// one ends (next).
		ss.nextPolicy = &pol
		s.unlock(ss)
		return nil
	}
	tr, err := s.modifyPolicy(ctx, ss, pol, sm.NoPTI)
	s.unlock(ss)
	if err != nil {
		s.metrics.modifications.WithLabelValues("network", modError).Inc()
		return err
	}
	if tr != nil {
		s.transfer(ctx, ss, *tr)
	}
	return nil
}

// byPolicy finds the session of an SM policy association. It walks the
// sessions: a subscription change is rare next to the sessions' own
// procedures, which need no index of their policy.
func (s *SMF) byPolicy(id string) *session {
	for _, ss := range s.all() {
		ss.mu.Lock()
		match := ss.policy.ID == id
		s.unlock(ss)
		if match {
			return ss
		}
	}
	return nil
}

// modifyPolicy takes a new decision for the session: its QoS flows are
// recomputed (qos.go), the UPF gets the rules of the flows created,
// changed and deleted and the new session AMBR, and it returns the
// transfer that takes the change to the UE and the gNB (TS 23.502
// §4.3.3.2 step 3): the PDU SESSION MODIFICATION COMMAND (PTI pti, the
// Session-AMBR when it changed, the QoS rules and flow descriptions to
// create, modify and delete) and the Modify Request Transfer (the PDU
// Session Aggregate Maximum Bit Rate, the QoS flows to add or modify and
// to release). It returns nil when nothing the UE or the gNB holds
// changed. On an error the session keeps its policy and flows. Called
// with ss.mu held.
func (s *SMF) modifyPolicy(ctx context.Context, ss *session, pol sbi.SmPolicyDecision, pti uint8) (*sbi.N1N2MessageTransferReqData, error) {
	old := ss.policy
	pol.ID = old.ID
	ss.policy = pol
	before, after, err := ss.recomputeFlows()
	if err != nil {
		ss.policy = old
		return nil, fmt.Errorf("smf: the new policy: %w", err)
	}
	created, modified, deleted := flowChanges(before, after)
	ambr := pol.SessionAMBRUplink != old.SessionAMBRUplink || pol.SessionAMBRDownlink != old.SessionAMBRDownlink
	if !ambr && len(created)+len(modified)+len(deleted) == 0 {
		return nil, nil
	}
	undo := func() { ss.policy, ss.flows = old, before }
	if err := s.applyFlows(ctx, ss, before, after, ambr); err != nil {
		undo()
		return nil, fmt.Errorf("smf: the new policy not applied at the UPF: %w", err)
	}
	m := sm.Modification{PDUSessionID: ss.key.psi, PTI: pti, HasAMBR: ambr, AMBRUplink: pol.SessionAMBRUplink, AMBRDownlink: pol.SessionAMBRDownlink}
	x := ngap.ModifyRequestTransfer{HasAMBR: ambr, AMBRUplink: pol.SessionAMBRUplink, AMBRDownlink: pol.SessionAMBRDownlink}
	var rules []sm.QoSRule
	var descs []sm.QoSFlowDescription
	for i := range created {
		rules = append(rules, created[i].nasRule(sm.RuleOpCreate))
		descs = append(descs, created[i].nasDescription(sm.FlowOpCreate))
		x.Flows = append(x.Flows, created[i].ngapFlow())
	}
	for i := range modified {
		rules = append(rules, modified[i].nasRule(sm.RuleOpReplaceFilters))
		descs = append(descs, modified[i].nasDescription(sm.FlowOpModify))
		x.Flows = append(x.Flows, modified[i].ngapFlow())
	}
	for _, qfi := range deleted {
		i := slices.IndexFunc(before, func(f qosFlow) bool { return f.qfi == qfi })
		rules = append(rules, before[i].nasRule(sm.RuleOpDelete))
		descs = append(descs, before[i].nasDescription(sm.FlowOpDelete))
		if x.Release == nil {
			x.Release = map[uint8]*ie.Cause{}
		}
		x.Release[qfi] = ngap.NASCause(ie.CauseNasPresentNormalRelease)
	}
	if len(rules) > 0 {
		if m.QoSRules, err = sm.AppendQoSRules(nil, rules); err == nil {
			m.QoSFlowDescriptions, err = sm.AppendQoSFlowDescriptions(nil, descs)
		}
	}
	var n2 []byte
	if err == nil {
		n2, err = x.Encode()
	}
	if err != nil {
		if rerr := s.applyFlows(ctx, ss, after, before, ambr); rerr != nil {
			ss.log.Warn("N4: restoring the rules of before failed", "error", rerr)
		}
		undo()
		return nil, fmt.Errorf("smf: %w", err)
	}
	ss.mod = &modification{pti: pti, old: old, oldFlows: before}
	ss.log.Info("PDU session modification", "pti", pti, "ambr_dl", pol.SessionAMBRDownlink, "ambr_ul", pol.SessionAMBRUplink,
		"flows_created", len(created), "flows_modified", len(modified), "flows_deleted", len(deleted))
	tr := sbi.NewN1N2Transfer(ss.key.psi, sm.ModificationCommand(nil, m), sbi.NgapPduResModReq, n2)
	tr.FailureNotify = s
	return &tr, nil
}

// applyFlows gives the UPF the rules of flows after in place of before
// (TS 29.244 §7.5.4): Create PDR and QER for a new flow, Remove PDR and
// QER for a deleted one, Update QER with the bit rates and Update PDR
// with the downlink PDI (SDF filters) and precedence of a changed one,
// and the session QER with the policy's session AMBR when ambr. Called
// with ss.mu held.
func (s *SMF) applyFlows(ctx context.Context, ss *session, before, after []qosFlow, ambr bool) error {
	created, modified, deleted := flowChanges(before, after)
	mr := pfcp.ModificationRequest{SEID: ss.upSEID.Load()}
	for i := range created {
		r := flowRules(ss, &created[i], ss.n3)
		mr.Create.PDRs = append(mr.Create.PDRs, r.PDRs...)
		mr.Create.QERs = append(mr.Create.QERs, r.QERs...)
	}
	for i := range modified {
		r := flowRules(ss, &modified[i], ss.n3)
		q := r.QERs[0]
		q.Set = pfcp.FieldMBR
		mr.Update.QERs = append(mr.Update.QERs, q)
		// The downlink PDR's PDI carries the flow's SDF filters and its
		// precedence the QoS rule's (TS 29.244 §7.5.4.2): a PCC rule's
		// changed flow descriptions reach the UPF's classification.
		dl := r.PDRs[1]
		dl.Set = pfcp.FieldPDI | pfcp.FieldPrecedence
		mr.Update.PDRs = append(mr.Update.PDRs, dl)
	}
	for _, qfi := range deleted {
		mr.RemovePDRs = append(mr.RemovePDRs, pdrUplinkOf(qfi), pdrDownlinkOf(qfi))
		mr.RemoveQERs = append(mr.RemoveQERs, qerOf(qfi))
	}
	if ambr {
		mr.Update.QERs = append(mr.Update.QERs, pfcp.QER{ID: qerSession, MBRUL: ss.policy.SessionAMBRUplink, MBRDL: ss.policy.SessionAMBRDownlink, Set: pfcp.FieldMBR})
	}
	if mr.Empty() {
		return nil
	}
	return s.modifyN4(ctx, ss, n4Modification, mr)
}

// transfer sends a network-requested modification through the AMF
// (N1N2MessageTransfer, TS 23.502 §4.3.3.2 step 3). Called without ss.mu:
// the AMF may call UpdateSMContext before it answers.
func (s *SMF) transfer(ctx context.Context, ss *session, tr sbi.N1N2MessageTransferReqData) {
	amf := s.amfService()
	err := errors.New("no AMF")
	var res sbi.N1N2MessageTransferRspData
	if amf != nil {
		cctx, cancel := context.WithTimeout(ctx, s.opts.SBITimeout)
		res, err = amf.N1N2MessageTransfer(cctx, ss.key.supi, tr)
		cancel()
	}
	if err == nil {
		if res.Cause == sbi.N1N2AttemptingToReachUE {
			ss.log.Debug("network-requested modification waits for the idle UE to be paged")
		}
		return
	}
	ss.mu.Lock()
	defer s.unlock(ss)
	ss.log.Info("network-requested modification not delivered: the new policy stays at the UPF", "error", err)
	s.endModification(ctx, ss, modUnreachable)
}

// endModification ends the running modification with outcome and starts
// the one that waited for it, if any. Called with ss.mu held; a waiting
// one's transfer goes out on its own goroutine, which the SMF's Close
// waits for.
func (s *SMF) endModification(ctx context.Context, ss *session, outcome string) {
	if ss.mod == nil {
		return
	}
	kind := "network"
	if ss.mod.pti != sm.NoPTI {
		kind = "ue"
	}
	s.metrics.modifications.WithLabelValues(kind, outcome).Inc()
	ss.mod = nil
	if ss.state == releasing || ss.state == released {
		ss.unadmitted = nil
	}
	if gone := ss.unadmitted; len(gone) > 0 {
		// The deletion goes first; a waiting policy change after it.
		ss.unadmitted = nil
		s.deleteAtUE(ctx, ss, gone)
		return
	}
	pol := ss.nextPolicy
	ss.nextPolicy = nil
	if pol == nil || ss.state == releasing || ss.state == released {
		return
	}
	tr, err := s.modifyPolicy(ctx, ss, *pol, sm.NoPTI)
	if err != nil {
		ss.log.Warn("waiting policy change not applied", "error", err)
		return
	}
	if tr != nil {
		s.done.Add(1)
		go func() {
			defer s.done.Done()
			s.transfer(context.WithoutCancel(ctx), ss, *tr)
		}()
	}
}

// rollBack gives the session and the UPF the policy and flows of before
// the running modification (TS 23.502 §4.3.3.2: the UE or the gNB
// refused it). Called with ss.mu held.
func (s *SMF) rollBack(ctx context.Context, ss *session) {
	m := ss.mod
	current, pol := ss.flows, ss.policy
	ss.policy, ss.flows = m.old, m.oldFlows
	ambr := pol.SessionAMBRUplink != m.old.SessionAMBRUplink || pol.SessionAMBRDownlink != m.old.SessionAMBRDownlink
	if err := s.applyFlows(ctx, ss, current, m.oldFlows, ambr); err != nil {
		ss.log.Warn("N4: restoring the rules of before the modification failed", "error", err)
	}
	s.reportInactive(ctx, ss, current, m.oldFlows)
	// A flow the gNB did not admit that this modification created never
	// reached the UE: nothing to delete there.
	ss.unadmitted = slices.DeleteFunc(ss.unadmitted, func(f qosFlow) bool {
		return !slices.ContainsFunc(m.oldFlows, func(o qosFlow) bool { return o.qfi == f.qfi })
	})
}

// reportInactive tells the PCF of the PCC rules whose flows went from
// before to after without the PCF's say (rule reports, ruleStatus
// INACTIVE, TS 29.512 RuleReport), so that its decision no longer holds
// them. Called with ss.mu held; the report goes once it is released
// (unlock).
func (s *SMF) reportInactive(ctx context.Context, ss *session, before, after []qosFlow) {
	var gone []string
	for _, f := range before {
		if f.pccRule != "" && !slices.ContainsFunc(after, func(o qosFlow) bool { return o.pccRule == f.pccRule }) {
			gone = append(gone, f.pccRule)
		}
	}
	if len(gone) == 0 {
		return
	}
	id, log := ss.policy.ID, ss.log
	ss.later(func() {
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.SBITimeout)
		defer cancel()
		if _, err := s.pcf.Update(pctx, id, sbi.SmPolicyUpdateContextData{InactiveRules: gone}); err != nil {
			log.Warn("Npcf_SMPolicyControl_Update (rule reports) failed", "pcc_rules", gone, "error", err)
		}
	})
}

// modifyN2 handles the gNB's answer to a PDU Session Resource Modify
// Request (TS 38.413 §8.2.3; TS 23.502 §4.3.3.2 steps 5-6). A Modify
// Response Transfer whose flows all went through is noted, the
// modification waiting for the UE's COMPLETE; flows the gNB did not
// admit are removed from the UPF. A Modify Unsuccessful Transfer rolls
// the modification back; the UE, whose NAS-PDU the gNB did not deliver,
// is answered PDU SESSION MODIFICATION REJECT #26 (with back-off) when
// it asked. Called
// with ss.mu held.
func (s *SMF) modifyN2(ctx context.Context, ss *session, t sbi.N2SmInfoType, b []byte) (sbi.SmContextUpdatedData, error) {
	if t == sbi.N2ModifyResponse {
		r, err := ngap.DecodeModifyResponseTransfer(b)
		if err != nil {
			return sbi.SmContextUpdatedData{}, fmt.Errorf("smf: %w: %w", sbi.ErrInvalidRequest, err)
		}
		// TS 23.502 §4.3.3.2 step 5: a flow the gNB did not admit goes
		// from the session and the UPF, and from the UE once this
		// modification ends (dropFlows).
		if err := s.dropFlows(ctx, ss, r.Failed, "not admitted by the gNB"); err != nil {
			ss.log.Warn("N4: removing the QoS flows the gNB did not admit failed", "error", err)
		}
		return sbi.SmContextUpdatedData{}, nil
	}
	cause, err := ngap.DecodeModifyUnsuccessfulTransfer(b)
	if err != nil {
		return sbi.SmContextUpdatedData{}, fmt.Errorf("smf: %w: %w", sbi.ErrInvalidRequest, err)
	}
	m := ss.mod
	if m == nil {
		return sbi.SmContextUpdatedData{}, nil
	}
	ss.log.Info("the gNB failed the PDU session modification: rolled back", "cause", ngap.CauseString(cause))
	s.rollBack(ctx, ss)
	pti := m.pti
	s.endModification(ctx, ss, modGNBFailed)
	if pti == sm.NoPTI {
		return sbi.SmContextUpdatedData{}, nil
	}
	// TS 24.501 §6.4.2.4.2: with #26 a back-off timer, so that the UE
	// does not ask the gNB again at once for what it could not give.
	return sbi.SmContextUpdatedData{N1SmMsg: sbi.N1SM(sm.ModificationRejectBackOff(nil, ss.key.psi, pti, sm.CauseInsufficientResources, s.opts.T3396))}, nil
}

// modificationCompleted ends a modification with the UE's PDU SESSION
// MODIFICATION COMPLETE (TS 24.501 §6.3.2.3), or rolls it back on its
// PDU SESSION MODIFICATION COMMAND REJECT (§6.3.2.4). Called with ss.mu
// held.
func (s *SMF) modificationCompleted(ctx context.Context, ss *session, b []byte, rejected bool) (sbi.SmContextUpdatedData, error) {
	parse := sm.ParseModificationComplete
	if rejected {
		parse = sm.ParseModificationCommandReject
	}
	a, err := parse(b)
	var smErr *sm.Error
	switch {
	case errors.As(err, &smErr):
		return status(ss, smErr.Header, smErr.Cause, "malformed 5GSM message"), nil
	case err != nil:
		return sbi.SmContextUpdatedData{}, nil
	case ss.mod == nil:
		return status(ss, a.Header, sm.CauseMessageTypeNotCompatible, "no modification in progress"), nil
	case a.PTI != ss.mod.pti:
		return status(ss, a.Header, sm.CausePTIMismatch, "PTI not the modification command's"), nil
	}
	if !rejected {
		ss.log.Debug("PDU session modification completed")
		s.endModification(ctx, ss, modCompleted)
		return sbi.SmContextUpdatedData{}, nil
	}
	ss.log.Info("the UE rejected the PDU session modification: rolled back", "cause", int(a.Cause), "cause_name", sm.CauseName(a.Cause))
	s.rollBack(ctx, ss)
	s.endModification(ctx, ss, modUERejected)
	return sbi.SmContextUpdatedData{}, nil
}
