package sbi

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/keelcore/keel/internal/ident"
)

// The JSON forms are the Rel-17 OpenAPI ones (TS 29.502 §6.1.6, TS
// 29.518 §6.1.6, TS 29.512 §5.6): golden text, not only round trips.

func TestSmContextUpdateDataJSON(t *testing.T) {
	u := SmContextUpdateData{
		N2SmInfo: N2SM([]byte{1, 2}), N2SmInfoType: N2HandoverRequired, HoState: HOPreparing,
		UpCnxState: UpCnxActivating, Cause: CauseHOCancel,
		UeLocation: &UserLocation{NrLocation: &NrLocation{
			Tai:  ident.TAI{PLMN: ident.PLMN{MCC: "001", MNC: "01"}, TAC: 1},
			Ncgi: Ncgi{PLMN: ident.PLMN{MCC: "001", MNC: "01"}, NrCellID: "000000010"},
		}},
	}
	b, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"n2SmInfo":{"contentId":"n2SmInfo"},"n2SmInfoType":"HANDOVER_REQUIRED","upCnxState":"ACTIVATING","hoState":"PREPARING",` +
		`"ueLocation":{"nrLocation":{"tai":{"plmnId":{"mcc":"001","mnc":"01"},"tac":"000001"},"ncgi":{"plmnId":{"mcc":"001","mnc":"01"},"nrCellId":"000000010"}}},"cause":"HO_CANCEL"}`
	if string(b) != want {
		t.Errorf("Marshal =\n%s\nwant\n%s", b, want)
	}
	var back SmContextUpdateData
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	u.N2SmInfo.Content = nil // the part travels apart
	if diff := cmp.Diff(u, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if err := json.Unmarshal([]byte(`{"hoState":"LOST"}`), &back); !errors.Is(err, ErrUnknownValue) {
		t.Errorf("hoState LOST: %v, want ErrUnknownValue", err)
	}
}

func TestN2SmInfoTypeNames(t *testing.T) {
	for v := N2SetupResponse; v <= N2HandoverResourceAllocationFailure; v++ {
		b, err := v.MarshalText()
		if err != nil || len(b) == 0 {
			t.Fatalf("N2SmInfoType(%d).MarshalText = %q, %v", v, b, err)
		}
		var back N2SmInfoType
		if err := back.UnmarshalText(b); err != nil || back != v {
			t.Errorf("UnmarshalText(%s) = %d, %v; want %d", b, back, err, v)
		}
	}
	if _, err := N2None.MarshalText(); err == nil {
		t.Error("N2None has a name; want none (absent)")
	}
}

func TestSNSSAIJSON(t *testing.T) {
	for _, tc := range []struct {
		s    ident.SNSSAI
		want string
	}{{ident.SNSSAI{SST: 1}, `{"sst":1}`}, {ident.SNSSAI{SST: 2, SD: 0xa0b, HasSD: true}, `{"sst":2,"sd":"000a0b"}`}} {
		b, err := json.Marshal(tc.s)
		if err != nil || string(b) != tc.want {
			t.Errorf("Marshal(%+v) = %s, %v; want %s", tc.s, b, err, tc.want)
		}
		var back ident.SNSSAI
		if err := json.Unmarshal(b, &back); err != nil || back != tc.s {
			t.Errorf("Unmarshal(%s) = %+v, %v", b, back, err)
		}
	}
	for _, bad := range []string{`{"sst":256}`, `{"sst":1,"sd":"12345"}`, `{"sst":1,"sd":"zzzzzz"}`, `{"sst":"1"}`} {
		var s ident.SNSSAI
		if err := json.Unmarshal([]byte(bad), &s); err == nil {
			t.Errorf("Unmarshal(%s) = %+v, want an error", bad, s)
		}
	}
}

func TestN1N2MessageTransferJSON(t *testing.T) {
	r := NewN1N2Transfer(5, []byte{0x2e}, NgapPduResSetupReq, []byte{0})
	r.N1n2FailureTxfNotifURI = "http://smf.example/cb"
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"n1MessageContainer":{"n1MessageClass":"SM","n1MessageContent":{"contentId":"n1Message"}},` +
		`"n2InfoContainer":{"n2InformationClass":"SM","smInfo":{"pduSessionId":5,"n2InfoContent":{"ngapIeType":"PDU_RES_SETUP_REQ","ngapData":{"contentId":"n2Info"}}}},` +
		`"pduSessionId":5,"n1n2FailureTxfNotifURI":"http://smf.example/cb"}`
	if string(b) != want {
		t.Errorf("Marshal =\n%s\nwant\n%s", b, want)
	}
	if typ, n2 := r.N2(); typ != NgapPduResSetupReq || len(n2) != 1 || r.N2Of(NgapPduResModReq) != nil || typ.N2SmInfoType() != N2SetupRequest {
		t.Errorf("N2() = %v %x", typ, n2)
	}
	rsp, _ := json.Marshal(N1N2MessageTransferRspData{Cause: N1N2AttemptingToReachUE})
	if string(rsp) != `{"cause":"ATTEMPTING_TO_REACH_UE"}` {
		t.Errorf("answer = %s", rsp)
	}
}

func TestSmPolicyDecisionJSON(t *testing.T) {
	d := SmPolicyDecision{ID: "7", SessionAMBRUplink: 100e6, SessionAMBRDownlink: 300e6, FiveQI: 9, ARPPriority: 8,
		PCCRules: []PCCRule{
			{ID: "z-video", FlowDescriptions: []string{"permit out 17 from any to assigned"}, FiveQI: 2,
				ARP: ARP{PriorityLevel: 3, PreemptionCapability: true}, GFBRUplink: 1e6, GFBRDownlink: 2e6, MFBRUplink: 1e6, MFBRDownlink: 4e6},
			{ID: "a-web", FlowDescriptions: []string{"permit out 6 from any 443 to assigned"}, FiveQI: 8, ARP: ARP{PriorityLevel: 9}},
		}}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"sessRules":{"sessrule-1":{"sessRuleId":"sessrule-1","authSessAmbr":{"uplink":"100 Mbps","downlink":"300 Mbps"},` +
		`"authDefQos":{"5qi":9,"arp":{"priorityLevel":8,"preemptCap":"NOT_PREEMPT","preemptVuln":"NOT_PREEMPTABLE"}}}},` +
		`"pccRules":{"a-web":{"pccRuleId":"a-web","flowInfos":[{"flowDescription":"permit out 6 from any 443 to assigned"}],"precedence":20,"refQosData":["qos-a-web"]},` +
		`"z-video":{"pccRuleId":"z-video","flowInfos":[{"flowDescription":"permit out 17 from any to assigned"}],"precedence":10,"refQosData":["qos-z-video"]}},` +
		`"qosDecs":{"qos-a-web":{"qosId":"qos-a-web","5qi":8,"arp":{"priorityLevel":9,"preemptCap":"NOT_PREEMPT","preemptVuln":"NOT_PREEMPTABLE"}},` +
		`"qos-z-video":{"qosId":"qos-z-video","5qi":2,"arp":{"priorityLevel":3,"preemptCap":"MAY_PREEMPT","preemptVuln":"NOT_PREEMPTABLE"},"maxbrUl":"1 Mbps","maxbrDl":"4 Mbps","gbrUl":"1 Mbps","gbrDl":"2 Mbps"}}}`
	if string(b) != want {
		t.Errorf("Marshal =\n%s\nwant\n%s", b, want)
	}
	back := SmPolicyDecision{ID: "7"}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(d, back); diff != "" {
		t.Errorf("round trip keeps the order by precedence (-want +got):\n%s", diff)
	}
	for _, bad := range []string{
		`{"pccRules":{"r":{"pccRuleId":"r","refQosData":["q"]}}}`,
		`{"pccRules":{"r":{"pccRuleId":"other","refQosData":["q"]}},"qosDecs":{"q":{"qosId":"q","5qi":9}}}`,
		`{"sessRules":{"s":{"sessRuleId":"s","authSessAmbr":{"uplink":"fast","downlink":"1 bps"}}}}`,
		`{"pccRules":{"r":{"pccRuleId":"r","refQosData":["q"]}},"qosDecs":{"q":{"qosId":"q","5qi":9,"arp":{"priorityLevel":0,"preemptCap":"NOT_PREEMPT","preemptVuln":"NOT_PREEMPTABLE"}}}}`,
	} {
		var x SmPolicyDecision
		if err := json.Unmarshal([]byte(bad), &x); err == nil {
			t.Errorf("Unmarshal(%s) = %+v, want an error", bad, x)
		}
	}
}

func TestSmPolicyUpdateContextDataJSON(t *testing.T) {
	u := SmPolicyUpdateContextData{
		UeInitResReq:  &UeInitiatedResourceRequest{FiveQI: 1, GFBRUplink: 64e3, GFBRDownlink: 64e3, MFBRUplink: 128e3, MFBRDownlink: 128e3, FlowDescriptions: []string{"permit out 17 from any to assigned 5000"}},
		InactiveRules: []string{"r1", "r2"},
	}
	b, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"repPolicyCtrlReqTriggers":["RES_MO_RE"],"ueInitResReq":{"ruleOp":"CREATE_PCC_RULE","packFiltInfo":[{"packFiltCont":"permit out 17 from any to assigned 5000","flowDirection":"BIDIRECTIONAL"}],` +
		`"reqQos":{"5qi":1,"gbrUl":"64 Kbps","gbrDl":"64 Kbps","maxbrUl":"128 Kbps","maxbrDl":"128 Kbps"}},"ruleReports":[{"pccRuleIds":["r1","r2"],"ruleStatus":"INACTIVE"}]}`
	if string(b) != want {
		t.Errorf("Marshal =\n%s\nwant\n%s", b, want)
	}
	var back SmPolicyUpdateContextData
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(u, back, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	for _, bad := range []string{`{"ruleReports":[{"pccRuleIds":["r"],"ruleStatus":"ACTIVE"}]}`, `{"ueInitResReq":{"ruleOp":"DELETE_PCC_RULE","packFiltInfo":[]}}`} {
		if err := json.Unmarshal([]byte(bad), &back); !errors.Is(err, ErrUnknownValue) {
			t.Errorf("Unmarshal(%s): %v, want ErrUnknownValue", bad, err)
		}
	}
}
