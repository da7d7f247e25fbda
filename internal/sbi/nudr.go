package sbi

import (
	"context"

	"github.com/keelcore/keel/internal/secret"
)

// NudrDataRepository is the UDR's Nudr_DataRepository service
// (TS 29.504 §5.2) for the subscription data of TS 29.505 §5.2, used by
// the UDM. Every method answers ErrUserNotFound for a SUPI without a
// subscription.
type NudrDataRepository interface {
	// AuthenticationSubscription reads the authentication subscription
	// (TS 29.505 §5.2.2.2.1 QueryAuthSubsData, GET
	// /subscription-data/{ueId}/authentication-data/authentication-subscription)
	// without changing the SQN. For re-synchronisation only; a vector
	// needs NextSQN.
	AuthenticationSubscription(ctx context.Context, supi string) (AuthenticationSubscription, error)
	// NextSQN advances the SQN by one and returns the authentication
	// subscription with the new value. The advance is durable before it
	// returns, and a value is never returned twice (TS 33.102 §6.3.2).
	// Over HTTP it is the ModifyAuthenticationSubscription PATCH of
	// sequenceNumber/sqn (TS 29.505) as a compare-and-set: JSON Patch
	// test of the SQN read, replace with the next (see package
	// sbihttp/nudr).
	NextSQN(ctx context.Context, supi string) (AuthenticationSubscription, error)
	// ResyncSQN raises the SQN to at least sqnMS after a synchronisation
	// failure (TS 33.102 §6.3.5); it never lowers it. Over HTTP: the
	// PATCH replacing sequenceNumber/sqn.
	ResyncSQN(ctx context.Context, supi string, sqnMS uint64) error
	// AccessAndMobilitySubscription reads the access and mobility
	// subscription data (TS 29.505 AccessAndMobilitySubscriptionData).
	AccessAndMobilitySubscription(ctx context.Context, supi string) (AMData, error)
	// SessionManagementSubscription reads the session management
	// subscription data (TS 29.505 SessionManagementSubscriptionData):
	// one SMData per DNN and S-NSSAI the subscriber may use.
	SessionManagementSubscription(ctx context.Context, supi string) ([]SMData, error)
}

// NudrProvisionedData is implemented by a Nudr_DataRepository binding
// that reads several provisioned data sets of a UE in one request:
// QueryProvisionedData (TS 29.505 §5.2.26, GET
// /subscription-data/{ueId}/{servingPlmnId}/provisioned-data with
// dataset-names AM,SM). A UDM whose UDR is in another process reads the
// access and mobility and the session management data together through
// it (package udm, sm_kept.go). The errors are those of
// NudrDataRepository.
type NudrProvisionedData interface {
	AccessAndMobilityWithSessionManagement(ctx context.Context, supi string) (AMData, []SMData, error)
}

// NudrDataChangeNotifier receives the UDR's notifications of data change
// (Nudr_DM_Notify, TS 23.502 §5.2.12, §4.16.9 step 2): a subscriber's
// subscription data changed. In one process the UDR calls each subscribed NF once per
// change, for any SUPI (the subscriptions are per NF, not per UE).
type NudrDataChangeNotifier interface {
	SubscriptionDataChanged(ctx context.Context, supi string)
}

// AuthenticationSubscription is a UE's authentication data (TS 29.505
// AuthenticationSubscription), as much of it as Keel's 5G AKA with
// Milenage uses. The keys travel in clear inside the SBI (protected by
// TLS when configured), not encrypted as the names encPermanentKey and
// encOpcKey allow (TS 29.505 leaves the encryption to deployments).
type AuthenticationSubscription struct {
	// AuthenticationMethod is "5G_AKA" (TS 29.503 AuthMethod).
	AuthenticationMethod string
	// PermanentKey is K (encPermanentKey).
	PermanentKey secret.Key128
	// OPc is the operator variant key (encOpcKey). A subscription
	// provisioned with OP is answered with OPc = OPc(K, OP)
	// (TS 35.206 §4.1), so consumers see OPc only.
	OPc secret.Key128
	// AMF is the authentication management field
	// (authenticationManagementField, 4 hex digits).
	AMF [2]byte
	// AlgorithmID names the algorithm set, "milenage".
	AlgorithmID string
	// SequenceNumber is the SQN with its scheme (TS 29.505
	// SequenceNumber).
	SequenceNumber SequenceNumber
}

// SequenceNumber is TS 29.505 SequenceNumber: a 48-bit SQN of a scheme
// (TS 33.102 Annex C).
type SequenceNumber struct {
	// Scheme is the sqnScheme, "NON_TIME_BASED" for Keel's SEQ || IND.
	Scheme string
	// SQN is the 48-bit value (sqn, 12 hex digits).
	SQN uint64
	// IndLength is the length of IND in bits (TS 33.102 Annex C.3.2).
	IndLength int
}

// Authentication methods and SQN schemes Keel uses (TS 29.503 AuthMethod,
// TS 29.505 SqnScheme).
const (
	AuthMethod5GAKA       = "5G_AKA"
	AlgorithmMilenage     = "milenage"
	SQNSchemeNonTimeBased = "NON_TIME_BASED"
)
