package udr

import (
	"context"

	"github.com/keelcore/keel/internal/store"
)

// AuthenticationSubscription reads a subscriber's authentication data
// without advancing the SQN.
func (u *UDR) AuthenticationSubscription(ctx context.Context, supi string) (store.AuthData, error) {
	sub, err := u.store.GetSubscriber(ctx, supi)
	u.metrics.observe("AuthenticationSubscription", err)
	if err != nil {
		return store.AuthData{}, storeError("AuthenticationSubscription", supi, err)
	}
	return sub.Auth, nil
}

// NextSQN advances the subscriber's SQN durably (store.Store.AdvanceSQN)
// and returns the authentication data carrying the new SQN.
func (u *UDR) NextSQN(ctx context.Context, supi string) (store.AuthData, error) {
	auth, err := u.store.AdvanceSQN(ctx, supi)
	u.metrics.observe("NextSQN", err)
	if err != nil {
		return store.AuthData{}, storeError("NextSQN", supi, err)
	}
	return auth, nil
}

// ResyncSQN raises the subscriber's SQN to at least sqnMS; it never lowers
// it (store.Store.ResyncSQN).
func (u *UDR) ResyncSQN(ctx context.Context, supi string, sqnMS uint64) error {
	err := u.store.ResyncSQN(ctx, supi, sqnMS)
	u.metrics.observe("ResyncSQN", err)
	if err != nil {
		return storeError("ResyncSQN", supi, err)
	}
	return nil
}
