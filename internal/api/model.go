package api

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/store"
)

// Subscriber is a subscriber as the API returns it. K, OP and OPc are
// write-only and never appear here; OPType says which of OP or OPc is held.
type Subscriber struct {
	SUPI   string   `json:"supi"`
	OPType string   `json:"op_type"`
	AMF    string   `json:"amf"`
	SQN    string   `json:"sqn"`
	UEAMBR AMBR     `json:"ue_ambr"`
	NSSAI  []SNSSAI `json:"nssai"`
	DNNs   []DNN    `json:"dnns"`
}

// SubscriberRequest creates or changes a subscriber. Absent fields take
// defaults on create and keep their value on update.
type SubscriberRequest struct {
	SUPI   *string   `json:"supi,omitempty"`
	K      *string   `json:"k,omitempty"`
	OPc    *string   `json:"opc,omitempty"`
	OP     *string   `json:"op,omitempty"`
	AMF    *string   `json:"amf,omitempty"`
	SQN    *string   `json:"sqn,omitempty"`
	UEAMBR *AMBR     `json:"ue_ambr,omitempty"`
	NSSAI  *[]SNSSAI `json:"nssai,omitempty"`
	DNNs   *[]DNN    `json:"dnns,omitempty"`
}

// AMBR holds TS 29.571 BitRate strings.
type AMBR struct {
	Uplink   string `json:"uplink"`
	Downlink string `json:"downlink"`
}

// SNSSAI is a slice: SST and an optional 6-hex-digit SD. In a
// subscriber's nssai, Default marks a default S-NSSAI (TS 23.501
// §5.15.5.2.1): those marked are the defaults, and when none is the first
// slice is. Answers mark the subscriber's defaults whichever way they
// came; Default means nothing elsewhere.
type SNSSAI struct {
	SST     int    `json:"sst"`
	SD      string `json:"sd,omitempty"`
	Default bool   `json:"default,omitempty"`
}

// DNN holds one DNN's session settings. In a request, a DNN without
// sst is in the subscriber's first slice (and sd is then ignored).
type DNN struct {
	DNN         string `json:"dnn"`
	SST         *int   `json:"sst,omitempty"`
	SD          string `json:"sd,omitempty"`
	SessionAMBR AMBR   `json:"session_ambr"`
	FiveQI      int    `json:"5qi"`
	ARPPriority int    `json:"arp_priority"`
	StaticIPv4  string `json:"static_ipv4,omitempty"`
	StaticIPv6  string `json:"static_ipv6,omitempty"`
	// PCCRules are the subscriber's own PCC rules on the DNN: each
	// gets a QoS flow of its own in the subscriber's sessions (the PCF
	// adds them to the DNN's configured rules, replacing one of the same
	// id).
	PCCRules []sbi.PCCRuleText `json:"pcc_rules,omitempty"`
}

// Defaults fill what a create request leaves out.
type Defaults struct {
	AMF         [2]byte
	UEAMBR      store.AMBR
	SessionAMBR store.AMBR
	FiveQI      uint8
	ARPPriority uint8
	// NSSAI is the subscribed NSSAI given when a request has none.
	NSSAI []ident.SNSSAI
	// DNNs are the DNNs (in the first slice of NSSAI) given when a request has none.
	DNNs []string
}

// FieldError is a client mistake in one field of a request.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

func fieldErr(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// ValidSUPI reports whether s is a SUPI of IMSI type in Keel's form:
// "imsi-" and 6 to 15 digits (TS 23.003 §2.2: an IMSI is at most 15
// digits, MCC 3, MNC 2–3, MSIN). The rule is the SBI's (sbi.ValidSUPI).
func ValidSUPI(s string) bool { return sbi.ValidSUPI(s) }

// Apply builds the subscriber a request describes. With base nil it creates
// one (K and OP or OPc required, defaults for the rest); otherwise it
// changes a copy of base, keeping every field the request leaves out.
func (r *SubscriberRequest) Apply(base *store.Subscriber, d Defaults) (*store.Subscriber, error) {
	var s store.Subscriber
	if base != nil {
		s = *base
		s.NSSAI = append([]ident.SNSSAI(nil), base.NSSAI...)
		s.DefaultNSSAI = append([]ident.SNSSAI(nil), base.DefaultNSSAI...)
		s.DNNs = append([]store.DNNConfig(nil), base.DNNs...)
	} else {
		s.Auth.AMF = d.AMF
		s.UEAMBR = d.UEAMBR
	}
	if r.SUPI != nil {
		if base != nil && *r.SUPI != base.SUPI {
			return nil, fieldErr("supi", "cannot be changed (the SUPI names the subscriber)")
		}
		if !ValidSUPI(*r.SUPI) {
			return nil, fieldErr("supi", "want \"imsi-\" followed by 6 to 15 digits, got %q", *r.SUPI)
		}
		s.SUPI = *r.SUPI
	} else if base == nil {
		return nil, fieldErr("supi", "required")
	}
	if r.K != nil {
		k, err := secret.ParseKey128(*r.K)
		if err != nil {
			return nil, fieldErr("k", "want 32 hexadecimal digits")
		}
		s.Auth.K = k
	} else if base == nil {
		return nil, fieldErr("k", "required")
	}
	switch {
	case r.OPc != nil && r.OP != nil:
		return nil, fieldErr("opc", "give either opc or op, not both")
	case r.OPc != nil:
		k, err := secret.ParseKey128(*r.OPc)
		if err != nil {
			return nil, fieldErr("opc", "want 32 hexadecimal digits")
		}
		s.Auth.OPc, s.Auth.OPIsOP = k, false
	case r.OP != nil:
		k, err := secret.ParseKey128(*r.OP)
		if err != nil {
			return nil, fieldErr("op", "want 32 hexadecimal digits")
		}
		s.Auth.OPc, s.Auth.OPIsOP = k, true
	case base == nil:
		return nil, fieldErr("opc", "required (or op)")
	}
	if r.AMF != nil {
		b, err := hex.DecodeString(*r.AMF)
		if err != nil || len(b) != 2 {
			return nil, fieldErr("amf", "want 4 hexadecimal digits, got %q", *r.AMF)
		}
		s.Auth.AMF = [2]byte(b)
	}
	if r.SQN != nil {
		if base != nil {
			return nil, fieldErr("sqn", "cannot be changed after creation (a lower SQN would be reused)")
		}
		v, err := strconv.ParseUint(*r.SQN, 16, 64)
		if err != nil || len(*r.SQN) != 12 || v > store.MaxSQN {
			return nil, fieldErr("sqn", "want 12 hexadecimal digits (48 bits), got %q", *r.SQN)
		}
		s.Auth.SQN = v
	}
	if r.UEAMBR != nil {
		a, err := r.UEAMBR.parse("ue_ambr")
		if err != nil {
			return nil, err
		}
		s.UEAMBR = a
	}
	if r.NSSAI != nil {
		s.NSSAI = s.NSSAI[:0]
		s.DefaultNSSAI = nil
		for i, n := range *r.NSSAI {
			sn, err := parseSNSSAI(fmt.Sprintf("nssai[%d]", i), n.SST, n.SD)
			if err != nil {
				return nil, err
			}
			for _, prev := range s.NSSAI {
				if prev == sn {
					return nil, fieldErr(fmt.Sprintf("nssai[%d]", i), "duplicate slice")
				}
			}
			s.NSSAI = append(s.NSSAI, sn)
			if n.Default {
				s.DefaultNSSAI = append(s.DefaultNSSAI, sn)
			}
		}
		if len(s.NSSAI) == 0 {
			return nil, fieldErr("nssai", "at least one slice is required")
		}
	} else if base == nil {
		s.NSSAI = append(s.NSSAI, d.NSSAI...)
	}
	if len(s.DefaultNSSAI) == 0 && len(s.NSSAI) > 0 {
		// None marked: the first slice is the default, stored marked.
		s.DefaultNSSAI = []ident.SNSSAI{s.NSSAI[0]}
	}
	if r.DNNs != nil {
		s.DNNs = s.DNNs[:0]
		for i, dn := range *r.DNNs {
			c, err := dn.parse(fmt.Sprintf("dnns[%d]", i), d, s.NSSAI)
			if err != nil {
				return nil, err
			}
			for _, prev := range s.DNNs {
				if strings.EqualFold(prev.DNN, c.DNN) && prev.SNSSAI == c.SNSSAI {
					return nil, fieldErr(fmt.Sprintf("dnns[%d]", i), "duplicate DNN %q in this slice", c.DNN)
				}
			}
			s.DNNs = append(s.DNNs, c)
		}
	} else if base == nil && len(s.NSSAI) > 0 {
		for _, name := range d.DNNs {
			s.DNNs = append(s.DNNs, store.DNNConfig{
				DNN: name, SNSSAI: s.NSSAI[0], SessionAMBR: d.SessionAMBR,
				FiveQI: d.FiveQI, ARPPriority: d.ARPPriority,
			})
		}
	}
	held := map[string]string{} // store.AddressKey → the field giving it
	for i, dn := range s.DNNs {
		for _, f := range []struct {
			name string
			addr netip.Addr
		}{{"static_ipv4", dn.StaticIPv4}, {"static_ipv6", dn.StaticIPv6}} {
			if !f.addr.IsValid() {
				continue
			}
			field := fmt.Sprintf("dnns[%d].%s", i, f.name)
			k := store.AddressKey(f.addr)
			if prev, dup := held[k]; dup {
				return nil, fieldErr(field, "%s is given in %s already (one UE address, one setting)", k, prev)
			}
			held[k] = field
		}
		if !containsSlice(s.NSSAI, dn.SNSSAI) {
			return nil, fieldErr(fmt.Sprintf("dnns[%d].sst", i), "slice %s is not in the subscriber's nssai", formatSNSSAI(dn.SNSSAI))
		}
	}
	return &s, nil
}

func containsSlice(list []ident.SNSSAI, s ident.SNSSAI) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func formatSNSSAI(s ident.SNSSAI) string {
	if s.HasSD {
		return fmt.Sprintf("%d/%06x", s.SST, s.SD)
	}
	return strconv.Itoa(int(s.SST))
}

func parseSNSSAI(field string, sst int, sd string) (ident.SNSSAI, error) {
	if sst < 0 || sst > 255 {
		return ident.SNSSAI{}, fieldErr(field+".sst", "want 0 to 255, got %d", sst)
	}
	s := ident.SNSSAI{SST: uint8(sst)}
	if sd != "" {
		v, err := strconv.ParseUint(sd, 16, 32)
		if err != nil || len(sd) != 6 {
			return ident.SNSSAI{}, fieldErr(field+".sd", "want 6 hexadecimal digits, got %q", sd)
		}
		s.SD, s.HasSD = uint32(v), true
	}
	return s, nil
}

func (a AMBR) parse(field string) (store.AMBR, error) {
	ul, err := ParseBitRate(a.Uplink)
	if err != nil {
		return store.AMBR{}, fieldErr(field+".uplink", "%v", err)
	}
	dl, err := ParseBitRate(a.Downlink)
	if err != nil {
		return store.AMBR{}, fieldErr(field+".downlink", "%v", err)
	}
	return store.AMBR{Uplink: ul, Downlink: dl}, nil
}

// parse checks one DNN's settings; nssai is the subscriber's, whose first
// slice a DNN without sst is in.
func (dn DNN) parse(field string, d Defaults, nssai []ident.SNSSAI) (store.DNNConfig, error) {
	if ident.DNN(dn.DNN).Validate() != nil { // TS 23.003 §9.1
		return store.DNNConfig{}, fieldErr(field+".dnn", "want a DNN of dot-separated labels (letters, digits, hyphens), got %q", dn.DNN)
	}
	var sn ident.SNSSAI
	switch {
	case dn.SST != nil:
		var err error
		if sn, err = parseSNSSAI(field, *dn.SST, dn.SD); err != nil {
			return store.DNNConfig{}, err
		}
	case len(nssai) > 0:
		sn = nssai[0]
	default:
		return store.DNNConfig{}, fieldErr(field+".sst", "required: the subscriber has no slice to put the DNN in")
	}
	var err error
	c := store.DNNConfig{DNN: dn.DNN, SNSSAI: sn, SessionAMBR: d.SessionAMBR, FiveQI: d.FiveQI, ARPPriority: d.ARPPriority}
	if dn.SessionAMBR != (AMBR{}) {
		if c.SessionAMBR, err = dn.SessionAMBR.parse(field + ".session_ambr"); err != nil {
			return store.DNNConfig{}, err
		}
	}
	if dn.FiveQI != 0 {
		// TS 23.501 §5.7.4: standardized and operator-specific values fit 1..255.
		if dn.FiveQI < 1 || dn.FiveQI > 255 {
			return store.DNNConfig{}, fieldErr(field+".5qi", "want 1 to 255, got %d", dn.FiveQI)
		}
		c.FiveQI = uint8(dn.FiveQI)
	}
	if dn.ARPPriority != 0 {
		// TS 23.501 §5.7.2.2: ARP priority level 1 to 15.
		if dn.ARPPriority < 1 || dn.ARPPriority > 15 {
			return store.DNNConfig{}, fieldErr(field+".arp_priority", "want 1 to 15, got %d", dn.ARPPriority)
		}
		c.ARPPriority = uint8(dn.ARPPriority)
	}
	if dn.StaticIPv4 != "" {
		a, err := netip.ParseAddr(dn.StaticIPv4)
		if err != nil || !a.Is4() {
			return store.DNNConfig{}, fieldErr(field+".static_ipv4", "want an IPv4 address, got %q", dn.StaticIPv4)
		}
		c.StaticIPv4 = a
	}
	if dn.StaticIPv6 != "" {
		a, err := netip.ParseAddr(dn.StaticIPv6)
		if err != nil || !a.Is6() || a.Is4In6() {
			return store.DNNConfig{}, fieldErr(field+".static_ipv6", "want an IPv6 address, got %q", dn.StaticIPv6)
		}
		c.StaticIPv6 = a
	}
	for j, t := range dn.PCCRules {
		pf := fmt.Sprintf("%s.pcc_rules[%d]", field, j)
		r, err := t.Parse()
		if err != nil {
			var pe *sbi.PCCRuleError
			if errors.As(err, &pe) {
				return store.DNNConfig{}, fieldErr(pf+"."+pe.Field, "%s", pe.Reason)
			}
			return store.DNNConfig{}, fieldErr(pf, "%v", err)
		}
		if slices.ContainsFunc(c.PCCRules, func(o store.PCCRule) bool { return o.ID == r.ID }) {
			return store.DNNConfig{}, fieldErr(pf+".id", "%q is given twice on this DNN", r.ID)
		}
		c.PCCRules = append(c.PCCRules, store.PCCRule{ID: r.ID, FlowDescriptions: r.FlowDescriptions, FiveQI: r.FiveQI,
			ARP:  store.ARP{PriorityLevel: r.ARP.PriorityLevel, PreemptionCapability: r.ARP.PreemptionCapability, PreemptionVulnerability: r.ARP.PreemptionVulnerability},
			GFBR: store.AMBR{Uplink: r.GFBRUplink, Downlink: r.GFBRDownlink}, MFBR: store.AMBR{Uplink: r.MFBRUplink, Downlink: r.MFBRDownlink}})
	}
	if len(c.PCCRules) > 62 {
		// TS 23.501 §5.7.1.1: QFIs 2 to 63 for the flows beside the default.
		return store.DNNConfig{}, fieldErr(field+".pcc_rules", "%d rules, at most 62 (one QoS flow each)", len(c.PCCRules))
	}
	return c, nil
}

// FromStore renders a stored subscriber for API output, without secrets.
func FromStore(s *store.Subscriber) Subscriber {
	out := Subscriber{
		SUPI:   s.SUPI,
		OPType: "opc",
		AMF:    hex.EncodeToString(s.Auth.AMF[:]),
		SQN:    fmt.Sprintf("%012x", s.Auth.SQN),
		UEAMBR: AMBR{FormatBitRate(s.UEAMBR.Uplink), FormatBitRate(s.UEAMBR.Downlink)},
		NSSAI:  []SNSSAI{},
		DNNs:   []DNN{},
	}
	if s.Auth.OPIsOP {
		out.OPType = "op"
	}
	defaults := s.Defaults()
	for _, n := range s.NSSAI {
		out.NSSAI = append(out.NSSAI, SNSSAI{SST: int(n.SST), SD: sdString(n), Default: slices.Contains(defaults, n)})
	}
	for _, d := range s.DNNs {
		j := DNN{
			DNN: d.DNN, SST: new(int(d.SNSSAI.SST)), SD: sdString(d.SNSSAI),
			SessionAMBR: AMBR{FormatBitRate(d.SessionAMBR.Uplink), FormatBitRate(d.SessionAMBR.Downlink)},
			FiveQI:      int(d.FiveQI), ARPPriority: int(d.ARPPriority),
		}
		if d.StaticIPv4.IsValid() {
			j.StaticIPv4 = d.StaticIPv4.String()
		}
		if d.StaticIPv6.IsValid() {
			j.StaticIPv6 = d.StaticIPv6.String()
		}
		for _, r := range d.PCCRules {
			j.PCCRules = append(j.PCCRules, sbi.FormatPCCRule(sbi.PCCRule{ID: r.ID, FlowDescriptions: r.FlowDescriptions, FiveQI: r.FiveQI,
				ARP:        sbi.ARP{PriorityLevel: r.ARP.PriorityLevel, PreemptionCapability: r.ARP.PreemptionCapability, PreemptionVulnerability: r.ARP.PreemptionVulnerability},
				GFBRUplink: r.GFBR.Uplink, GFBRDownlink: r.GFBR.Downlink, MFBRUplink: r.MFBR.Uplink, MFBRDownlink: r.MFBR.Downlink}))
		}
		out.DNNs = append(out.DNNs, j)
	}
	return out
}

func sdString(s ident.SNSSAI) string {
	if !s.HasSD {
		return ""
	}
	return fmt.Sprintf("%06x", s.SD)
}
