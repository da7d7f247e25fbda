package udr

import (
	"context"

	"github.com/keelcore/keel/internal/sbi"
)

// AccessAndMobilitySubscription reads the access and mobility subscription
// data: UE-AMBR, subscribed S-NSSAIs and DNNs.
func (u *UDR) AccessAndMobilitySubscription(ctx context.Context, supi string) (sbi.AMData, error) {
	sub, err := u.cache.get(ctx, u.store, supi)
	u.metrics.observe("AccessAndMobilitySubscription", err)
	if err != nil {
		return sbi.AMData{}, storeError("AccessAndMobilitySubscription", supi, err)
	}
	am := sbi.AMData{UEAMBRUplink: sub.UEAMBR.Uplink, UEAMBRDownlink: sub.UEAMBR.Downlink}
	am.NSSAI = append(am.NSSAI, sub.NSSAI...)
	// The subscribed S-NSSAIs marked default, or the first when none is
	// (TS 29.503 Nssai defaultSingleNssais; TS 23.501 §5.15.5.2.1).
	am.DefaultNSSAI = append(am.DefaultNSSAI, sub.Defaults()...)
	seen := make(map[string]bool, len(sub.DNNs))
	for _, d := range sub.DNNs {
		if !seen[d.DNN] {
			seen[d.DNN] = true
			am.DNNs = append(am.DNNs, d.DNN)
		}
	}
	return am, nil
}
