package nausf

import "github.com/keelcore/keel/internal/sbihttp/nudm"

// authenticationInfo is TS 29.509 AuthenticationInfo.
type authenticationInfo struct {
	SupiOrSuci            string                      `json:"supiOrSuci"`
	ServingNetworkName    string                      `json:"servingNetworkName"`
	ResynchronizationInfo *nudm.ResynchronizationInfo `json:"resynchronizationInfo,omitempty"`
}

// ueAuthenticationCtx is TS 29.509 UEAuthenticationCtx for 5G AKA.
type ueAuthenticationCtx struct {
	AuthType           string          `json:"authType"`
	FiveGAuthData      av5gAka         `json:"5gAuthData"`
	Links              map[string]link `json:"_links"`
	ServingNetworkName string          `json:"servingNetworkName,omitempty"`
}

// link is TS 29.571 Link.
type link struct {
	Href string `json:"href"`
}

// av5gAka is TS 29.509 Av5gAka, the 5G SE AV.
type av5gAka struct {
	Rand      string `json:"rand"`
	HxresStar string `json:"hxresStar"`
	Autn      string `json:"autn"`
}

// confirmationData is TS 29.509 ConfirmationData.
type confirmationData struct {
	ResStar string `json:"resStar"`
}

// confirmationDataResponse is TS 29.509 ConfirmationDataResponse. KSEAF
// is secret: this type is never logged.
type confirmationDataResponse struct {
	AuthResult string `json:"authResult"`
	Supi       string `json:"supi,omitempty"`
	Kseaf      string `json:"kseaf,omitempty"`
}

// Authentication results (TS 29.509 AuthResult).
const (
	resultSuccess = "AUTHENTICATION_SUCCESS"
	resultFailure = "AUTHENTICATION_FAILURE"
)

// linkName is the _links member naming the confirmation of 5G AKA
// (TS 29.509 §6.1.3.2.3.1).
const linkName = "5g-aka"
