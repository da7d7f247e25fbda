package selection

import (
	"context"

	"github.com/keelcore/keel/internal/sbi"
)

// AUSF is the AMF's Nausf_UEAuthentication: Authenticate selects the
// AUSF by the SUPI, or by the routing indicator of the SUCI (TS 23.501
// §6.3.4), and the authentication context ID leads the confirmation to
// it.
func AUSF(dir sbi.Directory, locality string) sbi.NausfUEAuthentication {
	return ausf{dir, locality}
}

type ausf struct {
	dir      sbi.Directory
	locality string
}

// homeQuery selects the home NFs of a subscriber.
func homeQuery(req sbi.AuthRequest, locality string) sbi.Query {
	q := sbi.Query{SUPI: req.SUPI, Locality: locality}
	if req.SUCI != nil {
		q.RoutingIndicator = req.SUCI.RoutingIndicator
	}
	return q
}

func (s ausf) Authenticate(ctx context.Context, req sbi.AuthRequest) (sbi.AuthChallenge, error) {
	peers, err := s.dir.AUSFs(ctx, homeQuery(req, s.locality))
	if err != nil {
		return sbi.AuthChallenge{}, err
	}
	return try(ctx, peers, func(p sbi.Peer[sbi.NausfUEAuthentication]) (sbi.AuthChallenge, error) {
		res, err := p.Service.Authenticate(ctx, req)
		if err == nil {
			res.AuthCtxID = Ref(p.ID, res.AuthCtxID)
		}
		return res, err
	})
}

func (s ausf) instance(ctx context.Context, id string) (sbi.Peer[sbi.NausfUEAuthentication], string, error) {
	return one(ctx, id, sbi.ErrAuthContextNotFound, func(q sbi.Query) ([]sbi.Peer[sbi.NausfUEAuthentication], error) { return s.dir.AUSFs(ctx, q) })
}

func (s ausf) Confirm(ctx context.Context, id string, resStar [16]byte) (sbi.AuthConfirmation, error) {
	p, inner, err := s.instance(ctx, id)
	if err != nil {
		return sbi.AuthConfirmation{}, err
	}
	return p.Service.Confirm(ctx, inner, resStar)
}

func (s ausf) DeleteConfirmation(ctx context.Context, id string, cause uint8) error {
	p, inner, err := s.instance(ctx, id)
	if err != nil {
		return err
	}
	return p.Service.DeleteConfirmation(ctx, inner, cause)
}
