package pcf

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/store"
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
	pol, err := p.updateCAS(ctx, id, upd)
	p.metrics.updates.WithLabelValues(sbi.Outcome(err)).Inc()
	return pol, err
}

// updateCAS reads the association, applies the update and writes it back
// at the revision read, again from the read when another instance changed
// it meanwhile: one record write when uncontended.
func (p *PCF) updateCAS(ctx context.Context, id string, upd sbi.SmPolicyUpdateContextData) (sbi.SmPolicyDecision, error) {
	for range maxCASRounds {
		a, rev, err := p.load(ctx, id)
		if err != nil {
			return sbi.SmPolicyDecision{}, fmt.Errorf("pcf: Update: %w", err)
		}
		changed, err := p.update(&a, id, upd)
		if err != nil || !changed {
			return a.Decision.sbi(id), err
		}
		err = p.save(ctx, id, a, rev)
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			return sbi.SmPolicyDecision{}, fmt.Errorf("pcf: Update %s: %w", a.SUPI, err)
		}
		return a.Decision.sbi(id), nil
	}
	return sbi.SmPolicyDecision{}, fmt.Errorf("pcf: Update %q: %w: the association kept changing", id, sbi.ErrUnavailable)
}

// update applies upd to a and reports whether a changed.
func (p *PCF) update(a *association, id string, upd sbi.SmPolicyUpdateContextData) (changed bool, err error) {
	if len(upd.InactiveRules) > 0 {
		// TS 29.512 RuleReport: the SMF could not enforce these PCC
		// rules; the ones installed for the UE's requests go.
		gone := func(r sbi.PCCRule) bool {
			return slices.Contains(upd.InactiveRules, r.ID) && strings.HasPrefix(r.ID, ueRulePrefix)
		}
		n := len(a.UERules)
		a.UERules = slices.DeleteFunc(a.UERules, gone)
		a.Decision.PCCRules = slices.DeleteFunc(slices.Clone(a.Decision.PCCRules), gone)
		changed = len(a.UERules) != n
	}
	if upd.UeInitResReq == nil {
		return changed, nil
	}
	r := *upd.UeInitResReq
	pol := a.Decision
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
	case r.MFBRUplink > pol.AMBRUplink || r.MFBRDownlink > pol.AMBRDownlink:
		why = fmt.Sprintf("MFBR %d/%d bit/s above the session AMBR %d/%d", r.MFBRUplink, r.MFBRDownlink, pol.AMBRUplink, pol.AMBRDownlink)
	}
	if why != "" {
		// The refusal changes nothing, the rule reports included: the
		// SMF reports them again with its next update.
		p.log.Debug("UE-requested resources refused", "supi", a.SUPI, "pdu_session_id", a.PDUSessionID, "policy", id, "reason", why)
		return false, fmt.Errorf("pcf: Update %s: %w: %s", a.SUPI, sbi.ErrPolicyContextDenied, why)
	}
	a.UERulesMade++
	rule := sbi.PCCRule{ID: ueRulePrefix + strconv.Itoa(a.UERulesMade), FlowDescriptions: slices.Clone(r.FlowDescriptions), FiveQI: r.FiveQI,
		ARP:        sbi.ARP{PriorityLevel: pol.ARPPriority},
		GFBRUplink: r.GFBRUplink, GFBRDownlink: r.GFBRDownlink, MFBRUplink: r.MFBRUplink, MFBRDownlink: r.MFBRDownlink}
	a.UERules = append(a.UERules, rule)
	pol.PCCRules = append(slices.Clone(pol.PCCRules), rule)
	a.Decision = pol
	return true, nil
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
	p.notify.Lock()
	p.notify.n = n
	p.notify.Unlock()
}

// SubscriptionDataChanged is the UDR's notification that a subscriber's
// data changed (Nudr_DM_Notify, TS 23.502 §4.16.9): the PCF makes the
// decision of each of the subscriber's associations again from the new
// session management data and sends the ones that changed to the SMF
// (UpdateNotify, TS 23.502 §4.16.5.2), which modifies the sessions.
//
// Every PCF instance sharing the records gets the notification; each
// writes a changed decision by compare-and-set, so one of them writes it
// and notifies the SMF, and the others find it written and stay silent.
func (p *PCF) SubscriptionDataChanged(ctx context.Context, supi string) {
	recs, err := p.records.ListRecords(ctx, RecordKind, supi+".", "", store.MaxPageSize)
	if err != nil {
		p.log.Warn("subscription change not applied: SM policy associations unreadable", "supi", supi, "error", err)
		return
	}
	if len(recs) == 0 {
		return
	}
	data, err := p.sdm.SessionManagement(ctx, supi)
	if err != nil {
		p.log.Warn("subscription change not applied: session management data unreadable", "supi", supi, "error", err)
		return
	}
	p.notify.Lock()
	n := p.notify.n
	p.notify.Unlock()
	for _, rec := range recs {
		id := rec.Key
		a, pol, changed, err := p.redecide(ctx, id, data)
		if err != nil {
			p.log.Warn("subscription change not applied", "supi", supi, "policy", id, "error", err)
			continue
		}
		if !changed || n == nil {
			continue
		}
		p.metrics.notifies.Inc()
		if err := n.SMPolicyUpdated(ctx, pol); err != nil {
			p.log.Warn("Npcf_SMPolicyControl_UpdateNotify failed", "supi", supi, "pdu_session_id", a.PDUSessionID, "policy", id, "error", err)
		}
	}
}

// redecide makes the decision of one association again from data and
// writes it if it changed, by compare-and-set.
func (p *PCF) redecide(ctx context.Context, id string, data []sbi.SMData) (association, sbi.SmPolicyDecision, bool, error) {
	for range maxCASRounds {
		a, rev, err := p.load(ctx, id)
		if errors.Is(err, sbi.ErrPolicyNotFound) {
			return association{}, sbi.SmPolicyDecision{}, false, nil
		}
		if err != nil {
			return association{}, sbi.SmPolicyDecision{}, false, err
		}
		sub, subscribed := sbi.SubscribedDNN(data, a.DNN, a.SNSSAI)
		pol := p.decide(sub, a.DNN)
		pol.PCCRules = append(pol.PCCRules, a.UERules...)
		d := fromDecision(pol)
		if !subscribed || sameDecision(d, a.Decision) {
			return a, sbi.SmPolicyDecision{}, false, nil
		}
		a.Decision = d
		err = p.save(ctx, id, a, rev)
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			return association{}, sbi.SmPolicyDecision{}, false, err
		}
		return a, d.sbi(id), true, nil
	}
	return association{}, sbi.SmPolicyDecision{}, false, fmt.Errorf("%w: the association kept changing", sbi.ErrUnavailable)
}
