package scenario

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/sim/gnb"
)

// XnHandover moves the connected UE and its PDU sessions to target with
// an Xn handover (TS 23.502 §4.9.1.2.2): the source gNB hands the UE to
// target in process, target sends the Path Switch Request with the
// sessions' new downlink tunnels on its own N3 address, and the answer
// is checked — every session switched, and the {NH, NCC} pair, which the
// UE derives on its own from its KAMF and the KgNB of its Initial
// Context Setup (TS 33.501 §6.9.2.1.1, Annex A.10): a network whose NH
// does not match fails with cause "nh-mismatch". It returns how long the
// path switch took, from the Path Switch Request to its acknowledge.
func (s *Session) XnHandover(ctx context.Context, target *gnb.GNB) (time.Duration, error) {
	if s.Conn == nil {
		return 0, &Failure{Cause: "idle", Err: errors.New("scenario: an idle UE is not handed over")}
	}
	kgnb := s.Conn.KgNB()
	start := time.Now()
	n, ack, err := s.Conn.XnHandover(ctx, target)
	if err != nil {
		switch {
		case errors.Is(err, gnb.ErrPathSwitch):
			return 0, &Failure{Cause: "path-switch-failed", Err: err}
		case ctx.Err() != nil:
			return 0, &Failure{Cause: "timeout", Err: err}
		}
		return 0, &Failure{Cause: "handover", Err: err}
	}
	lat := time.Since(start)
	s.GNB, s.Conn = target, n
	if len(ack.Released) > 0 {
		return lat, &Failure{Cause: "session-released", Err: fmt.Errorf("scenario: %d PDU sessions released by the path switch", len(ack.Released))}
	}
	if !s.nextHop(kgnb, ack.NCC).Equal(ack.NH) {
		return lat, &Failure{Cause: "nh-mismatch", Err: fmt.Errorf("scenario: the network's NH for NCC %d is not the UE's", ack.NCC)}
	}
	return lat, nil
}

// hopState is where the UE stands in its NH chain: the KgNB of the
// Initial Context Setup the chain starts from, and the last NH with its
// NCC. NH is a key: never logged.
type hopState struct {
	kgnb, nh secret.Key256
	ncc      uint8
}

// nextHop follows the UE's NH chain to the link of NCC ncc, as a UE
// does when a handover names an NCC other than its own (TS 33.501
// §6.9.2.3.3): from the KgNB of the last Initial Context Setup, a
// virtual NH of NCC 0, one derivation per count (NCC is 3 bits, so at
// most 7).
func (s *Session) nextHop(kgnb secret.Key256, ncc uint8) secret.Key256 {
	if !s.hop.kgnb.Equal(kgnb) {
		s.hop = hopState{kgnb: kgnb, nh: kgnb}
	}
	for n := 0; s.hop.ncc != ncc&7 && n < 8; n++ {
		s.hop.nh = s.UE.NextHop(s.hop.nh)
		s.hop.ncc = (s.hop.ncc + 1) & 7
	}
	return s.hop.nh
}

// N2Handover moves the connected UE and its PDU sessions to target with
// an N2 handover (TS 23.502 §4.9.1.3): the source gNB sends Handover
// Required, target answers the AMF's Handover Request, the source gets
// Handover Command and the target, after the RAN Status Transfer, sends
// Handover Notify; the AMF releases the source with successful-handover.
// The {NH, NCC} pair of the Handover Request is checked against the UE's
// own derivation (TS 33.501 §6.9.2.3.3, Annex A.10): a network whose NH
// does not match fails with cause "nh-mismatch". It returns how long the
// handover took, from Handover Required to the source's release.
func (s *Session) N2Handover(ctx context.Context, target *gnb.GNB) (time.Duration, error) {
	if s.Conn == nil {
		return 0, &Failure{Cause: "idle", Err: errors.New("scenario: an idle UE is not handed over")}
	}
	kgnb := s.Conn.KgNB()
	start := time.Now()
	n, res, err := s.Conn.N2Handover(ctx, target)
	if err != nil {
		switch {
		case errors.Is(err, gnb.ErrHandoverPreparation):
			return 0, &Failure{Cause: "handover-preparation-failed", Err: err}
		case ctx.Err() != nil:
			return 0, &Failure{Cause: "timeout", Err: err}
		}
		return 0, &Failure{Cause: "handover", Err: err}
	}
	lat := time.Since(start)
	s.GNB, s.Conn = target, n
	if res.ReleaseCause != "radio-network/2" {
		return lat, &Failure{Cause: "handover", Err: fmt.Errorf("scenario: the source was released with cause %q, want successful-handover", res.ReleaseCause)}
	}
	if !s.nextHop(kgnb, res.Request.NCC).Equal(res.Request.NH) {
		return lat, &Failure{Cause: "nh-mismatch", Err: fmt.Errorf("scenario: the network's NH for NCC %d is not the UE's", res.Request.NCC)}
	}
	return lat, nil
}
