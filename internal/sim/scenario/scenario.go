// Package scenario runs simulated UEs through procedures over a simulated
// gNB: registration, deregistration, PDU sessions and pings, release to
// idle, Service Request and paging. `keel sim`, `keel bench` and the
// whole-system tests share it.
//
// # Concurrency
//
// One call runs one UE and must not share that UE with another call; many
// calls run in parallel over the same gNB.
package scenario

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sim/gnb"
	"github.com/keelcore/keel/internal/sim/ue"
)

// Failure is a procedure that did not succeed, with a cause a summary
// can count: "5gmm-cause-7", "timeout", "released", ...
type Failure struct {
	Cause string
	Err   error
}

func (f *Failure) Error() string {
	if f.Err != nil {
		return fmt.Sprintf("%s: %v", f.Cause, f.Err)
	}
	return f.Cause
}

func (f *Failure) Unwrap() error { return f.Err }

// Session is a UE with its connection through a gNB.
type Session struct {
	UE   *ue.UE
	GNB  *gnb.GNB
	Conn *gnb.UEConn // nil while the UE is idle

	// hop is the UE's NH chain (handover.go).
	hop hopState
}

// Register runs an initial registration (TS 24.501 §5.5.1.2) and returns
// how long it took, from the Initial UE Message to the Registration
// Complete. A UE that set the follow-on request bit keeps its connection;
// for one that did not, Register waits for the network to release it
// (§5.5.1.2.4), handling what comes meanwhile (a CONFIGURATION UPDATE
// COMMAND), and the UE is then idle (Conn nil) — unless no release comes
// within settleTime: the core keeps connections after registration.
func Register(ctx context.Context, g *gnb.GNB, u *ue.UE) (*Session, time.Duration, error) {
	pdu, err := u.RegistrationRequest()
	if err != nil {
		return nil, 0, &Failure{Cause: "ue", Err: err}
	}
	start := time.Now()
	c, err := g.Attach(ctx, pdu, nil)
	if err != nil {
		return nil, 0, &Failure{Cause: "transport", Err: err}
	}
	s := &Session{UE: u, GNB: g, Conn: c}
	if err := s.until(ctx, ue.EventRegistered); err != nil {
		c.Close()
		return nil, 0, err
	}
	lat := time.Since(start)
	if !u.FollowOn() {
		if err := s.settle(ctx); err != nil {
			return nil, 0, err
		}
	}
	return s, lat, nil
}

// settleTime bounds the wait of Register for the release of the
// connection of a UE registered without follow-on request.
const settleTime = 2 * time.Second

// settle handles the downlink of the connection until the network
// releases it, or for settleTime at most.
func (s *Session) settle(ctx context.Context) error {
	wait, cancel := context.WithTimeout(ctx, settleTime)
	defer cancel()
	for s.Conn != nil {
		_, err := s.next(wait)
		var f *Failure
		switch {
		case err == nil:
		case errors.As(err, &f) && f.Cause == "released":
			return nil
		case ctx.Err() == nil && wait.Err() != nil:
			return nil // the connection is kept
		default:
			return err
		}
	}
	return nil
}

// Deregister runs a UE-initiated deregistration (§5.5.2.2), not switched
// off, and waits for the release of the connection. An idle UE first
// connects with a Service Request for signalling (§5.6.1).
func (s *Session) Deregister(ctx context.Context) error {
	if s.dropped() || s.Conn == nil {
		if _, err := s.ServiceRequest(ctx, ue.ServiceSignalling); err != nil {
			return err
		}
	}
	pdu, err := s.UE.DeregistrationRequest(false)
	if err := s.send(ctx, pdu, err); err != nil {
		return err
	}
	if err := s.until(ctx, ue.EventDeregistered); err != nil {
		return err
	}
	// The AMF releases the connection after the accept.
	return s.waitRelease(ctx)
}

// until feeds downlink NAS to the UE and its answers back until the UE
// reports want.
func (s *Session) until(ctx context.Context, want ue.Event) error {
	_, err := s.untilResult(ctx, want)
	return err
}

// failed turns a result that ends a 5GMM procedure unsuccessfully into
// its Failure: a reject, or an authentication or security mode control
// the UE refused.
func failed(res ue.Result) error {
	switch res.Event {
	case ue.EventRejected, ue.EventAuthRejected, ue.EventAuthFailure, ue.EventSecurityModeRejected, ue.EventServiceRejected:
		if res.Event == ue.EventAuthFailure && res.Cause == 21 {
			return nil // synch failure: the network re-synchronises
		}
		err := errors.New(res.Event.String())
		if res.BackOff > 0 {
			// TS 24.501 §5.6.1.5: T3346, no new Service Request before it expires.
			err = fmt.Errorf("%s, back-off %v", res.Event, res.BackOff)
		}
		return &Failure{Cause: fmt.Sprintf("5gmm-cause-%d", res.Cause), Err: err}
	}
	return nil
}

// send sends a NAS message the UE built, err being the UE's failure to
// build it, on the UE's connection. Failures: "ue", "transport".
func (s *Session) send(ctx context.Context, pdu []byte, err error) error {
	if err != nil {
		return &Failure{Cause: "ue", Err: err}
	}
	if err := s.Conn.Send(ctx, pdu); err != nil {
		if s.dropped() {
			return &Failure{Cause: "released", Err: err}
		}
		return &Failure{Cause: "transport", Err: err}
	}
	return nil
}

// dropped notices a connection the gNB released while nothing of the
// UE's was waiting on it (the association with the UE's AMF lost between
// two procedures): the UE is then in 5GMM-IDLE, as a phone is after an
// RRC release, with its 5G NAS security context, and its next message
// opens a new connection, to an AMF the gNB selects for it. It reports
// whether it found one.
func (s *Session) dropped() bool {
	if s.Conn == nil {
		return false
	}
	select {
	case <-s.Conn.Released():
		s.Conn = nil
		s.UE.ConnectionReleased()
		return true
	default:
		return false
	}
}

// next waits for the next downlink NAS message, hands it to the UE and
// sends the UE's answers. A downlink without NAS gives an empty result.
// Failures: "timeout", "released" (the connection is then gone),
// "5gsm-cause-N" for a 5GSM STATUS, "5gmm-status-N" for a 5GMM STATUS,
// "ue", "transport".
func (s *Session) next(ctx context.Context) (ue.Result, error) {
	select {
	case <-ctx.Done():
		return ue.Result{}, &Failure{Cause: "timeout", Err: ctx.Err()}
	case d, ok := <-s.Conn.Downlink():
		if !ok || d.Released {
			s.Conn = nil
			s.UE.ConnectionReleased()
			return ue.Result{}, &Failure{Cause: "released"}
		}
		if len(d.NAS) == 0 {
			return ue.Result{}, nil
		}
		res, err := s.UE.Handle(d.NAS)
		if err != nil {
			var st *ue.SMStatusError
			if errors.As(err, &st) {
				return ue.Result{}, &Failure{Cause: fmt.Sprintf("5gsm-cause-%d", st.Cause), Err: err}
			}
			var mm *ue.StatusError
			if errors.As(err, &mm) {
				return ue.Result{}, &Failure{Cause: fmt.Sprintf("5gmm-status-%d", mm.Cause), Err: err}
			}
			return ue.Result{}, &Failure{Cause: "ue", Err: err}
		}
		for _, up := range res.Uplink {
			if err := s.Conn.Send(ctx, up); err != nil {
				return ue.Result{}, &Failure{Cause: "transport", Err: err}
			}
		}
		return res, nil
	}
}

// waitRelease waits for the network to release the UE's connection,
// handing the UE what comes meanwhile (a CONFIGURATION UPDATE COMMAND
// giving it a new 5G-GUTI, TS 24.501 §5.4.4) and sending its answers, as
// a UE does until its RRC connection is released.
func (s *Session) waitRelease(ctx context.Context) error {
	for s.Conn != nil {
		_, err := s.next(ctx)
		var f *Failure
		switch {
		case err == nil:
		case errors.As(err, &f) && (f.Cause == "released" || f.Cause == "timeout"):
			if f.Cause == "timeout" {
				return err
			}
			return nil
		}
		// A message the UE cannot take does not stop the wait: the
		// release still comes.
	}
	return nil
}

// Cause returns the summary cause of an error from this package.
func Cause(err error) string {
	var f *Failure
	if errors.As(err, &f) {
		return f.Cause
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	return "error"
}

// Release has the gNB ask the AMF to release the UE's connection (user
// inactivity) and waits for the UE Context Release Command: the UE is
// then in 5GMM-IDLE.
func (s *Session) Release(ctx context.Context) error {
	if s.dropped() || s.Conn == nil {
		return nil
	}
	if err := s.Conn.RequestRelease(ctx); err != nil {
		return &Failure{Cause: "transport", Err: err}
	}
	return s.waitRelease(ctx)
}

// Update runs a mobility (periodic false) or periodic registration
// update from 5GMM-IDLE (TS 24.501 §5.5.1.3): a new connection whose
// Initial UE Message carries the 5G-S-TMSI.
func (s *Session) Update(ctx context.Context, periodic bool, tmsi *ngap.FiveGSTMSI) (time.Duration, error) {
	if !s.dropped() && s.Conn != nil {
		return 0, &Failure{Cause: "connected"}
	}
	pdu, err := s.UE.RegistrationUpdate(periodic)
	if err != nil {
		return 0, &Failure{Cause: "ue", Err: err}
	}
	start := time.Now()
	c, err := s.GNB.Attach(ctx, pdu, tmsi)
	if err != nil {
		return 0, &Failure{Cause: "transport", Err: err}
	}
	s.Conn = c
	if err := s.until(ctx, ue.EventRegistered); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}
