package sbihttp

import (
	"encoding/json"
	"time"

	"github.com/keelcore/keel/internal/ident"
)

// The NSSF's APIs (TS 29.531 §6.1.1, §6.2.1).
const (
	ServiceNSSelection       = "nnssf-nsselection"
	VersionNSSelection       = "v2"
	ServiceNSSAIAvailability = "nnssf-nssaiavailability"
	VersionNSSAIAvailability = "v1"
)

// The query parameters of Nnssf_NSSelection_Get (TS 29.531
// §6.1.3.2.3.1); the slice information and the TAI are JSON-encoded
// (content application/json).
const (
	paramNFType          = "nf-type"
	paramNFID            = "nf-id"
	paramSliceInfoReg    = "slice-info-request-for-registration"
	paramSliceInfoPDU    = "slice-info-request-for-pdu-session"
	paramSliceInfoUECU   = "slice-info-request-for-ue-cu"
	paramHomePLMN        = "home-plmn-id"
	paramTAI             = "tai"
	paramSupportedFeatrs = "supported-features"
)

// The JSON of TS 29.531's data types, as Keel reads and writes them. The
// attributes Keel does not use are read (so that a conforming peer is
// not refused) and ignored; required attributes are pointers, so that
// their absence is seen.

// sliceInfoForRegistrationJSON is SliceInfoForRegistration.
type sliceInfoForRegistrationJSON struct {
	SubscribedNSSAI            []subscribedSNSSAIJSON `json:"subscribedNssai,omitempty"`
	AllowedNSSAICurrentAccess  *allowedNSSAIJSON      `json:"allowedNssaiCurrentAccess,omitempty"`
	AllowedNSSAIOtherAccess    json.RawMessage        `json:"allowedNssaiOtherAccess,omitempty"`
	SNSSAIForMapping           json.RawMessage        `json:"sNssaiForMapping,omitempty"`
	RequestedNSSAI             []ident.SNSSAI         `json:"requestedNssai,omitempty"`
	DefaultConfiguredSNSSAIInd bool                   `json:"defaultConfiguredSnssaiInd,omitempty"`
	MappingOfNSSAI             json.RawMessage        `json:"mappingOfNssai,omitempty"`
	RequestMapping             *bool                  `json:"requestMapping,omitempty"`
	UESupNSSRGInd              *bool                  `json:"ueSupNssrgInd,omitempty"`
	SuppressNSSRGInd           *bool                  `json:"suppressNssrgInd,omitempty"`
	NSAGSupported              *bool                  `json:"nsagSupported,omitempty"`
}

// subscribedSNSSAIJSON is SubscribedSnssai.
type subscribedSNSSAIJSON struct {
	SubscribedSNSSAI    *ident.SNSSAI   `json:"subscribedSnssai"`
	DefaultIndication   bool            `json:"defaultIndication,omitempty"`
	SubscribedNSSRGList json.RawMessage `json:"subscribedNsSrgList,omitempty"`
}

// allowedNSSAIJSON is AllowedNssai.
type allowedNSSAIJSON struct {
	AllowedSNSSAIList []allowedSNSSAIJSON `json:"allowedSnssaiList"`
	AccessType        *string             `json:"accessType"`
}

// allowedSNSSAIJSON is AllowedSnssai.
type allowedSNSSAIJSON struct {
	AllowedSNSSAI      *ident.SNSSAI   `json:"allowedSnssai"`
	NSIInformationList json.RawMessage `json:"nsiInformationList,omitempty"`
	MappedHomeSNSSAI   json.RawMessage `json:"mappedHomeSnssai,omitempty"`
}

// configuredSNSSAIJSON is ConfiguredSnssai.
type configuredSNSSAIJSON struct {
	ConfiguredSNSSAI *ident.SNSSAI `json:"configuredSnssai"`
	MappedHomeSNSSAI *ident.SNSSAI `json:"mappedHomeSnssai,omitempty"`
}

// authorizedNetworkSliceInfoJSON is AuthorizedNetworkSliceInfo, with the
// attributes Keel answers; a client reads those of another NSSF's answer
// it uses and ignores the rest.
type authorizedNetworkSliceInfoJSON struct {
	AllowedNSSAIList    []allowedNSSAIJSON     `json:"allowedNssaiList,omitempty"`
	ConfiguredNSSAI     []configuredSNSSAIJSON `json:"configuredNssai,omitempty"`
	RejectedNSSAIInPLMN []ident.SNSSAI         `json:"rejectedNssaiInPlmn,omitempty"`
	RejectedNSSAIInTA   []ident.SNSSAI         `json:"rejectedNssaiInTa,omitempty"`
}

// nssaiAvailabilityInfoJSON is NssaiAvailabilityInfo.
type nssaiAvailabilityInfoJSON struct {
	SupportedNSSAIAvailabilityData []supportedNSSAIAvailabilityDataJSON `json:"supportedNssaiAvailabilityData"`
	SupportedFeatures              string                               `json:"supportedFeatures,omitempty"`
	AMFSetID                       string                               `json:"amfSetId,omitempty"`
}

// supportedNSSAIAvailabilityDataJSON is SupportedNssaiAvailabilityData;
// its S-NSSAIs are ExtSnssai without SD ranges or a wildcard SD, which
// Keel does not support (an S-NSSAI carrying them is refused).
type supportedNSSAIAvailabilityDataJSON struct {
	TAI                 *ident.TAI      `json:"tai"`
	SupportedSNSSAIList []ident.SNSSAI  `json:"supportedSnssaiList"`
	TAIList             json.RawMessage `json:"taiList,omitempty"`
	TAIRangeList        json.RawMessage `json:"taiRangeList,omitempty"`
	NSAGInfos           json.RawMessage `json:"nsagInfos,omitempty"`
}

// authorizedNSSAIAvailabilityInfoJSON is AuthorizedNssaiAvailabilityInfo.
type authorizedNSSAIAvailabilityInfoJSON struct {
	AuthorizedNSSAIAvailabilityData []authorizedNSSAIAvailabilityDataJSON `json:"authorizedNssaiAvailabilityData"`
	SupportedFeatures               string                                `json:"supportedFeatures,omitempty"`
}

// authorizedNSSAIAvailabilityDataJSON is AuthorizedNssaiAvailabilityData.
type authorizedNSSAIAvailabilityDataJSON struct {
	TAI                 *ident.TAI     `json:"tai"`
	SupportedSNSSAIList []ident.SNSSAI `json:"supportedSnssaiList"`
}

// nssfEventSubscriptionCreateDataJSON is NssfEventSubscriptionCreateData.
type nssfEventSubscriptionCreateDataJSON struct {
	NFNSSAIAvailabilityURI *string        `json:"nfNssaiAvailabilityUri"`
	TAIList                []ident.TAI    `json:"taiList"`
	Event                  *string        `json:"event"`
	Expiry                 *time.Time     `json:"expiry,omitempty"`
	AMFSetID               string         `json:"amfSetId,omitempty"`
	TAIRangeList           []taiRangeJSON `json:"taiRangeList,omitempty"`
	AMFID                  string         `json:"amfId,omitempty"`
	SupportedFeatures      string         `json:"supportedFeatures,omitempty"`
}

// taiRangeJSON is TS 29.510 TaiRange.
type taiRangeJSON struct {
	PLMNID       *ident.PLMN    `json:"plmnId"`
	TACRangeList []tacRangeJSON `json:"tacRangeList"`
	NID          string         `json:"nid,omitempty"`
}

// tacRangeJSON is TS 29.510 TacRange.
type tacRangeJSON struct {
	Start   string `json:"start,omitempty"`
	End     string `json:"end,omitempty"`
	Pattern string `json:"pattern,omitempty"`
}

// nssfEventSubscriptionCreatedDataJSON is NssfEventSubscriptionCreatedData.
type nssfEventSubscriptionCreatedDataJSON struct {
	SubscriptionID                  string                                `json:"subscriptionId"`
	Expiry                          *time.Time                            `json:"expiry,omitempty"`
	AuthorizedNSSAIAvailabilityData []authorizedNSSAIAvailabilityDataJSON `json:"authorizedNssaiAvailabilityData,omitempty"`
	SupportedFeatures               string                                `json:"supportedFeatures,omitempty"`
}

// nssfEventNotificationJSON is NssfEventNotification; its
// authorizedNssaiAvailabilityData is required, possibly empty.
type nssfEventNotificationJSON struct {
	SubscriptionID                  *string                               `json:"subscriptionId"`
	AuthorizedNSSAIAvailabilityData []authorizedNSSAIAvailabilityDataJSON `json:"authorizedNssaiAvailabilityData"`
}

func ptr[T any](v T) *T { return &v }
