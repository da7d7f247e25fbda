package openapitest

import (
	"net/http"
	"strings"
	"testing"
)

// related builds a multipart/related body: a JSON root part and binary
// parts by Content-Id.
func related(root string, parts ...string) (string, string) {
	var b strings.Builder
	b.WriteString("--B\r\nContent-Type: application/json\r\n\r\n" + root + "\r\n")
	for i := 0; i+1 < len(parts); i += 2 {
		b.WriteString("--B\r\nContent-Type: application/vnd.3gpp.5gnas\r\nContent-Id: " + parts[i] + "\r\n\r\n" + parts[i+1] + "\r\n")
	}
	b.WriteString("--B--\r\n")
	return b.String(), `multipart/related; boundary=B; type="application/json"`
}

// TestMultipartRelated: the JSON root part of a multipart/related body
// is validated against the operation's data type (TS 29.500 §6.1.2.4),
// and a body whose root is not JSON fails.
func TestMultipartRelated(t *testing.T) {
	v := New(t)
	const create = `{"supi":"imsi-001010000000001","pduSessionId":5,"servingNfId":"1a3b8b9e-1b9f-4f3e-8f6a-2b1c0d9e8f7a","servingNetwork":{"mcc":"001","mnc":"01"},"anType":"3GPP_ACCESS","smContextStatusUri":"http://amf/cb","n1SmMsg":{"contentId":"n1SmMsg"}}`
	answer := http.Header{"Location": {"http://smf/nsmf-pdusession/v1/sm-contexts/1"}, "Content-Type": {"application/json"}}
	for _, tc := range []struct {
		name string
		root string
		raw  string
		want bool
	}{
		{"conforming", create, "", false},
		{"pduSessionId out of range", strings.Replace(create, `"pduSessionId":5`, `"pduSessionId":300`, 1), "", true},
		{"anType unknown", strings.Replace(create, `3GPP_ACCESS`, `RADIO`, 1), "", true},
		{"no servingNetwork", strings.Replace(create, `"servingNetwork":{"mcc":"001","mnc":"01"},`, ``, 1), "", true},
		{"root not JSON", "", "--B\r\nContent-Type: application/vnd.3gpp.5gnas\r\nContent-Id: x\r\n\r\nxx\r\n--B--\r\n", true},
	} {
		body, ct := related(tc.root, "n1SmMsg", "\x2e\x05\x01\xc1")
		if tc.raw != "" {
			body = tc.raw
		}
		req := post(t, "/nsmf-pdusession/v1/sm-contexts", body)
		req.Header.Set("Content-Type", ct)
		reqErr, respErr := v.Check(req, []byte(body), 201, answer, []byte(`{"pduSessionId":5}`))
		if (reqErr != nil) != tc.want || respErr != nil {
			t.Errorf("%s: request error %v, answer error %v; want request flagged %v", tc.name, reqErr, respErr, tc.want)
		}
	}
}

// TestCallbacks: a notification marked with 3gpp-Sbi-Callback is
// validated against the callback of the documents that defines it.
func TestCallbacks(t *testing.T) {
	v := New(t)
	for _, tc := range []struct {
		callback, body string
		want           bool
	}{
		{"Npcf_SMPolicyControl_UpdateNotify", `{"resourceUri":"http://pcf/x","smPolicyDecision":{"sessRules":{"s":{"sessRuleId":"s"}}}}`, false},
		{"Npcf_SMPolicyControl_UpdateNotify", `{"resourceUri":7}`, true},
		{"Namf_Communication_N1N2MessageTransferFailureNotify", `{"cause":"UE_NOT_RESPONDING","n1n2MsgDataUri":"http://amf/x"}`, false},
		{"Namf_Communication_N1N2MessageTransferFailureNotify", `{"cause":"UE_NOT_RESPONDING"}`, true},
		{"Nsmf_PDUSession_SMContextStatusNotify", `{"statusInfo":{"resourceStatus":"RELEASED"}}`, false},
		{"Nsmf_PDUSession_SMContextStatusNotify", `{}`, true},
		{"Nothing_Such", `{}`, true},
	} {
		req := post(t, "/callbacks/v1/anything", tc.body)
		req.Header.Set("3gpp-Sbi-Callback", tc.callback)
		reqErr, respErr := v.Check(req, []byte(tc.body), 204, http.Header{}, nil)
		if (reqErr != nil) != tc.want || respErr != nil {
			t.Errorf("%s %s: request error %v, answer error %v; want request flagged %v", tc.callback, tc.body, reqErr, respErr, tc.want)
		}
	}
}
