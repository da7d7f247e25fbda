package ausf

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/keelcore/keel/internal/crypto/kdf"
	"github.com/keelcore/keel/internal/sbi"
)

// Authenticate runs TS 33.501 §6.1.3.2 steps 1–5: it obtains a 5G HE AV
// from the UDM, keeps XRES* and KAUSF in a new authentication context and
// returns the 5G SE AV with the context's ID.
func (a *AUSF) Authenticate(ctx context.Context, req sbi.AuthRequest) (sbi.AuthChallenge, error) {
	ch, err := a.authenticate(ctx, req)
	switch {
	case errors.Is(err, errOverloaded):
		a.metrics.authentications.WithLabelValues("overloaded").Inc()
	case err != nil:
		a.metrics.authentications.WithLabelValues(sbi.Outcome(err)).Inc()
	}
	return ch, err
}

func (a *AUSF) authenticate(ctx context.Context, req sbi.AuthRequest) (sbi.AuthChallenge, error) {
	// TS 33.501 §6.1.2: the AUSF checks that the serving network may use
	// this serving network name.
	if _, _, err := sbi.ParseServingNetworkName(req.ServingNetworkName); err != nil {
		return sbi.AuthChallenge{}, fmt.Errorf("ausf: Authenticate: %w", err)
	}
	if a.networks != nil && !a.networks[req.ServingNetworkName] {
		return sbi.AuthChallenge{}, fmt.Errorf("ausf: Authenticate: %w: %s", sbi.ErrServingNetworkNotAuthorized, req.ServingNetworkName)
	}
	// The slot is taken before the UDM hands out a vector (and an SQN):
	// a refused request costs the home network nothing.
	now := a.now()
	c := &authContext{id: rand.Text(), snName: req.ServingNetworkName, expires: now.Add(a.ttl)}
	if !a.pending.reserve(c.id, now, c.expires) {
		return sbi.AuthChallenge{}, fmt.Errorf("%w: %w", sbi.ErrUnavailable, errOverloaded)
	}
	av, err := a.udm.GenerateAuthData(ctx, req)
	if err != nil {
		a.pending.release(c.id)
		return sbi.AuthChallenge{}, fmt.Errorf("ausf: Authenticate: %w", err)
	}
	c.supi, c.xresStar, c.kausf = av.SUPI, av.XRESStar, av.KAUSF
	if err := a.keep(ctx, c); err != nil {
		a.pending.release(c.id)
		return sbi.AuthChallenge{}, fmt.Errorf("ausf: Authenticate %s: %w", c.supi, err)
	}
	a.log.Debug("5G AKA challenge", "supi", c.supi, "auth_ctx_id", c.id)
	return sbi.AuthChallenge{
		AuthCtxID: c.id,
		RAND:      av.RAND,
		AUTN:      av.AUTN,
		HXRESStar: kdf.HXRESStar(av.RAND, av.XRESStar), // TS 33.501 Annex A.5
	}, nil
}
