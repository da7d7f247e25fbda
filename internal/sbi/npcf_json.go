package sbi

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/keelcore/keel/internal/strictjson"
)

// The JSON forms of the Npcf_SMPolicyControl types whose Go form is
// flatter than the schema's (TS29512_Npcf_SMPolicyControl.yaml).

// sessRuleID names the one session rule of Keel's decisions.
const sessRuleID = "sessrule-1"

type arpJSON struct {
	PriorityLevel int    `json:"priorityLevel"`
	PreemptCap    string `json:"preemptCap"`
	PreemptVuln   string `json:"preemptVuln"`
}

func arpToJSON(a ARP) arpJSON {
	j := arpJSON{PriorityLevel: int(a.PriorityLevel), PreemptCap: "NOT_PREEMPT", PreemptVuln: "NOT_PREEMPTABLE"}
	if a.PreemptionCapability {
		j.PreemptCap = "MAY_PREEMPT"
	}
	if a.PreemptionVulnerability {
		j.PreemptVuln = "PREEMPTABLE"
	}
	return j
}

func arpFromJSON(j arpJSON) (ARP, error) {
	if j.PriorityLevel < 1 || j.PriorityLevel > 15 {
		return ARP{}, fmt.Errorf("sbi: arp: priorityLevel %d out of 1 to 15", j.PriorityLevel)
	}
	a := ARP{PriorityLevel: uint8(j.PriorityLevel)}
	switch j.PreemptCap {
	case "NOT_PREEMPT":
	case "MAY_PREEMPT":
		a.PreemptionCapability = true
	default:
		return ARP{}, fmt.Errorf("%w: preemptCap %q", ErrUnknownValue, j.PreemptCap)
	}
	switch j.PreemptVuln {
	case "NOT_PREEMPTABLE":
	case "PREEMPTABLE":
		a.PreemptionVulnerability = true
	default:
		return ARP{}, fmt.Errorf("%w: preemptVuln %q", ErrUnknownValue, j.PreemptVuln)
	}
	return a, nil
}

type sessionRuleJSON struct {
	SessRuleID   string          `json:"sessRuleId"`
	AuthSessAmbr *Ambr           `json:"authSessAmbr,omitempty"`
	AuthDefQos   *authDefQosJSON `json:"authDefQos,omitempty"`
}

type authDefQosJSON struct {
	FiveQI int      `json:"5qi"`
	Arp    *arpJSON `json:"arp,omitempty"`
}

type flowInfoJSON struct {
	FlowDescription string `json:"flowDescription"`
}

type pccRuleJSON struct {
	PccRuleID  string         `json:"pccRuleId"`
	FlowInfos  []flowInfoJSON `json:"flowInfos,omitempty"`
	Precedence int            `json:"precedence"`
	RefQosData []string       `json:"refQosData,omitempty"`
}

type qosDataJSON struct {
	QosID   string   `json:"qosId"`
	FiveQI  int      `json:"5qi"`
	Arp     *arpJSON `json:"arp,omitempty"`
	MaxbrUl string   `json:"maxbrUl,omitempty"`
	MaxbrDl string   `json:"maxbrDl,omitempty"`
	GbrUl   string   `json:"gbrUl,omitempty"`
	GbrDl   string   `json:"gbrDl,omitempty"`
}

type decisionJSON struct {
	SessRules map[string]sessionRuleJSON `json:"sessRules,omitempty"`
	PccRules  map[string]pccRuleJSON     `json:"pccRules,omitempty"`
	QosDecs   map[string]qosDataJSON     `json:"qosDecs,omitempty"`
}

func rate(v uint64) string {
	if v == 0 {
		return ""
	}
	return FormatBitRate(v)
}

func parseRate(field, s string) (uint64, error) {
	if s == "" {
		return 0, nil
	}
	v, err := ParseBitRate(s)
	if err != nil {
		return 0, fmt.Errorf("sbi: %s: %w", field, err)
	}
	return v, nil
}

// MarshalJSON writes the decision as TS 29.512 §5.6.2.3 has it
// (AppendJSON, npcf_codec.go).
func (d SmPolicyDecision) MarshalJSON() ([]byte, error) {
	return d.AppendJSON(nil)
}

// UnmarshalJSON reads the TS 29.512 §5.6.2.3 form MarshalJSON writes: one
// session rule, PCC rules in precedence order each referring to one QoS
// data of the decision.
func (d *SmPolicyDecision) UnmarshalJSON(b []byte) error {
	r := strictjson.NewReader(b, true)
	d.DecodeJSON(r)
	return r.Finish()
}

// decisionFromJSON converts the decision's JSON form; id is the
// decision's ID, which the body does not carry.
func decisionFromJSON(j decisionJSON, id string) (SmPolicyDecision, error) {
	out := SmPolicyDecision{ID: id}
	if len(j.SessRules) > 1 {
		return SmPolicyDecision{}, fmt.Errorf("sbi: SmPolicyDecision: %d session rules, Keel takes one", len(j.SessRules))
	}
	for _, sr := range j.SessRules {
		if sr.AuthSessAmbr != nil {
			var err error
			if out.SessionAMBRUplink, err = parseRate("authSessAmbr.uplink", sr.AuthSessAmbr.Uplink); err != nil {
				return SmPolicyDecision{}, err
			}
			if out.SessionAMBRDownlink, err = parseRate("authSessAmbr.downlink", sr.AuthSessAmbr.Downlink); err != nil {
				return SmPolicyDecision{}, err
			}
		}
		if q := sr.AuthDefQos; q != nil {
			if q.FiveQI < 0 || q.FiveQI > 255 {
				return SmPolicyDecision{}, fmt.Errorf("sbi: SmPolicyDecision: authDefQos 5qi %d out of 0 to 255", q.FiveQI)
			}
			out.FiveQI = uint8(q.FiveQI)
			if q.Arp != nil {
				a, err := arpFromJSON(*q.Arp)
				if err != nil {
					return SmPolicyDecision{}, err
				}
				out.ARPPriority = a.PriorityLevel
			}
		}
	}
	type ordered struct {
		prec int
		rule PCCRule
	}
	var rules []ordered
	for id, p := range j.PccRules {
		if p.PccRuleID != id {
			return SmPolicyDecision{}, fmt.Errorf("sbi: SmPolicyDecision: pccRules key %q holds pccRuleId %q", id, p.PccRuleID)
		}
		r := PCCRule{ID: id}
		for _, fi := range p.FlowInfos {
			r.FlowDescriptions = append(r.FlowDescriptions, fi.FlowDescription)
		}
		if len(p.RefQosData) != 1 {
			return SmPolicyDecision{}, fmt.Errorf("sbi: SmPolicyDecision: PCC rule %q: want one refQosData, have %d", id, len(p.RefQosData))
		}
		q, ok := j.QosDecs[p.RefQosData[0]]
		if !ok {
			return SmPolicyDecision{}, fmt.Errorf("sbi: SmPolicyDecision: PCC rule %q: no qosDecs %q", id, p.RefQosData[0])
		}
		if q.FiveQI < 0 || q.FiveQI > 255 {
			return SmPolicyDecision{}, fmt.Errorf("sbi: SmPolicyDecision: qosDecs %q: 5qi %d out of 0 to 255", q.QosID, q.FiveQI)
		}
		r.FiveQI = uint8(q.FiveQI)
		if q.Arp != nil {
			a, err := arpFromJSON(*q.Arp)
			if err != nil {
				return SmPolicyDecision{}, err
			}
			r.ARP = a
		}
		var err error
		for _, x := range []struct {
			name string
			s    string
			v    *uint64
		}{{"gbrUl", q.GbrUl, &r.GFBRUplink}, {"gbrDl", q.GbrDl, &r.GFBRDownlink}, {"maxbrUl", q.MaxbrUl, &r.MFBRUplink}, {"maxbrDl", q.MaxbrDl, &r.MFBRDownlink}} {
			if *x.v, err = parseRate(x.name, x.s); err != nil {
				return SmPolicyDecision{}, err
			}
		}
		rules = append(rules, ordered{p.Precedence, r})
	}
	slices.SortFunc(rules, func(a, b ordered) int {
		return cmp.Or(cmp.Compare(a.prec, b.prec), cmp.Compare(a.rule.ID, b.rule.ID))
	})
	for _, o := range rules {
		out.PCCRules = append(out.PCCRules, o.rule)
	}
	return out, nil
}

type packetFilterInfoJSON struct {
	PackFiltCont  string `json:"packFiltCont"`
	FlowDirection string `json:"flowDirection"`
}

type requestedQosJSON struct {
	FiveQI  int    `json:"5qi"`
	GbrUl   string `json:"gbrUl,omitempty"`
	GbrDl   string `json:"gbrDl,omitempty"`
	MaxbrUl string `json:"maxbrUl,omitempty"`
	MaxbrDl string `json:"maxbrDl,omitempty"`
}

type ueInitResReqJSON struct {
	RuleOp       string                 `json:"ruleOp"`
	PackFiltInfo []packetFilterInfoJSON `json:"packFiltInfo"`
	ReqQos       *requestedQosJSON      `json:"reqQos,omitempty"`
}

type ruleReportJSON struct {
	PccRuleIDs []string `json:"pccRuleIds"`
	RuleStatus string   `json:"ruleStatus"`
}

type updateJSON struct {
	RepPolicyCtrlReqTriggers []string          `json:"repPolicyCtrlReqTriggers,omitempty"`
	UeInitResReq             *ueInitResReqJSON `json:"ueInitResReq,omitempty"`
	RuleReports              []ruleReportJSON  `json:"ruleReports,omitempty"`
}

// Policy control request triggers Keel reports (TS 29.512 §5.6.3.6).
const (
	TriggerResMoRe = "RES_MO_RE" // UE resource modification request
)

// MarshalJSON writes TS 29.512 §5.6.2.4: a resource request as
// ueInitResReq with trigger RES_MO_RE (§4.2.4.17), inactive rules as one
// rule report with ruleStatus INACTIVE (§4.2.4.15). The flow direction of
// a packet filter is BIDIRECTIONAL: the IPFilterRule names both ends.
func (u SmPolicyUpdateContextData) MarshalJSON() ([]byte, error) {
	var j updateJSON
	if r := u.UeInitResReq; r != nil {
		j.RepPolicyCtrlReqTriggers = []string{TriggerResMoRe}
		x := &ueInitResReqJSON{RuleOp: "CREATE_PCC_RULE", ReqQos: &requestedQosJSON{FiveQI: int(r.FiveQI),
			GbrUl: rate(r.GFBRUplink), GbrDl: rate(r.GFBRDownlink), MaxbrUl: rate(r.MFBRUplink), MaxbrDl: rate(r.MFBRDownlink)}}
		for _, fd := range r.FlowDescriptions {
			x.PackFiltInfo = append(x.PackFiltInfo, packetFilterInfoJSON{PackFiltCont: fd, FlowDirection: "BIDIRECTIONAL"})
		}
		j.UeInitResReq = x
	}
	if len(u.InactiveRules) > 0 {
		j.RuleReports = []ruleReportJSON{{PccRuleIDs: u.InactiveRules, RuleStatus: "INACTIVE"}}
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON writes, strictly: an attribute
// Keel does not read is refused with encoding/json's own error, as a
// strict decoder of the request would refuse it; rule reports with
// another status than INACTIVE and other rule operations are refused.
func (u *SmPolicyUpdateContextData) UnmarshalJSON(b []byte) error {
	var j updateJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return err
	}
	var out SmPolicyUpdateContextData
	for _, rr := range j.RuleReports {
		if rr.RuleStatus != "INACTIVE" {
			return fmt.Errorf("%w: ruleStatus %q", ErrUnknownValue, rr.RuleStatus)
		}
		out.InactiveRules = append(out.InactiveRules, rr.PccRuleIDs...)
	}
	if x := j.UeInitResReq; x != nil {
		if x.RuleOp != "CREATE_PCC_RULE" {
			return fmt.Errorf("%w: ruleOp %q", ErrUnknownValue, x.RuleOp)
		}
		if x.ReqQos == nil {
			return fmt.Errorf("sbi: SmPolicyUpdateContextData: ueInitResReq without reqQos")
		}
		if x.ReqQos.FiveQI < 0 || x.ReqQos.FiveQI > 255 {
			return fmt.Errorf("sbi: SmPolicyUpdateContextData: reqQos 5qi %d out of 0 to 255", x.ReqQos.FiveQI)
		}
		r := &UeInitiatedResourceRequest{FiveQI: uint8(x.ReqQos.FiveQI)}
		var err error
		for _, f := range []struct {
			name string
			s    string
			v    *uint64
		}{{"gbrUl", x.ReqQos.GbrUl, &r.GFBRUplink}, {"gbrDl", x.ReqQos.GbrDl, &r.GFBRDownlink}, {"maxbrUl", x.ReqQos.MaxbrUl, &r.MFBRUplink}, {"maxbrDl", x.ReqQos.MaxbrDl, &r.MFBRDownlink}} {
			if *f.v, err = parseRate(f.name, f.s); err != nil {
				return err
			}
		}
		for _, p := range x.PackFiltInfo {
			r.FlowDescriptions = append(r.FlowDescriptions, p.PackFiltCont)
		}
		out.UeInitResReq = r
	}
	*u = out
	return nil
}

// Value is the ARP a's wire form stands for: an error for a priority
// level out of 1 to 15 or an unknown preemptCap or preemptVuln.
func (a Arp) Value() (ARP, error) {
	return arpFromJSON(arpJSON{PriorityLevel: int(a.PriorityLevel), PreemptCap: a.PreemptCap, PreemptVuln: a.PreemptVuln})
}
