package sbi

import (
	"fmt"

	"github.com/keelcore/keel/internal/ipfilter"
)

// GBR5QI tells whether a standardized 5QI is of the GBR or the delay
// critical GBR resource type (TS 23.501 table 5.7.4-1).
func GBR5QI(q uint8) bool {
	switch q {
	case 1, 2, 3, 4, 65, 66, 67, 71, 72, 73, 74, 75, 76, 82, 83, 84, 85, 86, 87, 88, 89, 90:
		return true
	}
	return false
}

// PCCRuleError is a PCC rule the SMF cannot enforce: Field names the
// field at fault as the management API and the configuration spell it
// ("flow_descriptions[1]", "arp.priority_level", "mfbr_downlink").
type PCCRuleError struct {
	Field, Reason string
}

func (e *PCCRuleError) Error() string { return e.Field + ": " + e.Reason }

// MaxPCCFlowDescriptions bounds a PCC rule's flow descriptions: each is
// a packet filter of the QoS rule, at most 15 (TS 24.501 §9.11.4.13).
const MaxPCCFlowDescriptions = 15

// CheckPCCRule checks a PCC rule as Keel enforces it: an ID, 1 to 15
// flow descriptions package ipfilter reads, a 5QI, an ARP priority level
// of 1 to 15, and bit rates that match the 5QI's resource type: a GBR
// 5QI needs MFBR ≥ GFBR > 0 both ways (TS 23.501 §5.7.2.5), a non-GBR
// one takes none. It returns nil or a *PCCRuleError.
func CheckPCCRule(r PCCRule) error {
	fail := func(field, format string, args ...any) error {
		return &PCCRuleError{Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	if r.ID == "" {
		return fail("id", "required")
	}
	if n := len(r.FlowDescriptions); n == 0 || n > MaxPCCFlowDescriptions {
		return fail("flow_descriptions", "%d, want 1 to %d", n, MaxPCCFlowDescriptions)
	}
	for i, fd := range r.FlowDescriptions {
		if _, err := ipfilter.Parse(fd); err != nil {
			return fail(fmt.Sprintf("flow_descriptions[%d]", i), "%v", err)
		}
	}
	if r.FiveQI == 0 {
		return fail("5qi", "required (0 is reserved)")
	}
	if r.ARP.PriorityLevel < 1 || r.ARP.PriorityLevel > 15 {
		return fail("arp.priority_level", "%d, want 1 to 15", r.ARP.PriorityLevel)
	}
	rates := []struct {
		name string
		v    uint64
	}{{"gfbr_uplink", r.GFBRUplink}, {"gfbr_downlink", r.GFBRDownlink}, {"mfbr_uplink", r.MFBRUplink}, {"mfbr_downlink", r.MFBRDownlink}}
	if !GBR5QI(r.FiveQI) {
		for _, x := range rates {
			if x.v != 0 {
				return fail(x.name, "5QI %d is not a GBR 5QI (TS 23.501 table 5.7.4-1) and takes no flow bit rate", r.FiveQI)
			}
		}
		return nil
	}
	for _, x := range rates {
		if x.v == 0 {
			return fail(x.name, "required with GBR 5QI %d", r.FiveQI)
		}
	}
	if r.MFBRUplink < r.GFBRUplink {
		return fail("mfbr_uplink", "%d bit/s below gfbr_uplink %d bit/s", r.MFBRUplink, r.GFBRUplink)
	}
	if r.MFBRDownlink < r.GFBRDownlink {
		return fail("mfbr_downlink", "%d bit/s below gfbr_downlink %d bit/s", r.MFBRDownlink, r.GFBRDownlink)
	}
	return nil
}

// PCCRuleText is a PCC rule as the configuration file (dnns[].pcc_rules)
// and the management API (a subscriber's dnns[].pcc_rules) write it: bit
// rates as TS 29.571 BitRate strings, the ARP's pre-emption as TS 29.571
// PreemptionCapability ("NOT_PREEMPT", "MAY_PREEMPT") and
// PreemptionVulnerability ("NOT_PREEMPTABLE", "PREEMPTABLE") values.
type PCCRuleText struct {
	ID               string   `json:"id" yaml:"id"`
	FlowDescriptions []string `json:"flow_descriptions" yaml:"flow_descriptions"`
	FiveQI           int      `json:"5qi" yaml:"5qi"`
	ARP              ARPText  `json:"arp" yaml:"arp"`
	GFBRUplink       string   `json:"gfbr_uplink,omitempty" yaml:"gfbr_uplink"`
	GFBRDownlink     string   `json:"gfbr_downlink,omitempty" yaml:"gfbr_downlink"`
	MFBRUplink       string   `json:"mfbr_uplink,omitempty" yaml:"mfbr_uplink"`
	MFBRDownlink     string   `json:"mfbr_downlink,omitempty" yaml:"mfbr_downlink"`
}

// ARPText is an ARP as PCCRuleText writes it; empty pre-emption values
// are NOT_PREEMPT and NOT_PREEMPTABLE.
type ARPText struct {
	PriorityLevel int    `json:"priority_level" yaml:"priority_level"`
	PreemptCap    string `json:"preempt_cap,omitempty" yaml:"preempt_cap"`
	PreemptVuln   string `json:"preempt_vuln,omitempty" yaml:"preempt_vuln"`
}

// Parse reads the rule and checks it (CheckPCCRule). The error is a
// *PCCRuleError naming the field.
func (t PCCRuleText) Parse() (PCCRule, error) {
	fail := func(field, format string, args ...any) (PCCRule, error) {
		return PCCRule{}, &PCCRuleError{Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	r := PCCRule{ID: t.ID, FlowDescriptions: append([]string(nil), t.FlowDescriptions...)}
	if t.FiveQI < 0 || t.FiveQI > 255 {
		return fail("5qi", "%d, want 1 to 255", t.FiveQI)
	}
	r.FiveQI = uint8(t.FiveQI)
	if t.ARP.PriorityLevel < 0 || t.ARP.PriorityLevel > 15 {
		return fail("arp.priority_level", "%d, want 1 to 15", t.ARP.PriorityLevel)
	}
	r.ARP.PriorityLevel = uint8(t.ARP.PriorityLevel)
	switch t.ARP.PreemptCap {
	case "", "NOT_PREEMPT":
	case "MAY_PREEMPT":
		r.ARP.PreemptionCapability = true
	default:
		return fail("arp.preempt_cap", "%q, want NOT_PREEMPT or MAY_PREEMPT", t.ARP.PreemptCap)
	}
	switch t.ARP.PreemptVuln {
	case "", "NOT_PREEMPTABLE":
	case "PREEMPTABLE":
		r.ARP.PreemptionVulnerability = true
	default:
		return fail("arp.preempt_vuln", "%q, want NOT_PREEMPTABLE or PREEMPTABLE", t.ARP.PreemptVuln)
	}
	for _, x := range []struct {
		name string
		s    string
		v    *uint64
	}{{"gfbr_uplink", t.GFBRUplink, &r.GFBRUplink}, {"gfbr_downlink", t.GFBRDownlink, &r.GFBRDownlink},
		{"mfbr_uplink", t.MFBRUplink, &r.MFBRUplink}, {"mfbr_downlink", t.MFBRDownlink, &r.MFBRDownlink}} {
		if x.s == "" {
			continue
		}
		v, err := ParseBitRate(x.s)
		if err != nil {
			return fail(x.name, "%v", err)
		}
		*x.v = v
	}
	if err := CheckPCCRule(r); err != nil {
		return PCCRule{}, err
	}
	return r, nil
}

// FormatPCCRule is the inverse of PCCRuleText.Parse.
func FormatPCCRule(r PCCRule) PCCRuleText {
	t := PCCRuleText{ID: r.ID, FlowDescriptions: append([]string(nil), r.FlowDescriptions...), FiveQI: int(r.FiveQI),
		ARP: ARPText{PriorityLevel: int(r.ARP.PriorityLevel), PreemptCap: "NOT_PREEMPT", PreemptVuln: "NOT_PREEMPTABLE"}}
	if r.ARP.PreemptionCapability {
		t.ARP.PreemptCap = "MAY_PREEMPT"
	}
	if r.ARP.PreemptionVulnerability {
		t.ARP.PreemptVuln = "PREEMPTABLE"
	}
	rate := func(v uint64) string {
		if v == 0 {
			return ""
		}
		return FormatBitRate(v)
	}
	t.GFBRUplink, t.GFBRDownlink, t.MFBRUplink, t.MFBRDownlink = rate(r.GFBRUplink), rate(r.GFBRDownlink), rate(r.MFBRUplink), rate(r.MFBRDownlink)
	return t
}
