package nnrf

import (
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
)

// NFStatus is the status of a registered NF instance (TS 29.510
// §6.1.6.3.6).
type NFStatus string

const (
	Registered     NFStatus = "REGISTERED"
	Suspended      NFStatus = "SUSPENDED"
	Undiscoverable NFStatus = "UNDISCOVERABLE"
)

// Profile is the NFProfile of TS 29.510 §6.1.6.2.2 with the members Keel
// fills and matches on. The NRF stores the whole document it was given,
// so members not listed here survive registration and discovery.
type Profile struct {
	NFInstanceID   string       `json:"nfInstanceId"`
	NFInstanceName string       `json:"nfInstanceName,omitempty"`
	NFType         sbi.NFType   `json:"nfType"`
	NFStatus       NFStatus     `json:"nfStatus"`
	HeartBeatTimer int          `json:"heartBeatTimer,omitempty"`
	PLMNList       []ident.PLMN `json:"plmnList,omitempty"`
	SNSSAIs        []ExtSNSSAI  `json:"sNssais,omitempty"`
	FQDN           string       `json:"fqdn,omitempty"`
	IPv4Addresses  []string     `json:"ipv4Addresses,omitempty"`
	IPv6Addresses  []string     `json:"ipv6Addresses,omitempty"`
	AllowedNFTypes []sbi.NFType `json:"allowedNfTypes,omitempty"`
	Priority       *int         `json:"priority,omitempty"`
	Capacity       *int         `json:"capacity,omitempty"`
	Load           *int         `json:"load,omitempty"`
	Locality       string       `json:"locality,omitempty"`
	UDRInfo        *UDRInfo     `json:"udrInfo,omitempty"`
	UDMInfo        *UDMInfo     `json:"udmInfo,omitempty"`
	AUSFInfo       *AUSFInfo    `json:"ausfInfo,omitempty"`
	AMFInfo        *AMFInfo     `json:"amfInfo,omitempty"`
	SMFInfo        *SMFInfo     `json:"smfInfo,omitempty"`
	PCFInfo        *PCFInfo     `json:"pcfInfo,omitempty"`
	UPFInfo        *UPFInfo     `json:"upfInfo,omitempty"`
	// NFServices is the deprecated array form; NFServiceList, keyed by
	// service instance ID, is the Rel-17 one. Keel sends the list and
	// reads both.
	NFServices    []Service          `json:"nfServices,omitempty"`
	NFServiceList map[string]Service `json:"nfServiceList,omitempty"`
}

// Services returns the profile's NF services from either form.
func (p *Profile) Services() []Service {
	out := append([]Service(nil), p.NFServices...)
	for _, s := range p.NFServiceList {
		out = append(out, s)
	}
	return out
}

// Service is an NFService (TS 29.510 §6.1.6.2.3).
type Service struct {
	ServiceInstanceID string       `json:"serviceInstanceId"`
	ServiceName       string       `json:"serviceName"`
	Versions          []Version    `json:"versions"`
	Scheme            string       `json:"scheme"`
	NFServiceStatus   string       `json:"nfServiceStatus"`
	FQDN              string       `json:"fqdn,omitempty"`
	IPEndPoints       []IPEndPoint `json:"ipEndPoints,omitempty"`
	APIPrefix         string       `json:"apiPrefix,omitempty"`
	AllowedNFTypes    []sbi.NFType `json:"allowedNfTypes,omitempty"`
	Priority          *int         `json:"priority,omitempty"`
	Capacity          *int         `json:"capacity,omitempty"`
}

// Version is an NFServiceVersion (TS 29.510 §6.1.6.2.4).
type Version struct {
	APIVersionInURI string `json:"apiVersionInUri"`
	APIFullVersion  string `json:"apiFullVersion"`
}

// IPEndPoint is an IpEndPoint (TS 29.510 §6.1.6.2.5).
type IPEndPoint struct {
	IPv4Address string `json:"ipv4Address,omitempty"`
	IPv6Address string `json:"ipv6Address,omitempty"`
	Transport   string `json:"transport,omitempty"`
	Port        int    `json:"port,omitempty"`
}

// AMFInfo is TS 29.510 §6.1.6.2.11.
type AMFInfo struct {
	AMFSetID    string        `json:"amfSetId"`
	AMFRegionID string        `json:"amfRegionId"`
	GUAMIList   []ident.GUAMI `json:"guamiList"`
	TAIList     []ident.TAI   `json:"taiList,omitempty"`
}

// SMFInfo is TS 29.510 §6.1.6.2.12.
type SMFInfo struct {
	SNSSAISMFInfoList []SNSSAISMFInfoItem `json:"sNssaiSmfInfoList"`
	TAIList           []ident.TAI         `json:"taiList,omitempty"`
}

// SNSSAISMFInfoItem is TS 29.510 §6.1.6.2.13.
type SNSSAISMFInfoItem struct {
	SNSSAI         ExtSNSSAI        `json:"sNssai"`
	DNNSMFInfoList []DNNSMFInfoItem `json:"dnnSmfInfoList"`
}

// DNNSMFInfoItem is TS 29.510 §6.1.6.2.14; DNN "*" is the wildcard.
type DNNSMFInfoItem struct {
	DNN string `json:"dnn"`
}

// UDMInfo is TS 29.510 §6.1.6.2.7.
type UDMInfo struct {
	GroupID           string      `json:"groupId,omitempty"`
	SUPIRanges        []SUPIRange `json:"supiRanges,omitempty"`
	RoutingIndicators []string    `json:"routingIndicators,omitempty"`
}

// AUSFInfo is TS 29.510 §6.1.6.2.8.
type AUSFInfo struct {
	GroupID           string      `json:"groupId,omitempty"`
	SUPIRanges        []SUPIRange `json:"supiRanges,omitempty"`
	RoutingIndicators []string    `json:"routingIndicators,omitempty"`
}

// UDRInfo is TS 29.510 §6.1.6.2.6.
type UDRInfo struct {
	GroupID           string      `json:"groupId,omitempty"`
	SUPIRanges        []SUPIRange `json:"supiRanges,omitempty"`
	SupportedDataSets []string    `json:"supportedDataSets,omitempty"`
}

// PCFInfo is TS 29.510 §6.1.6.2.20.
type PCFInfo struct {
	GroupID    string      `json:"groupId,omitempty"`
	DNNList    []string    `json:"dnnList,omitempty"`
	SUPIRanges []SUPIRange `json:"supiRanges,omitempty"`
}

// UPFInfo is UpfInfo of TS 29.510 §6.1.6.2: the slices and DNNs the UPF
// serves, its user plane interfaces and tracking areas.
type UPFInfo struct {
	SNSSAIUPFInfoList    []SNSSAIUPFInfoItem    `json:"sNssaiUpfInfoList"`
	InterfaceUPFInfoList []InterfaceUPFInfoItem `json:"interfaceUpfInfoList,omitempty"`
	PDUSessionTypes      []string               `json:"pduSessionTypes,omitempty"`
	TAIList              []ident.TAI            `json:"taiList,omitempty"`
}

// SNSSAIUPFInfoItem is SnssaiUpfInfoItem of TS 29.510 §6.1.6.2.
type SNSSAIUPFInfoItem struct {
	SNSSAI         ExtSNSSAI        `json:"sNssai"`
	DNNUPFInfoList []DNNUPFInfoItem `json:"dnnUpfInfoList"`
}

// DNNUPFInfoItem is DnnUpfInfoItem of TS 29.510 §6.1.6.2: a DNN and the
// UE addresses the UPF routes for it on N6.
type DNNUPFInfoItem struct {
	DNN               string             `json:"dnn"`
	IPv4AddressRanges []IPv4AddressRange `json:"ipv4AddressRanges,omitempty"`
	IPv6PrefixRanges  []IPv6PrefixRange  `json:"ipv6PrefixRanges,omitempty"`
}

// IPv4AddressRange is Ipv4AddressRange of TS 29.510 §6.1.6.2.
type IPv4AddressRange struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

// IPv6PrefixRange is Ipv6PrefixRange of TS 29.510 §6.1.6.2.
type IPv6PrefixRange struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

// InterfaceUPFInfoItem is InterfaceUpfInfoItem of TS 29.510 §6.1.6.2:
// one user plane interface (UPInterfaceType N3, N6, N9, §6.1.6.3).
type InterfaceUPFInfoItem struct {
	InterfaceType         string   `json:"interfaceType"`
	IPv4EndpointAddresses []string `json:"ipv4EndpointAddresses,omitempty"`
	IPv6EndpointAddresses []string `json:"ipv6EndpointAddresses,omitempty"`
	NetworkInstance       string   `json:"networkInstance,omitempty"`
}
