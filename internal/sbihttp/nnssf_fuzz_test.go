package sbihttp_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nssf"
	"github.com/keelcore/keel/internal/nssf/nssftest"
	"github.com/keelcore/keel/internal/sbihttp"
)

// fuzzNSSF is the NSSF's binding on a server handler, without a network.
func fuzzNSSF(tb testing.TB) http.Handler {
	tb.Helper()
	n, err := nssf.New(nssf.Config{TAs: []nssf.TASlices{{TAI: nssftest.TA1, Slices: []ident.SNSSAI{{SST: 1}, {SST: 2, SD: 1, HasSD: true}}}}}, nssf.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	srv := sbihttp.NewServer(sbihttp.ServerConfig{})
	sbihttp.ServeNSSF(srv, n, n)
	return srv.Handler()
}

// fuzzNSSFNotifying is fuzzNSSF with notifications delivered nowhere,
// so that subscriptions are taken.
func fuzzNSSFNotifying(tb testing.TB) http.Handler {
	tb.Helper()
	n, err := nssf.New(nssf.Config{TAs: []nssf.TASlices{{TAI: nssftest.TA1, Slices: []ident.SNSSAI{{SST: 1}}}}},
		nssf.Options{Notifier: make(nssftest.Notifications, 1)})
	if err != nil {
		tb.Fatal(err)
	}
	srv := sbihttp.NewServer(sbihttp.ServerConfig{})
	sbihttp.ServeNSSF(srv, n, n)
	return srv.Handler()
}

// checkAnswer fails on an answer other than a success or a 4xx with
// ProblemDetails naming a cause (TS 29.500 §5.2.7.2): bad input is never
// a crash or a 5xx.
func checkAnswer(t *testing.T, what string, rec *httptest.ResponseRecorder, ok ...int) {
	t.Helper()
	for _, s := range ok {
		if rec.Code == s {
			if rec.Code == http.StatusOK && !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("%s: 200 with a body that is not JSON: %q", what, rec.Body.Bytes())
			}
			return
		}
	}
	if rec.Code < 400 || rec.Code > 499 {
		t.Fatalf("%s: status %d, want a success or a 4xx: %s", what, rec.Code, rec.Body.Bytes())
	}
	var pd sbihttp.ProblemDetails
	if err := json.Unmarshal(rec.Body.Bytes(), &pd); err != nil || pd.Status != rec.Code {
		t.Fatalf("%s: %d with ProblemDetails %q (%v)", what, rec.Code, rec.Body.Bytes(), err)
	}
	if pd.Cause == "" && rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("%s: %d without a cause: %s", what, rec.Code, rec.Body.Bytes())
	}
}

// FuzzNSSelectionQuery: the query string of Nnssf_NSSelection_Get, whose
// slice information and TAI are JSON inside query parameters
// (TS 29.531 §6.1.3.2.3.1), is answered 200 or a 4xx ProblemDetails.
func FuzzNSSelectionQuery(f *testing.F) {
	reg := `{"subscribedNssai":[{"subscribedSnssai":{"sst":1},"defaultIndication":true},{"subscribedSnssai":{"sst":2,"sd":"000001"}}],"requestedNssai":[{"sst":2,"sd":"000001"},{"sst":9}]}`
	for _, q := range []url.Values{
		{"nf-type": {"AMF"}, "nf-id": {nssftest.AMF1}, "slice-info-request-for-registration": {reg}, "tai": {goodTAI}},
		{"nf-type": {"AMF"}, "nf-id": {nssftest.AMF1}, "slice-info-request-for-registration": {`{"allowedNssaiCurrentAccess":{"allowedSnssaiList":[{"allowedSnssai":{"sst":1}}],"accessType":"3GPP_ACCESS"}}`}},
		{"nf-type": {"AMF"}, "nf-id": {nssftest.AMF1}, "slice-info-request-for-registration": {`{"requestedNssai":[{"sst":1,"sd":"ffffff"}]}`}, "home-plmn-id": {`{"mcc":"001","mnc":"01"}`}},
		{"nf-type": {"AMF"}},
	} {
		f.Add(q.Encode())
	}
	f.Add("nf-type=AMF&nf-id=x&slice-info-request-for-registration=%7B")
	f.Add("%zz&&==;")
	h := fuzzNSSF(f)
	f.Fuzz(func(t *testing.T, raw string) {
		req := httptest.NewRequest(http.MethodGet, "/nnssf-nsselection/v2/network-slice-information", nil)
		req.URL.RawQuery = raw
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		checkAnswer(t, "GET ?"+raw, rec, http.StatusOK)
	})
}

// FuzzNSSAIAvailabilityPut: the body and nfId of an
// Nnssf_NSSAIAvailability Update (TS 29.531 §6.2.3.2.3.1) are answered
// 200, 204 or a 4xx ProblemDetails; the NF's report is then deleted, 204
// or 404.
func FuzzNSSAIAvailabilityPut(f *testing.F) {
	f.Add(nssftest.AMF1, []byte(`{"supportedNssaiAvailabilityData":[{"tai":`+goodTAI+`,"supportedSnssaiList":[{"sst":1},{"sst":2,"sd":"000001"},{"sst":3}]}]}`))
	f.Add(nssftest.AMF2, []byte(`{"supportedNssaiAvailabilityData":[{"tai":{"plmnId":{"mcc":"001","mnc":"01"},"tac":"0009"},"supportedSnssaiList":[{"sst":1}],"taiList":[]}],"amfSetId":"001-01-01-001"}`))
	f.Add(nssftest.AMF1, []byte(`{"supportedNssaiAvailabilityData":[{"tai":null,"supportedSnssaiList":null}]}`))
	f.Add("not-a-uuid", []byte(`{}`))
	f.Add(nssftest.AMF1, []byte(`[`))
	h := fuzzNSSF(f)
	f.Fuzz(func(t *testing.T, nfID string, body []byte) {
		path := "/nnssf-nssaiavailability/v1/nssai-availability/" + url.PathEscape(nfID)
		req := httptest.NewRequest(http.MethodPut, "/", bytes.NewReader(body))
		req.URL = &url.URL{Path: "/nnssf-nssaiavailability/v1/nssai-availability/" + nfID, RawPath: path}
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		checkAnswer(t, "PUT "+path, rec, http.StatusOK, http.StatusNoContent)
		del := httptest.NewRequest(http.MethodDelete, "/", nil)
		del.URL = req.URL
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, del)
		checkAnswer(t, "DELETE "+path, rec, http.StatusNoContent)
	})
}
