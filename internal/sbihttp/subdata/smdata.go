package subdata

import (
	"fmt"
	"net/netip"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/strictjson"
)

// SessionManagementSubscriptionData is TS 29.503
// SessionManagementSubscriptionData: one S-NSSAI and its DNNs.
type SessionManagementSubscriptionData struct {
	SingleNssai       *ident.SNSSAI     `json:"singleNssai"`
	DnnConfigurations DnnConfigurations `json:"dnnConfigurations,omitempty"`
}

// DnnConfigurations is the map from DNN to DnnConfiguration, kept in the
// subscription's order: it is written in that order and read in the
// order the JSON object lists its members.
type DnnConfigurations []DnnEntry

// DnnEntry is one member of DnnConfigurations.
type DnnEntry struct {
	DNN    string
	Config DnnConfiguration
}

// DnnConfiguration is TS 29.503 DnnConfiguration, the attributes Keel uses.
type DnnConfiguration struct {
	PduSessionTypes PduSessionTypes       `json:"pduSessionTypes"`
	SscModes        SscModes              `json:"sscModes"`
	QosProfile      *SubscribedDefaultQos `json:"5gQosProfile,omitempty"`
	SessionAmbr     *Ambr                 `json:"sessionAmbr,omitempty"`
	StaticIPAddress []IPAddress           `json:"staticIpAddress,omitempty"`
}

// PduSessionTypes is TS 29.503 PduSessionTypes.
type PduSessionTypes struct {
	DefaultSessionType  string   `json:"defaultSessionType,omitempty"`
	AllowedSessionTypes []string `json:"allowedSessionTypes,omitempty"`
}

// SscModes is TS 29.503 SscModes: Keel serves SSC mode 1 only.
type SscModes struct {
	DefaultSscMode  string   `json:"defaultSscMode"`
	AllowedSscModes []string `json:"allowedSscModes,omitempty"`
}

// SubscribedDefaultQos is TS 29.571 SubscribedDefaultQos.
type SubscribedDefaultQos struct {
	FiveQI int `json:"5qi"`
	Arp    Arp `json:"arp"`
}

// Arp is TS 29.571 Arp.
type Arp struct {
	PriorityLevel int    `json:"priorityLevel"`
	PreemptCap    string `json:"preemptCap"`
	PreemptVuln   string `json:"preemptVuln"`
}

// IPAddress is TS 29.503 IpAddress: an IPv4 address or an IPv6 prefix.
type IPAddress struct {
	IPv4Addr   string `json:"ipv4Addr,omitempty"`
	IPv6Prefix string `json:"ipv6Prefix,omitempty"`
}

// FromSMData groups data by S-NSSAI, in the order they first appear.
func FromSMData(data []sbi.SMData) SMDataList {
	var out SMDataList
	index := map[ident.SNSSAI]int{}
	for _, d := range data {
		key := d.SNSSAI.Canonical()
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			snssai := d.SNSSAI
			out = append(out, SessionManagementSubscriptionData{SingleNssai: &snssai})
		}
		c := DnnConfiguration{
			PduSessionTypes: PduSessionTypes{DefaultSessionType: "IPV4", AllowedSessionTypes: []string{"IPV4", "IPV6", "IPV4V6"}},
			SscModes:        SscModes{DefaultSscMode: "SSC_MODE_1", AllowedSscModes: []string{"SSC_MODE_1"}},
			SessionAmbr:     ambr(d.SessionAMBRUplink, d.SessionAMBRDownlink),
		}
		// An ARP priority of 0 is none (TS 29.571 ArpPriorityLevel is
		// 1 to 15): such data have no default QoS to tell.
		if d.ARPPriority != 0 {
			c.QosProfile = &SubscribedDefaultQos{FiveQI: int(d.FiveQI), Arp: Arp{PriorityLevel: int(d.ARPPriority), PreemptCap: "NOT_PREEMPT", PreemptVuln: "PREEMPTABLE"}}
		}
		if d.StaticIPv4.IsValid() {
			c.StaticIPAddress = append(c.StaticIPAddress, IPAddress{IPv4Addr: d.StaticIPv4.String()})
		}
		if d.StaticIPv6.IsValid() {
			c.StaticIPAddress = append(c.StaticIPAddress, IPAddress{IPv6Prefix: netip.PrefixFrom(d.StaticIPv6, 64).Masked().String()})
		}
		out[i].DnnConfigurations = append(out[i].DnnConfigurations, DnnEntry{DNN: d.DNN, Config: c})
	}
	return out
}

// SMData flattens the wire form back to one SMData per DNN and S-NSSAI.
func SMData(list []SessionManagementSubscriptionData) ([]sbi.SMData, error) {
	var out []sbi.SMData
	for i, s := range list {
		if s.SingleNssai == nil {
			return nil, fmt.Errorf("%w: /%d/singleNssai", sbi.ErrMandatoryIEMissing, i)
		}
		for _, e := range s.DnnConfigurations {
			attr := fmt.Sprintf("/%d/dnnConfigurations/%s", i, e.DNN)
			d := sbi.SMData{DNN: e.DNN, SNSSAI: *s.SingleNssai}
			if q := e.Config.QosProfile; q != nil {
				if q.FiveQI < 0 || q.FiveQI > 255 || q.Arp.PriorityLevel < 1 || q.Arp.PriorityLevel > 15 {
					return nil, fmt.Errorf("%w: %s/5gQosProfile: 5QI %d, ARP priority %d", sbi.ErrInvalidRequest, attr, q.FiveQI, q.Arp.PriorityLevel)
				}
				d.FiveQI, d.ARPPriority = uint8(q.FiveQI), uint8(q.Arp.PriorityLevel)
			}
			var err error
			if d.SessionAMBRUplink, d.SessionAMBRDownlink, err = e.Config.SessionAmbr.values(attr + "/sessionAmbr"); err != nil {
				return nil, err
			}
			for _, a := range e.Config.StaticIPAddress {
				switch {
				case a.IPv4Addr != "":
					if d.StaticIPv4, err = netip.ParseAddr(a.IPv4Addr); err != nil || !d.StaticIPv4.Is4() {
						return nil, fmt.Errorf("%w: %s/staticIpAddress: %q", sbi.ErrInvalidRequest, attr, a.IPv4Addr)
					}
				case a.IPv6Prefix != "":
					p, err := netip.ParsePrefix(a.IPv6Prefix)
					if err != nil || !p.Addr().Is6() {
						return nil, fmt.Errorf("%w: %s/staticIpAddress: %q", sbi.ErrInvalidRequest, attr, a.IPv6Prefix)
					}
					d.StaticIPv6 = p.Masked().Addr()
				}
			}
			out = append(out, d)
		}
	}
	return out, nil
}

// MarshalJSON writes the members in order (AppendJSON).
func (c DnnConfigurations) MarshalJSON() ([]byte, error) { return c.AppendJSON(nil), nil }

// UnmarshalJSON reads the members as DecodeJSON does.
func (c *DnnConfigurations) UnmarshalJSON(b []byte) error {
	r := strictjson.NewReader(b, false)
	c.DecodeJSON(r)
	return r.Finish()
}
