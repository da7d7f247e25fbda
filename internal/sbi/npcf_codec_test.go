package sbi

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/keelcore/keel/internal/strictjson"
)

// marshalDecisionReference is how SmPolicyDecision was written before
// AppendJSON: the JSON form's maps through json.Marshal.
func marshalDecisionReference(d SmPolicyDecision) ([]byte, error) {
	j := decisionJSON{SessRules: map[string]sessionRuleJSON{}}
	sr := sessionRuleJSON{SessRuleID: sessRuleID,
		AuthSessAmbr: &Ambr{Uplink: FormatBitRate(d.SessionAMBRUplink), Downlink: FormatBitRate(d.SessionAMBRDownlink)}}
	sr.AuthDefQos = &authDefQosJSON{FiveQI: int(d.FiveQI)}
	if d.ARPPriority != 0 {
		a := arpToJSON(ARP{PriorityLevel: d.ARPPriority})
		sr.AuthDefQos.Arp = &a
	}
	j.SessRules[sessRuleID] = sr
	for i, r := range d.PCCRules {
		if j.PccRules == nil {
			j.PccRules, j.QosDecs = map[string]pccRuleJSON{}, map[string]qosDataJSON{}
		}
		qid := "qos-" + r.ID
		p := pccRuleJSON{PccRuleID: r.ID, Precedence: 10 * (i + 1), RefQosData: []string{qid}}
		for _, fd := range r.FlowDescriptions {
			p.FlowInfos = append(p.FlowInfos, flowInfoJSON{FlowDescription: fd})
		}
		a := arpToJSON(r.ARP)
		j.PccRules[r.ID] = p
		j.QosDecs[qid] = qosDataJSON{QosID: qid, FiveQI: int(r.FiveQI), Arp: &a,
			GbrUl: rate(r.GFBRUplink), GbrDl: rate(r.GFBRDownlink), MaxbrUl: rate(r.MFBRUplink), MaxbrDl: rate(r.MFBRDownlink)}
	}
	return json.Marshal(j)
}

// class names the TS 29.500 cause sbihttp gives an error: "format"
// (INVALID_MSG_FORMAT), "request" (MANDATORY_IE_INCORRECT) or a
// Problem's cause, as sbihttp's classify and strictError do.
func class(err error) string {
	var se *strictjson.Error
	if errors.As(err, &se) {
		switch {
		case se.Kind == strictjson.Syntax || se.Kind == strictjson.Unknown:
			return "format"
		case se.Kind == strictjson.Refused && se.Err != nil:
			return class(se.Err)
		}
		return "request"
	}
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return "format"
	}
	if p := ProblemOf(err); p != nil {
		return p.Cause
	}
	return "request"
}

// checkDecision decodes body with DecodeJSON and as UnmarshalJSON did
// before it (json.Unmarshal into the JSON form, then the conversion) and
// fails t unless they agree; a decoded decision must encode to the
// bytes the reference writes.
func checkDecision(t *testing.T, body []byte) {
	t.Helper()
	var hand SmPolicyDecision
	r := strictjson.NewReader(body, false)
	hand.DecodeJSON(r)
	herr := r.Finish()
	var j decisionJSON
	var ref SmPolicyDecision
	rerr := json.Unmarshal(body, &j)
	if rerr == nil {
		ref, rerr = decisionFromJSON(j, "")
	}
	if (herr == nil) != (rerr == nil) || (herr != nil && class(herr) != class(rerr)) {
		t.Fatalf("DecodeJSON(%q) = %v, reference %v", body, herr, rerr)
	}
	if herr != nil {
		return
	}
	if d := cmp.Diff(ref, hand); d != "" {
		t.Fatalf("DecodeJSON(%q) (-reference +hand):\n%s", body, d)
	}
	checkDecisionEncoding(t, hand)
}

func checkDecisionEncoding(t *testing.T, d SmPolicyDecision) {
	t.Helper()
	got, gerr := d.AppendJSON(nil)
	want, werr := marshalDecisionReference(d)
	if (gerr == nil) != (werr == nil) || (gerr == nil && string(got) != string(want)) {
		t.Fatalf("AppendJSON(%+v) = %s, %v, want %s, %v", d, got, gerr, want, werr)
	}
}

var decisionSeeds = []string{
	`{"sessRules":{"sessrule-1":{"sessRuleId":"sessrule-1","authSessAmbr":{"uplink":"100 Mbps","downlink":"300 Mbps"},"authDefQos":{"5qi":9,"arp":{"priorityLevel":8,"preemptCap":"NOT_PREEMPT","preemptVuln":"NOT_PREEMPTABLE"}}}},"pccRules":{"voice":{"pccRuleId":"voice","flowInfos":[{"flowDescription":"permit out 17 from any 5000-5010 to assigned"}],"precedence":10,"refQosData":["qos-voice"]}},"qosDecs":{"qos-voice":{"qosId":"qos-voice","5qi":1,"arp":{"priorityLevel":2,"preemptCap":"MAY_PREEMPT","preemptVuln":"PREEMPTABLE"},"maxbrUl":"128 Kbps","maxbrDl":"128 Kbps","gbrUl":"64 Kbps","gbrDl":"64 Kbps"}}}`,
	`{}`, `null`, `{"sessRules":null,"pccRules":{},"qosDecs":null}`, `{"sessRules":{"a":{},"b":{}}}`,
	`{"sessRules":{"a":{"authDefQos":{"5qi":256}}}}`, `{"sessRules":{"a":{"authDefQos":{"5qi":1.5}}}}`,
	`{"pccRules":{"a":{"pccRuleId":"b"}}}`, `{"pccRules":{"a":{"pccRuleId":"a","refQosData":["q"]}},"qosDecs":{"q":{"arp":{"priorityLevel":0}}}}`,
	`{"pccRules":{"a":{"pccRuleId":"a","refQosData":["q"],"precedence":2},"b":{"pccRuleId":"b","refQosData":["q"],"precedence":1}},"qosDecs":{"q":{"5qi":5,"gbrUl":"1 bps"}},"extra":[1,{"x":2}],"PccRules":{}}`,
	`{"pccRules":{"a":{"pccRuleId":"a","refQosData":["q"]}},"qosDecs":{"q":{"maxbrUl":"fast"}}}`, `{"sessRules":[]}`,
	`{"sessRules":{"a":null},"pccRules":{"a":null}}`, `{"sessRules":{"a":{"authSessAmbr":{"uplink":"x"}}}}`, `{"sessRules":{"a":{"authDefQos":{"arp":{"preemptCap":"x"}}}}}`,
	`{"pccRules":{"a":{"pccRuleId":"a","refQosData":["q"],"flowInfos":[{"flowDescription":"<&>"},null]}},"qosDecs":{"q":{}},"qosDecs":{"q":{"5qi":2}}}`,
	`{"sessRules":{}} x`, `{"sessRules":{"a":{"sessRuleId":1}}}`, `[]`,
}

func TestSmPolicyDecisionJSONAgreesWithReference(t *testing.T) {
	for _, s := range decisionSeeds {
		checkDecision(t, []byte(s))
	}
	// Rules with one ID, names to escape, no ARP priority.
	checkDecisionEncoding(t, SmPolicyDecision{SessionAMBRUplink: 1, FiveQI: 9, PCCRules: []PCCRule{
		{ID: "z", FiveQI: 1}, {ID: "<a&b>", FlowDescriptions: []string{"permit out ip from any to assigned", "\u2028"}, GFBRUplink: 5e3},
		{ID: "z", FiveQI: 2, ARP: ARP{PriorityLevel: 3, PreemptionCapability: true}}, {ID: "a", MFBRDownlink: 7}}})
}

func FuzzSmPolicyDecisionJSON(f *testing.F) {
	for _, s := range decisionSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkDecision(t, body)
	})
}

func FuzzSmPolicyDecisionEncode(f *testing.F) {
	f.Add("voice", "video", "voice", "permit out ip from any to assigned", uint64(64000), uint8(9))
	f.Add("<", "&", "\xff", "\u2029", uint64(0), uint8(0))
	f.Fuzz(func(t *testing.T, a, b, c, fd string, rate uint64, q uint8) {
		checkDecisionEncoding(t, SmPolicyDecision{SessionAMBRUplink: rate, SessionAMBRDownlink: rate / 3, FiveQI: q, ARPPriority: q % 16, PCCRules: []PCCRule{
			{ID: a, FlowDescriptions: []string{fd}, FiveQI: q, GFBRUplink: rate}, {ID: b, MFBRDownlink: rate, ARP: ARP{PriorityLevel: q, PreemptionVulnerability: true}}, {ID: c, FlowDescriptions: []string{fd, a}}}})
	})
}
