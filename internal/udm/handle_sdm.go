package udm

import (
	"context"
	"fmt"

	"github.com/keelcore/keel/internal/sbi"
)

// AccessAndMobility returns the access and mobility subscription data
// (Nudm_SDM_Get of am-data, TS 29.503 §5.2.2.2). With kept session
// management data it reads that too, in the same UDR request
// (QueryProvisionedData, TS 29.505 §5.2.26), and keeps it for the UE's
// next sm-data Get (sm_kept.go).
func (u *UDM) AccessAndMobility(ctx context.Context, supi string) (sbi.AMData, error) {
	if !sbi.ValidSUPI(supi) {
		return sbi.AMData{}, fmt.Errorf("udm: AccessAndMobility: %w: SUPI %q", sbi.ErrInvalidRequest, supi)
	}
	if u.smKept != nil {
		gen := u.smKept.generation()
		am, sm, err := u.provisioned.AccessAndMobilityWithSessionManagement(ctx, supi)
		if err != nil {
			return sbi.AMData{}, fmt.Errorf("udm: AccessAndMobility: %w", err)
		}
		u.smKept.put(supi, sm, gen)
		return am, nil
	}
	am, err := u.udr.AccessAndMobilitySubscription(ctx, supi)
	if err != nil {
		return sbi.AMData{}, fmt.Errorf("udm: AccessAndMobility: %w", err)
	}
	return am, nil
}

// SessionManagement returns the session management subscription data
// (Nudm_SDM_Get of sm-data, TS 29.503 §5.2.2.2), one entry per DNN and
// S-NSSAI.
func (u *UDM) SessionManagement(ctx context.Context, supi string) ([]sbi.SMData, error) {
	if !sbi.ValidSUPI(supi) {
		return nil, fmt.Errorf("udm: SessionManagement: %w: SUPI %q", sbi.ErrInvalidRequest, supi)
	}
	if u.smKept != nil {
		if sm, ok := u.smKept.take(supi); ok {
			u.metrics.smReads.WithLabelValues("kept").Inc()
			return sm, nil
		}
	}
	u.metrics.smReads.WithLabelValues("udr").Inc()
	sm, err := u.udr.SessionManagementSubscription(ctx, supi)
	if err != nil {
		return nil, fmt.Errorf("udm: SessionManagement: %w", err)
	}
	return sm, nil
}
