package ausf

import (
	"context"
	"fmt"

	"github.com/keelcore/keel/internal/sbi"
)

// DeleteConfirmation ends a context whose challenge the UE refused with
// AUTHENTICATION FAILURE (TS 24.501 §5.4.1.3.7): the authentication result
// removal of TS 29.509 (DELETE .../5g-aka-confirmation). The AUSF is the
// one function that knows both the SUPI and that the UE refused: it tells
// the UDM the authentication was unsuccessful (TS 29.503 §5.4.2.3,
// AuthEvent success false) and writes the line that names the subscriber,
// so that the operator knows whose SIM to check. Nothing of the context
// goes back to the AMF: the SUPI is disclosed only on a successful
// confirmation (TS 33.501 §6.1.3.2 step 12).
func (a *AUSF) DeleteConfirmation(ctx context.Context, authCtxID string, cause uint8) error {
	err := a.deleteConfirmation(ctx, authCtxID, cause)
	result := "ue_failure"
	if err != nil {
		result = sbi.Outcome(err)
	}
	a.metrics.authentications.WithLabelValues(result).Inc()
	return err
}

func (a *AUSF) deleteConfirmation(ctx context.Context, authCtxID string, cause uint8) error {
	c, err := a.take(ctx, authCtxID)
	if err != nil {
		return fmt.Errorf("ausf: DeleteConfirmation: %w", err)
	}
	if c == nil {
		return fmt.Errorf("ausf: DeleteConfirmation: %w: %q", sbi.ErrAuthContextNotFound, authCtxID)
	}
	if err := a.udm.ConfirmAuth(ctx, c.supi, sbi.AuthEvent{Success: false, ServingNetworkName: c.snName}); err != nil {
		a.log.Warn("UDM did not take the authentication result", "supi", c.supi, "error", err)
	}
	a.log.Info("authentication failed: the UE refused the challenge", "supi", c.supi, "cause", cause,
		"cause_name", causeName(cause), "serving_network", c.snName)
	return nil
}

// causeName names the 5GMM causes of AUTHENTICATION FAILURE
// (TS 24.501 §9.11.3.2, §5.4.1.3.7).
func causeName(cause uint8) string {
	switch cause {
	case 20:
		return "MAC failure"
	case 21:
		return "synch failure"
	case 26:
		return "non-5G authentication unacceptable"
	case 71:
		return "ngKSI already in use"
	default:
		return "other"
	}
}
