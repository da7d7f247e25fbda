package subdatatest

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
)

// The mirrors of package subdata's types: the same attributes, without
// codecs of their own. DnnConfigs keeps the decoding the map had before
// it was written by hand (members in order, a DNN named twice or not a
// DNN refused), each member read by DecodeBytes so that its attribute
// names are checked case-sensitively too.
type (
	AM struct {
		SubscribedUeAmbr  *Ambr    `json:"subscribedUeAmbr,omitempty"`
		Nssai             *Nssai   `json:"nssai,omitempty"`
		SubscribedDnnList []string `json:"subscribedDnnList,omitempty"`
	}
	Ambr struct {
		Uplink   string `json:"uplink"`
		Downlink string `json:"downlink"`
	}
	Nssai struct {
		DefaultSingleNssais []ident.SNSSAI `json:"defaultSingleNssais"`
		SingleNssais        []ident.SNSSAI `json:"singleNssais,omitempty"`
	}
	SM struct {
		SingleNssai       *ident.SNSSAI `json:"singleNssai"`
		DnnConfigurations DnnConfigs    `json:"dnnConfigurations,omitempty"`
	}
	DnnConfigs []DnnEntry
	DnnEntry   struct {
		DNN    string
		Config DnnConfiguration
	}
	DnnConfiguration struct {
		PduSessionTypes PduSessionTypes `json:"pduSessionTypes"`
		SscModes        SscModes        `json:"sscModes"`
		QosProfile      *Qos            `json:"5gQosProfile,omitempty"`
		SessionAmbr     *Ambr           `json:"sessionAmbr,omitempty"`
		StaticIPAddress []IPAddress     `json:"staticIpAddress,omitempty"`
	}
	PduSessionTypes struct {
		DefaultSessionType  string   `json:"defaultSessionType,omitempty"`
		AllowedSessionTypes []string `json:"allowedSessionTypes,omitempty"`
	}
	SscModes struct {
		DefaultSscMode  string   `json:"defaultSscMode"`
		AllowedSscModes []string `json:"allowedSscModes,omitempty"`
	}
	Qos struct {
		FiveQI int `json:"5qi"`
		Arp    Arp `json:"arp"`
	}
	Arp struct {
		PriorityLevel int    `json:"priorityLevel"`
		PreemptCap    string `json:"preemptCap"`
		PreemptVuln   string `json:"preemptVuln"`
	}
	IPAddress struct {
		IPv4Addr   string `json:"ipv4Addr,omitempty"`
		IPv6Prefix string `json:"ipv6Prefix,omitempty"`
	}
	// Provisioned mirrors nudr's ProvisionedDataSets.
	Provisioned struct {
		AMData *AM  `json:"amData,omitempty"`
		SMData []SM `json:"smData,omitempty"`
	}
)

// MarshalJSON writes the members in order, each with json.Marshal.
func (c DnnConfigs) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range c {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(e.DNN)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(e.Config)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads the members in order.
func (c *DnnConfigs) UnmarshalJSON(b []byte) error {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(b, &members); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil {
		return err
	}
	seen := map[string]bool{}
	*c = (*c)[:0]
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		dnn, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		if seen[dnn] {
			return fmt.Errorf("%w: dnnConfigurations: DNN %q twice", sbi.ErrInvalidRequest, dnn)
		}
		seen[dnn] = true
		if _, err := ident.ParseDNN(dnn); err != nil {
			return fmt.Errorf("%w: dnnConfigurations: %v", sbi.ErrInvalidRequest, err)
		}
		var cfg DnnConfiguration
		if err := sbihttp.DecodeBytes(raw, &cfg); err != nil {
			return err
		}
		*c = append(*c, DnnEntry{DNN: dnn, Config: cfg})
	}
	return nil
}
