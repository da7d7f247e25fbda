package udm

import (
	"context"
	"errors"
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
	if u.smKept != nil && !u.provisionedRefused.Load() {
		gen := u.smKept.generation()
		am, sm, err := u.provisioned.AccessAndMobilityWithSessionManagement(ctx, supi)
		if err == nil {
			u.smKept.put(supi, sm, gen)
			return am, nil
		}
		if !notServed(err) {
			return sbi.AMData{}, fmt.Errorf("udm: AccessAndMobility: %w", err)
		}
		// A UDR without QueryProvisionedData (another vendor's, an
		// older Keel): the data sets one by one from now on.
		u.provisionedRefused.Store(true)
		u.log.Warn("udm: the UDR does not serve provisioned-data with dataset-names; reading am-data and sm-data apart", "error", err)
	}
	am, err := u.udr.AccessAndMobilitySubscription(ctx, supi)
	if err != nil {
		return sbi.AMData{}, fmt.Errorf("udm: AccessAndMobility: %w", err)
	}
	return am, nil
}

// notServed reports whether err is a UDR's refusal of an operation it
// does not serve (TS 29.500 §5.2.7.2: 404 RESOURCE_URI_STRUCTURE_NOT_FOUND,
// 405, 501, or 400 INVALID_QUERY_PARAM for a query it does not know), not
// a failure of the request's UE.
func notServed(err error) bool {
	if errors.Is(err, sbi.ErrResourceNotFound) || errors.Is(err, sbi.ErrMethodNotAllowed) || errors.Is(err, sbi.ErrInvalidQueryParam) {
		return true
	}
	p := sbi.ProblemOf(err)
	return p != nil && p.Status == statusNotImplemented
}

// statusNotImplemented is HTTP's 501 (RFC 9110 §15.6.2): the UDM reads
// statuses through sbi.ProblemDetails and binds no HTTP itself.
const statusNotImplemented = 501

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
