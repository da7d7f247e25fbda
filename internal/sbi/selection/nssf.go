package selection

import (
	"context"
	"errors"

	"github.com/keelcore/keel/internal/sbi"
)

// NSSF is the AMF's NSSF (TS 23.501 §6.3.14: found by the NRF or by
// configuration). A slice selection goes to the first instance that
// answers (TS 29.500 §6.10.3). The AMF's NSSAI availability goes to every
// instance, since each decides from what the AMFs reported to it; an
// update or delete succeeds when one instance took it, an update
// answering the first one's authorization.
func NSSF(dir sbi.Directory, locality string) sbi.NSSF { return nssf{dir, locality} }

type nssf struct {
	dir      sbi.Directory
	locality string
}

func (s nssf) NetworkSliceInformation(ctx context.Context, q sbi.NSSelectionQuery) (sbi.AuthorizedNetworkSliceInfo, error) {
	peers, err := s.dir.NSSFs(ctx, sbi.Query{Locality: s.locality})
	if err != nil {
		return sbi.AuthorizedNetworkSliceInfo{}, err
	}
	return try(ctx, peers, func(p sbi.Peer[sbi.NSSF]) (sbi.AuthorizedNetworkSliceInfo, error) {
		return p.Service.NetworkSliceInformation(ctx, q)
	})
}

func (s nssf) UpdateNSSAIAvailability(ctx context.Context, nfID string, info sbi.NSSAIAvailabilityInfo) (sbi.AuthorizedNSSAIAvailabilityInfo, error) {
	var out sbi.AuthorizedNSSAIAvailabilityInfo
	err := s.each(ctx, func(first bool, p sbi.Peer[sbi.NSSF]) error {
		got, err := p.Service.UpdateNSSAIAvailability(ctx, nfID, info)
		if err == nil && first {
			out = got
		}
		return err
	})
	return out, err
}

func (s nssf) DeleteNSSAIAvailability(ctx context.Context, nfID string) error {
	return s.each(ctx, func(_ bool, p sbi.Peer[sbi.NSSF]) error {
		return p.Service.DeleteNSSAIAvailability(ctx, nfID)
	})
}

// SubscribeNSSAIAvailability subscribes at the first instance that
// answers; the subscription's ID names that instance (Ref), so that its
// Unsubscribe goes there.
func (s nssf) SubscribeNSSAIAvailability(ctx context.Context, sub sbi.NSSAIAvailabilitySubscription) (sbi.NSSAIAvailabilitySubscribed, error) {
	peers, err := s.dir.NSSFs(ctx, sbi.Query{Locality: s.locality})
	if err != nil {
		return sbi.NSSAIAvailabilitySubscribed{}, err
	}
	return try(ctx, peers, func(p sbi.Peer[sbi.NSSF]) (sbi.NSSAIAvailabilitySubscribed, error) {
		res, err := p.Service.SubscribeNSSAIAvailability(ctx, sub)
		if err == nil {
			res.SubscriptionID = Ref(p.ID, res.SubscriptionID)
		}
		return res, err
	})
}

// UnsubscribeNSSAIAvailability deletes the subscription at the instance
// its ID names; one no longer listed holds none.
func (s nssf) UnsubscribeNSSAIAvailability(ctx context.Context, id string) error {
	p, inner, err := one(ctx, id, sbi.ErrNSSAISubscriptionNotFound, func(q sbi.Query) ([]sbi.Peer[sbi.NSSF], error) { return s.dir.NSSFs(ctx, q) })
	if err != nil {
		return err
	}
	return p.Service.UnsubscribeNSSAIAvailability(ctx, inner)
}

// each calls do on every instance, first telling whether no instance
// has succeeded yet; it fails when none succeeded.
func (s nssf) each(ctx context.Context, do func(first bool, p sbi.Peer[sbi.NSSF]) error) error {
	peers, err := s.dir.NSSFs(ctx, sbi.Query{Locality: s.locality})
	if err != nil {
		return err
	}
	var errs []error
	took := false
	for _, p := range peers {
		if err := do(!took, p); err != nil {
			errs = append(errs, err)
			continue
		}
		took = true
	}
	if !took {
		return errors.Join(errs...)
	}
	return nil
}
