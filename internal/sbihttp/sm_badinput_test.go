package sbihttp_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/keelcore/keel/internal/pcf"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/openapitest"
)

// multipartBody is a multipart/related body with boundary B: a JSON root
// part and NAS parts, each given as Content-Id then content.
func multipartBody(root string, parts ...string) string {
	var b strings.Builder
	b.WriteString("--B\r\nContent-Type: application/json\r\n\r\n" + root + "\r\n")
	for i := 0; i+1 < len(parts); i += 2 {
		b.WriteString("--B\r\nContent-Type: application/vnd.3gpp.5gnas\r\nContent-Id: " + parts[i] + "\r\n\r\n" + parts[i+1] + "\r\n")
	}
	b.WriteString("--B--\r\n")
	return b.String()
}

const related = `multipart/related; boundary=B; type="application/json"`

const goodCreate = `{"supi":"imsi-001010000000001","pduSessionId":5,"dnn":"internet","sNssai":{"sst":1},"servingNfId":"1a3b8b9e-1b9f-4f3e-8f6a-2b1c0d9e8f7a",` +
	`"servingNetwork":{"mcc":"001","mnc":"01"},"anType":"3GPP_ACCESS","smContextStatusUri":"http://127.0.0.1:1/cb","n1SmMsg":{"contentId":"n1"}}`

// TestSMBadInput: malformed JSON, attributes the data type lacks or of
// the wrong type, a wrong content type, malformed multipart bodies and
// dangling binary references get ProblemDetails with the status and
// cause of TS 29.500 §5.2.7.2 from every session management server and
// callback, and reach no NF.
func TestSMBadInput(t *testing.T) {
	pl := newPlane(t, openapitest.Options{BadRequests: true})
	smf, amf := &scriptedSMF{}, &scriptedAMF{}
	sbihttp.ServeNsmf(pl.producer, smf, pl.notifier)
	sbihttp.ServeNamf(pl.producer, amf, pl.notifier)
	p, err := pcf.New(pcf.Options{SDM: &subscriberSDM{}})
	if err != nil {
		t.Fatal(err)
	}
	srv := sbihttp.NewNpcfServer(pl.notifier)
	p.SetNotifier(srv)
	srv.Serve(pl.producer, p)
	pl.cb.SetPolicyNotifier(&policyInbox{})
	pl.cb.SetN1N2Notifier(&failures{})
	pl.start(t)
	hc := &http.Client{Transport: pl.v.Transport(sbihttp.NewTransport(nil))}
	cb := pl.consumerRoot + "/callbacks/v1"

	nsmf := pl.producerRoot + "/nsmf-pdusession/v1/sm-contexts"
	namf := pl.producerRoot + "/namf-comm/v1/ue-contexts/" + supi + "/n1-n2-messages"
	npcf := pl.producerRoot + "/npcf-smpolicycontrol/v1/sm-policies"
	for _, tc := range []struct {
		name, uri, ct, body string
		status              int
		cause               string
	}{
		{"nsmf malformed JSON", nsmf, "application/json", `{"supi":`, 400, "INVALID_MSG_FORMAT"},
		{"nsmf unknown attribute", nsmf, related, multipartBody(strings.Replace(goodCreate, `"dnn"`, `"colour":"red","dnn"`, 1), "n1", "x"), 400, "INVALID_MSG_FORMAT"},
		{"nsmf wrong type", nsmf, related, multipartBody(strings.Replace(goodCreate, `"pduSessionId":5`, `"pduSessionId":"five"`, 1), "n1", "x"), 400, "MANDATORY_IE_INCORRECT"},
		{"nsmf bad S-NSSAI", nsmf, related, multipartBody(strings.Replace(goodCreate, `{"sst":1}`, `{"sst":1,"sd":"xyz"}`, 1), "n1", "x"), 400, "MANDATORY_IE_INCORRECT"},
		{"nsmf wrong content type", nsmf, "text/plain", goodCreate, 415, "INVALID_MSG_FORMAT"},
		{"nsmf multipart without boundary", nsmf, "multipart/related", multipartBody(goodCreate, "n1", "x"), 400, "INVALID_MSG_FORMAT"},
		{"nsmf malformed multipart", nsmf, related, "--B\r\nContent-Type: application/json\r\n\r\n{}", 400, "INVALID_MSG_FORMAT"},
		{"nsmf root part not JSON", nsmf, related, "--B\r\nContent-Type: application/vnd.3gpp.5gnas\r\nContent-Id: n1\r\n\r\nx\r\n--B--\r\n", 400, "INVALID_MSG_FORMAT"},
		{"nsmf dangling reference", nsmf, related, multipartBody(goodCreate, "other", "x"), 400, "MANDATORY_IE_INCORRECT"},
		{"nsmf part without Content-Id", nsmf, related, "--B\r\nContent-Type: application/json\r\n\r\n" + goodCreate + "\r\n--B\r\nContent-Type: application/vnd.3gpp.5gnas\r\n\r\nx\r\n--B--\r\n", 400, "INVALID_MSG_FORMAT"},
		{"nsmf no N1 SM message", nsmf, "application/json", strings.Replace(goodCreate, `,"n1SmMsg":{"contentId":"n1"}`, "", 1), 400, "MANDATORY_IE_MISSING"},
		{"nsmf status URI not a URI", nsmf, related, multipartBody(strings.Replace(goodCreate, `http://127.0.0.1:1/cb`, `amf-callback`, 1), "n1", "x"), 400, "MANDATORY_IE_INCORRECT"},
		{"namf failure URI not http", namf, related, multipartBody(`{"pduSessionId":1,"n1MessageContainer":{"n1MessageClass":"SM","n1MessageContent":{"contentId":"n1"}},"n1n2FailureTxfNotifURI":"ftp://smf/x"}`, "n1", "x"), 400, "MANDATORY_IE_INCORRECT"},
		{"nsmf unknown n2SmInfoType", nsmf + "/ctx-5/modify", "application/json", `{"n2SmInfoType":"PDU_RES_BOGUS"}`, 400, "MANDATORY_IE_INCORRECT"},
		{"namf malformed multipart", namf, related, "--B\r\nnot a part", 400, "INVALID_MSG_FORMAT"},
		{"namf unknown attribute", namf, "application/json", `{"pduSessionId":1,"n1MessageContainer":{"n1MessageClass":"SM","n1MessageContent":{"contentId":"n1"}},"priority":1}`, 400, "INVALID_MSG_FORMAT"},
		{"namf class not SM", namf, related, multipartBody(`{"n1MessageContainer":{"n1MessageClass":"5GMM","n1MessageContent":{"contentId":"n1"}}}`, "n1", "x"), 400, "MANDATORY_IE_INCORRECT"},
		{"namf nothing to transfer", namf, "application/json", `{"pduSessionId":1}`, 400, "MANDATORY_IE_MISSING"},
		{"policy notification malformed", cb + "/sm-policy/update", "application/json", `{"resourceUri":`, 400, "INVALID_MSG_FORMAT"},
		{"policy notification without decision", cb + "/sm-policy/update", "application/json", `{"resourceUri":"http://pcf/1"}`, 400, "MANDATORY_IE_MISSING"},
		{"failure notification unknown cause", cb + "/n1n2-failure/" + supi + "/1", "application/json", `{"cause":"LOST","n1n2MsgDataUri":"http://amf/1"}`, 400, "MANDATORY_IE_INCORRECT"},
		{"failure notification bad PSI", cb + "/n1n2-failure/" + supi + "/x", "application/json", `{"cause":"UE_NOT_RESPONDING","n1n2MsgDataUri":"http://amf/1"}`, 400, "MANDATORY_IE_INCORRECT"},
		{"status notification unknown context", cb + "/sm-context-status/77", "application/json", `{"statusInfo":{"resourceStatus":"RELEASED"}}`, 404, "CONTEXT_NOT_FOUND"},
		{"npcf malformed JSON", npcf, "application/json", `[`, 400, "INVALID_MSG_FORMAT"},
		{"npcf multipart", npcf, related, multipartBody(`{}`), 415, "INVALID_MSG_FORMAT"},
		{"npcf no notificationUri", npcf, "application/json", `{"supi":"` + supi + `","pduSessionId":1,"pduSessionType":"IPV4","dnn":"internet","sliceInfo":{"sst":1}}`, 400, "MANDATORY_IE_MISSING"},
		{"npcf update unknown attribute", npcf + "/1/update", "application/json", `{"ruleReports":[{"pccRuleIds":["a"],"ruleStatus":"INACTIVE","colour":1}]}`, 400, "INVALID_MSG_FORMAT"},
		{"npcf update unknown rule status", npcf + "/1/update", "application/json", `{"ruleReports":[{"pccRuleIds":["a"],"ruleStatus":"GONE"}]}`, 400, "MANDATORY_IE_INCORRECT"},
	} {
		req, err := http.NewRequest(http.MethodPost, tc.uri, bytes.NewReader([]byte(tc.body)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", tc.ct)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var pd sbihttp.ProblemDetails
		if err := json.Unmarshal(body, &pd); err != nil || resp.StatusCode != tc.status || pd.Cause != tc.cause ||
			resp.Header.Get("Content-Type") != sbihttp.ContentProblem {
			t.Errorf("%s: %d %s %s, want %d %s as ProblemDetails", tc.name, resp.StatusCode, resp.Header.Get("Content-Type"), body, tc.status, tc.cause)
		}
	}
	if len(smf.creates)+len(smf.updates)+len(amf.transfers) != 0 {
		t.Errorf("bad input reached the NFs: %d creates, %d updates, %d transfers", len(smf.creates), len(smf.updates), len(amf.transfers))
	}
}
