package pcf

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/store"
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
	sub, subscribed, err := p.subscription(ctx, req)
	if err != nil {
		return sbi.SmPolicyDecision{}, fmt.Errorf("pcf: Create: %w", err)
	}
	if !subscribed {
		return sbi.SmPolicyDecision{}, fmt.Errorf("pcf: Create %s: %w: DNN %q not subscribed in slice %d/%06x", req.Supi, sbi.ErrPolicyContextDenied, req.Dnn, req.SliceInfo.SST, req.SliceInfo.SD)
	}
	pol := p.decide(sub, req.Dnn)
	pol.ID = newID(req.Supi)
	a := association{SUPI: req.Supi, PDUSessionID: req.PduSessionID, DNN: req.Dnn, SNSSAI: req.SliceInfo, Decision: fromDecision(pol),
		NotificationURI: req.NotificationURI, SMFID: req.SmfID}
	if req.NotificationURI != "" {
		a.ResourceURI = req.ResourceURIPrefix + url.PathEscape(pol.ID)
	}
	if err := p.save(ctx, pol.ID, a, store.MustCreate); err != nil {
		// A random ID of 130 bits taken already is a broken random source.
		return sbi.SmPolicyDecision{}, fmt.Errorf("pcf: Create %s: %w", req.Supi, err)
	}
	p.log.Debug("SM policy association created", "supi", req.Supi, "pdu_session_id", req.PduSessionID, "dnn", req.Dnn, "policy", pol.ID)
	return pol, nil
}

// subscription is what the decision of a new association is made from:
// the subscribed session AMBR and default QoS the SMF passed (TS 29.512
// §4.2.2.5, §4.2.2.6), or, when it passed none or the PCF reads the
// subscribers' own PCC rules through its UDM (Options.SubscriberPCCRules),
// the DNN's entry of the session management data it reads. subscribed
// is false when that data has no entry for the DNN in the slice; an SMF
// passes its values only for a DNN it found subscribed.
func (p *PCF) subscription(ctx context.Context, req sbi.SmPolicyContextData) (sub sbi.SMData, subscribed bool, err error) {
	if req.SubsSessAmbr != nil && !p.subscriberRules {
		sub, err = smfSubscription(req)
		return sub, err == nil, err
	}
	data, err := p.sdm.SessionManagement(ctx, req.Supi)
	if err != nil {
		return sbi.SMData{}, false, err
	}
	sub, subscribed = sbi.SubscribedDNN(data, req.Dnn, req.SliceInfo)
	return sub, subscribed, nil
}

// smfSubscription reads subsSessAmbr and subsDefQos (TS 29.512 §5.6.2.2):
// a malformed bit rate or ARP is an incorrect attribute.
func smfSubscription(req sbi.SmPolicyContextData) (sbi.SMData, error) {
	sub := sbi.SMData{DNN: req.Dnn, SNSSAI: req.SliceInfo}
	var err error
	if sub.SessionAMBRUplink, err = sbi.ParseBitRate(req.SubsSessAmbr.Uplink); err != nil {
		return sbi.SMData{}, fmt.Errorf("%w: subsSessAmbr/uplink: %v", sbi.ErrInvalidRequest, err)
	}
	if sub.SessionAMBRDownlink, err = sbi.ParseBitRate(req.SubsSessAmbr.Downlink); err != nil {
		return sbi.SMData{}, fmt.Errorf("%w: subsSessAmbr/downlink: %v", sbi.ErrInvalidRequest, err)
	}
	if q := req.SubsDefQos; q != nil {
		arp, err := q.Arp.Value()
		if err != nil {
			return sbi.SMData{}, fmt.Errorf("%w: subsDefQos/arp: %v", sbi.ErrInvalidRequest, err)
		}
		sub.FiveQI, sub.ARPPriority = q.FiveQI, arp.PriorityLevel
	}
	return sub, nil
}

// decide is the policy of a session on dnn from the subscription's entry
// for it: the subscribed session AMBR, 5QI and ARP of the default QoS
// flow, or the PCF's defaults.
func (p *PCF) decide(sm sbi.SMData, dnn string) (pol sbi.SmPolicyDecision) {
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
	return pol
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
