package pcf

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/keelcore/keel/internal/sbi"
)

// Update is Npcf_SMPolicyControl_Update (TS 23.502 §4.16.5.1, TS 29.512
// SmPolicyUpdateContextData): the UE asked for resources (RES_MO_RE, TS
// 24.501 §6.4.2.2). The PCF authorises a request whose 5QI is a
// standardised one (TS 23.501 Table 5.7.4-1), whose GFBR does not exceed
// its MFBR, which a GBR 5QI gives an MFBR and a non-GBR one no bit rate,
// with 1 to 15 flow descriptions, and whose MFBR each way does not
// exceed the session AMBR the subscription gives: a subscriber gets no
// more for one flow than for the whole session. It then installs a PCC
// rule for it (TS 23.503 §6.3.1: "ue-N", the request's flow descriptions,
// 5QI and bit rates, the default flow's ARP priority) and answers the
// whole decision; the rule stays in the association's decisions until it
// ends. A refused request is ErrPolicyContextDenied and changes nothing.
func (p *PCF) Update(ctx context.Context, id string, upd sbi.SmPolicyUpdateContextData) (sbi.SmPolicyDecision, error) {
	pol, err := p.update(id, upd)
	p.metrics.updates.WithLabelValues(sbi.Outcome(err)).Inc()
	return pol, err
}

func (p *PCF) update(id string, upd sbi.SmPolicyUpdateContextData) (sbi.SmPolicyDecision, error) {
	p.associations.Lock()
	defer p.associations.Unlock()
	a, ok := p.associations.byID[id]
	if !ok {
		return sbi.SmPolicyDecision{}, fmt.Errorf("pcf: Update %q: %w", id, sbi.ErrPolicyNotFound)
	}
	if len(upd.InactiveRules) > 0 {
		// TS 29.512 RuleReport: the SMF could not enforce these PCC
		// rules; the ones installed for the UE's requests go.
		gone := func(r sbi.PCCRule) bool {
			return slices.Contains(upd.InactiveRules, r.ID) && strings.HasPrefix(r.ID, ueRulePrefix)
		}
		a.ueRules = slices.DeleteFunc(a.ueRules, gone)
		a.decision.PCCRules = slices.DeleteFunc(slices.Clone(a.decision.PCCRules), gone)
		p.associations.byID[id] = a
	}
	if upd.UeInitResReq == nil {
		return a.decision, nil
	}
	r := *upd.UeInitResReq
	pol := a.decision
	gbr, known := standard5QI(r.FiveQI)
	var why string
	switch {
	case !known:
		why = fmt.Sprintf("5QI %d is not a standardised value", r.FiveQI)
	case len(r.FlowDescriptions) == 0 || len(r.FlowDescriptions) > 15:
		why = fmt.Sprintf("%d flow descriptions, want 1 to 15", len(r.FlowDescriptions))
	case gbr && (r.MFBRUplink == 0 || r.MFBRDownlink == 0 || r.GFBRUplink == 0 || r.GFBRDownlink == 0):
		why = "a GBR 5QI without its GFBR and MFBR"
	case !gbr && (r.MFBRUplink|r.MFBRDownlink|r.GFBRUplink|r.GFBRDownlink) != 0:
		why = "bit rates for a non-GBR 5QI"
	case r.GFBRUplink > r.MFBRUplink || r.GFBRDownlink > r.MFBRDownlink:
		why = "GFBR above MFBR"
	case r.MFBRUplink > pol.SessionAMBRUplink || r.MFBRDownlink > pol.SessionAMBRDownlink:
		why = fmt.Sprintf("MFBR %d/%d bit/s above the session AMBR %d/%d", r.MFBRUplink, r.MFBRDownlink, pol.SessionAMBRUplink, pol.SessionAMBRDownlink)
	}
	if why != "" {
		p.log.Debug("UE-requested resources refused", "supi", a.supi, "pdu_session_id", a.pduSessionID, "policy", id, "reason", why)
		return sbi.SmPolicyDecision{}, fmt.Errorf("pcf: Update %s: %w: %s", a.supi, sbi.ErrPolicyContextDenied, why)
	}
	a.ueRulesMade++
	rule := sbi.PCCRule{ID: ueRulePrefix + strconv.Itoa(a.ueRulesMade), FlowDescriptions: slices.Clone(r.FlowDescriptions), FiveQI: r.FiveQI,
		ARP:        sbi.ARP{PriorityLevel: pol.ARPPriority},
		GFBRUplink: r.GFBRUplink, GFBRDownlink: r.GFBRDownlink, MFBRUplink: r.MFBRUplink, MFBRDownlink: r.MFBRDownlink}
	a.ueRules = append(a.ueRules, rule)
	pol.PCCRules = append(slices.Clone(pol.PCCRules), rule)
	a.decision = pol
	p.associations.byID[id] = a
	return pol, nil
}

// ueRulePrefix starts the IDs of the PCC rules of the UE's requests.
const ueRulePrefix = "ue-"

// standard5QI reports whether q is a standardised 5QI (TS 23.501 Table
// 5.7.4-1) and whether it is of the GBR or delay-critical GBR type.
func standard5QI(q uint8) (gbr, ok bool) {
	switch {
	case q >= 1 && q <= 4, q >= 65 && q <= 67, q >= 71 && q <= 76, q >= 82 && q <= 90:
		return true, true
	case q >= 5 && q <= 10, q >= 69 && q <= 70, q >= 79 && q <= 80:
		return false, true
	}
	return false, false
}

// SetNotifier names the SMF the PCF sends Npcf_SMPolicyControl_UpdateNotify
// to (TS 29.512 §4.2.3): in one process the form of every association's
// notificationUri. Call it before the first change is notified.
func (p *PCF) SetNotifier(n sbi.NpcfSMPolicyNotifier) {
	p.associations.Lock()
	p.associations.notify = n
	p.associations.Unlock()
}

// SubscriptionDataChanged is the UDR's notification that a subscriber's
// data changed (Nudr_DM_Notify, TS 23.502 §4.16.9): the PCF makes the
// decision of each of the subscriber's associations again from the new
// session management data and sends the ones that changed to the SMF
// (UpdateNotify, TS 23.502 §4.16.5.2), which modifies the sessions.
func (p *PCF) SubscriptionDataChanged(ctx context.Context, supi string) {
	p.associations.Lock()
	var ids []string
	for id, a := range p.associations.byID {
		if a.supi == supi {
			ids = append(ids, id)
		}
	}
	n := p.associations.notify
	p.associations.Unlock()
	if len(ids) == 0 {
		return
	}
	slices.Sort(ids)
	data, err := p.sdm.SessionManagement(ctx, supi)
	if err != nil {
		p.log.Warn("subscription change not applied: session management data unreadable", "supi", supi, "error", err)
		return
	}
	for _, id := range ids {
		p.associations.Lock()
		a, ok := p.associations.byID[id]
		if !ok {
			p.associations.Unlock()
			continue
		}
		sub, subscribed := sbi.SubscribedDNN(data, a.dnn, a.snssai)
		pol := p.decide(sub, a.dnn)
		pol.ID = id
		pol.PCCRules = append(pol.PCCRules, a.ueRules...)
		changed := subscribed && !reflect.DeepEqual(pol, a.decision)
		if changed {
			a.decision = pol
			p.associations.byID[id] = a
		}
		p.associations.Unlock()
		if !changed || n == nil {
			continue
		}
		p.metrics.notifies.Inc()
		if err := n.SMPolicyUpdated(ctx, pol); err != nil {
			p.log.Warn("Npcf_SMPolicyControl_UpdateNotify failed", "supi", supi, "pdu_session_id", a.pduSessionID, "policy", id, "error", err)
		}
	}
}
