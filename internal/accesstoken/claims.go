package accesstoken

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Claims are the AccessTokenClaims of TS 29.510 §6.3.5.2.4 that Keel
// issues and checks.
type Claims struct {
	// Issuer is the NRF's NF instance ID (iss).
	Issuer string `json:"iss"`
	// Subject is the consumer's NF instance ID (sub).
	Subject string `json:"sub"`
	// Audience is the producer's NF type or the producer instances (aud).
	Audience Audience `json:"aud"`
	// Scope lists the service names the token grants, separated by
	// spaces (TS 33.501 §13.4.1.1).
	Scope string `json:"scope"`
	// Expiry is the expiration time in seconds since the Unix epoch (exp).
	Expiry int64 `json:"exp"`
}

// Scopes returns the service names of the scope claim.
func (c Claims) Scopes() []string { return strings.Fields(c.Scope) }

// HasScope reports whether the scope claim names the service.
func (c Claims) HasScope(service string) bool {
	return service != "" && slices.Contains(c.Scopes(), service)
}

// Audience is the aud claim: either an NF type ("UDM") or a list of NF
// instance IDs (TS 29.510 §6.3.5.2.4: anyOf NFType, array of
// NfInstanceId).
type Audience struct {
	NFType    string
	Instances []string
}

// Admits reports whether a producer of this NF type and instance ID is in
// the audience.
func (a Audience) Admits(nfType, instanceID string) bool {
	if a.NFType != "" {
		return a.NFType == nfType
	}
	return instanceID != "" && slices.Contains(a.Instances, instanceID)
}

// MarshalJSON gives a string for an NF type and an array for instances.
func (a Audience) MarshalJSON() ([]byte, error) {
	switch {
	case a.NFType != "" && len(a.Instances) == 0:
		return json.Marshal(a.NFType)
	case a.NFType == "" && len(a.Instances) > 0:
		return json.Marshal(a.Instances)
	}
	return nil, errors.New("accesstoken: audience: want an NF type or instance IDs, not both or neither")
}

// UnmarshalJSON accepts a non-empty string or a non-empty array of
// non-empty strings.
func (a *Audience) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("accesstoken: aud: %w", err)
		}
		if s == "" {
			return errors.New("accesstoken: aud: empty")
		}
		*a = Audience{NFType: s}
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return fmt.Errorf("accesstoken: aud: want a string or an array of strings: %w", err)
	}
	if len(list) == 0 || slices.Contains(list, "") {
		return errors.New("accesstoken: aud: empty")
	}
	*a = Audience{Instances: list}
	return nil
}
