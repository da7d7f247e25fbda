package scenario

import (
	"context"
	"errors"
	"fmt"
	"time"

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
	if want := s.UE.NextHop(kgnb, ack.NCC); !want.Equal(ack.NH) {
		return lat, &Failure{Cause: "nh-mismatch", Err: fmt.Errorf("scenario: the network's NH for NCC %d is not the UE's", ack.NCC)}
	}
	return lat, nil
}
