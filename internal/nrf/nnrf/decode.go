package nnrf

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"github.com/keelcore/keel/internal/ident"
)

// profileMembers are the members TS 29.510 §6.1.6.2.2 defines for an
// NFProfile (Rel-17 OpenAPI). The NRF stores all of them as given and
// refuses any other, so a misspelt member is reported, not dropped.
var profileMembers = func() map[string]bool {
	m := make(map[string]bool)
	for _, k := range strings.Fields(`nfInstanceId nfInstanceName nfType nfStatus
		collocatedNfInstances heartBeatTimer plmnList snpnList sNssais perPlmnSnssaiList
		nsiList fqdn interPlmnFqdn ipv4Addresses ipv6Addresses allowedPlmns allowedSnpns
		allowedNfTypes allowedNfDomains allowedNssais priority capacity load loadTimeStamp
		locality udrInfo udrInfoList udmInfo udmInfoList ausfInfo ausfInfoList amfInfo
		amfInfoList smfInfo smfInfoList upfInfo upfInfoList pcfInfo pcfInfoList bsfInfo
		bsfInfoList chfInfo chfInfoList nefInfo nrfInfo udsfInfo udsfInfoList nwdafInfo
		nwdafInfoList pcscfInfoList hssInfoList customInfo recoveryTime
		nfServicePersistence nfServices nfServiceList nfProfileChangesSupportInd
		nfProfileChangesInd defaultNotificationSubscriptions lmfInfo gmlcInfo nfSetIdList
		servingScope lcHSupportInd olcHSupportInd nfSetRecoveryTimeList
		serviceSetRecoveryTimeList scpDomains scpInfo seppInfo vendorId
		supportedVendorSpecificFeatures aanfInfoList 5gDdnmfInfo mfafInfo easdfInfoList
		dccfInfo nsacfInfoList mbSmfInfoList tsctsfInfoList mbUpfInfoList trustAfInfo
		nssaafInfo hniList iwmscInfo mnpfInfo`) {
		m[k] = true
	}
	return m
}()

// uuidPattern is TS 29.571 NfInstanceId: a UUID (RFC 4122).
var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// ValidInstanceID reports whether s is an NfInstanceId (a UUID,
// TS 29.571 §5.3.2).
func ValidInstanceID(s string) bool { return uuidPattern.MatchString(s) }

// fqdnPattern is TS 29.571 Fqdn: labels and a top-level label of
// letters, 4 to 253 characters.
var fqdnPattern = regexp.MustCompile(`^([0-9A-Za-z]([-0-9A-Za-z]{0,61}[0-9A-Za-z])?\.)+[A-Za-z]{2,63}\.?$`)

// ValidFQDN reports whether s is an Fqdn of TS 29.571 §5.2.2.
func ValidFQDN(s string) bool { return len(s) >= 4 && len(s) <= 253 && fqdnPattern.MatchString(s) }

// routingIndicator is TS 29.510 UdmInfo/AusfInfo routingIndicators.
var routingIndicator = regexp.MustCompile(`^[0-9]{1,4}$`)

// MaxProfileSize bounds a profile document.
const MaxProfileSize = 64 << 10

// DecodeProfile reads an NFProfile document: one JSON object of the
// members TS 29.510 §6.1.6.2.2 defines, whose members Keel reads are of
// the right types and values. It returns the typed view and the document
// as decoded JSON, which the NRF keeps whole.
func DecodeProfile(b []byte) (Profile, map[string]any, error) {
	if len(b) > MaxProfileSize {
		return Profile{}, nil, errf(ErrMsgFormat, "", "profile longer than %d bytes", MaxProfileSize)
	}
	var doc map[string]any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&doc); err != nil {
		return Profile{}, nil, errf(ErrMsgFormat, "", "NFProfile: %v", err)
	}
	if d.More() {
		return Profile{}, nil, errf(ErrMsgFormat, "", "NFProfile: trailing data")
	}
	if doc == nil {
		return Profile{}, nil, errf(ErrMsgFormat, "", "NFProfile: want a JSON object")
	}
	p, err := ProfileOf(doc)
	return p, doc, err
}

// ProfileOf checks a decoded NFProfile document and returns its typed
// view.
func ProfileOf(doc map[string]any) (Profile, error) {
	for k := range doc {
		if !profileMembers[k] {
			return Profile{}, errf(ErrMsgFormat, "/"+k, "NFProfile has no member %q", k)
		}
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return Profile{}, errf(ErrMsgFormat, "", "NFProfile: %v", err)
	}
	var p Profile
	if err := json.Unmarshal(b, &p); err != nil {
		var te *json.UnmarshalTypeError
		var ie *ident.Error
		switch {
		case errors.As(err, &te):
			return Profile{}, errf(ErrIEIncorrect, "/"+strings.ReplaceAll(te.Field, ".", "/"), "wrong JSON type, want %s", te.Type)
		case errors.As(err, &ie):
			return Profile{}, errf(ErrIEIncorrect, "", "%v", ie)
		}
		return Profile{}, errf(ErrIEIncorrect, "", "NFProfile: %v", err)
	}
	return p, p.Validate()
}

// Validate checks what TS 29.510 §6.1.6.2.2 makes mandatory and the
// values Keel matches on.
func (p *Profile) Validate() error {
	switch {
	case p.NFInstanceID == "":
		return errf(ErrIEMissing, "/nfInstanceId", "missing")
	case !ValidInstanceID(p.NFInstanceID):
		return errf(ErrIEIncorrect, "/nfInstanceId", "%q is not a UUID", p.NFInstanceID)
	case p.NFType == "":
		return errf(ErrIEMissing, "/nfType", "missing")
	case p.NFStatus == "":
		return errf(ErrIEMissing, "/nfStatus", "missing")
	case p.NFStatus != Registered && p.NFStatus != Suspended && p.NFStatus != Undiscoverable:
		return errf(ErrIEIncorrect, "/nfStatus", "unknown status %q", p.NFStatus)
	case p.FQDN == "" && len(p.IPv4Addresses) == 0 && len(p.IPv6Addresses) == 0:
		return errf(ErrIEMissing, "/fqdn", "a profile needs an fqdn, ipv4Addresses or ipv6Addresses")
	case p.FQDN != "" && !ValidFQDN(p.FQDN):
		return errf(ErrOptionalIEIncorrect, "/fqdn", "%q is not a fully qualified domain name", p.FQDN)
	case p.HeartBeatTimer < 0:
		return errf(ErrOptionalIEIncorrect, "/heartBeatTimer", "must be at least 1")
	}
	for i, a := range p.IPv4Addresses {
		if ip, err := netip.ParseAddr(a); err != nil || !ip.Is4() {
			return errf(ErrOptionalIEIncorrect, "/ipv4Addresses/"+itoa(i), "%q is not an IPv4 address", a)
		}
	}
	for i, a := range p.IPv6Addresses {
		if ip, err := netip.ParseAddr(a); err != nil || !ip.Is6() {
			return errf(ErrOptionalIEIncorrect, "/ipv6Addresses/"+itoa(i), "%q is not an IPv6 address", a)
		}
	}
	for _, r := range supiRangesOf(p) {
		if err := r.ranges.validate(r.at); err != nil {
			return err
		}
	}
	for _, ri := range append(routingOf(p.UDMInfo), routingOfAUSF(p.AUSFInfo)...) {
		if !routingIndicator.MatchString(ri) {
			return errf(ErrOptionalIEIncorrect, "/routingIndicators", "%q is not 1 to 4 digits", ri)
		}
	}
	if a := p.AMFInfo; a != nil && len(a.GUAMIList) == 0 {
		return errf(ErrIEMissing, "/amfInfo/guamiList", "missing")
	}
	if s := p.SMFInfo; s != nil && len(s.SNSSAISMFInfoList) == 0 {
		return errf(ErrIEMissing, "/smfInfo/sNssaiSmfInfoList", "missing")
	}
	if u := p.UPFInfo; u != nil {
		if len(u.SNSSAIUPFInfoList) == 0 {
			return errf(ErrIEMissing, "/upfInfo/sNssaiUpfInfoList", "missing")
		}
		for i, it := range u.SNSSAIUPFInfoList {
			if len(it.DNNUPFInfoList) == 0 {
				return errf(ErrIEMissing, "/upfInfo/sNssaiUpfInfoList/"+itoa(i)+"/dnnUpfInfoList", "missing")
			}
			for j, d := range it.DNNUPFInfoList {
				at := "/upfInfo/sNssaiUpfInfoList/" + itoa(i) + "/dnnUpfInfoList/" + itoa(j)
				if d.DNN == "" {
					return errf(ErrIEMissing, at+"/dnn", "missing")
				}
				for k, r := range d.IPv4AddressRanges {
					if _, err := r.Prefix(); err != nil {
						return errf(ErrOptionalIEIncorrect, at+"/ipv4AddressRanges/"+itoa(k), "%v", err)
					}
				}
			}
		}
		for i, it := range u.InterfaceUPFInfoList {
			if it.InterfaceType == "" {
				return errf(ErrIEMissing, "/upfInfo/interfaceUpfInfoList/"+itoa(i)+"/interfaceType", "missing")
			}
		}
	}
	for key, s := range p.NFServiceList {
		if s.ServiceInstanceID != key {
			return errf(ErrIEIncorrect, "/nfServiceList/"+key, "key differs from serviceInstanceId %q", s.ServiceInstanceID)
		}
	}
	for _, s := range p.Services() {
		at := "/nfServiceList/" + s.ServiceInstanceID
		switch {
		case s.ServiceInstanceID == "":
			return errf(ErrIEMissing, at+"/serviceInstanceId", "missing")
		case s.ServiceName == "":
			return errf(ErrIEMissing, at+"/serviceName", "missing")
		case len(s.Versions) == 0:
			return errf(ErrIEMissing, at+"/versions", "missing")
		case s.Scheme != "http" && s.Scheme != "https":
			return errf(ErrIEIncorrect, at+"/scheme", "want http or https, got %q", s.Scheme)
		case s.NFServiceStatus == "":
			return errf(ErrIEMissing, at+"/nfServiceStatus", "missing")
		}
	}
	return nil
}

type rangesAt struct {
	at     string
	ranges supiRanges
}

type supiRanges []SUPIRange

func (rs supiRanges) validate(at string) error {
	for i, r := range rs {
		if err := r.Validate(); err != nil {
			return errf(ErrOptionalIEIncorrect, at+"/"+itoa(i), "%v", err)
		}
	}
	return nil
}

func supiRangesOf(p *Profile) []rangesAt {
	var out []rangesAt
	if p.UDMInfo != nil {
		out = append(out, rangesAt{"/udmInfo/supiRanges", p.UDMInfo.SUPIRanges})
	}
	if p.AUSFInfo != nil {
		out = append(out, rangesAt{"/ausfInfo/supiRanges", p.AUSFInfo.SUPIRanges})
	}
	if p.UDRInfo != nil {
		out = append(out, rangesAt{"/udrInfo/supiRanges", p.UDRInfo.SUPIRanges})
	}
	if p.PCFInfo != nil {
		out = append(out, rangesAt{"/pcfInfo/supiRanges", p.PCFInfo.SUPIRanges})
	}
	return out
}

func routingOf(u *UDMInfo) []string {
	if u == nil {
		return nil
	}
	return u.RoutingIndicators
}

func routingOfAUSF(a *AUSFInfo) []string {
	if a == nil {
		return nil
	}
	return a.RoutingIndicators
}

func itoa(i int) string { return strconv.Itoa(i) }
