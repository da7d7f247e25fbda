package udm

import (
	"context"
	"fmt"

	"github.com/keelcore/keel/internal/sbi"
)

// ConfirmAuth records the outcome of an authentication
// (Nudm_UEAuthentication_ResultConfirmation, TS 29.503 §5.4.2.3). Keel
// keeps it as a metric and a debug record only.
func (u *UDM) ConfirmAuth(_ context.Context, supi string, event sbi.AuthEvent) error {
	if !sbi.ValidSUPI(supi) {
		return fmt.Errorf("udm: ConfirmAuth: %w: SUPI %q", sbi.ErrInvalidRequest, supi)
	}
	result := "failure"
	if event.Success {
		result = "success"
	}
	u.metrics.authEvents.WithLabelValues(result).Inc()
	u.log.Debug("authentication result", "supi", supi, "result", result)
	return nil
}
