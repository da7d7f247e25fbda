package smf

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/keelcore/keel/internal/ipfilter"
	"github.com/keelcore/keel/internal/nas/sm"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sbi"
)

// qosFlow is one QoS flow of a PDU session (TS 23.501 §5.7.1): the
// default one, QFI 1 with the policy's 5QI and ARP and the default QoS
// rule that matches everything, or the flow of one PCC rule (TS 23.503
// §6.3.1: Keel binds each PCC rule to a QoS flow of its own), with its
// own QFI, QoS rule and PFCP rules.
type qosFlow struct {
	qfi     uint8
	ruleID  uint8  // the NAS QoS rule's identifier (TS 24.501 §9.11.4.13)
	pccRule string // "" for the default flow
	fiveQI  uint8
	arp     sbi.ARP
	gbr     bool
	// Guaranteed and maximum flow bit rates (bit/s) of a GBR flow.
	gfbrUL, gfbrDL, mfbrUL, mfbrDL uint64
	// filters are the PCC rule's flow descriptions, parsed.
	filters []ipfilter.Rule
	// precedence orders the flow's QoS rule and PDRs before the default
	// flow's (lower is first; the default is 255).
	precedence uint8
}

// maxFlows bounds a session's QoS flows: the QFIs 1 to 63 (TS 23.501
// §5.7.1.1) and NGAP's maxnoofQoSFlows (64).
const maxFlows = 63

// flowsFromPolicy computes a session's QoS flows from its policy: the
// default flow, then one per PCC rule in the policy's order. A PCC rule
// that prev (the session's flows so far, nil at establishment) already
// has keeps its QFI and QoS rule identifier; a new one takes the lowest
// free. The modification procedure compares the result with prev to
// know which flows to create, modify and delete (TS 23.502 §4.3.3.2).
func flowsFromPolicy(p sbi.SmPolicyDecision, prev []qosFlow) ([]qosFlow, error) {
	if len(p.PCCRules) >= maxFlows {
		return nil, fmt.Errorf("%d PCC rules, at most %d", len(p.PCCRules), maxFlows-1)
	}
	flows := []qosFlow{{qfi: defaultQFI, ruleID: 1, fiveQI: p.FiveQI, arp: sbi.ARP{PriorityLevel: p.ARPPriority}, precedence: 255}}
	usedQFI := map[uint8]bool{defaultQFI: true}
	usedRule := map[uint8]bool{1: true}
	for _, f := range prev {
		if f.pccRule != "" && slices.ContainsFunc(p.PCCRules, func(r sbi.PCCRule) bool { return r.ID == f.pccRule }) {
			usedQFI[f.qfi], usedRule[f.ruleID] = true, true
		}
	}
	free := func(used map[uint8]bool) uint8 {
		for q := uint8(2); ; q++ {
			if !used[q] {
				used[q] = true
				return q
			}
		}
	}
	for i, r := range p.PCCRules {
		if err := sbi.CheckPCCRule(r); err != nil {
			return nil, fmt.Errorf("PCC rule %q: %w", r.ID, err)
		}
		if slices.ContainsFunc(p.PCCRules[:i], func(o sbi.PCCRule) bool { return o.ID == r.ID }) {
			return nil, fmt.Errorf("PCC rule %q given twice", r.ID)
		}
		f := qosFlow{pccRule: r.ID, fiveQI: r.FiveQI, arp: r.ARP, gbr: sbi.GBR5QI(r.FiveQI),
			gfbrUL: r.GFBRUplink, gfbrDL: r.GFBRDownlink, mfbrUL: r.MFBRUplink, mfbrDL: r.MFBRDownlink,
			precedence: uint8(10 + 10*min(i, 23))}
		for _, fd := range r.FlowDescriptions {
			ipf, _ := ipfilter.Parse(fd) // checked by sbi.CheckPCCRule
			f.filters = append(f.filters, ipf)
		}
		if i := slices.IndexFunc(prev, func(o qosFlow) bool { return o.pccRule == r.ID }); i >= 0 {
			f.qfi, f.ruleID = prev[i].qfi, prev[i].ruleID
		} else {
			f.qfi, f.ruleID = free(usedQFI), free(usedRule)
		}
		flows = append(flows, f)
	}
	return flows, nil
}

// RecomputeFlows recomputes ss's QoS flows from its current policy
// (ss.policy), keeping the QFI of every PCC rule it still has, and
// returns the flows before and after; it changes neither the UPF nor the
// UE, whom the caller (network-requested PDU session modification, TS
// 23.502 §4.3.3.2) signals. Called with ss.mu held.
func (ss *session) recomputeFlows() (before, after []qosFlow, err error) {
	after, err = flowsFromPolicy(ss.policy, ss.flows)
	if err != nil {
		return nil, nil, err
	}
	before, ss.flows = ss.flows, after
	return before, after, nil
}

// removeFlow drops the flow with QFI qfi (not the default one) from the
// session's flows: the gNB did not admit it (TS 23.502 §4.3.2.2.1 step
// 13, §4.3.3.2). It reports whether there was one.
func (ss *session) removeFlow(qfi uint8) bool {
	if qfi == defaultQFI {
		return false
	}
	n := len(ss.flows)
	ss.flows = slices.DeleteFunc(ss.flows, func(f qosFlow) bool { return f.qfi == qfi })
	return len(ss.flows) != n
}

// nasRule is the QoS rule of a flow other than the default one: one
// bidirectional packet filter per flow description (TS 24.501
// §9.11.4.13), identifiers from 1.
func (f *qosFlow) nasRule(op uint8) sm.QoSRule {
	r := sm.QoSRule{ID: f.ruleID, Op: op, Precedence: f.precedence, QFI: f.qfi}
	if op == sm.RuleOpDelete {
		return sm.QoSRule{ID: f.ruleID, Op: op}
	}
	for i := range f.filters {
		r.Filters = append(r.Filters, sm.PacketFilter{ID: uint8(i + 1), Direction: sm.FilterBidirectional, Components: nasComponents(&f.filters[i])})
	}
	return r
}

// nasComponents are the packet filter components of a flow description:
// remote address, local address (unless "assigned"), protocol, ports; a
// flow description that names nothing is match-all.
func nasComponents(r *ipfilter.Rule) []sm.FilterComponent {
	var c []sm.FilterComponent
	addr := func(p netip.Prefix, v4, v6 uint8) {
		if !p.IsValid() {
			return
		}
		t := v6
		if p.Addr().Is4() {
			t = v4
		}
		c = append(c, sm.FilterComponent{Type: t, Prefix: p})
	}
	addr(r.Remote, sm.ComponentIPv4Remote, sm.ComponentIPv6Remote)
	addr(r.Local, sm.ComponentIPv4Local, sm.ComponentIPv6Local)
	if r.Protocol != ipfilter.AnyProtocol {
		c = append(c, sm.FilterComponent{Type: sm.ComponentProtocol, Value: uint32(r.Protocol)})
	}
	ports := func(p ipfilter.Ports, single, rng uint8) {
		switch {
		case p.Any():
		case p.Low == p.High:
			c = append(c, sm.FilterComponent{Type: single, Low: p.Low})
		default:
			c = append(c, sm.FilterComponent{Type: rng, Low: p.Low, High: p.High})
		}
	}
	ports(r.LocalPorts, sm.ComponentLocalPort, sm.ComponentLocalPortRange)
	ports(r.RemotePorts, sm.ComponentRemotePort, sm.ComponentRemotePortRange)
	if len(c) == 0 {
		c = append(c, sm.FilterComponent{Type: sm.ComponentMatchAll})
	}
	return c
}

// nasDescription is the QoS flow description of a flow other than the
// default one (TS 24.501 §9.11.4.12): 5QI and, for GBR, the bit rates.
func (f *qosFlow) nasDescription(op uint8) sm.QoSFlowDescription {
	d := sm.QoSFlowDescription{QFI: f.qfi, Op: op}
	if op == sm.FlowOpDelete {
		return d
	}
	d.FiveQI = f.fiveQI
	if op == sm.FlowOpModify {
		d.Replace = true
	}
	if f.gbr {
		d.GFBRUplink, d.GFBRDownlink, d.MFBRUplink, d.MFBRDownlink = f.gfbrUL, f.gfbrDL, f.mfbrUL, f.mfbrDL
	}
	return d
}

// ngapFlow is the flow's item of a QoS Flow Setup Request List (TS
// 38.413 §9.3.1.12), with GBR QoS Flow Information for a GBR flow.
func (f *qosFlow) ngapFlow() ngap.QoSFlow {
	q := ngap.QoSFlow{QFI: f.qfi, FiveQI: f.fiveQI, ARPPriority: f.arp.PriorityLevel,
		MayPreempt: f.arp.PreemptionCapability, Preemptable: f.arp.PreemptionVulnerability}
	if f.gbr {
		q.GBR = &ngap.GBRInfo{MFBRUplink: f.mfbrUL, MFBRDownlink: f.mfbrDL, GFBRUplink: f.gfbrUL, GFBRDownlink: f.gfbrDL}
	}
	return q
}

// acceptQoS fills the other flows' QoS rules and descriptions of a PDU
// SESSION ESTABLISHMENT ACCEPT.
func acceptQoS(a *sm.Accept, flows []qosFlow) {
	for i := range flows {
		if flows[i].qfi == defaultQFI {
			continue
		}
		a.Rules = append(a.Rules, flows[i].nasRule(sm.RuleOpCreate))
		a.Flows = append(a.Flows, flows[i].nasDescription(sm.FlowOpCreate))
	}
}

// ngapFlows are the QoS Flow Setup Request items of all the flows.
func ngapFlows(flows []qosFlow) []ngap.QoSFlow {
	out := make([]ngap.QoSFlow, 0, len(flows))
	for i := range flows {
		out = append(out, flows[i].ngapFlow())
	}
	return out
}
