package nnrf

import (
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
)

// Query is an NFDiscovery search (TS 29.510 §6.2.3.2.3.1) with the
// parameters Keel matches on.
type Query struct {
	TargetNFType          sbi.NFType
	RequesterNFType       sbi.NFType
	RequesterNFInstanceID string
	TargetNFInstanceID    string
	ServiceNames          []string
	SNSSAIs               []ident.SNSSAI
	DNN                   string
	SUPI                  string
	RoutingIndicator      string
	TAI                   *ident.TAI
	Limit                 int
}

// discoveryParams are the query parameters the Rel-17 OpenAPI document
// defines for GET /nf-instances. Those Keel does not match on are
// accepted and do not narrow the result; any other is refused.
var discoveryParams = func() map[string]bool {
	m := make(map[string]bool)
	for _, k := range strings.Fields(`target-nf-type requester-nf-type
		preferred-collocated-nf-types requester-nf-instance-id service-names
		requester-nf-instance-fqdn target-plmn-list requester-plmn-list
		target-nf-instance-id target-nf-fqdn hnrf-uri snssais requester-snssais
		plmn-specific-snssai-list requester-plmn-specific-snssai-list dnn ipv4-index
		ipv6-index nsi-list smf-serving-area mbsmf-serving-area tai amf-region-id
		amf-set-id guami supi ue-ipv4-address ip-domain ue-ipv6-prefix pgw-ind
		preferred-pgw-ind pgw pgw-ip gpsi external-group-identity
		internal-group-identity pfd-data data-set routing-indicator group-id-list
		dnai-list pdu-session-types event-id-list nwdaf-event-list supported-features
		upf-iwk-eps-ind chf-supported-plmn preferred-locality access-type limit
		required-features complex-query max-payload-size max-payload-size-ext
		atsss-capability upf-ue-ip-addr-ind client-type lmf-id an-node-type rat-type
		preferred-tai preferred-nf-instances target-snpn requester-snpn-list
		af-ee-data w-agf-info tngf-info twif-info target-nf-set-id
		target-nf-service-set-id nef-id notification-type n1-msg-class n2-info-class
		serving-scope imsi ims-private-identity ims-public-identity msisdn
		preferred-api-versions v2x-support-ind redundant-gtpu redundant-transport
		ipups scp-domain-list address-domain ipv4-addr ipv6-prefix served-nf-set-id
		remote-plmn-id remote-snpn-id data-forwarding preferred-full-plmn
		requester-features realm-id storage-id vsmf-support-ind ismf-support-ind
		nrf-disc-uri preferred-vendor-specific-features
		preferred-vendor-specific-nf-features required-pfcp-features
		home-pub-key-id prose-support-ind analytics-aggregation-ind
		serving-nf-set-id serving-nf-type ml-analytics-info-list
		analytics-metadata-prov-ind nsacf-capability mbs-session-id-list
		area-session-id gmlc-number upf-n6-ip tai-list preferences-precedence
		support-onboarding-capability uas-nf-functionality-ind v2x-capability
		prose-capability shared-data-id target-hni target-nw-resolution
		exclude-nfinst-list exclude-nfservinst-list exclude-nfserviceset-list
		exclude-nfset-list preferred-analytics-delays high-latency-com nsac-sai`) {
		m[k] = true
	}
	return m
}()

// ParseQuery reads the query of GET /nnrf-disc/v1/nf-instances.
func ParseQuery(v url.Values) (Query, error) {
	for k, vals := range v {
		if !discoveryParams[k] {
			return Query{}, errf(ErrQueryParam, k, "not a discovery parameter")
		}
		if len(vals) != 1 {
			return Query{}, errf(ErrQueryParam, k, "given %d times", len(vals))
		}
	}
	q := Query{
		TargetNFType:          sbi.NFType(v.Get("target-nf-type")),
		RequesterNFType:       sbi.NFType(v.Get("requester-nf-type")),
		RequesterNFInstanceID: v.Get("requester-nf-instance-id"),
		TargetNFInstanceID:    v.Get("target-nf-instance-id"),
		DNN:                   v.Get("dnn"),
		SUPI:                  v.Get("supi"),
		RoutingIndicator:      v.Get("routing-indicator"),
	}
	if q.TargetNFType == "" {
		return Query{}, errf(ErrQueryParamMissing, "target-nf-type", "missing")
	}
	if q.RequesterNFType == "" {
		return Query{}, errf(ErrQueryParamMissing, "requester-nf-type", "missing")
	}
	if s := v.Get("service-names"); v.Has("service-names") {
		// style form, explode false: one parameter, names separated by commas.
		for _, name := range strings.Split(s, ",") {
			if name == "" {
				return Query{}, errf(ErrQueryParam, "service-names", "empty service name")
			}
			if !slices.Contains(q.ServiceNames, name) {
				q.ServiceNames = append(q.ServiceNames, name)
			}
		}
	}
	if v.Has("snssais") {
		// content application/json: an array of Snssai.
		if err := json.Unmarshal([]byte(v.Get("snssais")), &q.SNSSAIs); err != nil || len(q.SNSSAIs) == 0 {
			return Query{}, errf(ErrQueryParam, "snssais", "want a JSON array of Snssai: %v", err)
		}
	}
	if v.Has("tai") {
		var t ident.TAI
		if err := json.Unmarshal([]byte(v.Get("tai")), &t); err != nil {
			return Query{}, errf(ErrQueryParam, "tai", "want a JSON Tai: %v", err)
		}
		q.TAI = &t
	}
	if v.Has("dnn") {
		if _, err := ident.ParseDNN(q.DNN); err != nil {
			return Query{}, errf(ErrQueryParam, "dnn", "%v", err)
		}
	}
	if v.Has("supi") {
		if _, err := ident.ParseSUPI(q.SUPI); err != nil {
			return Query{}, errf(ErrQueryParam, "supi", "%v", err)
		}
	}
	if v.Has("routing-indicator") && !routingIndicator.MatchString(q.RoutingIndicator) {
		return Query{}, errf(ErrQueryParam, "routing-indicator", "want 1 to 4 digits")
	}
	if v.Has("target-nf-instance-id") && !ValidInstanceID(q.TargetNFInstanceID) {
		return Query{}, errf(ErrQueryParam, "target-nf-instance-id", "not a UUID")
	}
	if v.Has("limit") {
		n, err := parsePositive(v.Get("limit"))
		if err != nil {
			return Query{}, errf(ErrQueryParam, "limit", "want an integer of at least 1")
		}
		q.Limit = n
	}
	return q, nil
}

func parsePositive(s string) (int, error) {
	var n int
	if err := json.Unmarshal([]byte(s), &n); err != nil || n < 1 || !digits(s) {
		return 0, errf(ErrQueryParam, "", "not a positive integer")
	}
	return n, nil
}

// Values writes the query as URL parameters, the inverse of ParseQuery.
func (q Query) Values() url.Values {
	v := url.Values{}
	v.Set("target-nf-type", string(q.TargetNFType))
	v.Set("requester-nf-type", string(q.RequesterNFType))
	if q.RequesterNFInstanceID != "" {
		v.Set("requester-nf-instance-id", q.RequesterNFInstanceID)
	}
	if q.TargetNFInstanceID != "" {
		v.Set("target-nf-instance-id", q.TargetNFInstanceID)
	}
	if len(q.ServiceNames) > 0 {
		v.Set("service-names", strings.Join(q.ServiceNames, ","))
	}
	if len(q.SNSSAIs) > 0 {
		b, _ := json.Marshal(q.SNSSAIs)
		v.Set("snssais", string(b))
	}
	if q.DNN != "" {
		v.Set("dnn", q.DNN)
	}
	if q.SUPI != "" {
		v.Set("supi", q.SUPI)
	}
	if q.RoutingIndicator != "" {
		v.Set("routing-indicator", q.RoutingIndicator)
	}
	if q.TAI != nil {
		b, _ := json.Marshal(q.TAI)
		v.Set("tai", string(b))
	}
	if q.Limit > 0 {
		v.Set("limit", itoa(q.Limit))
	}
	return v
}

// Key identifies the query for a cache: equal for queries whose Values
// are equal. Each parameter is written with its length, so no value can
// run into the next; the JSON ones (S-NSSAIs, TAI) are encoded as in
// Values. It is on the path of every SBI request a split NF makes (the
// discovery cache's key), so the common query, types, requester and
// service names, costs one string and no URL encoding.
func (q Query) Key() string {
	var b strings.Builder
	b.Grow(64 + len(q.RequesterNFInstanceID) + len(q.TargetNFInstanceID) + len(q.SUPI))
	add := func(s string) {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	add(string(q.TargetNFType))
	add(string(q.RequesterNFType))
	add(q.RequesterNFInstanceID)
	add(q.TargetNFInstanceID)
	add(strings.Join(q.ServiceNames, ","))
	add(q.DNN)
	add(q.SUPI)
	add(q.RoutingIndicator)
	if len(q.SNSSAIs) > 0 {
		j, _ := json.Marshal(q.SNSSAIs)
		add(string(j))
	} else {
		add("")
	}
	if q.TAI != nil {
		j, _ := json.Marshal(q.TAI)
		add(string(j))
	} else {
		add("")
	}
	if q.Limit > 0 {
		add(itoa(q.Limit))
	} else {
		add("")
	}
	return b.String()
}
