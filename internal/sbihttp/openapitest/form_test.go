package openapitest

import (
	"net/http"
	"strings"
	"testing"
)

// TestTokenForm: the NRF's token request, a form whose PLMN and S-NSSAI
// fields hold JSON (TS 29.510 §6.3.3.2.2), is validated field by field.
func TestTokenForm(t *testing.T) {
	v := New(t)
	ok := `{"access_token":"a.b.c","token_type":"Bearer","expires_in":3600}`
	header := http.Header{"Content-Type": {"application/json"}, "Cache-Control": {"no-store"}, "Pragma": {"no-cache"}}
	base := "grant_type=client_credentials&nfInstanceId=c3a4d7e2-8b1f-4f0a-a6d5-2e9f0b7c1d02&nfType=AMF&targetNfType=UDM&scope=nudm-sdm"
	for _, tc := range []struct {
		name, form string
		wantErr    bool
	}{
		{"plain", base, false},
		{"JSON fields", base + `&requesterPlmn={"mcc":"001","mnc":"01"}&targetSnssaiList=[{"sst":1}]`, false},
		{"PLMN of the wrong shape", base + `&requesterPlmn={"mcc":"1"}`, true},
		{"PLMN not JSON", base + `&requesterPlmn=001-01`, true},
		{"unknown grant", strings.Replace(base, "client_credentials", "password", 1), true},
		{"no scope", strings.Replace(base, "&scope=nudm-sdm", "", 1), true},
	} {
		r, err := http.NewRequest("POST", "http://127.0.0.1:7777/oauth2/token", strings.NewReader(tc.form))
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		reqErr, respErr := v.Check(r, []byte(tc.form), 200, header, []byte(ok))
		if (reqErr != nil) != tc.wantErr || respErr != nil {
			t.Errorf("%s: request error %v, answer error %v; want request flagged %v", tc.name, reqErr, respErr, tc.wantErr)
		}
	}
}
