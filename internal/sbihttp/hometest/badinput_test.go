package hometest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/openapitest"
)

// entry is a decode entry point of a home service with a request it
// takes, and an attribute whose JSON type the bad-input test breaks.
type entry struct {
	root        func(c *core) string
	method      string
	path        string
	contentType string
	body        string
	field       string
}

const supi = "imsi-001010000000001"

var entries = []entry{
	{func(c *core) string { return c.roots.ausf }, "POST", "/nausf-auth/v1/ue-authentications", sbihttp.ContentJSON,
		`{"supiOrSuci":"` + supi + `","servingNetworkName":"5G:mnc001.mcc001.3gppnetwork.org"}`, "servingNetworkName"},
	{func(c *core) string { return c.roots.ausf }, "PUT", "/nausf-auth/v1/ue-authentications/abc/5g-aka-confirmation", sbihttp.ContentJSON,
		`{"resStar":"00112233445566778899aabbccddeeff"}`, "resStar"},
	{func(c *core) string { return c.roots.udm }, "POST", "/nudm-ueau/v1/" + supi + "/security-information/generate-auth-data", sbihttp.ContentJSON,
		`{"servingNetworkName":"5G:mnc001.mcc001.3gppnetwork.org","ausfInstanceId":"` + ausfID + `"}`, "servingNetworkName"},
	{func(c *core) string { return c.roots.udm }, "POST", "/nudm-ueau/v1/" + supi + "/auth-events", sbihttp.ContentJSON,
		`{"nfInstanceId":"` + ausfID + `","success":true,"timeStamp":"2026-12-06T20:00:00Z","authType":"5G_AKA","servingNetworkName":"5G:mnc001.mcc001.3gppnetwork.org"}`, "success"},
	{func(c *core) string { return c.roots.udm }, "PUT", "/nudm-uecm/v1/" + supi + "/registrations/amf-3gpp-access", sbihttp.ContentJSON,
		`{"amfInstanceId":"4947a69a-f61b-4bc1-b9da-47c9c5d14b64","deregCallbackUri":"http://amf.invalid/cb","guami":{"plmnId":{"mcc":"001","mnc":"01"},"amfId":"ca0fc1"},"ratType":"NR"}`, "ratType"},
	{func(c *core) string { return c.roots.udm }, "PATCH", "/nudm-uecm/v1/" + supi + "/registrations/amf-3gpp-access", sbihttp.ContentMergePatch,
		`{"guami":{"plmnId":{"mcc":"001","mnc":"01"},"amfId":"ca0fc1"},"purgeFlag":true}`, "purgeFlag"},
	{func(c *core) string { return c.roots.udr }, "PATCH", "/nudr-dr/v2/subscription-data/" + supi + "/authentication-data/authentication-subscription", sbihttp.ContentJSONPatch,
		`[{"op":"replace","path":"/sequenceNumber/sqn","value":"000000000040"}]`, "op"},
}

// TestBadInput sends each entry point malformed JSON, an attribute its
// data type lacks, an attribute of the wrong type and the wrong media
// type: each is answered with ProblemDetails, 400 INVALID_MSG_FORMAT,
// 400 MANDATORY_IE_INCORRECT or 415 (TS 29.500 §5.2.7.2), and the
// valid request is not refused.
func TestBadInput(t *testing.T) {
	c := newCore(t, true, openapitest.Options{BadRequests: true})
	hc := &http.Client{Transport: c.v.Transport(sbihttp.NewTransport(nil))}
	defer hc.CloseIdleConnections()
	for _, e := range entries {
		send := func(contentType, body string) (int, sbihttp.ProblemDetails) {
			t.Helper()
			req, err := http.NewRequest(e.method, e.root(c)+e.path, strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", contentType)
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			data, _ := io.ReadAll(resp.Body)
			var pd sbihttp.ProblemDetails
			if resp.StatusCode >= 400 {
				if ct := resp.Header.Get("Content-Type"); ct != sbihttp.ContentProblem {
					t.Errorf("%s %s: %d with %s, want %s", e.method, e.path, resp.StatusCode, ct, sbihttp.ContentProblem)
				}
				if err := json.Unmarshal(data, &pd); err != nil {
					t.Errorf("%s %s: ProblemDetails: %v", e.method, e.path, err)
				}
			}
			return resp.StatusCode, pd
		}
		unknown := strings.Replace(e.body, "{", `{"keelNoSuchAttribute":1,`, 1)
		for _, tc := range []struct {
			name, contentType, body string
			status                  int
			cause                   string
		}{
			{"malformed JSON", e.contentType, e.body[:len(e.body)/2], 400, "INVALID_MSG_FORMAT"},
			{"unknown attribute", e.contentType, unknown, 400, "INVALID_MSG_FORMAT"},
			{"wrong type", e.contentType, wrongType(t, e.body, e.field), 400, "MANDATORY_IE_INCORRECT"},
			{"wrong content type", "text/plain", e.body, 415, "INVALID_MSG_FORMAT"},
			{"no body", e.contentType, "", 400, "INVALID_MSG_FORMAT"},
		} {
			status, pd := send(tc.contentType, tc.body)
			if status != tc.status || pd.Cause != tc.cause || pd.Status != status {
				t.Errorf("%s %s, %s: %d %+v, want %d %s", e.method, e.path, tc.name, status, pd, tc.status, tc.cause)
			}
		}
		if status, _ := send(e.contentType, e.body); status >= 500 || status == 415 {
			t.Errorf("%s %s: the valid request got %d", e.method, e.path, status)
		}
	}
}

// wrongType gives body with field's value replaced by one of another
// JSON type (a number for a string, a string otherwise); an array body
// has it replaced in its first item.
func wrongType(t *testing.T, body, field string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatal(err)
	}
	obj, ok := v.(map[string]any)
	if list, isList := v.([]any); isList {
		obj, ok = list[0].(map[string]any)
	}
	if !ok {
		t.Fatalf("body %s: no object", body)
	}
	if _, isString := obj[field].(string); isString {
		obj[field] = 12345
	} else {
		obj[field] = "text"
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
