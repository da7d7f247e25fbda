package ausf

import (
	"context"
	"crypto/subtle"
	"fmt"

	"github.com/keelcore/keel/internal/crypto/kdf"
	"github.com/keelcore/keel/internal/sbi"
)

// Confirm runs TS 33.501 §6.1.3.2 steps 10–12 for one context: RES*
// against XRES*, the result to the UDM, and on success the SUPI and KSEAF.
// The context is gone afterwards, whatever the result.
func (a *AUSF) Confirm(ctx context.Context, authCtxID string, resStar [16]byte) (sbi.AuthConfirmation, error) {
	conf, err := a.confirm(ctx, authCtxID, resStar)
	result := "success"
	if err != nil {
		result = sbi.Outcome(err)
	}
	a.metrics.authentications.WithLabelValues(result).Inc()
	return conf, err
}

func (a *AUSF) confirm(ctx context.Context, authCtxID string, resStar [16]byte) (sbi.AuthConfirmation, error) {
	c, err := a.take(ctx, authCtxID)
	if err != nil {
		return sbi.AuthConfirmation{}, fmt.Errorf("ausf: Confirm: %w", err)
	}
	if c == nil {
		return sbi.AuthConfirmation{}, fmt.Errorf("ausf: Confirm: %w: %q", sbi.ErrAuthContextNotFound, authCtxID)
	}
	ok := subtle.ConstantTimeCompare(resStar[:], c.xresStar[:]) == 1
	// The result confirmation is bookkeeping in the UDM: its failure does
	// not change the outcome of the authentication.
	if err := a.udm.ConfirmAuth(ctx, c.supi, sbi.AuthEvent{Success: ok, ServingNetworkName: c.snName}); err != nil {
		a.log.Warn("UDM did not take the authentication result", "supi", c.supi, "error", err)
	}
	if !ok {
		return sbi.AuthConfirmation{}, fmt.Errorf("ausf: Confirm %s: %w: RES* differs from XRES*", c.supi, sbi.ErrAuthRejected)
	}
	a.log.Debug("5G AKA confirmed", "supi", c.supi, "auth_ctx_id", c.id)
	return sbi.AuthConfirmation{SUPI: c.supi, KSEAF: kdf.KSEAF(c.kausf, c.snName)}, nil // TS 33.501 Annex A.6
}
