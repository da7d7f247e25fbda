package nnrf

import (
	"bytes"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/keelcore/keel/internal/sbi"
)

// Notification events (TS 29.510 §6.1.6.3.7).
const (
	EventRegistered     = "NF_REGISTERED"
	EventDeregistered   = "NF_DEREGISTERED"
	EventProfileChanged = "NF_PROFILE_CHANGED"
)

// SubscriptionData is TS 29.510 §6.1.6.2.16 with the members Keel uses.
type SubscriptionData struct {
	NFStatusNotificationURI string      `json:"nfStatusNotificationUri"`
	ReqNFInstanceID         string      `json:"reqNfInstanceId,omitempty"`
	SubscrCond              *SubscrCond `json:"subscrCond,omitempty"`
	SubscriptionID          string      `json:"subscriptionId,omitempty"`
	ValidityTime            *time.Time  `json:"validityTime,omitempty"`
	ReqNotifEvents          []string    `json:"reqNotifEvents,omitempty"`
	ReqNFType               sbi.NFType  `json:"reqNfType,omitempty"`
}

// SubscrCond is the subscription condition (TS 29.510 §6.1.6.2.17 and
// the conditions after it) for the three forms Keel honours: one NF
// instance (NfInstanceIdCond), an NF type (NfTypeCond), a service name
// (ServiceNameCond). Only one member is set.
type SubscrCond struct {
	NFInstanceID string     `json:"nfInstanceId,omitempty"`
	NFType       sbi.NFType `json:"nfType,omitempty"`
	ServiceName  string     `json:"serviceName,omitempty"`
}

// Covers reports whether a change of the profile concerns the
// subscription's condition; no condition covers every NF.
func (c *SubscrCond) Covers(p *Profile) bool {
	switch {
	case c == nil:
		return true
	case c.NFInstanceID != "":
		return p.NFInstanceID == c.NFInstanceID
	case c.NFType != "":
		return p.NFType == c.NFType
	case c.ServiceName != "":
		return slices.ContainsFunc(p.Services(), func(s Service) bool { return s.ServiceName == c.ServiceName })
	}
	return true
}

// Wants reports whether the subscription asked for the event; no list
// means every event.
func (s *SubscriptionData) Wants(event string) bool {
	return len(s.ReqNotifEvents) == 0 || slices.Contains(s.ReqNotifEvents, event)
}

// subscriptionMembers are the members of SubscriptionData in the Rel-17
// document (TS 29.510 §6.1.6.2.16). Those Keel does not model are
// accepted and not kept; any other is refused.
var subscriptionMembers = func() map[string]bool {
	m := make(map[string]bool)
	for _, k := range strings.Fields(`nfStatusNotificationUri reqNfInstanceId subscrCond
		subscriptionId validityTime reqNotifEvents plmnId nid notifCondition reqNfType
		reqNfFqdn reqSnssais reqPerPlmnSnssais reqPlmnList reqSnpnList servingScope
		requesterFeatures nrfSupportedFeatures hnrfUri onboardingCapability targetHni
		preferredLocality`) {
		m[k] = true
	}
	return m
}()

// DecodeSubscription reads a SubscriptionData of a subscribe request:
// a callback URI that is absolute http or https, a condition of one of
// the forms Keel honours, known events.
func DecodeSubscription(b []byte) (SubscriptionData, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil || raw == nil {
		return SubscriptionData{}, errf(ErrMsgFormat, "", "SubscriptionData: want a JSON object")
	}
	for k := range raw {
		if !subscriptionMembers[k] {
			return SubscriptionData{}, errf(ErrMsgFormat, "/"+k, "SubscriptionData has no member %q", k)
		}
	}
	if c, ok := raw["subscrCond"]; ok {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(c, &m); err != nil || len(m) != 1 {
			return SubscriptionData{}, errf(ErrIEIncorrect, "/subscrCond", "want one of nfInstanceId, nfType, serviceName")
		}
		for k := range m {
			if k != "nfInstanceId" && k != "nfType" && k != "serviceName" {
				return SubscriptionData{}, errf(ErrIEIncorrect, "/subscrCond/"+k, "condition not supported")
			}
		}
	}
	d := json.NewDecoder(bytes.NewReader(b))
	var s SubscriptionData
	if err := d.Decode(&s); err != nil {
		return SubscriptionData{}, errf(ErrIEIncorrect, "", "SubscriptionData: %v", err)
	}
	u, err := url.Parse(s.NFStatusNotificationURI)
	switch {
	case s.NFStatusNotificationURI == "":
		return SubscriptionData{}, errf(ErrIEMissing, "/nfStatusNotificationUri", "missing")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return SubscriptionData{}, errf(ErrIEIncorrect, "/nfStatusNotificationUri", "want an absolute http or https URI")
	case s.SubscriptionID != "":
		return SubscriptionData{}, errf(ErrIEIncorrect, "/subscriptionId", "is set by the NRF")
	case s.ReqNFInstanceID != "" && !ValidInstanceID(s.ReqNFInstanceID):
		return SubscriptionData{}, errf(ErrOptionalIEIncorrect, "/reqNfInstanceId", "not a UUID")
	case s.SubscrCond != nil && s.SubscrCond.NFInstanceID != "" && !ValidInstanceID(s.SubscrCond.NFInstanceID):
		return SubscriptionData{}, errf(ErrIEIncorrect, "/subscrCond/nfInstanceId", "not a UUID")
	}
	for i, e := range s.ReqNotifEvents {
		if e != EventRegistered && e != EventDeregistered && e != EventProfileChanged {
			return SubscriptionData{}, errf(ErrOptionalIEIncorrect, "/reqNotifEvents/"+itoa(i), "unknown event %q", e)
		}
	}
	return s, nil
}

// NotificationData is TS 29.510 §6.1.6.2.20: what the NRF posts to a
// subscriber's nfStatusNotificationUri. NFProfile is the profile as a
// discovery answer gives it.
type NotificationData struct {
	Event         string         `json:"event"`
	NFInstanceURI string         `json:"nfInstanceUri"`
	NFProfile     map[string]any `json:"nfProfile,omitempty"`
}

// SearchResult is TS 29.510 §6.2.6.2.2: the answer of a discovery.
// ValidityPeriod is in seconds.
type SearchResult struct {
	ValidityPeriod int              `json:"validityPeriod,omitempty"`
	NFInstances    []map[string]any `json:"nfInstances"`
}

// Profiles decodes the result's profiles, leaving out any that is not a
// valid NFProfile.
func (r SearchResult) Profiles() []Profile {
	out := make([]Profile, 0, len(r.NFInstances))
	for _, doc := range r.NFInstances {
		b, err := json.Marshal(doc)
		if err != nil {
			continue
		}
		var p Profile
		if json.Unmarshal(b, &p) == nil && p.NFInstanceID != "" {
			out = append(out, p)
		}
	}
	return out
}
