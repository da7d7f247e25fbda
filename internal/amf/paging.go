package amf

import (
	"context"
	"time"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sbi"
)

// TransfersFailed sends N1N2MessageTransferFailureNotification (TS 29.518
// §5.2.2.3.1) for each transfer that has a FailureNotify. The notifiers
// run on a goroutine of their own, each under the AMF's SBI deadline,
// so that the UE's executor never waits for the SMF (which may itself be
// waiting for the UE's executor); Stop joins it (AMF.runs). Once Stop has
// closed the gate they run on the caller, an executor Stop joins anyway.
func (s ueShell) TransfersFailed(ts []sbi.N1N2MessageTransferReqData, cause sbi.N1N2MessageTransferCause) {
	u := s.u
	a := u.a
	supi := u.supi
	run := func() {
		for _, t := range ts {
			if t.FailureNotify == nil {
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), a.sbiTimeout())
			t.FailureNotify.N1N2TransferFailed(ctx, supi, t.PduSessionID, cause)
			cancel()
		}
	}
	if !a.runs.admit() {
		run()
		return
	}
	a.runs.spawn(func() {
		defer a.runs.done()
		run()
	})
}

// sbiTimeout is the bound on one call of the AMF to another NF.
func (a *AMF) sbiTimeout() time.Duration {
	if a.cfg.SBITimeout > 0 {
		return a.cfg.SBITimeout
	}
	return gmm.DefaultSBITimeout
}

// Page sends an NGAP Paging (TS 38.413 §8.5.1) for the UE to every gNB
// serving a tracking area of its registration area (TS 23.502 §4.2.3.3
// step 4b), each with the TAIs of that area it serves. Paging is not
// UE-associated: it goes on the association's stream 0.
func (s ueShell) Page(p gmm.Paging) {
	u := s.u
	a := u.a
	a.metrics.pagingAttempts.Inc()
	targets := a.pagingTargets(p.TAIs)
	if len(targets) == 0 {
		u.log.Info("amf: paging: no gNB serves the UE's registration area", "cause", "no-gnb")
		return
	}
	for _, t := range targets {
		msg, err := ngap.Paging(ngap.PagingRequest{TMSI: p.TMSI, TAIs: t.tais})
		if err != nil {
			u.log.Error("amf: building Paging", "err", err)
			return
		}
		// Paging is best effort: a gNB that does not take it in time
		// (a congested association) holds the UE's executor no longer.
		ctx, cancel := context.WithTimeout(context.Background(), pagingSendTimeout)
		if err := a.send(ctx, t.r, msg); err != nil {
			t.r.logger().Debug("amf: Paging not sent", "err", err)
		}
		cancel()
	}
}

// pagingSendTimeout bounds the sending of one Paging to one gNB.
const pagingSendTimeout = 500 * time.Millisecond

// pagingTarget is a gNB to page a UE at, with the TAIs it serves.
type pagingTarget struct {
	r    *ran
	tais []ident.TAI
}

// pagingTargets lists the set-up gNBs serving at least one of tais (a TA
// from their NG Setup or RAN Configuration Update with the TAI's TAC and
// PLMN among its broadcast PLMNs), each with the TAIs it serves, at most
// ngap.MaxTAIsForPaging.
func (a *AMF) pagingTargets(tais []ident.TAI) []pagingTarget {
	var out []pagingTarget
	a.mu.Lock()
	defer a.mu.Unlock()
	for r := range a.mu.rans {
		r.mu.Lock()
		var served []ident.TAI
		if r.mu.state == ranReady {
			for _, tai := range tais {
				if servesTAI(r.mu.tas, tai) && len(served) < ngap.MaxTAIsForPaging {
					served = append(served, tai)
				}
			}
		}
		r.mu.Unlock()
		if len(served) > 0 {
			out = append(out, pagingTarget{r: r, tais: served})
		}
	}
	return out
}

func servesTAI(tas []ngap.TA, tai ident.TAI) bool {
	for _, ta := range tas {
		if ta.TAC != tai.TAC {
			continue
		}
		for _, p := range ta.PLMNs {
			if p == tai.PLMN {
				return true
			}
		}
	}
	return false
}
