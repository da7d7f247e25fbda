package sbi

import (
	"context"

	"github.com/keelcore/keel/internal/secret"
)

// NausfUEAuthentication is the AUSF's Nausf_UEAuthentication service
// (TS 29.509 §5.2) for 5G AKA (TS 33.501 §6.1.3.2), used by the AMF/SEAF.
type NausfUEAuthentication interface {
	// Authenticate is UEAuthentication_Authenticate
	// (POST /ue-authentications, TS 29.509 §5.2.2.2.2): the AUSF obtains a
	// 5G HE AV from the UDM and answers with the 5G SE AV. Errors:
	// ErrServingNetworkNotAuthorized, ErrUserNotFound, ErrSUCIDeconceal,
	// ErrSyncFailure, ErrInvalidRequest.
	Authenticate(ctx context.Context, req AuthRequest) (AuthChallenge, error)
	// Confirm is the 5g-aka-confirmation (PUT
	// /ue-authentications/{authCtxId}/5g-aka-confirmation): the AUSF
	// compares RES* with XRES* (TS 33.501 §6.1.3.2 steps 10–12). Each
	// context is confirmed once. Errors: ErrAuthRejected,
	// ErrAuthContextNotFound.
	Confirm(ctx context.Context, authCtxID string, resStar [16]byte) (AuthConfirmation, error)
}

// AuthRequest is an AuthenticationInfo (TS 29.509 §6.1.6) and, between
// AUSF and UDM, an AuthenticationInfoRequest (TS 29.503 §6.3.6). Exactly
// one of SUCI and SUPI is set.
type AuthRequest struct {
	SUCI *SUCI
	SUPI string
	// ServingNetworkName is "5G:mnc<MNC>.mcc<MCC>.3gppnetwork.org"
	// (TS 33.501 §6.1.1.4).
	ServingNetworkName string
	// Resync is set after the UE reported a synchronisation failure
	// (TS 33.501 §6.1.3.3).
	Resync *Resync
}

// AuthChallenge is the 5G SE AV (TS 33.501 §6.1.3.2 step 5) in a
// UEAuthenticationCtx (TS 29.509 §6.1.6). AuthCtxID names the context
// to confirm.
type AuthChallenge struct {
	AuthCtxID string
	RAND      [16]byte
	AUTN      [16]byte
	HXRESStar [16]byte
}

// AuthConfirmation is a successful ConfirmationDataResponse
// (TS 29.509 §6.1.6): the SUPI, which the AUSF discloses only now
// (TS 33.501 §6.1.3.2 step 12), and KSEAF.
type AuthConfirmation struct {
	SUPI  string
	KSEAF secret.Key256
}
