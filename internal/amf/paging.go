package amf

import (
	"context"
	"time"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/sbi"
)

// TransfersFailed sends N1N2MessageTransferFailureNotification (TS 29.518
// §5.2.2.3.1) for each transfer that has a FailureNotify. The notifiers
// run on a goroutine of their own, each under the AMF's SBI deadline,
// so that the UE's executor never waits for the SMF (which may itself be
// waiting for the UE's executor); Stop joins it (AMF.runs). Once Stop has
// closed the gate they run on the caller, an executor Stop joins anyway.
func (s ueShell) TransfersFailed(ts []sbi.N1N2Transfer, cause sbi.N1N2FailureCause) {
	u := s.u
	a := u.a
	supi := u.supi
	run := func() {
		for _, t := range ts {
			if t.FailureNotify == nil {
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), a.sbiTimeout())
			t.FailureNotify.N1N2TransferFailed(ctx, supi, t.PDUSessionID, cause)
			cancel()
		}
	}
	if !a.runs.admit() {
		run()
		return
	}
	go func() {
		defer a.runs.wg.Done()
		run()
	}()
}

// sbiTimeout is the bound on one call of the AMF to another NF.
func (a *AMF) sbiTimeout() time.Duration {
	if a.cfg.SBITimeout > 0 {
		return a.cfg.SBITimeout
	}
	return gmm.DefaultSBITimeout
}
