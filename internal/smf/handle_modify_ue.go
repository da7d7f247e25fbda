package smf

import (
	"context"
	"errors"
	"slices"

	"github.com/keelcore/keel/internal/ipfilter"
	"github.com/keelcore/keel/internal/nas/sm"
	"github.com/keelcore/keel/internal/sbi"
)

// modificationRequested is the UE-requested PDU session modification
// (TS 23.502 §4.3.3.2 step 1a; TS 24.501 §6.4.2) for a new QoS flow: the
// UE asks for a QoS rule with packet filters (create, §9.11.4.13) and a
// QoS flow description with its 5QI, GFBR and MFBR (§9.11.4.12). The PCF
// authorises it (Npcf_SMPolicyControl_Update, RES_MO_RE) with a PCC rule
// of its own; the session's flows are recomputed from the new decision
// (qos.go: the rule gets a QFI and a QoS rule identifier), the UPF gets
// the flow's rules, and the answer is the PDU SESSION MODIFICATION
// COMMAND (the UE's PTI, the authorized rule and flow description) with
// a Modify Request Transfer adding the flow, which the AMF sends in a
// PDU Session Resource Modify Request. A request the SMF cannot read or
// the PCF refuses is answered PDU SESSION MODIFICATION REJECT. Called
// with ss.mu held, which it releases while the PCF decides.
func (s *SMF) modificationRequested(ctx context.Context, ss *session, b []byte) (sbi.SmContextUpdatedData, error) {
	r, err := sm.ParseModificationRequest(b)
	var smErr *sm.Error
	switch {
	case errors.As(err, &smErr):
		return s.modificationRejected(ss, smErr.Header.PTI, smErr.Cause, "malformed PDU SESSION MODIFICATION REQUEST", err), nil
	case err != nil:
		return sbi.SmContextUpdatedData{}, nil
	case ss.state != active:
		// TS 24.501 §6.4.2.4: the user plane must be up for the gNB to
		// take the flow (an idle UE sends a Service Request first).
		return s.modificationRejected(ss, r.PTI, sm.CauseRequestRejectedUnspecified, "user plane not active", nil), nil
	case ss.mod != nil || ss.authorising:
		return s.modificationRejected(ss, r.PTI, sm.CauseInsufficientResources, "a modification is in progress", nil), nil
	}
	req, cause, why := requestedQoS(r)
	if cause != 0 {
		return s.modificationRejected(ss, r.PTI, cause, why, nil), nil
	}
	// The PCF is asked without the session's lock (doc.go); authorising
	// keeps a second request out meanwhile, and a session released or
	// deactivated meanwhile is not modified.
	id := ss.policy.ID
	ss.authorising = true
	s.unlock(ss)
	pctx, cancel := context.WithTimeout(ctx, s.opts.SBITimeout)
	pol, err := s.pcf.Update(pctx, id, sbi.SmPolicyUpdateContextData{UeInitResReq: &req})
	cancel()
	ss.mu.Lock()
	ss.authorising = false
	switch {
	case ss.state != active || ss.policy.ID != id:
		return s.modificationRejected(ss, r.PTI, sm.CauseInsufficientResources, "the session changed while the PCF decided", err), nil
	case errors.Is(err, sbi.ErrPolicyContextDenied):
		return s.modificationRejected(ss, r.PTI, sm.Cause5GSQoSNotAccepted, "the PCF did not authorise the QoS", err), nil
	case err != nil:
		return s.modificationRejected(ss, r.PTI, sm.CauseInsufficientResources, "Npcf_SMPolicyControl_Update failed", err), nil
	}
	tr, err := s.modifyPolicy(ctx, ss, pol, r.PTI)
	switch {
	case err != nil:
		return s.modificationRejected(ss, r.PTI, sm.CauseInsufficientResources, "the new QoS flow could not be set up", err), nil
	case tr == nil:
		return s.modificationRejected(ss, r.PTI, sm.CauseSemanticErrorInQoSOperation, "the decision added no QoS flow", nil), nil
	}
	ss.log.Info("UE-requested PDU session modification: QoS flow added", "5qi", req.FiveQI, "mfbr_dl", req.MFBRDownlink, "mfbr_ul", req.MFBRUplink)
	_, n2 := tr.N2()
	return sbi.SmContextUpdatedData{N1SmMsg: sbi.N1SM(tr.N1()), N2SmInfoType: sbi.N2ModifyRequest, N2SmInfo: sbi.N2SM(n2)}, nil
}

// requestedQoS reads the flow a PDU SESSION MODIFICATION REQUEST asks
// for: one QoS rule to create, with packet filters, and one QoS flow
// description to create with a 5QI; the filters become the request's
// flow descriptions. Otherwise it returns the 5GSM cause of the reject
// (TS 24.501 §6.4.2.4.2: #84 for a QoS operation that does not parse,
// #83 for one Keel does not take, #44 for packet filters it cannot
// read) and why.
func requestedQoS(r sm.ModificationRequest) (sbi.UeInitiatedResourceRequest, uint8, string) {
	if r.QoSRules == nil || r.QoSFlowDescriptions == nil {
		return sbi.UeInitiatedResourceRequest{}, sm.CauseSemanticErrorInQoSOperation, "no requested QoS rule or QoS flow description"
	}
	rules, err := sm.ParseQoSRules(r.QoSRules)
	if err != nil {
		return sbi.UeInitiatedResourceRequest{}, sm.CauseSyntacticalErrorInQoSOperation, err.Error()
	}
	descs, err := sm.ParseQoSFlowDescriptions(r.QoSFlowDescriptions)
	if err != nil {
		return sbi.UeInitiatedResourceRequest{}, sm.CauseSyntacticalErrorInQoSOperation, err.Error()
	}
	if len(rules) != 1 || len(descs) != 1 || rules[0].Op != sm.RuleOpCreate || descs[0].Op != sm.FlowOpCreate || rules[0].DQR {
		return sbi.UeInitiatedResourceRequest{}, sm.CauseSemanticErrorInQoSOperation, "want one QoS rule and one QoS flow description to create"
	}
	d := descs[0]
	if d.FiveQI == 0 {
		return sbi.UeInitiatedResourceRequest{}, sm.CauseSemanticErrorInQoSOperation, "a QoS flow description without 5QI"
	}
	q := sbi.UeInitiatedResourceRequest{FiveQI: d.FiveQI, GFBRUplink: d.GFBRUplink, GFBRDownlink: d.GFBRDownlink, MFBRUplink: d.MFBRUplink, MFBRDownlink: d.MFBRDownlink}
	for _, f := range rules[0].Filters {
		fd, ok := flowDescription(f)
		if !ok {
			return sbi.UeInitiatedResourceRequest{}, sm.CauseSemanticErrorsInPacketFilters, "a packet filter component a flow description cannot hold"
		}
		q.FlowDescriptions = append(q.FlowDescriptions, fd)
	}
	if len(q.FlowDescriptions) == 0 {
		return sbi.UeInitiatedResourceRequest{}, sm.CauseSemanticErrorsInPacketFilters, "a QoS rule without packet filters"
	}
	return q, 0, ""
}

// flowDescription writes a packet filter (TS 24.501 §9.11.4.13) as a
// flow description (TS 29.212 §5.4.2, in the downlink direction: from
// the remote end to the UE): remote and local addresses, protocol,
// single ports and port ranges; ok is false for any other component
// (type of service, SPI, flow label, Ethernet).
func flowDescription(f sm.PacketFilter) (string, bool) {
	r := ipfilter.Rule{Protocol: ipfilter.AnyProtocol, RemotePorts: ipfilter.AnyPorts(), LocalPorts: ipfilter.AnyPorts()}
	for _, c := range f.Components {
		switch c.Type {
		case sm.ComponentMatchAll:
		case sm.ComponentIPv4Remote, sm.ComponentIPv6Remote:
			r.Remote = c.Prefix
		case sm.ComponentIPv4Local, sm.ComponentIPv6Local:
			r.Local = c.Prefix
		case sm.ComponentProtocol:
			r.Protocol = int(c.Value)
		case sm.ComponentRemotePort:
			r.RemotePorts = ipfilter.Ports{Low: c.Low, High: c.Low}
		case sm.ComponentRemotePortRange:
			r.RemotePorts = ipfilter.Ports{Low: c.Low, High: c.High}
		case sm.ComponentLocalPort:
			r.LocalPorts = ipfilter.Ports{Low: c.Low, High: c.Low}
		case sm.ComponentLocalPortRange:
			r.LocalPorts = ipfilter.Ports{Low: c.Low, High: c.High}
		default:
			return "", false
		}
	}
	s := r.String()
	if _, err := ipfilter.Parse(s); err != nil {
		return "", false
	}
	return s, true
}

// modificationRejected answers a PDU SESSION MODIFICATION REQUEST with
// PDU SESSION MODIFICATION REJECT (TS 24.501 §6.4.2.4) and logs why once;
// #26 goes with a back-off timer (§6.4.2.4.2).
func (s *SMF) modificationRejected(ss *session, pti, cause uint8, reason string, err error) sbi.SmContextUpdatedData {
	s.metrics.modifications.WithLabelValues("ue", modRefused).Inc()
	ss.log.Info("PDU session modification rejected", "cause", int(cause), "cause_name", sm.CauseName(cause), "reason", reason, "error", err)
	if cause == sm.CauseInsufficientResources {
		return sbi.SmContextUpdatedData{N1SmMsg: sbi.N1SM(sm.ModificationRejectBackOff(nil, ss.key.psi, pti, cause, s.opts.T3396))}
	}
	return sbi.SmContextUpdatedData{N1SmMsg: sbi.N1SM(sm.ModificationReject(nil, ss.key.psi, pti, cause))}
}

// flowChanges compares a session's flows before and after a policy
// change (by QFI; the default flow is the session's and not compared):
// the flows to create, the ones whose parameters changed, and the QFIs
// of the ones to delete.
func flowChanges(before, after []qosFlow) (created, modified []qosFlow, deleted []uint8) {
	for _, f := range after {
		if f.qfi == defaultQFI {
			continue
		}
		i := slices.IndexFunc(before, func(o qosFlow) bool { return o.qfi == f.qfi })
		switch {
		case i < 0:
			created = append(created, f)
		case !sameFlow(before[i], f):
			modified = append(modified, f)
		}
	}
	for _, f := range before {
		if f.qfi != defaultQFI && !slices.ContainsFunc(after, func(o qosFlow) bool { return o.qfi == f.qfi }) {
			deleted = append(deleted, f.qfi)
		}
	}
	return created, modified, deleted
}

func sameFlow(a, b qosFlow) bool {
	return a.fiveQI == b.fiveQI && a.arp == b.arp && a.gbr == b.gbr && a.gfbrUL == b.gfbrUL && a.gfbrDL == b.gfbrDL &&
		a.mfbrUL == b.mfbrUL && a.mfbrDL == b.mfbrDL && a.precedence == b.precedence && a.ruleID == b.ruleID &&
		slices.Equal(a.filters, b.filters)
}
