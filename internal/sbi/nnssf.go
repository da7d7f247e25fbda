package sbi

import (
	"context"
	"time"

	"github.com/keelcore/keel/internal/ident"
)

// NnssfNSSelection is the NSSF's Nnssf_NSSelection service (TS 29.531
// §5.2), used by the AMF to learn the network slices a registering UE may
// use (TS 23.502 §4.2.2.2.2 step 4, §4.2.2.2.3 step 3).
type NnssfNSSelection interface {
	// NetworkSliceInformation is Nnssf_NSSelection_Get
	// (GET /network-slice-information, TS 29.531 §5.2.2.2) with
	// slice-info-request-for-registration (§5.2.2.2.2): the allowed
	// NSSAI, the configured NSSAI when the UE is to be sent one, and the
	// requested S-NSSAIs rejected in the PLMN or in the tracking area.
	// Errors: ErrMandatoryQueryParamMissing, ErrInvalidQueryParam,
	// ErrUnavailable.
	NetworkSliceInformation(ctx context.Context, q NSSelectionQuery) (AuthorizedNetworkSliceInfo, error)
}

// NSSelectionQuery holds the query parameters of Nnssf_NSSelection_Get
// (TS 29.531 §6.1.3.2.3.1) Keel uses.
type NSSelectionQuery struct {
	// NFType (nf-type) and NFID (nf-id) name the consumer: its NF type
	// (TS 29.510 NFType, "AMF") and its NF instance ID (a UUID).
	NFType, NFID string
	// SliceInfoForRegistration (slice-info-request-for-registration) is
	// what the UE requested and is subscribed to.
	SliceInfoForRegistration *SliceInfoForRegistration
	// TAI (tai) is the UE's tracking area; nil when the AMF does not
	// know it.
	TAI *ident.TAI
}

// SliceInfoForRegistration is TS 29.531 SliceInfoForRegistration.
type SliceInfoForRegistration struct {
	// SubscribedNSSAI (subscribedNssai) holds the subscribed S-NSSAIs,
	// each with its default indication (TS 29.503 Nssai
	// defaultSingleNssais).
	SubscribedNSSAI []SubscribedSNSSAI
	// AllowedNSSAICurrentAccess (allowedNssaiCurrentAccess) is the UE's
	// allowed NSSAI on this access, when it has one: a registration
	// update that requests no NSSAI keeps it (TS 24.501 §5.5.1.3.4).
	AllowedNSSAICurrentAccess *AllowedNSSAI
	// RequestedNSSAI (requestedNssai) is the UE's requested NSSAI, as the
	// UE sent it; empty when it requested none.
	RequestedNSSAI []ident.SNSSAI
	// DefaultConfiguredSNSSAIInd (defaultConfiguredSnssaiInd) says the
	// requested NSSAI came from the UE's default configured NSSAI
	// (the DCNI bit of the network slicing indication, TS 24.501
	// §9.11.3.36): the UE is then sent a configured NSSAI (§5.5.1.2.4).
	DefaultConfiguredSNSSAIInd bool
}

// SubscribedSNSSAI is TS 29.531 SubscribedSnssai.
type SubscribedSNSSAI struct {
	SubscribedSNSSAI  ident.SNSSAI
	DefaultIndication bool
}

// AllowedNSSAI is TS 29.531 AllowedNssai: the allowed S-NSSAIs of one
// access type.
type AllowedNSSAI struct {
	AllowedSNSSAIList []AllowedSNSSAI
	// AccessType is a TS 29.571 AccessType: AccessType3GPP.
	AccessType string
}

// AccessType3GPP is the TS 29.571 AccessType of NR.
const AccessType3GPP = "3GPP_ACCESS"

// AllowedSNSSAI is TS 29.531 AllowedSnssai, without network slice
// instance information or a mapped home S-NSSAI (no roaming).
type AllowedSNSSAI struct {
	AllowedSNSSAI ident.SNSSAI
}

// ConfiguredSNSSAI is TS 29.531 ConfiguredSnssai, without a mapped home
// S-NSSAI.
type ConfiguredSNSSAI struct {
	ConfiguredSNSSAI ident.SNSSAI
}

// AuthorizedNetworkSliceInfo is TS 29.531 AuthorizedNetworkSliceInfo, the
// answer for a registration.
type AuthorizedNetworkSliceInfo struct {
	// AllowedNSSAIList (allowedNssaiList): one AllowedNSSAI per access
	// type; empty when no S-NSSAI can be allowed.
	AllowedNSSAIList []AllowedNSSAI
	// ConfiguredNSSAI (configuredNssai) is the configured NSSAI for the
	// serving PLMN, present when the UE is to be sent one.
	ConfiguredNSSAI []ConfiguredSNSSAI
	// RejectedNSSAIInPLMN (rejectedNssaiInPlmn) and RejectedNSSAIInTA
	// (rejectedNssaiInTa) are the requested S-NSSAIs not allowed: not
	// available in the PLMN (TS 24.501 §9.11.3.46 cause 0), or not in
	// the UE's tracking area (cause 1). Each is given as the UE
	// requested it.
	RejectedNSSAIInPLMN, RejectedNSSAIInTA []ident.SNSSAI
}

// Allowed returns the allowed S-NSSAIs for 3GPP access.
func (a AuthorizedNetworkSliceInfo) Allowed() []ident.SNSSAI {
	var out []ident.SNSSAI
	for _, l := range a.AllowedNSSAIList {
		if l.AccessType != AccessType3GPP {
			continue
		}
		for _, s := range l.AllowedSNSSAIList {
			out = append(out, s.AllowedSNSSAI)
		}
	}
	return out
}

// NnssfNSSAIAvailability is the NSSF's Nnssf_NSSAIAvailability service
// (TS 29.531 §5.3): an AMF tells the NSSF the S-NSSAIs it supports per
// tracking area (TS 23.501 §5.15.8) and learns those the NSSF authorizes.
type NnssfNSSAIAvailability interface {
	// UpdateNSSAIAvailability is Nnssf_NSSAIAvailability_Update by PUT
	// (PUT /nssai-availability/{nfId}, TS 29.531 §5.3.2.2): info
	// replaces what the NF instance nfID reported before. The answer
	// lists, per tracking area, the S-NSSAIs the NSSF authorizes; it is
	// empty when it authorizes none (HTTP 204). Errors:
	// ErrInvalidRequest, ErrUnavailable.
	UpdateNSSAIAvailability(ctx context.Context, nfID string, info NSSAIAvailabilityInfo) (AuthorizedNSSAIAvailabilityInfo, error)
	// DeleteNSSAIAvailability is Nnssf_NSSAIAvailability_Delete
	// (DELETE /nssai-availability/{nfId}, TS 29.531 §5.3.2.6): the NSSF
	// forgets what nfID reported. Errors:
	// ErrNSSAIAvailabilityNotFound, ErrUnavailable.
	DeleteNSSAIAvailability(ctx context.Context, nfID string) error
	// SubscribeNSSAIAvailability is Nnssf_NSSAIAvailability_Subscribe
	// (POST /nssai-availability/subscriptions, TS 29.531 §5.3.2.3.1):
	// the NSSF notifies sub.NotificationURI whenever the S-NSSAIs it
	// supports in one of the subscribed TAs change (Notify, §5.3.2.5),
	// until the subscription expires or is deleted. The answer holds the
	// subscription's ID, its expiry and the S-NSSAIs supported in the
	// subscribed TAs now. Errors: ErrInvalidRequest, ErrUnavailable.
	SubscribeNSSAIAvailability(ctx context.Context, sub NSSAIAvailabilitySubscription) (NSSAIAvailabilitySubscribed, error)
	// UnsubscribeNSSAIAvailability is Nnssf_NSSAIAvailability_Unsubscribe
	// (DELETE /nssai-availability/subscriptions/{subscriptionId}, TS
	// 29.531 §5.3.2.4). Errors: ErrNSSAISubscriptionNotFound,
	// ErrUnavailable.
	UnsubscribeNSSAIAvailability(ctx context.Context, subscriptionID string) error
}

// EventSNSSAIStatusChange is the TS 29.531 NssfEventType of a
// subscription to changes of the S-NSSAIs supported per TA.
const EventSNSSAIStatusChange = "SNSSAI_STATUS_CHANGE_REPORT"

// NSSAIAvailabilitySubscription is TS 29.531
// NssfEventSubscriptionCreateData.
type NSSAIAvailabilitySubscription struct {
	// NotificationURI (nfNssaiAvailabilityUri) is where the NSSF posts
	// its notifications: an absolute http or https URI.
	NotificationURI string
	// TAIs (taiList) and TAIRanges (taiRangeList) are the subscribed
	// TAs: those listed and those in a range.
	TAIs      []ident.TAI
	TAIRanges []TAIRange
	// Event is EventSNSSAIStatusChange.
	Event string
	// Expiry is when the consumer wants the subscription to end; zero
	// leaves it to the NSSF.
	Expiry time.Time
	// AMFID (amfId) is the subscribing AMF's NF instance ID, when
	// given.
	AMFID string
}

// TAIRange is TS 29.510 TaiRange: TAs of one PLMN by ranges of TACs.
type TAIRange struct {
	PLMN      ident.PLMN
	TACRanges []TACRange
}

// TACRange is TS 29.510 TacRange: the TACs from Start to End (each 4 or
// 6 hexadecimal digits), or those whose 6-digit text matches Pattern, a
// regular expression.
type TACRange struct {
	Start, End string
	Pattern    string
}

// NSSAIAvailabilitySubscribed is TS 29.531
// NssfEventSubscriptionCreatedData.
type NSSAIAvailabilitySubscribed struct {
	SubscriptionID string
	// Expiry is when the NSSF ends the subscription; zero when it set
	// none.
	Expiry time.Time
	// AuthorizedNSSAIAvailabilityData are the S-NSSAIs supported now in
	// the subscribed TAs the NSSF knows.
	AuthorizedNSSAIAvailabilityData []AuthorizedNSSAIAvailabilityData
}

// NSSAIAvailabilityNotification is TS 29.531 NssfEventNotification: the
// S-NSSAIs supported now in the subscribed TAs, after a change in one of
// them.
type NSSAIAvailabilityNotification struct {
	SubscriptionID                  string
	AuthorizedNSSAIAvailabilityData []AuthorizedNSSAIAvailabilityData
}

// NSSAIAvailabilityNotifier delivers the NSSF's notifications
// (Nnssf_NSSAIAvailability_Notify, TS 29.531 §5.3.2.5) to a
// subscription's notification URI.
type NSSAIAvailabilityNotifier interface {
	NotifyNSSAIAvailability(ctx context.Context, uri string, n NSSAIAvailabilityNotification) error
}

// NSSF is the NSSF's services together, as one instance serves them.
type NSSF interface {
	NnssfNSSelection
	NnssfNSSAIAvailability
}

// NSSAIAvailabilityInfo is TS 29.531 NssaiAvailabilityInfo.
type NSSAIAvailabilityInfo struct {
	SupportedNSSAIAvailabilityData []SupportedNSSAIAvailabilityData
}

// SupportedNSSAIAvailabilityData is TS 29.531
// SupportedNssaiAvailabilityData: the S-NSSAIs (TS 29.571 ExtSnssai,
// without SD ranges) the consumer supports in one tracking area.
type SupportedNSSAIAvailabilityData struct {
	TAI                 ident.TAI
	SupportedSNSSAIList []ident.SNSSAI
}

// AuthorizedNSSAIAvailabilityInfo is TS 29.531
// AuthorizedNssaiAvailabilityInfo.
type AuthorizedNSSAIAvailabilityInfo struct {
	AuthorizedNSSAIAvailabilityData []AuthorizedNSSAIAvailabilityData
}

// AuthorizedNSSAIAvailabilityData is TS 29.531
// AuthorizedNssaiAvailabilityData without restricted S-NSSAIs (no
// roaming).
type AuthorizedNSSAIAvailabilityData struct {
	TAI                 ident.TAI
	SupportedSNSSAIList []ident.SNSSAI
}
