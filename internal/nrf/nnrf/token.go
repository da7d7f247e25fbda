package nnrf

import (
	"net/url"
	"slices"

	"github.com/keelcore/keel/internal/accesstoken"
	"github.com/keelcore/keel/internal/sbi"
)

// AccessTokenReq is TS 29.510 §6.3.5.2.2 with the members Keel uses, sent
// as application/x-www-form-urlencoded (OAuth 2.0 client credentials,
// RFC 6749 §4.4.2).
type AccessTokenReq struct {
	GrantType          string
	NFInstanceID       string
	NFType             sbi.NFType
	TargetNFType       sbi.NFType
	Scope              string
	TargetNFInstanceID string
}

// AccessTokenRsp is TS 29.510 §6.3.5.2.3.
type AccessTokenRsp struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in,omitempty"`
	Scope       string `json:"scope,omitempty"`
}

// AccessTokenErr is TS 29.510 §6.3.5.2.5 (RFC 6749 §5.2), answered with
// 400 Bad Request.
type AccessTokenErr struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description,omitempty"`
}

// OAuth 2.0 error codes (RFC 6749 §5.2).
const (
	InvalidRequest       = "invalid_request"
	InvalidClient        = "invalid_client"
	InvalidGrant         = "invalid_grant"
	UnauthorizedClient   = "unauthorized_client"
	UnsupportedGrantType = "unsupported_grant_type"
	InvalidScope         = "invalid_scope"
)

// tokenFields are the form fields of AccessTokenReq (TS 29.510
// §6.3.5.2.2); others are refused.
var tokenFields = []string{"grant_type", "nfInstanceId", "nfType", "targetNfType", "scope",
	"targetNfInstanceId", "requesterPlmn", "requesterPlmnList", "requesterSnssaiList",
	"requesterFqdn", "requesterSnpnList", "targetPlmn", "targetSnpn", "targetSnssaiList",
	"targetNsiList", "targetNfSetId", "targetNfServiceSetId", "hnrfAccessTokenUri", "sourceNfInstanceId"}

// ParseTokenForm reads an access token request form. A refusal is an
// AccessTokenErr.
func ParseTokenForm(form url.Values) (AccessTokenReq, *AccessTokenErr) {
	for k, v := range form {
		if !slices.Contains(tokenFields, k) {
			return AccessTokenReq{}, &AccessTokenErr{InvalidRequest, "unknown parameter " + k}
		}
		if len(v) != 1 && k != "targetNsiList" {
			return AccessTokenReq{}, &AccessTokenErr{InvalidRequest, "parameter " + k + " given more than once"}
		}
	}
	r := AccessTokenReq{
		GrantType:          form.Get("grant_type"),
		NFInstanceID:       form.Get("nfInstanceId"),
		NFType:             sbi.NFType(form.Get("nfType")),
		TargetNFType:       sbi.NFType(form.Get("targetNfType")),
		Scope:              form.Get("scope"),
		TargetNFInstanceID: form.Get("targetNfInstanceId"),
	}
	switch {
	case r.GrantType == "":
		return r, &AccessTokenErr{InvalidRequest, "grant_type missing"}
	case r.GrantType != "client_credentials":
		return r, &AccessTokenErr{UnsupportedGrantType, "only client_credentials"}
	case !ValidInstanceID(r.NFInstanceID):
		return r, &AccessTokenErr{InvalidRequest, "nfInstanceId missing or not a UUID"}
	case !accesstoken.ValidScope(r.Scope):
		return r, &AccessTokenErr{InvalidScope, "scope: service names separated by spaces"}
	case r.TargetNFInstanceID != "" && !ValidInstanceID(r.TargetNFInstanceID):
		return r, &AccessTokenErr{InvalidRequest, "targetNfInstanceId not a UUID"}
	case r.TargetNFType == "" && r.TargetNFInstanceID == "":
		return r, &AccessTokenErr{InvalidRequest, "targetNfType or targetNfInstanceId needed"}
	}
	return r, nil
}

// Form writes the request as the form ParseTokenForm reads.
func (r AccessTokenReq) Form() url.Values {
	v := url.Values{}
	v.Set("grant_type", "client_credentials")
	v.Set("nfInstanceId", r.NFInstanceID)
	if r.NFType != "" {
		v.Set("nfType", string(r.NFType))
	}
	if r.TargetNFType != "" {
		v.Set("targetNfType", string(r.TargetNFType))
	}
	v.Set("scope", r.Scope)
	if r.TargetNFInstanceID != "" {
		v.Set("targetNfInstanceId", r.TargetNFInstanceID)
	}
	return v
}
