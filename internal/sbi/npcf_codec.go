package sbi

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/keelcore/keel/internal/strictjson"
)

// The Npcf_SMPolicyControl bodies of every PDU session (TS 29.512
// §5.6.2.2 SmPolicyContextData, §5.6.2.3 SmPolicyDecision) are read and
// written by hand over strictjson: through encoding/json's reflection
// (and, for the decision, its maps sorted and re-compacted) they cost
// the split PCF a third of its CPU. The decoders accept, refuse and fill
// what encoding/json does (with sbihttp's strict checks where they
// apply); the encoders write json.Marshal's bytes.

// DecodeJSON reads the decision as UnmarshalJSON always has: the JSON
// form into its maps as encoding/json reads them (attributes Keel does
// not read skipped), then converted, which may refuse it.
func (d *SmPolicyDecision) DecodeJSON(r *strictjson.Reader) {
	prev := r.SetLenient(true)
	defer r.SetLenient(prev)
	var j decisionJSON
	scope := r.Isolate()
	j.decode(r)
	r.Join(scope)
	if r.Failed() {
		return
	}
	out, err := decisionFromJSON(j, d.ID)
	if err != nil {
		r.Refuse("", err)
		return
	}
	*d = out
}

func (j *decisionJSON) decode(r *strictjson.Reader) {
	if !r.BeginObject("SmPolicyDecision") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		switch r.Field(k, "sessRules", "pccRules", "qosDecs") {
		case "sessRules":
			strictjson.Map(r, &j.SessRules, (*sessionRuleJSON).decode)
		case "pccRules":
			strictjson.Map(r, &j.PccRules, (*pccRuleJSON).decode)
		case "qosDecs":
			strictjson.Map(r, &j.QosDecs, (*qosDataJSON).decode)
		default:
			r.Skip()
		}
	}
}

func (s *sessionRuleJSON) decode(r *strictjson.Reader) {
	if !r.BeginObject("SessionRule") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		switch r.Field(k, "sessRuleId", "authSessAmbr", "authDefQos") {
		case "sessRuleId":
			if v, ok := r.String(); ok {
				s.SessRuleID = v
			}
		case "authSessAmbr":
			strictjson.Ptr(r, &s.AuthSessAmbr, (*Ambr).DecodeJSON)
		case "authDefQos":
			strictjson.Ptr(r, &s.AuthDefQos, (*authDefQosJSON).decode)
		default:
			r.Skip()
		}
	}
}

func (q *authDefQosJSON) decode(r *strictjson.Reader) {
	if !r.BeginObject("AuthorizedDefaultQos") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		switch r.Field(k, "5qi", "arp") {
		case "5qi":
			if v, ok := r.Int(strconv.IntSize); ok {
				q.FiveQI = int(v)
			}
		case "arp":
			strictjson.Ptr(r, &q.Arp, (*arpJSON).decode)
		default:
			r.Skip()
		}
	}
}

func (a *arpJSON) decode(r *strictjson.Reader) {
	if !r.BeginObject("Arp") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		switch r.Field(k, "priorityLevel", "preemptCap", "preemptVuln") {
		case "priorityLevel":
			if v, ok := r.Int(strconv.IntSize); ok {
				a.PriorityLevel = int(v)
			}
		case "preemptCap":
			if v, ok := r.String(); ok {
				a.PreemptCap = v
			}
		case "preemptVuln":
			if v, ok := r.String(); ok {
				a.PreemptVuln = v
			}
		default:
			r.Skip()
		}
	}
}

func (p *pccRuleJSON) decode(r *strictjson.Reader) {
	if !r.BeginObject("PccRule") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		switch r.Field(k, "pccRuleId", "flowInfos", "precedence", "refQosData") {
		case "pccRuleId":
			if v, ok := r.String(); ok {
				p.PccRuleID = v
			}
		case "flowInfos":
			if r.Null() {
				p.FlowInfos = nil
				continue
			}
			if !r.BeginArray("array of FlowInformation") {
				continue
			}
			l, n := p.FlowInfos, 0
			for r.Next() {
				l = strictjson.Grow(l, n)
				l[n].decode(r)
				n++
			}
			p.FlowInfos = strictjson.Trim(l, n)
		case "precedence":
			if v, ok := r.Int(strconv.IntSize); ok {
				p.Precedence = int(v)
			}
		case "refQosData":
			r.Strings(&p.RefQosData)
		default:
			r.Skip()
		}
	}
}

func (f *flowInfoJSON) decode(r *strictjson.Reader) {
	if !r.BeginObject("FlowInformation") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		switch r.Field(k, "flowDescription") {
		case "flowDescription":
			if v, ok := r.String(); ok {
				f.FlowDescription = v
			}
		default:
			r.Skip()
		}
	}
}

func (q *qosDataJSON) decode(r *strictjson.Reader) {
	if !r.BeginObject("QosData") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		switch r.Field(k, "qosId", "5qi", "arp", "maxbrUl", "maxbrDl", "gbrUl", "gbrDl") {
		case "qosId":
			if v, ok := r.String(); ok {
				q.QosID = v
			}
		case "5qi":
			if v, ok := r.Int(strconv.IntSize); ok {
				q.FiveQI = int(v)
			}
		case "arp":
			strictjson.Ptr(r, &q.Arp, (*arpJSON).decode)
		case "maxbrUl":
			if v, ok := r.String(); ok {
				q.MaxbrUl = v
			}
		case "maxbrDl":
			if v, ok := r.String(); ok {
				q.MaxbrDl = v
			}
		case "gbrUl":
			if v, ok := r.String(); ok {
				q.GbrUl = v
			}
		case "gbrDl":
			if v, ok := r.String(); ok {
				q.GbrDl = v
			}
		default:
			r.Skip()
		}
	}
}

// AppendJSON appends the decision as TS 29.512 §5.6.2.3 has it: the
// session rule in sessRules, each PCC rule in pccRules with a
// precedence that keeps Keel's order (10, 20, ...) and a reference to
// its QoS data in qosDecs. The maps' members are in key order, as
// json.Marshal writes a map; of two rules with one ID the later is
// written, as a map keeps it.
func (d SmPolicyDecision) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"sessRules":{"`+sessRuleID+`":{"sessRuleId":"`+sessRuleID+`","authSessAmbr":{"uplink":`...)
	b = strictjson.AppendString(b, FormatBitRate(d.SessionAMBRUplink))
	b = append(b, `,"downlink":`...)
	b = strictjson.AppendString(b, FormatBitRate(d.SessionAMBRDownlink))
	b = append(b, `},"authDefQos":{"5qi":`...)
	b = strconv.AppendUint(b, uint64(d.FiveQI), 10)
	if d.ARPPriority != 0 {
		b = append(b, `,"arp":`...)
		b = appendArp(b, arpToJSON(ARP{PriorityLevel: d.ARPPriority}))
	}
	b = append(b, `}}}`...)
	if len(d.PCCRules) == 0 {
		return append(b, '}'), nil
	}
	order := d.ruleOrder()
	b = append(b, `,"pccRules":{`...)
	for n, i := range order {
		r := &d.PCCRules[i]
		if n > 0 {
			b = append(b, ',')
		}
		b = strictjson.AppendString(b, r.ID)
		b = append(b, `:{"pccRuleId":`...)
		b = strictjson.AppendString(b, r.ID)
		if len(r.FlowDescriptions) > 0 {
			b = append(b, `,"flowInfos":[`...)
			for k, fd := range r.FlowDescriptions {
				if k > 0 {
					b = append(b, ',')
				}
				b = append(b, `{"flowDescription":`...)
				b = strictjson.AppendString(b, fd)
				b = append(b, '}')
			}
			b = append(b, ']')
		}
		b = append(b, `,"precedence":`...)
		b = strconv.AppendInt(b, int64(10*(i+1)), 10)
		b = append(b, `,"refQosData":[`...)
		b = strictjson.AppendString(b, "qos-"+r.ID)
		b = append(b, `]}`...)
	}
	b = append(b, `},"qosDecs":{`...)
	for n, i := range order {
		r := &d.PCCRules[i]
		if n > 0 {
			b = append(b, ',')
		}
		qid := "qos-" + r.ID
		b = strictjson.AppendString(b, qid)
		b = append(b, `:{"qosId":`...)
		b = strictjson.AppendString(b, qid)
		b = append(b, `,"5qi":`...)
		b = strconv.AppendUint(b, uint64(r.FiveQI), 10)
		b = append(b, `,"arp":`...)
		b = appendArp(b, arpToJSON(r.ARP))
		for _, x := range [...]struct {
			name string
			v    uint64
		}{{`,"maxbrUl":`, r.MFBRUplink}, {`,"maxbrDl":`, r.MFBRDownlink}, {`,"gbrUl":`, r.GFBRUplink}, {`,"gbrDl":`, r.GFBRDownlink}} {
			if x.v != 0 {
				b = append(b, x.name...)
				b = strictjson.AppendString(b, FormatBitRate(x.v))
			}
		}
		b = append(b, '}')
	}
	return append(b, `}}`...), nil
}

// ruleOrder gives the indexes of the PCC rules to write, in the order
// of their IDs (json.Marshal's order of a map's keys), the last of
// several with one ID.
func (d SmPolicyDecision) ruleOrder() []int {
	order := make([]int, 0, len(d.PCCRules))
	for i := range d.PCCRules {
		order = append(order, i)
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(d.PCCRules[a].ID, d.PCCRules[b].ID) })
	out := order[:0]
	for n, i := range order {
		if n+1 < len(order) && d.PCCRules[order[n+1]].ID == d.PCCRules[i].ID {
			continue
		}
		out = append(out, i)
	}
	return out
}

func appendArp(b []byte, a arpJSON) []byte {
	b = append(b, `{"priorityLevel":`...)
	b = strconv.AppendInt(b, int64(a.PriorityLevel), 10)
	b = append(b, `,"preemptCap":`...)
	b = strictjson.AppendString(b, a.PreemptCap)
	b = append(b, `,"preemptVuln":`...)
	b = strictjson.AppendString(b, a.PreemptVuln)
	return append(b, '}')
}

// DecodeJSON reads the TS 29.512 SmPolicyContextData strictly.
func (c *SmPolicyContextData) DecodeJSON(r *strictjson.Reader) {
	if !r.BeginObject("SmPolicyContextData") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		switch r.Field(k, "supi", "pduSessionId", "pduSessionType", "dnn", "sliceInfo", "notificationUri", "smfId", "subsSessAmbr", "subsDefQos") {
		case "supi":
			if v, ok := r.String(); ok {
				c.Supi = v
			}
		case "pduSessionId":
			if v, ok := r.Uint(8); ok {
				c.PduSessionID = uint8(v)
			}
		case "pduSessionType":
			if v, ok := r.String(); ok {
				c.PduSessionType = v
			}
		case "dnn":
			if v, ok := r.String(); ok {
				c.Dnn = v
			}
		case "sliceInfo":
			r.Unmarshal(&c.SliceInfo)
		case "notificationUri":
			if v, ok := r.String(); ok {
				c.NotificationURI = v
			}
		case "smfId":
			if v, ok := r.String(); ok {
				c.SmfID = v
			}
		case "subsSessAmbr":
			strictjson.Ptr(r, &c.SubsSessAmbr, (*Ambr).DecodeJSON)
		case "subsDefQos":
			strictjson.Ptr(r, &c.SubsDefQos, (*SubscribedDefaultQos).DecodeJSON)
		default:
			r.Skip()
		}
	}
}

// AppendJSON appends c as json.Marshal writes it.
func (c SmPolicyContextData) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"supi":`...)
	b = strictjson.AppendString(b, c.Supi)
	b = append(b, `,"pduSessionId":`...)
	b = strconv.AppendUint(b, uint64(c.PduSessionID), 10)
	b = append(b, `,"pduSessionType":`...)
	b = strictjson.AppendString(b, c.PduSessionType)
	b = append(b, `,"dnn":`...)
	b = strictjson.AppendString(b, c.Dnn)
	b = append(b, `,"sliceInfo":`...)
	var err error
	if b, err = c.SliceInfo.AppendJSON(b); err != nil {
		return b, err
	}
	b = append(b, `,"notificationUri":`...)
	b = strictjson.AppendString(b, c.NotificationURI)
	if c.SmfID != "" {
		b = append(b, `,"smfId":`...)
		b = strictjson.AppendString(b, c.SmfID)
	}
	if c.SubsSessAmbr != nil {
		b = append(b, `,"subsSessAmbr":`...)
		b = c.SubsSessAmbr.AppendJSON(b)
	}
	if c.SubsDefQos != nil {
		b = append(b, `,"subsDefQos":`...)
		b = c.SubsDefQos.AppendJSON(b)
	}
	return append(b, '}'), nil
}

// DecodeJSON reads the TS 29.571 Ambr.
func (a *Ambr) DecodeJSON(r *strictjson.Reader) {
	if !r.BeginObject("Ambr") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		switch r.Field(k, "uplink", "downlink") {
		case "uplink":
			if v, ok := r.String(); ok {
				a.Uplink = v
			}
		case "downlink":
			if v, ok := r.String(); ok {
				a.Downlink = v
			}
		default:
			r.Skip()
		}
	}
}

// AppendJSON appends a as json.Marshal writes it.
func (a Ambr) AppendJSON(b []byte) []byte {
	b = append(b, `{"uplink":`...)
	b = strictjson.AppendString(b, a.Uplink)
	b = append(b, `,"downlink":`...)
	b = strictjson.AppendString(b, a.Downlink)
	return append(b, '}')
}

// DecodeJSON reads the TS 29.571 SubscribedDefaultQos.
func (q *SubscribedDefaultQos) DecodeJSON(r *strictjson.Reader) {
	if !r.BeginObject("SubscribedDefaultQos") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		switch r.Field(k, "5qi", "arp") {
		case "5qi":
			if v, ok := r.Uint(8); ok {
				q.FiveQI = uint8(v)
			}
		case "arp":
			q.Arp.DecodeJSON(r)
		default:
			r.Skip()
		}
	}
}

// AppendJSON appends q as json.Marshal writes it.
func (q SubscribedDefaultQos) AppendJSON(b []byte) []byte {
	b = append(b, `{"5qi":`...)
	b = strconv.AppendUint(b, uint64(q.FiveQI), 10)
	b = append(b, `,"arp":`...)
	b = q.Arp.AppendJSON(b)
	return append(b, '}')
}

// DecodeJSON reads the TS 29.571 Arp.
func (a *Arp) DecodeJSON(r *strictjson.Reader) {
	if !r.BeginObject("Arp") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		switch r.Field(k, "priorityLevel", "preemptCap", "preemptVuln") {
		case "priorityLevel":
			if v, ok := r.Uint(8); ok {
				a.PriorityLevel = uint8(v)
			}
		case "preemptCap":
			if v, ok := r.String(); ok {
				a.PreemptCap = v
			}
		case "preemptVuln":
			if v, ok := r.String(); ok {
				a.PreemptVuln = v
			}
		default:
			r.Skip()
		}
	}
}

// AppendJSON appends a as json.Marshal writes it.
func (a Arp) AppendJSON(b []byte) []byte {
	b = append(b, `{"priorityLevel":`...)
	b = strconv.AppendUint(b, uint64(a.PriorityLevel), 10)
	b = append(b, `,"preemptCap":`...)
	b = strictjson.AppendString(b, a.PreemptCap)
	b = append(b, `,"preemptVuln":`...)
	b = strictjson.AppendString(b, a.PreemptVuln)
	return append(b, '}')
}
