package sbi

import (
	"context"

	"github.com/keelcore/keel/internal/ident"
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
	// DeleteConfirmation ends a context that will never be confirmed
	// because the UE answered its challenge with AUTHENTICATION FAILURE
	// (TS 24.501 §5.4.1.3.7): DELETE
	// /ue-authentications/{authCtxId}/5g-aka-confirmation, the
	// authentication result removal of TS 29.509 (OpenAPI operation
	// Delete5gAkaAuthenticationResult, 204 No Content). The AUSF reports
	// the unsuccessful authentication to the UDM
	// (Nudm_UEAuthentication_ResultConfirmation with AuthEvent success
	// false, TS 29.503 §5.4.2.3), logs it with the SUPI and forgets the
	// context. The answer carries nothing, so the SUPI stays in the home
	// network: the AUSF discloses it only on a successful confirmation
	// (TS 33.501 §6.1.3.2 step 12).
	//
	// cause is the 5GMM cause the UE gave (TS 24.501 §9.11.3.2: #20 MAC
	// failure, #21 synch failure, #26 non-5G authentication unacceptable,
	// #71 ngKSI already in use). TS 29.509's DELETE has no body: the cause
	// goes into the AUSF's log line only and changes nothing; a binding
	// over HTTP would not carry it. Errors: ErrAuthContextNotFound (the
	// context expired or was confirmed or deleted already).
	DeleteConfirmation(ctx context.Context, authCtxID string, cause uint8) error
}

// AuthRequest is an AuthenticationInfo (TS 29.509 §6.1.6) and, between
// AUSF and UDM, an AuthenticationInfoRequest (TS 29.503 §6.3.6). Exactly
// one of SUCI and SUPI is set.
type AuthRequest struct {
	SUCI *ident.SUCI
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
// to confirm and is opaque to the consumer, which only passes it back:
// the AUSF's context ID in one process, the URI of the context's
// 5g-aka-confirmation link (_links["5g-aka"].href) over HTTP, so the
// confirmation reaches the AUSF instance that holds the context.
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
