package scenario

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/keelcore/keel/internal/sim/gnb"
	"github.com/keelcore/keel/internal/sim/ue"
)

// RouterSolicitationInterval is how long AwaitRouterAdvertisement waits
// for a Router Advertisement before the UE solicits one (RFC 4861
// §10: RTR_SOLICITATION_INTERVAL, 4 s, shortened for a simulator that
// measures), and MaxRouterSolicitations how many it sends (§10:
// MAX_RTR_SOLICITATIONS).
const (
	RouterSolicitationInterval = time.Second
	MaxRouterSolicitations     = 3
)

// AwaitRouterAdvertisement waits for the network's Router Advertisement
// on IPv6 or IPv4v6 PDU session psi (TS 23.501 §5.8.2.2.3): the
// downlink packets the gNB received on the session's bearer go to the
// UE, which forms its IPv6 address from the advertised prefix (see
// ue.UE.HandleRouterAdvertisement); without one for
// RouterSolicitationInterval the UE sends a Router Solicitation, at most
// MaxRouterSolicitations times. Failures: "no-session" for a session
// without IPv6, "no-bearer", "idle", "released", "timeout",
// "router-advertisement" for a malformed one or none after the last
// solicitation.
func (s *Session) AwaitRouterAdvertisement(ctx context.Context, psi uint8) (ue.RouterAdvertisement, error) {
	if s.Conn == nil {
		return ue.RouterAdvertisement{}, &Failure{Cause: "idle"}
	}
	if sess, ok := s.UE.PDUSession(psi); !ok || (sess.Type != ue.PDUTypeIPv6 && sess.Type != ue.PDUTypeIPv4v6) {
		return ue.RouterAdvertisement{}, &Failure{Cause: "no-session", Err: fmt.Errorf("no active IPv6 PDU session %d", psi)}
	}
	if _, ok := s.Conn.Session(psi); !ok {
		return ue.RouterAdvertisement{}, &Failure{Cause: "no-bearer", Err: fmt.Errorf("the gNB has no resources for PDU session %d", psi)}
	}
	for solicited := 0; ; solicited++ {
		wctx, cancel := context.WithTimeout(ctx, RouterSolicitationInterval)
		ra, err := s.receiveRA(wctx, psi)
		cancel()
		switch {
		case err == nil:
			return ra, nil
		case errors.Is(err, gnb.ErrReleased):
			return ra, &Failure{Cause: "released", Err: err}
		case ctx.Err() != nil:
			return ra, &Failure{Cause: "timeout", Err: err}
		case !errors.Is(err, context.DeadlineExceeded):
			return ra, &Failure{Cause: "router-advertisement", Err: err}
		case solicited == MaxRouterSolicitations:
			return ra, &Failure{Cause: "router-advertisement", Err: fmt.Errorf("none after %d Router Solicitations", solicited)}
		}
		rs, err := s.UE.RouterSolicitation(psi)
		if err == nil {
			err = s.Conn.SendUplink(psi, rs)
		}
		if err != nil {
			return ra, &Failure{Cause: "router-advertisement", Err: err}
		}
	}
}

// receiveRA hands the UE the downlink packets of session psi until one
// is a Router Advertisement.
func (s *Session) receiveRA(ctx context.Context, psi uint8) (ue.RouterAdvertisement, error) {
	for {
		p, err := s.Conn.Receive(ctx, psi)
		if err != nil {
			return ue.RouterAdvertisement{}, err
		}
		ra, err := s.UE.HandleRouterAdvertisement(psi, p.Data)
		if errors.Is(err, ue.ErrNotRouterAdvertisement) {
			continue
		}
		return ra, err
	}
}
