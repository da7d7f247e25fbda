package nfclient

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nrf/nnrf"
	"github.com/keelcore/keel/internal/sbi"
)

// apiVersions are the API version in the URI and the full version of
// each service Keel serves: those of the Rel-17 OpenAPI documents.
var apiVersions = map[string]nnrf.Version{
	"namf-comm":               {APIVersionInURI: "v1", APIFullVersion: "1.2.4"},
	"nsmf-pdusession":         {APIVersionInURI: "v1", APIFullVersion: "1.2.5"},
	"nausf-auth":              {APIVersionInURI: "v1", APIFullVersion: "1.2.3"},
	"nudm-ueau":               {APIVersionInURI: "v1", APIFullVersion: "1.2.2"},
	"nudm-sdm":                {APIVersionInURI: "v2", APIFullVersion: "2.2.4"},
	"nudm-uecm":               {APIVersionInURI: "v1", APIFullVersion: "1.2.5"},
	"nudr-dr":                 {APIVersionInURI: "v2", APIFullVersion: "2.2.4"},
	"npcf-smpolicycontrol":    {APIVersionInURI: "v1", APIFullVersion: "1.2.4"},
	"nnssf-nsselection":       {APIVersionInURI: "v2", APIFullVersion: "2.2.1"},
	"nnssf-nssaiavailability": {APIVersionInURI: "v1", APIFullVersion: "1.2.1"},
}

// typeServices are the services each SBI NF type of Keel serves. The UPF
// is no SBI NF (it speaks PFCP on N4): it registers without services
// (upfProfile).
var typeServices = map[sbi.NFType][]string{
	sbi.NFTypeAMF:  {"namf-comm"},
	sbi.NFTypeSMF:  {"nsmf-pdusession"},
	sbi.NFTypeAUSF: {"nausf-auth"},
	sbi.NFTypeUDM:  {"nudm-ueau", "nudm-sdm", "nudm-uecm"},
	sbi.NFTypeUDR:  {"nudr-dr"},
	sbi.NFTypePCF:  {"npcf-smpolicycontrol"},
	sbi.NFTypeNSSF: {"nnssf-nsselection", "nnssf-nssaiavailability"},
}

// Services returns the services Keel's NFs of type t serve.
func Services(t sbi.NFType) []string { return append([]string(nil), typeServices[t]...) }

// ServiceType returns the NF type serving a service ("nudm-sdm" → UDM).
func ServiceType(service string) (sbi.NFType, bool) {
	for t, list := range typeServices {
		for _, s := range list {
			if s == service {
				return t, true
			}
		}
	}
	return "", false
}

// APIVersion returns the API version in the URI of a service Keel
// serves ("nudm-sdm" → "v2").
func APIVersion(service string) string { return apiVersions[service].APIVersionInURI }

// Spec describes an NF instance for its profile.
type Spec struct {
	// InstanceID is the NF instance ID, a UUID (required).
	InstanceID string
	// Type is the NF type (required): AMF, SMF, AUSF, UDM, UDR, PCF,
	// NSSF.
	Type sbi.NFType
	// APIRoot is where the instance serves its SBI (required):
	// "http://10.0.0.5:8080" (h2c) or "https://udm.keel:443".
	APIRoot string
	// Name is a name for operators (nfInstanceName).
	Name string
	// PLMNs are the PLMNs the instance serves (plmnList).
	PLMNs []ident.PLMN
	// SNSSAIs are the slices the instance serves (sNssais); none serves
	// every slice.
	SNSSAIs []ident.SNSSAI
	// Priority (lower preferred) and Capacity, nil to leave out.
	Priority, Capacity *int
	// Locality is the instance's location (e.g. a data centre).
	Locality string
	// AllowedNFTypes restricts which NF types may discover and use the
	// instance; none allows every type.
	AllowedNFTypes []sbi.NFType

	// AMF: the GUAMIs it serves (at least one) and its TAIs (amfInfo,
	// TS 29.510 §6.1.6.2.11).
	GUAMIs []ident.GUAMI
	TAIs   []ident.TAI
	// SMF: the DNNs per S-NSSAI (smfInfo sNssaiSmfInfoList, at least
	// one, TS 29.510 §6.1.6.2.12). SMF TAIs go in TAIs.
	Slices []SliceDNNs
	// UDM, AUSF, UDR, PCF: the SUPIs served (supiRanges); none serves
	// every SUPI. UDM and AUSF: the routing indicators (TS 23.003 §2.2B).
	SUPIRanges        []nnrf.SUPIRange
	RoutingIndicators []string
	// PCF: the DNNs it serves (pcfInfo dnnList); none serves every DNN.
	DNNs []string

	// UPF (TS 29.510 §6.1.6.2 UpfInfo): N4 is its PFCP address, given
	// in ipv4Addresses — a UPF serves no SBI, and the SMF sends PFCP to
	// that address on port 8805 (TS 29.244 §4.2.2) — and APIRoot is not
	// used; UPFSlices the DNNs it serves per S-NSSAI with the UE address
	// pools it routes for them on N6 (sNssaiUpfInfoList, at least one);
	// N3 its N3 addresses (interfaceUpfInfoList). UPF TAIs go in TAIs.
	N4        netip.Addr
	UPFSlices []UPFSlice
	N3        []netip.Addr
}

// UPFSlice is one S-NSSAI a UPF serves with its DNNs.
type UPFSlice struct {
	SNSSAI ident.SNSSAI
	DNNs   []UPFDNN
}

// UPFDNN is a DNN a UPF serves and the IPv4 pools of its UEs there
// (dnnUpfInfoList ipv4AddressRanges, each a prefix).
type UPFDNN struct {
	Name      string
	IPv4Pools []netip.Prefix
}

// SliceDNNs is one S-NSSAI an SMF serves with its DNNs ("*" for any).
type SliceDNNs struct {
	SNSSAI ident.SNSSAI
	DNNs   []string
}

// Profile builds the NF profile of TS 29.510 §6.1.6.2.2 for the spec:
// the NF's services with their versions and endpoint, and the NF type's
// info (amfInfo, smfInfo, udmInfo, ausfInfo, udrInfo, pcfInfo).
func Profile(s Spec) (nnrf.Profile, error) {
	if s.Type == sbi.NFTypeUPF {
		return upfProfile(s)
	}
	services, ok := typeServices[s.Type]
	if !ok {
		return nnrf.Profile{}, fmt.Errorf("nfclient: NF type %q does not register at the NRF", s.Type)
	}
	u, err := url.Parse(s.APIRoot)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return nnrf.Profile{}, fmt.Errorf("nfclient: apiRoot %q: want http(s)://host:port", s.APIRoot)
	}
	port := 80
	if u.Scheme == "https" {
		port = 443
	}
	if ps := u.Port(); ps != "" {
		if port, err = strconv.Atoi(ps); err != nil || port < 1 || port > 65535 {
			return nnrf.Profile{}, fmt.Errorf("nfclient: apiRoot %q: bad port", s.APIRoot)
		}
	}
	p := nnrf.Profile{
		NFInstanceID: s.InstanceID, NFInstanceName: s.Name, NFType: s.Type, NFStatus: nnrf.Registered,
		PLMNList: s.PLMNs, Priority: s.Priority, Capacity: s.Capacity, Locality: s.Locality,
		AllowedNFTypes: s.AllowedNFTypes, NFServiceList: make(map[string]nnrf.Service),
	}
	for _, sn := range s.SNSSAIs {
		p.SNSSAIs = append(p.SNSSAIs, nnrf.ExtSNSSAI{SNSSAI: sn})
	}
	ep := nnrf.IPEndPoint{Transport: "TCP", Port: port}
	host := u.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip.Is4() {
			p.IPv4Addresses, ep.IPv4Address = []string{host}, host
		} else {
			p.IPv6Addresses, ep.IPv6Address = []string{host}, host
		}
	} else if nnrf.ValidFQDN(host) {
		p.FQDN = host
	} else {
		return nnrf.Profile{}, fmt.Errorf("nfclient: apiRoot %q: the host must be an IP address or a fully qualified domain name (TS 29.571 Fqdn)", s.APIRoot)
	}
	for _, name := range services {
		svc := nnrf.Service{
			ServiceInstanceID: name, ServiceName: name, Versions: []nnrf.Version{apiVersions[name]},
			Scheme: u.Scheme, NFServiceStatus: string(nnrf.Registered), AllowedNFTypes: s.AllowedNFTypes,
			IPEndPoints: []nnrf.IPEndPoint{ep},
		}
		if p.FQDN != "" {
			svc.FQDN = p.FQDN
		}
		p.NFServiceList[name] = svc
	}
	switch s.Type {
	case sbi.NFTypeAMF:
		if len(s.GUAMIs) == 0 {
			return nnrf.Profile{}, fmt.Errorf("nfclient: an AMF profile needs its GUAMIs")
		}
		g := s.GUAMIs[0]
		p.AMFInfo = &nnrf.AMFInfo{
			// TS 29.571 AmfSetId: 3 hex digits (10 bits); AmfRegionId: 2.
			AMFSetID: fmt.Sprintf("%03x", g.SetID), AMFRegionID: fmt.Sprintf("%02x", g.RegionID),
			GUAMIList: s.GUAMIs, TAIList: s.TAIs,
		}
	case sbi.NFTypeSMF:
		if len(s.Slices) == 0 {
			return nnrf.Profile{}, fmt.Errorf("nfclient: an SMF profile needs its S-NSSAIs and DNNs")
		}
		info := &nnrf.SMFInfo{TAIList: s.TAIs}
		for _, sl := range s.Slices {
			item := nnrf.SNSSAISMFInfoItem{SNSSAI: nnrf.ExtSNSSAI{SNSSAI: sl.SNSSAI}}
			for _, d := range sl.DNNs {
				item.DNNSMFInfoList = append(item.DNNSMFInfoList, nnrf.DNNSMFInfoItem{DNN: d})
			}
			if len(item.DNNSMFInfoList) == 0 {
				return nnrf.Profile{}, fmt.Errorf("nfclient: SMF slice %s has no DNN", sl.SNSSAI)
			}
			info.SNSSAISMFInfoList = append(info.SNSSAISMFInfoList, item)
		}
		p.SMFInfo = info
	case sbi.NFTypeUDM:
		p.UDMInfo = &nnrf.UDMInfo{SUPIRanges: s.SUPIRanges, RoutingIndicators: s.RoutingIndicators}
	case sbi.NFTypeAUSF:
		p.AUSFInfo = &nnrf.AUSFInfo{SUPIRanges: s.SUPIRanges, RoutingIndicators: s.RoutingIndicators}
	case sbi.NFTypeUDR:
		p.UDRInfo = &nnrf.UDRInfo{SUPIRanges: s.SUPIRanges, SupportedDataSets: []string{"SUBSCRIPTION"}}
	case sbi.NFTypePCF:
		p.PCFInfo = &nnrf.PCFInfo{SUPIRanges: s.SUPIRanges, DNNList: s.DNNs}
	}
	if err := p.Validate(); err != nil {
		return nnrf.Profile{}, fmt.Errorf("nfclient: profile: %w", err)
	}
	return p, nil
}

// APIRoots returns the apiRoots at which a discovered profile serves the
// service: each IP endpoint of the service, else its FQDN, else the
// profile's FQDN or addresses with the scheme's port.
func APIRoots(p *nnrf.Profile, service string) []string {
	var roots []string
	for _, s := range p.Services() {
		if s.ServiceName != service || s.NFServiceStatus != string(nnrf.Registered) {
			continue
		}
		scheme := s.Scheme
		prefix := s.APIPrefix
		port := 80
		if scheme == "https" {
			port = 443
		}
		for _, ep := range s.IPEndPoints {
			pt := port
			if ep.Port != 0 {
				pt = ep.Port
			}
			switch {
			case ep.IPv4Address != "":
				roots = append(roots, fmt.Sprintf("%s://%s:%d%s", scheme, ep.IPv4Address, pt, prefix))
			case ep.IPv6Address != "":
				roots = append(roots, fmt.Sprintf("%s://[%s]:%d%s", scheme, ep.IPv6Address, pt, prefix))
			case s.FQDN != "" || p.FQDN != "":
				roots = append(roots, fmt.Sprintf("%s://%s:%d%s", scheme, firstNonEmpty(s.FQDN, p.FQDN), pt, prefix))
			}
		}
		if len(s.IPEndPoints) == 0 {
			switch {
			case s.FQDN != "" || p.FQDN != "":
				roots = append(roots, fmt.Sprintf("%s://%s%s", scheme, firstNonEmpty(s.FQDN, p.FQDN), prefix))
			case len(p.IPv4Addresses) > 0:
				roots = append(roots, fmt.Sprintf("%s://%s%s", scheme, p.IPv4Addresses[0], prefix))
			case len(p.IPv6Addresses) > 0:
				roots = append(roots, fmt.Sprintf("%s://[%s]%s", scheme, p.IPv6Addresses[0], prefix))
			}
		}
	}
	return roots
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// upfProfile is the NF profile of a UPF: no NF services, its N4 address
// as the instance's address, and upfInfo.
func upfProfile(s Spec) (nnrf.Profile, error) {
	if !s.N4.Is4() || s.N4.IsUnspecified() {
		return nnrf.Profile{}, fmt.Errorf("nfclient: a UPF profile needs its N4 IPv4 address, not %v", s.N4)
	}
	p := nnrf.Profile{
		NFInstanceID: s.InstanceID, NFInstanceName: s.Name, NFType: s.Type, NFStatus: nnrf.Registered,
		PLMNList: s.PLMNs, Priority: s.Priority, Capacity: s.Capacity, Locality: s.Locality,
		AllowedNFTypes: s.AllowedNFTypes, IPv4Addresses: []string{s.N4.String()},
	}
	for _, sn := range s.SNSSAIs {
		p.SNSSAIs = append(p.SNSSAIs, nnrf.ExtSNSSAI{SNSSAI: sn})
	}
	info := &nnrf.UPFInfo{TAIList: s.TAIs}
	for _, sl := range s.UPFSlices {
		item := nnrf.SNSSAIUPFInfoItem{SNSSAI: nnrf.ExtSNSSAI{SNSSAI: sl.SNSSAI}}
		for _, d := range sl.DNNs {
			di := nnrf.DNNUPFInfoItem{DNN: d.Name}
			for _, pool := range d.IPv4Pools {
				if !pool.Addr().Is4() {
					return nnrf.Profile{}, fmt.Errorf("nfclient: UPF DNN %s: %v is not an IPv4 pool", d.Name, pool)
				}
				di.IPv4AddressRanges = append(di.IPv4AddressRanges, nnrf.IPv4Range(pool))
			}
			item.DNNUPFInfoList = append(item.DNNUPFInfoList, di)
		}
		if len(item.DNNUPFInfoList) == 0 {
			return nnrf.Profile{}, fmt.Errorf("nfclient: UPF slice %s has no DNN", sl.SNSSAI)
		}
		info.SNSSAIUPFInfoList = append(info.SNSSAIUPFInfoList, item)
	}
	if len(info.SNSSAIUPFInfoList) == 0 {
		return nnrf.Profile{}, fmt.Errorf("nfclient: a UPF profile needs its S-NSSAIs and DNNs")
	}
	var n3 []string
	for _, a := range s.N3 {
		if a.Is4() && !a.IsUnspecified() {
			n3 = append(n3, a.String())
		}
	}
	if len(n3) > 0 {
		info.InterfaceUPFInfoList = []nnrf.InterfaceUPFInfoItem{{InterfaceType: "N3", IPv4EndpointAddresses: n3}}
	}
	p.UPFInfo = info
	if err := p.Validate(); err != nil {
		return nnrf.Profile{}, fmt.Errorf("nfclient: profile: %w", err)
	}
	return p, nil
}
