package amf

import (
	"context"
	"errors"
	"fmt"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/sbi"
)

// UpdateConfiguration runs the generic UE configuration update procedure
// (TS 24.501 §5.4.4, TS 23.502 §4.2.4.2) for the UE of supi on its
// executor: a new 5G-GUTI, a new allowed NSSAI, as after a change of its
// subscription. A connected UE gets the CONFIGURATION UPDATE COMMAND at
// once (acknowledgement requested, T3555); an idle one is paged first.
// It returns once the procedure has started or waits for the UE;
// ErrUnknownUE for a SUPI the AMF has no context of, an error wrapping
// sbi.ErrUENotReachable for a UE that cannot be reached.
func (a *AMF) UpdateConfiguration(ctx context.Context, supi string, upd gmm.ConfigurationUpdate) error {
	a.ues.Lock()
	u := a.ues.bySUPI[supi]
	a.ues.Unlock()
	if u == nil {
		return ErrUnknownUE
	}
	done := make(chan error, 1)
	queued := u.doOr(func() {
		err := errUnreachable
		defer func() { done <- err }()
		err = u.m.UpdateConfiguration(ctx, upd)
		if errors.Is(err, gmm.ErrNotReachable) || errors.Is(err, gmm.ErrNotRegistered) {
			err = fmt.Errorf("amf: %w: %w", err, sbi.ErrUENotReachable)
		}
	}, func() { done <- errUnreachable })
	if !queued {
		return fmt.Errorf("amf: UpdateConfiguration: UE mailbox full: %w", sbi.ErrUnavailable)
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
