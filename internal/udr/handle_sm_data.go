package udr

import (
	"context"

	"github.com/keelcore/keel/internal/sbi"
)

// SessionManagementSubscription reads the session management subscription
// data (TS 29.505 SessionManagementSubscriptionData): per DNN and S-NSSAI,
// the session AMBR, the default QoS flow's 5QI and ARP, and the static UE
// addresses.
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
			SNSSAI:              sbi.SNSSAI{SST: d.SNSSAI.SST, SD: d.SNSSAI.SD, HasSD: d.SNSSAI.HasSD},
			SessionAMBRUplink:   d.SessionAMBR.Uplink,
			SessionAMBRDownlink: d.SessionAMBR.Downlink,
			FiveQI:              d.FiveQI,
			ARPPriority:         d.ARPPriority,
			StaticIPv4:          d.StaticIPv4,
			StaticIPv6:          d.StaticIPv6,
		})
	}
	return sm, nil
}
