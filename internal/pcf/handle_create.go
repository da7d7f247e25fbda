package pcf

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
)

// Create is Npcf_SMPolicyControl_Create (TS 29.512 §4.2.2): the policy
// of a new PDU session from the subscriber's session management data.
func (p *PCF) Create(ctx context.Context, req sbi.SmPolicyContextData) (sbi.SmPolicyDecision, error) {
	pol, err := p.create(ctx, req)
	p.metrics.creates.WithLabelValues(sbi.Outcome(err)).Inc()
	return pol, err
}

func (p *PCF) create(ctx context.Context, req sbi.SmPolicyContextData) (sbi.SmPolicyDecision, error) {
	switch {
	case !sbi.ValidSUPI(req.Supi):
		return sbi.SmPolicyDecision{}, fmt.Errorf("pcf: Create: %w: SUPI %q", sbi.ErrInvalidRequest, req.Supi)
	case req.PduSessionID < 1 || req.PduSessionID > 15:
		return sbi.SmPolicyDecision{}, fmt.Errorf("pcf: Create: %w: PDU session ID %d", sbi.ErrInvalidRequest, req.PduSessionID)
	case req.Dnn == "":
		return sbi.SmPolicyDecision{}, fmt.Errorf("pcf: Create: %w: no DNN", sbi.ErrInvalidRequest)
	}
	data, err := p.sdm.SessionManagement(ctx, req.Supi)
	if err != nil {
		return sbi.SmPolicyDecision{}, fmt.Errorf("pcf: Create: %w", err)
	}
	pol, ok := p.decide(data, req.Dnn, req.SliceInfo)
	if !ok {
		return sbi.SmPolicyDecision{}, fmt.Errorf("pcf: Create %s: %w: DNN %q not subscribed in slice %d/%06x", req.Supi, sbi.ErrPolicyContextDenied, req.Dnn, req.SliceInfo.SST, req.SliceInfo.SD)
	}
	p.associations.Lock()
	p.associations.next++
	pol.ID = strconv.FormatUint(p.associations.next, 10)
	p.associations.byID[pol.ID] = association{supi: req.Supi, pduSessionID: req.PduSessionID, dnn: req.Dnn, snssai: req.SliceInfo, decision: pol}
	p.associations.Unlock()
	p.log.Debug("SM policy association created", "supi", req.Supi, "pdu_session_id", req.PduSessionID, "dnn", req.Dnn, "policy", pol.ID)
	return pol, nil
}

// decide is the policy of a session on dnn in slice s from the
// subscriber's session management data: the subscribed session AMBR,
// 5QI and ARP of the default QoS flow, or the PCF's defaults. ok is false
// when the DNN is not subscribed in the slice.
func (p *PCF) decide(data []sbi.SMData, dnn string, s ident.SNSSAI) (pol sbi.SmPolicyDecision, ok bool) {
	sm, ok := sbi.SubscribedDNN(data, dnn, s)
	if !ok {
		return sbi.SmPolicyDecision{}, false
	}
	pol = sbi.SmPolicyDecision{
		SessionAMBRUplink:   sm.SessionAMBRUplink,
		SessionAMBRDownlink: sm.SessionAMBRDownlink,
		FiveQI:              sm.FiveQI,
		ARPPriority:         sm.ARPPriority,
	}
	pol.PCCRules = pccRules(p.pccRules[strings.ToLower(dnn)], sm.PCCRules)
	if pol.SessionAMBRUplink == 0 {
		pol.SessionAMBRUplink = p.ambrUL
	}
	if pol.SessionAMBRDownlink == 0 {
		pol.SessionAMBRDownlink = p.ambrDL
	}
	if pol.FiveQI == 0 {
		pol.FiveQI = DefaultFiveQI
	}
	if pol.ARPPriority == 0 {
		pol.ARPPriority = DefaultARPPriority
	}
	return pol, true
}

// pccRules are the PCC rules of a decision (TS 29.512 §4.2.2.2): the
// DNN's, a subscriber's rule replacing the DNN's of the same ID, then
// the subscriber's others.
func pccRules(dnn, subscriber []sbi.PCCRule) []sbi.PCCRule {
	if len(dnn) == 0 && len(subscriber) == 0 {
		return nil
	}
	out := make([]sbi.PCCRule, 0, len(dnn)+len(subscriber))
	for _, r := range dnn {
		if i := slices.IndexFunc(subscriber, func(s sbi.PCCRule) bool { return s.ID == r.ID }); i >= 0 {
			r = subscriber[i]
		}
		out = append(out, r)
	}
	for _, r := range subscriber {
		if !slices.ContainsFunc(out, func(o sbi.PCCRule) bool { return o.ID == r.ID }) {
			out = append(out, r)
		}
	}
	return out
}
