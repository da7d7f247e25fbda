package amf

import (
	"context"
	"time"

	"github.com/keelcore/keel/internal/amf/gmm"
)

// Call performs a call of the UE's 5GMM machine (gmm/calls.go) on a
// goroutine of its own, never on the UE's executor, so that the UE's
// other events — a UE Context Release, a second REGISTRATION REQUEST,
// another UE's anything — do not wait behind a slow peer. The goroutine
// is the AMF's: Stop cancels its context and joins it (AMF.runs). Its
// context ends at the call's deadline; the answer goes back to the
// machine as an event on the UE's executor (Answered), where the
// machine discards it if the procedure that called is gone.
//
// The UE's Nudm_UECM calls are performed in the order issued: a
// deregistration of the UE must not overtake the registration before it,
// nor the next registration overtake it (the UDM keeps the last). So are
// its Nsmf_PDUSession calls: the SMF gets the UE's 5GSM messages in the
// order the UE sent them.
func (s ueShell) Call(id gmm.CallID, req gmm.Request, d time.Duration) {
	u := s.u
	a := u.a
	var prev, done chan struct{}
	switch req.(type) {
	case gmm.RegisterAMF, gmm.DeregisterAMF:
		prev, done = u.uecm, make(chan struct{})
		u.uecm = done
	case gmm.CreateSMContext, gmm.UpdateSMContext, gmm.ReleaseSMContext:
		prev, done = u.smf, make(chan struct{})
		u.smf = done
	}
	if !a.runs.admit() {
		// The AMF is stopping: no answer will be wanted.
		if done != nil {
			close(done)
		}
		return
	}
	a.runs.spawn(func() {
		defer a.runs.done()
		if done != nil {
			defer close(done)
		}
		ctx, cancel := context.WithTimeout(a.calls, d)
		defer cancel()
		if prev != nil {
			select {
			case <-prev:
			case <-ctx.Done():
			}
		}
		var ans gmm.Answer
		// The call runs inside the UE's panic boundary: a peer's bug
		// (in-process NFs run here) ends this UE only, as on its
		// executor.
		if p := a.panics.Run(panicUE, u.log, func() { ans = gmm.Perform(ctx, a.peers, req) }); p != nil {
			u.do(u.fail)
			return
		}
		u.do(func() {
			// The call is performed: a later call has nothing to wait
			// for, and the UE keeps no channel of it.
			switch done {
			case nil:
			case u.uecm:
				u.uecm = nil
			case u.smf:
				u.smf = nil
			}
			u.m.Answered(context.Background(), id, ans)
		})
	})
}

// smfInOrder runs fn, the Nsmf_PDUSession_UpdateSMContext calls of an
// N2 or Xn handover (TS 23.502 §4.9.1.2.2, §4.9.1.3), on a goroutine of
// the AMF's (AMF.runs: Stop cancels ctx and joins it), in the UE's
// order of Nsmf calls kept by ueShell.Call: after the calls the UE
// issued before have ended, before the ones it issues after start. A
// handover that follows a Service Request thus reaches the SMF after its
// ACTIVATING, and a release after it does not overtake its COMPLETED.
// fn hands its outcome back through the UE's executor (u.do).
//
// It must be called on u's executor. It reports false and runs nothing
// once the AMF is stopping.
func (a *AMF) smfInOrder(u *ueContext, fn func(ctx context.Context)) bool {
	if !a.runs.admit() {
		return false
	}
	prev, done := u.smf, make(chan struct{})
	u.smf = done
	a.runs.spawn(func() {
		defer a.runs.done()
		defer close(done)
		if prev != nil {
			select {
			case <-prev:
			case <-a.calls.Done():
			}
		}
		// Each call is bounded by a.services (gmm.Bounded, the SBI
		// deadline); a.calls ends them at Stop.
		fn(a.calls)
	})
	return true
}
