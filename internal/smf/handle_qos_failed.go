package smf

import (
	"context"
	"maps"
	"slices"

	"github.com/free5gc/ngap/ie"

	"github.com/keelcore/keel/internal/nas/sm"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/pfcp"
	"github.com/keelcore/keel/internal/sbi"
)

// dropFlows removes the QoS flows the gNB did not admit (QoS Flow Failed
// to Setup List of the PDU Session Resource Setup Response Transfer, TS
// 38.413 §9.3.4.2) or released (PDU Session Resource Notify, §8.2.4):
// the session forgets them and the UPF removes their PDRs and QERs (TS
// 23.502 §4.3.2.2.1 step 15, §4.3.3.2 step 1e), so that their traffic
// goes by the default flow's rules; the PCF and the UE are told
// (flowsGone). The default flow is never dropped: a gNB that cannot
// carry it fails the whole session. Called with ss.mu held.
func (s *SMF) dropFlows(ctx context.Context, ss *session, failed map[uint8]*ie.Cause, why string) error {
	var mr pfcp.ModificationRequest
	var gone []qosFlow
	for _, qfi := range slices.Sorted(maps.Keys(failed)) {
		i := slices.IndexFunc(ss.flows, func(f qosFlow) bool { return f.qfi == qfi })
		if i < 0 {
			continue
		}
		f := ss.flows[i]
		if !ss.removeFlow(qfi) {
			continue
		}
		gone = append(gone, f)
		ss.log.Info("QoS flow removed", "qfi", qfi, "reason", why, "cause", ngap.CauseString(failed[qfi]))
		mr.RemovePDRs = append(mr.RemovePDRs, pdrUplinkOf(qfi), pdrDownlinkOf(qfi))
		mr.RemoveQERs = append(mr.RemoveQERs, qerOf(qfi))
	}
	var err error
	if len(mr.RemovePDRs) > 0 && ss.upSEID.Load() != 0 {
		mr.SEID = ss.upSEID.Load()
		err = s.modifyN4(ctx, ss, n4Modification, mr)
	}
	s.flowsGone(ctx, ss, gone)
	return err
}

// flowsGone ends, at the PCF and at the UE, QoS flows the gNB did not
// admit or released: the PCF gets their PCC rules reported inactive
// (TS 29.512 RuleReport), and the UE, which was given their QoS rules
// and flow descriptions, a network-requested PDU SESSION MODIFICATION
// COMMAND deleting them (TS 23.502 §4.3.3.2 step 1e; TS 24.501
// §6.3.2.2), N1 only since the gNB holds nothing of them. While another
// modification runs the deletion waits for it to end (endModification).
// Called with ss.mu held.
func (s *SMF) flowsGone(ctx context.Context, ss *session, gone []qosFlow) {
	if len(gone) == 0 {
		return
	}
	s.reportInactive(ctx, ss, gone, ss.flows)
	if ss.mod != nil {
		ss.unadmitted = append(ss.unadmitted, gone...)
		return
	}
	s.deleteAtUE(ctx, ss, gone)
}

// deleteAtUE starts the network-requested modification that deletes the
// QoS rules and flow descriptions of gone at the UE. It rolls nothing
// back at the UPF when the UE rejects it: the session's flows of now
// are the ones to restore. Called with ss.mu held and no modification
// running; the transfer goes out on its own goroutine, which the SMF's
// Close waits for.
func (s *SMF) deleteAtUE(ctx context.Context, ss *session, gone []qosFlow) {
	rules := make([]sm.QoSRule, 0, len(gone))
	descs := make([]sm.QoSFlowDescription, 0, len(gone))
	for i := range gone {
		rules = append(rules, gone[i].nasRule(sm.RuleOpDelete))
		descs = append(descs, gone[i].nasDescription(sm.FlowOpDelete))
	}
	m := sm.Modification{PDUSessionID: ss.key.psi, PTI: sm.NoPTI}
	var err error
	if m.QoSRules, err = sm.AppendQoSRules(nil, rules); err == nil {
		m.QoSFlowDescriptions, err = sm.AppendQoSFlowDescriptions(nil, descs)
	}
	if err != nil {
		ss.log.Warn("the QoS rules of the flows removed cannot be deleted at the UE", "error", err)
		return
	}
	ss.mod = &modification{pti: sm.NoPTI, old: ss.policy, oldFlows: slices.Clone(ss.flows)}
	tr := sbi.NewN1N2Transfer(ss.key.psi, sm.ModificationCommand(nil, m), sbi.NgapIeNone, nil)
	tr.FailureNotify = s
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		s.transfer(context.WithoutCancel(ctx), ss, tr)
	}()
}
