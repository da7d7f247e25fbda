package udr

import (
	"context"
	"slices"

	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/store"
)

// SessionManagementSubscription reads the session management subscription
// data (TS 29.505 SessionManagementSubscriptionData): per DNN and S-NSSAI,
// the session AMBR, the default QoS flow's 5QI and ARP, the static UE
// addresses and the subscriber's PCC rules.
func (u *UDR) SessionManagementSubscription(ctx context.Context, supi string) ([]sbi.SMData, error) {
	sub, err := u.cache.get(ctx, u.store, supi)
	u.metrics.observe("SessionManagementSubscription", err)
	if err != nil {
		return nil, storeError("SessionManagementSubscription", supi, err)
	}
	sm := make([]sbi.SMData, 0, len(sub.DNNs))
	for _, d := range sub.DNNs {
		sm = append(sm, sbi.SMData{
			DNN:                 d.DNN,
			SNSSAI:              d.SNSSAI,
			SessionAMBRUplink:   d.SessionAMBR.Uplink,
			SessionAMBRDownlink: d.SessionAMBR.Downlink,
			FiveQI:              d.FiveQI,
			ARPPriority:         d.ARPPriority,
			StaticIPv4:          d.StaticIPv4,
			StaticIPv6:          d.StaticIPv6,
			PCCRules:            pccRules(d.PCCRules),
		})
	}
	return sm, nil
}

// pccRules are a subscriber's PCC rules as the PCF takes them.
func pccRules(rules []store.PCCRule) []sbi.PCCRule {
	if len(rules) == 0 {
		return nil
	}
	out := make([]sbi.PCCRule, 0, len(rules))
	for _, r := range rules {
		out = append(out, sbi.PCCRule{ID: r.ID, FlowDescriptions: slices.Clone(r.FlowDescriptions), FiveQI: r.FiveQI,
			ARP:        sbi.ARP{PriorityLevel: r.ARP.PriorityLevel, PreemptionCapability: r.ARP.PreemptionCapability, PreemptionVulnerability: r.ARP.PreemptionVulnerability},
			GFBRUplink: r.GFBR.Uplink, GFBRDownlink: r.GFBR.Downlink, MFBRUplink: r.MFBR.Uplink, MFBRDownlink: r.MFBR.Downlink})
	}
	return out
}
