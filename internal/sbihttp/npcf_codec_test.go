package sbihttp_test

import (
	"encoding/json"
	"testing"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp/subdata/subdatatest"
)

// refPolicyContext is sbi.SmPolicyContextData without codecs of its own:
// what DecodeBytes reads with encoding/json and json.Marshal writes.
type refPolicyContext struct {
	Supi              string                    `json:"supi"`
	PduSessionID      uint8                     `json:"pduSessionId"`
	PduSessionType    string                    `json:"pduSessionType"`
	Dnn               string                    `json:"dnn"`
	SliceInfo         ident.SNSSAI              `json:"sliceInfo"`
	NotificationURI   string                    `json:"notificationUri"`
	SmfID             string                    `json:"smfId,omitempty"`
	SubsSessAmbr      *sbi.Ambr                 `json:"subsSessAmbr,omitempty"`
	SubsDefQos        *sbi.SubscribedDefaultQos `json:"subsDefQos,omitempty"`
	ResourceURIPrefix string                    `json:"-"`
}

func policyContextSeeds(t testing.TB) []string {
	real, err := json.Marshal(refPolicyContext{Supi: "imsi-001010000000001", PduSessionID: 1, PduSessionType: "IPV4", Dnn: "internet",
		SliceInfo: ident.SNSSAI{SST: 1, SD: 10, HasSD: true}, NotificationURI: "http://10.0.0.1:7777/npcf-callback/v1/sm-policy/imsi-001010000000001-1",
		SmfID: "9b4f0f4e-6f43-4c43-9a5e-3d1d1f5f1a01", SubsSessAmbr: &sbi.Ambr{Uplink: "100 Mbps", Downlink: "300 Mbps"},
		SubsDefQos: &sbi.SubscribedDefaultQos{FiveQI: 9, Arp: sbi.Arp{PriorityLevel: 8, PreemptCap: "NOT_PREEMPT", PreemptVuln: "PREEMPTABLE"}}})
	if err != nil {
		t.Fatal(err)
	}
	return []string{string(real),
		`{"supi":"imsi-001010000000001","pduSessionId":1,"pduSessionType":"IPV4","dnn":"internet","sliceInfo":{"sst":1},"notificationUri":""}`,
		`{}`, `null`, `{"pduSessionId":256}`, `{"pduSessionId":-1}`, `{"pduSessionId":1.0}`, `{"sliceInfo":{"sst":1,"sd":"x"}}`,
		`{"sliceInfo":null,"subsSessAmbr":null,"subsDefQos":null}`, `{"Supi":"x"}`, `{"ResourceURIPrefix":"x"}`, `{"-":1}`,
		`{"subsDefQos":{"5qi":9,"arp":{"priorityLevel":300}}}`, `{"subsDefQos":{"arp":{"PriorityLevel":1}},"dnn":1}`,
		`{"subsSessAmbr":{"uplink":"1 bps"},"subsSessAmbr":{"downlink":"2 bps"}}`, `{"smfId":"<&>","supi":"\ud83d\ude00\udc00"}`,
		`{"supi":"a"}{}`, `{"sliceInfo":[]}`, `[]`,
	}
}

func TestSmPolicyContextDataJSONAgreesWithReference(t *testing.T) {
	for _, s := range policyContextSeeds(t) {
		subdatatest.Compare(t, []byte(s), new(sbi.SmPolicyContextData), new(refPolicyContext))
	}
}

func FuzzSmPolicyContextDataJSON(f *testing.F) {
	for _, s := range policyContextSeeds(f) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		subdatatest.Compare(t, body, new(sbi.SmPolicyContextData), new(refPolicyContext))
	})
}
