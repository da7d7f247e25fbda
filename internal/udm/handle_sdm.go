package udm

import (
	"context"
	"fmt"

	"github.com/keelcore/keel/internal/sbi"
)

// AccessAndMobility returns the access and mobility subscription data
// (Nudm_SDM_Get of am-data, TS 29.503 §5.2.2.2).
func (u *UDM) AccessAndMobility(ctx context.Context, supi string) (sbi.AMData, error) {
	if !sbi.ValidSUPI(supi) {
		return sbi.AMData{}, fmt.Errorf("udm: AccessAndMobility: %w: SUPI %q", sbi.ErrInvalidRequest, supi)
	}
	am, err := u.udr.AccessAndMobilitySubscription(ctx, supi)
	if err != nil {
		return sbi.AMData{}, fmt.Errorf("udm: AccessAndMobility: %w", err)
	}
	return am, nil
}
