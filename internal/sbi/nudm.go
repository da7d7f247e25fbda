package sbi

import (
	"context"
	"net/netip"
	"strings"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/secret"
)

// NudmUEAuthentication is the UDM's Nudm_UEAuthentication service
// (TS 29.503 §5.4), used by the AUSF.
type NudmUEAuthentication interface {
	// GenerateAuthData is Nudm_UEAuthentication_Get
	// (POST /{supiOrSuci}/security-information/generate-auth-data,
	// TS 29.503 §5.4.2.2): the SIDF de-conceals a SUCI (TS 33.501 §6.12.2),
	// the ARPF re-synchronises the SQN when req.Resync is set
	// (TS 33.501 §6.1.3.3) and generates one 5G HE AV
	// (TS 33.501 §6.1.3.2 step 3). Errors: ErrUserNotFound,
	// ErrSUCIDeconceal, ErrSyncFailure, ErrServingNetworkNotAuthorized,
	// ErrInvalidRequest.
	GenerateAuthData(ctx context.Context, req AuthRequest) (AuthVector, error)
	// ConfirmAuth is Nudm_UEAuthentication_ResultConfirmation
	// (POST /{supi}/auth-events, TS 29.503 §5.4.2.3): the AUSF reports the
	// outcome of an authentication.
	ConfirmAuth(ctx context.Context, supi string, event AuthEvent) error
}

// AuthEvent is the outcome of an authentication the AUSF reports
// (TS 29.503 AuthEvent: success, servingNetworkName; the authType is
// 5G_AKA, the time stamp and the AUSF's instance ID are the
// transport's).
type AuthEvent struct {
	Success            bool
	ServingNetworkName string
}

// AuthVector is a 5G HE AV with the SUPI it was made for
// (TS 33.501 §6.1.3.2 step 3; TS 29.503 AuthenticationInfoResult with
// Av5GHeAka). XRESStar is secret: never log it.
type AuthVector struct {
	SUPI     string
	RAND     [16]byte
	AUTN     [16]byte
	XRESStar [16]byte
	KAUSF    secret.Key256
}

// NudmSDM is the UDM's Nudm_SubscriberDataManagement service
// (TS 29.503 §5.2). SMF selection data come later.
type NudmSDM interface {
	// AccessAndMobility is the Get of am-data (GET /{supi}/am-data,
	// TS 29.503 §5.2.2.2.3). Errors: ErrUserNotFound.
	AccessAndMobility(ctx context.Context, supi string) (AMData, error)
	// SessionManagement is the Get of sm-data (GET /{supi}/sm-data,
	// TS 29.503 §5.2.2.2), used by the SMF and the PCF: one SMData per
	// subscribed DNN and S-NSSAI, in the order the subscription lists
	// them. The single-nssai and dnn query parameters are left to the
	// caller, which filters the answer. Errors: ErrUserNotFound,
	// ErrInvalidRequest.
	SessionManagement(ctx context.Context, supi string) ([]SMData, error)
}

// AMData is the access and mobility subscription data
// (TS 29.503 AccessAndMobilitySubscriptionData), as much of it
// as Keel keeps.
type AMData struct {
	// UEAMBRUplink and UEAMBRDownlink are the subscribed UE-AMBR in bit/s.
	UEAMBRUplink, UEAMBRDownlink uint64
	// NSSAI holds the subscribed S-NSSAIs.
	NSSAI []ident.SNSSAI
	// DefaultNSSAI holds the subscribed S-NSSAIs marked default
	// (TS 29.503 Nssai defaultSingleNssais), a subset of NSSAI: what a UE
	// is allowed when it requests no S-NSSAI the network can allow
	// (TS 23.501 §5.15.5.2.1). Keel's subscriber data mark one or more
	// subscribed S-NSSAIs default, the first when they mark none.
	DefaultNSSAI []ident.SNSSAI
	// DNNs lists the subscribed DNNs, each once.
	DNNs []string
}

// NudmSDMNotifier receives Nudm_SDM_Notification (TS 23.502 §4.5.1,
// §5.2.3.3): the access and mobility subscription data of
// a SUPI changed. The AMF implements it; in one process the UDM
// notifies every subscribed AMF of every change (the subscriptions are
// per NF, not per UE); an AMF without the UE's context ignores it.
type NudmSDMNotifier interface {
	AccessAndMobilityChanged(ctx context.Context, supi string, am AMData)
}

// NudmUECM is the UDM's Nudm_UEContextManagement service (TS 29.503 §5.3):
// which AMF serves a UE over 3GPP access.
type NudmUECM interface {
	// RegisterAMF is Registration for 3GPP access
	// (PUT /{ueId}/registrations/amf-3gpp-access, TS 29.503 §5.3.2.2.2);
	// it replaces an earlier registration. Errors: ErrUserNotFound.
	RegisterAMF(ctx context.Context, supi string, reg AMFRegistration) error
	// DeregisterAMF is the AMF's deregistration (TS 29.503 §5.3.2.4.2, a
	// PATCH of amf-3gpp-access setting purgeFlag with the AMF's GUAMI).
	// It removes the registration only when guami is the registered AMF's
	// (or zero, for a caller that does not tell): the purge of an AMF the
	// UE has left does not remove its successor's registration.
	// Deregistering an unregistered UE is no error.
	DeregisterAMF(ctx context.Context, supi string, guami ident.GUAMI) error
	// AMF is the Get of the 3GPP access registration (TS 29.503 §5.3.2.5.2).
	AMF(ctx context.Context, supi string) (AMFRegistration, bool)
}

// AMFRegistration is an Amf3GppAccessRegistration (TS 29.503 §6.2.6.2.2),
// reduced to what Keel uses. The AMF stamps its own identity on the
// registrations its UEs make.
type AMFRegistration struct {
	// AMFInstanceID is the AMF's NF instance ID, a UUID (amfInstanceId,
	// TS 29.571 NfInstanceId).
	AMFInstanceID string
	// GUAMI identifies the AMF (guami, TS 23.003 §2.10.1).
	GUAMI ident.GUAMI
	// RATType, e.g. "NR" (TS 29.571 RatType).
	RATType string
	// DeregCallbackURI is where the UDM notifies the AMF of a
	// deregistration (deregCallbackUri); empty in one process.
	DeregCallbackURI string
}

// SMData is one DNN of a subscriber's session management subscription
// (TS 29.503 SessionManagementSubscriptionData).
type SMData struct {
	DNN                                    string
	SNSSAI                                 ident.SNSSAI
	SessionAMBRUplink, SessionAMBRDownlink uint64
	FiveQI, ARPPriority                    uint8
	StaticIPv4                             netip.Addr
	StaticIPv6                             netip.Addr
	// PCCRules are the subscriber's own PCC rules for the DNN, which the
	// PCF adds to the DNN's (Keel keeps a subscriber's policy data, TS
	// 29.519 SmPolicyData, with the subscription).
	PCCRules []PCCRule
}

// SubscribedDNN returns the entry of session management subscription
// data for a DNN in a slice. DNNs compare without regard to case
// (TS 23.003 §9.1).
func SubscribedDNN(data []SMData, dnn string, s ident.SNSSAI) (SMData, bool) {
	for _, d := range data {
		if strings.EqualFold(d.DNN, dnn) && d.SNSSAI.Canonical() == s.Canonical() {
			return d, true
		}
	}
	return SMData{}, false
}
