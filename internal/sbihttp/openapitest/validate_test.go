package openapitest

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

const (
	goodAuthInfo = `{"supiOrSuci":"imsi-001010000000001","servingNetworkName":"5G:mnc001.mcc001.3gppnetwork.org"}`
	goodAuthCtx  = `{"authType":"5G_AKA","5gAuthData":{"rand":"00112233445566778899aabbccddeeff","autn":"00112233445566778899aabbccddeeff","hxresStar":"00112233445566778899aabbccddeeff"},"_links":{"5g-aka":{"href":"http://127.0.0.1/nausf-auth/v1/ue-authentications/1/5g-aka-confirmation"}}}`
)

func post(t *testing.T, path, body string) *http.Request {
	t.Helper()
	r, err := http.NewRequest("POST", "http://127.0.0.1:7777"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json")
	return r
}

// TestCheck proves the oracle can fail: it accepts a conforming
// Nausf_UEAuthentication exchange and flags each kind of breach.
func TestCheck(t *testing.T) {
	begin := time.Now()
	v := New(t)
	t.Logf("documents loaded in %v", time.Since(begin))
	jsonHeader := http.Header{"Content-Type": {"application/3gppHal+json"}, "Location": {"http://127.0.0.1/nausf-auth/v1/ue-authentications/1"}}
	problem := http.Header{"Content-Type": {"application/problem+json"}}

	reqErr, respErr := v.Check(post(t, "/nausf-auth/v1/ue-authentications", goodAuthInfo), []byte(goodAuthInfo), 201, jsonHeader, []byte(goodAuthCtx))
	if reqErr != nil || respErr != nil {
		t.Fatalf("conforming exchange flagged: %v / %v", reqErr, respErr)
	}
	for _, tc := range []struct {
		name            string
		path, req       string
		status          int
		header          http.Header
		resp            string
		wantReq, wantRe bool
	}{
		{"no such path", "/nausf-auth/v1/nothing", goodAuthInfo, 201, jsonHeader, goodAuthCtx, true, false},
		{"wrong prefix", "/ue-authentications", goodAuthInfo, 201, jsonHeader, goodAuthCtx, true, false},
		{"missing servingNetworkName", "/nausf-auth/v1/ue-authentications", `{"supiOrSuci":"imsi-001010000000001"}`, 201, jsonHeader, goodAuthCtx, true, false},
		{"SUPI a number", "/nausf-auth/v1/ue-authentications", `{"supiOrSuci":42,"servingNetworkName":"5G:mnc001.mcc001.3gppnetwork.org"}`, 201, jsonHeader, goodAuthCtx, true, false},
		{"answer without _links", "/nausf-auth/v1/ue-authentications", goodAuthInfo, 201, jsonHeader, `{"authType":"5G_AKA","5gAuthData":{"rand":"00112233445566778899aabbccddeeff","autn":"00112233445566778899aabbccddeeff","hxresStar":"00112233445566778899aabbccddeeff"}}`, false, true},
		{"RAND not hex", "/nausf-auth/v1/ue-authentications", goodAuthInfo, 201, jsonHeader, strings.Replace(goodAuthCtx, `"rand":"00`, `"rand":"zz`, 1), false, true},
		{"JSON, not HAL", "/nausf-auth/v1/ue-authentications", goodAuthInfo, 201, http.Header{"Content-Type": {"application/json"}, "Location": {"http://x/y"}}, goodAuthCtx, false, true},
		{"no Location", "/nausf-auth/v1/ue-authentications", goodAuthInfo, 201, http.Header{"Content-Type": {"application/3gppHal+json"}}, goodAuthCtx, false, true},
		{"undeclared status", "/nausf-auth/v1/ue-authentications", goodAuthInfo, 202, jsonHeader, goodAuthCtx, false, true},
		{"problem of the wrong shape", "/nausf-auth/v1/ue-authentications", goodAuthInfo, 403, problem, `{"status":"forbidden"}`, false, true},
		{"problem details", "/nausf-auth/v1/ue-authentications", goodAuthInfo, 403, problem, `{"status":403,"cause":"SERVING_NETWORK_NOT_AUTHORIZED"}`, false, false},
	} {
		reqErr, respErr := v.Check(post(t, tc.path, tc.req), []byte(tc.req), tc.status, tc.header, []byte(tc.resp))
		if (reqErr != nil) != tc.wantReq || (respErr != nil) != tc.wantRe {
			t.Errorf("%s: request error %v, answer error %v; want request flagged %v, answer flagged %v", tc.name, reqErr, respErr, tc.wantReq, tc.wantRe)
		}
	}
}

// TestEveryServiceRoutes finds one operation of each loaded document by
// its path below the server prefix.
func TestEveryServiceRoutes(t *testing.T) {
	v := New(t)
	for _, op := range []string{
		"POST /nausf-auth/v1/ue-authentications",
		"PUT /nausf-auth/v1/ue-authentications/abc/5g-aka-confirmation",
		"POST /nudm-ueau/v1/imsi-001010000000001/security-information/generate-auth-data",
		"POST /nudm-ueau/v1/imsi-001010000000001/auth-events",
		"GET /nudm-sdm/v2/imsi-001010000000001/am-data",
		"GET /nudm-sdm/v2/imsi-001010000000001/sm-data",
		"POST /nudm-sdm/v2/imsi-001010000000001/sdm-subscriptions",
		"PUT /nudm-uecm/v1/imsi-001010000000001/registrations/amf-3gpp-access",
		"GET /nudr-dr/v2/subscription-data/imsi-001010000000001/authentication-data/authentication-subscription",
		"POST /nsmf-pdusession/v1/sm-contexts",
		"POST /namf-comm/v1/ue-contexts/imsi-001010000000001/n1-n2-messages",
		"POST /npcf-smpolicycontrol/v1/sm-policies",
		"PUT /nnrf-nfm/v1/nf-instances/4947a69a-f61b-4bc1-b9da-47c9c5d14b64",
		"GET /nnrf-disc/v1/nf-instances",
		"POST /oauth2/token",
		"GET /nnssf-nsselection/v2/network-slice-information",
	} {
		method, path, _ := strings.Cut(op, " ")
		if _, err := v.Operation(method, path); err != nil {
			t.Errorf("%s: %v", op, err)
		}
	}
}
