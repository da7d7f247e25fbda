package udr

import (
	"context"

	"github.com/keelcore/keel/internal/crypto/milenage"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/store"
)

// indLength is the length of IND in Keel's SQN = SEQ || IND
// (TS 33.102 Annex C.3.2), as the UDM's re-synchronisation assumes.
const indLength = 5

// AuthenticationSubscription reads a subscriber's authentication
// subscription (TS 29.505 AuthenticationSubscription) without advancing
// the SQN, from the store; the read also serves the subscription data
// asked next from the cache.
func (u *UDR) AuthenticationSubscription(ctx context.Context, supi string) (sbi.AuthenticationSubscription, error) {
	sub, err := u.cache.read(ctx, u.store, supi)
	u.metrics.observe("AuthenticationSubscription", err)
	if err != nil {
		return sbi.AuthenticationSubscription{}, storeError("AuthenticationSubscription", supi, err)
	}
	return authenticationSubscription(sub.Auth), nil
}

// NextSQN advances the subscriber's SQN durably (store.Store.AdvanceSQN)
// and returns the authentication subscription carrying the new SQN.
func (u *UDR) NextSQN(ctx context.Context, supi string) (sbi.AuthenticationSubscription, error) {
	auth, err := u.store.AdvanceSQN(ctx, supi)
	u.metrics.observe("NextSQN", err)
	if err != nil {
		return sbi.AuthenticationSubscription{}, storeError("NextSQN", supi, err)
	}
	return authenticationSubscription(auth), nil
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

// authenticationSubscription shapes a store row as TS 29.505 does. A
// subscription provisioned with OP answers OPc = OPc(K, OP)
// (TS 35.206 §4.1): consumers only ever see OPc.
func authenticationSubscription(a store.AuthData) sbi.AuthenticationSubscription {
	opc := a.OPc
	if a.OPIsOP {
		opc = milenage.OPc(a.K, a.OPc)
	}
	return sbi.AuthenticationSubscription{
		AuthenticationMethod: sbi.AuthMethod5GAKA,
		PermanentKey:         a.K,
		OPc:                  opc,
		AMF:                  a.AMF,
		AlgorithmID:          sbi.AlgorithmMilenage,
		SequenceNumber:       sbi.SequenceNumber{Scheme: sbi.SQNSchemeNonTimeBased, SQN: a.SQN, IndLength: indLength},
	}
}
