package sbi

import (
	"context"

	"github.com/keelcore/keel/internal/store"
)

// NudrDataRepository is the UDR's Nudr_DataRepository service
// (TS 29.504 §5.2) for the subscription data of TS 29.505 §5.2, used by
// the UDM. Every method answers ErrUserNotFound for a SUPI without a
// subscription.
type NudrDataRepository interface {
	// AuthenticationSubscription reads the authentication subscription
	// (TS 29.505 AuthenticationSubscription) without changing the SQN. For re-synchronisation
	// only; a vector needs NextSQN.
	AuthenticationSubscription(ctx context.Context, supi string) (store.AuthData, error)
	// NextSQN advances the SQN and returns the authentication data with the
	// new value (the update of the authentication subscription's
	// sequenceNumber, TS 29.505 SequenceNumber). The advance is durable before
	// it returns, and a value is never returned twice (TS 33.102 §6.3.2).
	NextSQN(ctx context.Context, supi string) (store.AuthData, error)
	// ResyncSQN raises the SQN to at least sqnMS after a synchronisation
	// failure (TS 33.102 §6.3.5); it never lowers it.
	ResyncSQN(ctx context.Context, supi string, sqnMS uint64) error
	// AccessAndMobilitySubscription reads the access and mobility
	// subscription data (TS 29.505 AccessAndMobilitySubscriptionData).
	AccessAndMobilitySubscription(ctx context.Context, supi string) (AMData, error)
	// SessionManagementSubscription reads the session management
	// subscription data (TS 29.505 SessionManagementSubscriptionData):
	// one SMData per DNN and S-NSSAI the subscriber may use.
	SessionManagementSubscription(ctx context.Context, supi string) ([]SMData, error)
}

// NudrDataChangeNotifier receives the UDR's notifications of data change
// (Nudr_DM_Notify, TS 23.502 §5.2.12, §4.16.9 step 2): a subscriber's
// subscription data changed. In one process the UDR calls each subscribed NF once per
// change, for any SUPI (the subscriptions are per NF, not per UE).
type NudrDataChangeNotifier interface {
	SubscriptionDataChanged(ctx context.Context, supi string)
}
