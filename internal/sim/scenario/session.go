package scenario

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sim/gnb"
	"github.com/keelcore/keel/internal/sim/ue"
)

// PingInterval is the time between the echo requests of Session.Ping.
const PingInterval = 100 * time.Millisecond

// EstablishPDUSession runs a UE-requested PDU session establishment
// (TS 24.501 §6.4.1) of an IPv4 session on the UE's connection and
// returns the session as the network accepted it, and how long it took
// from the UL NAS TRANSPORT to the accept. An empty dnn or a zero snssai
// lets the network choose. Failures: "5gsm-cause-N" for a reject,
// "5gmm-cause-N" for a request the AMF could not forward, "idle" without
// a connection, "timeout", "released".
func (s *Session) EstablishPDUSession(ctx context.Context, psi uint8, dnn string, snssai ident.SNSSAI) (ue.PDUSession, time.Duration, error) {
	return s.EstablishPDUSessionType(ctx, psi, dnn, snssai, ue.PDUTypeIPv4)
}

// Ping sends count ICMP echo requests, PingInterval apart, from the UE's
// IPv4 address on PDU session psi to dst through the gNB's N3 tunnel, and
// counts the replies (see gnb.UEConn.Ping). Failures: "no-session" when
// the UE has no such active session with an IPv4 address, "no-bearer"
// when the gNB set up no resources for it, "idle", "timeout", "released"
// when the connection was released meanwhile, "ping".
func (s *Session) Ping(ctx context.Context, psi uint8, dst netip.Addr, count int) (gnb.PingResult, error) {
	if s.Conn == nil {
		return gnb.PingResult{}, &Failure{Cause: "idle"}
	}
	sess, ok := s.UE.PDUSession(psi)
	if !ok || !sess.IPv4.IsValid() {
		return gnb.PingResult{}, &Failure{Cause: "no-session", Err: fmt.Errorf("no active IPv4 PDU session %d", psi)}
	}
	if _, ok := s.Conn.Session(psi); !ok {
		return gnb.PingResult{}, &Failure{Cause: "no-bearer", Err: fmt.Errorf("the gNB has no resources for PDU session %d", psi)}
	}
	res, err := s.Conn.Ping(ctx, psi, sess.IPv4, dst, count, PingInterval)
	switch {
	case err == nil:
		return res, nil
	case errors.Is(err, gnb.ErrReleased):
		return res, &Failure{Cause: "released", Err: err}
	case ctx.Err() != nil:
		return res, &Failure{Cause: "timeout", Err: err}
	}
	return res, &Failure{Cause: "ping", Err: err}
}

// ReleasePDUSession runs a UE-requested PDU session release (TS 24.501
// §6.4.3) and waits until the UE answered the network's PDU SESSION
// RELEASE COMMAND. Failures: "5gsm-cause-N" for a release reject,
// "5gmm-cause-N", "idle", "timeout", "released".
func (s *Session) ReleasePDUSession(ctx context.Context, psi uint8) error {
	if s.Conn == nil {
		return &Failure{Cause: "idle"}
	}
	pdu, err := s.UE.ReleasePDUSession(psi)
	if err := s.send(ctx, pdu, err); err != nil {
		return err
	}
	return s.untilSession(ctx, psi, ue.EventPDUSessionReleased)
}

// untilSession feeds downlink NAS to the UE and its answers back until
// the UE reports want for PDU session psi, or an outcome that ends the
// procedure: a 5GSM reject or release, a message not forwarded, a 5GSM
// STATUS, a deregistration.
func (s *Session) untilSession(ctx context.Context, psi uint8, want ue.Event) error {
	for {
		res, err := s.next(ctx)
		if err != nil {
			return err
		}
		if res.Event == ue.EventDeregistered {
			return &Failure{Cause: "deregistered", Err: errors.New(res.Event.String())}
		}
		if res.PDUSessionID != psi {
			continue
		}
		switch res.Event {
		case want:
			return nil
		case ue.EventPDUSessionRejected, ue.EventPDUSessionReleased, ue.EventPDUSessionReleaseRejected:
			err := errors.New(res.Event.String())
			switch {
			case res.BackOff == ue.BackOffDeactivated:
				err = fmt.Errorf("%s, back-off deactivated", res.Event)
			case res.BackOff > 0:
				// TS 24.501 §6.4.1.4.2: T3396, no new request for this DNN
				// and S-NSSAI before it expires.
				err = fmt.Errorf("%s, back-off %v", res.Event, res.BackOff)
			}
			return &Failure{Cause: fmt.Sprintf("5gsm-cause-%d", res.Cause), Err: err}
		case ue.EventPDUSessionNotForwarded:
			return &Failure{Cause: fmt.Sprintf("5gmm-cause-%d", res.Cause), Err: errors.New(res.Event.String())}
		}
	}
}

// EstablishPDUSessionType is EstablishPDUSession for a PDU session of
// type pduType (ue.PDUTypeIPv4, ue.PDUTypeIPv6, ue.PDUTypeIPv4v6).
func (s *Session) EstablishPDUSessionType(ctx context.Context, psi uint8, dnn string, snssai ident.SNSSAI, pduType uint8) (ue.PDUSession, time.Duration, error) {
	if s.Conn == nil {
		return ue.PDUSession{}, 0, &Failure{Cause: "idle"}
	}
	pdu, err := s.UE.EstablishPDUSession(psi, dnn, snssai, pduType)
	start := time.Now()
	if err := s.send(ctx, pdu, err); err != nil {
		return ue.PDUSession{}, 0, err
	}
	if err := s.untilSession(ctx, psi, ue.EventPDUSessionEstablished); err != nil {
		return ue.PDUSession{}, 0, err
	}
	lat := time.Since(start)
	sess, _ := s.UE.PDUSession(psi)
	return sess, lat, nil
}
