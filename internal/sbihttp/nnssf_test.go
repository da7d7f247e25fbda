package sbihttp_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nssf"
	"github.com/keelcore/keel/internal/nssf/nssftest"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/openapitest"
)

// serveNSSF starts the NSSF's binding for n on loopback behind the
// OpenAPI oracle and returns its apiRoot.
func serveNSSF(t *testing.T, n *nssf.NSSF, v *openapitest.Validator) string {
	t.Helper()
	srv := sbihttp.NewServer(sbihttp.ServerConfig{Middleware: []func(http.Handler) http.Handler{v.Middleware}})
	sbihttp.ServeNSSF(srv, n, n)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Start(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Stop(ctx)
	})
	return "http://" + ln.Addr().String()
}

// The NSSF's behaviour suite through the HTTP/2 binding, client and
// server, every exchange checked against TS29531_Nnssf_NSSelection and
// TS29531_Nnssf_NSSAIAvailability.
func TestNSSFOverHTTP(t *testing.T) {
	nssftest.Run(t, func(t *testing.T, cfg nssf.Config, notify sbi.NSSAIAvailabilityNotifier) nssftest.Services {
		v := openapitest.New(t)
		// The NSSF posts its notifications through the oracle to a
		// consumer's callbacks, also behind it, which hand them to
		// notify.
		n, err := nssf.New(cfg, nssf.Options{Notifier: sbihttp.NewNSSAIAvailabilityNotifier(
			sbihttp.NewClient(sbihttp.ClientConfig{Transport: v.Transport(sbihttp.NewTransport(nil))}))})
		if err != nil {
			t.Fatal(err)
		}
		root := serveNSSF(t, n, v)
		t.Cleanup(func() { n.Stop(context.Background()) })
		cb := serveCallbacks(t, v)
		cb.SetNSSAIAvailabilityReceiver(forward{uri: cb.NSSAIAvailabilityURI(), to: notify})
		c := sbihttp.NewClient(sbihttp.ClientConfig{
			Resolver:  sbihttp.StaticResolver{sbihttp.ServiceNSSelection: {root}, sbihttp.ServiceNSSAIAvailability: {root}},
			Transport: v.Transport(sbihttp.NewTransport(nil)),
		})
		t.Cleanup(func() {
			if v.Count() == 0 {
				t.Error("the OpenAPI oracle saw no exchange")
			}
		})
		nc := sbihttp.NewNSSFClient(c)
		return nssftest.Services{Selection: nc, Availability: nc, NotificationURI: cb.NSSAIAvailabilityURI()}
	})
}

// forward hands the notifications a consumer's callbacks took at uri to
// a notifier.
type forward struct {
	uri string
	to  sbi.NSSAIAvailabilityNotifier
}

func (f forward) NSSAIAvailabilityChanged(ctx context.Context, n sbi.NSSAIAvailabilityNotification) {
	f.to.NotifyNSSAIAvailability(ctx, f.uri, n)
}

// serveCallbacks starts a consumer's callbacks on loopback behind the
// OpenAPI oracle.
func serveCallbacks(t *testing.T, v *openapitest.Validator) *sbihttp.Callbacks {
	t.Helper()
	srv := sbihttp.NewServer(sbihttp.ServerConfig{Middleware: []func(http.Handler) http.Handler{v.Middleware}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cb := sbihttp.NewCallbacks(srv, "http://"+ln.Addr().String())
	srv.Start(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Stop(ctx)
	})
	return cb
}

// rawNSSF sends one request through the oracle and returns the status
// and the ProblemDetails of an error answer.
func rawNSSF(t *testing.T, v *openapitest.Validator, method, uri, contentType, body string) (int, sbihttp.ProblemDetails, []byte) {
	t.Helper()
	hc := &http.Client{Transport: v.Transport(sbihttp.NewTransport(nil))}
	req, err := http.NewRequest(method, uri, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var pd sbihttp.ProblemDetails
	if resp.StatusCode >= 400 {
		if ct := resp.Header.Get("Content-Type"); ct != sbihttp.ContentProblem {
			t.Errorf("%s %s: %d with Content-Type %q, want %s", method, uri, resp.StatusCode, ct, sbihttp.ContentProblem)
		}
		if err := json.Unmarshal(b, &pd); err != nil {
			t.Errorf("%s %s: ProblemDetails %q: %v", method, uri, b, err)
		}
	}
	return resp.StatusCode, pd, b
}

var amfID = nssftest.AMF1

const (
	goodTAI = `{"plmnId":{"mcc":"001","mnc":"01"},"tac":"000001"}`
	goodSub = `{"nfNssaiAvailabilityUri":"http://amf.example/callbacks/v1/nssai-availability","taiList":[` + goodTAI + `],"event":"SNSSAI_STATUS_CHANGE_REPORT","expiry":"2099-01-01T00:00:00Z"}`
	goodReg = `{"subscribedNssai":[{"subscribedSnssai":{"sst":1},"defaultIndication":true}],"requestedNssai":[{"sst":1}]}`
)

func selectionURI(root string, params ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(params); i += 2 {
		v.Add(params[i], params[i+1])
	}
	return root + "/nnssf-nsselection/v2/network-slice-information?" + v.Encode()
}

// Bad input to the NSSF's binding gets ProblemDetails with the status and
// cause of TS 29.500 §5.2.7.2 (Table 5.2.7.2-1), never a success or a
// 5xx; a well-formed request next to them succeeds.
func TestNSSFBadInput(t *testing.T) {
	n, err := nssf.New(nssf.Config{TAs: []nssf.TASlices{{TAI: nssftest.TA1, Slices: nil}}}, nssf.Options{Notifier: make(nssftest.Notifications, 8)})
	if err != nil {
		t.Fatal(err)
	}
	v := openapitest.New(t, openapitest.Options{BadRequests: true})
	root := serveNSSF(t, n, v)
	avail := root + "/nnssf-nssaiavailability/v1/nssai-availability/"
	goodPut := `{"supportedNssaiAvailabilityData":[{"tai":` + goodTAI + `,"supportedSnssaiList":[{"sst":1}]}]}`
	for _, tt := range []struct {
		name               string
		method, uri        string
		contentType, body  string
		wantStatus         int
		wantCause, wantArg string
	}{
		{"no nf-type", "GET", selectionURI(root, "nf-id", amfID, "slice-info-request-for-registration", goodReg), "", "", 400, "MANDATORY_QUERY_PARAM_MISSING", ""},
		{"no slice information", "GET", selectionURI(root, "nf-type", "AMF", "nf-id", amfID), "", "", 400, "MANDATORY_QUERY_PARAM_MISSING", ""},
		{"nf-id not a UUID", "GET", selectionURI(root, "nf-type", "AMF", "nf-id", "amf-1", "slice-info-request-for-registration", goodReg), "", "", 400, "INVALID_QUERY_PARAM", "nf-id"},
		{"slice information not JSON", "GET", selectionURI(root, "nf-type", "AMF", "nf-id", amfID, "slice-info-request-for-registration", "{"), "", "", 400, "INVALID_QUERY_PARAM", "slice-info-request-for-registration"},
		{"slice information with an unknown attribute", "GET", selectionURI(root, "nf-type", "AMF", "nf-id", amfID, "slice-info-request-for-registration", `{"requestedNssai":[{"sst":1}],"colour":"blue"}`), "", "", 400, "INVALID_QUERY_PARAM", "slice-info-request-for-registration"},
		{"SST out of range", "GET", selectionURI(root, "nf-type", "AMF", "nf-id", amfID, "slice-info-request-for-registration", `{"requestedNssai":[{"sst":256}]}`), "", "", 400, "INVALID_QUERY_PARAM", "slice-info-request-for-registration"},
		{"SD not hex", "GET", selectionURI(root, "nf-type", "AMF", "nf-id", amfID, "slice-info-request-for-registration", `{"requestedNssai":[{"sst":1,"sd":"xyz123"}]}`), "", "", 400, "INVALID_QUERY_PARAM", "slice-info-request-for-registration"},
		{"subscribed S-NSSAI missing", "GET", selectionURI(root, "nf-type", "AMF", "nf-id", amfID, "slice-info-request-for-registration", `{"subscribedNssai":[{"defaultIndication":true}]}`), "", "", 400, "INVALID_QUERY_PARAM", "slice-info-request-for-registration"},
		{"TAI with a 4-digit MCC", "GET", selectionURI(root, "nf-type", "AMF", "nf-id", amfID, "slice-info-request-for-registration", goodReg, "tai", `{"plmnId":{"mcc":"0011","mnc":"01"},"tac":"000001"}`), "", "", 400, "INVALID_QUERY_PARAM", "tai"},
		{"PDU session query", "GET", selectionURI(root, "nf-type", "AMF", "nf-id", amfID, "slice-info-request-for-pdu-session", `{"sNssai":{"sst":1},"roamingIndication":"NON_ROAMING"}`), "", "", 400, "INVALID_QUERY_PARAM", "slice-info-request-for-pdu-session"},
		{"unknown parameter", "GET", selectionURI(root, "nf-type", "AMF", "nf-id", amfID, "slice-info-request-for-registration", goodReg, "colour", "blue"), "", "", 400, "INVALID_QUERY_PARAM", "colour"},
		{"nf-type twice", "GET", selectionURI(root, "nf-type", "AMF", "nf-type", "SMF", "nf-id", amfID, "slice-info-request-for-registration", goodReg), "", "", 400, "INVALID_QUERY_PARAM", "nf-type"},
		{"nfId not a UUID", "PUT", avail + "amf-1", "application/json", goodPut, 400, "MANDATORY_IE_INCORRECT", "nfId"},
		{"wrong content type", "PUT", avail + amfID, "text/plain", goodPut, 415, "INVALID_MSG_FORMAT", ""},
		{"malformed JSON", "PUT", avail + amfID, "application/json", `{"supportedNssaiAvailabilityData":[`, 400, "INVALID_MSG_FORMAT", ""},
		{"unknown attribute", "PUT", avail + amfID, "application/json", `{"supportedNssaiAvailabilityData":[],"colour":1}`, 400, "INVALID_MSG_FORMAT", "/colour"},
		{"no availability data", "PUT", avail + amfID, "application/json", `{}`, 400, "MANDATORY_IE_MISSING", "/supportedNssaiAvailabilityData"},
		{"no TA", "PUT", avail + amfID, "application/json", `{"supportedNssaiAvailabilityData":[]}`, 400, "MANDATORY_IE_INCORRECT", ""},
		{"TA without tai", "PUT", avail + amfID, "application/json", `{"supportedNssaiAvailabilityData":[{"supportedSnssaiList":[{"sst":1}]}]}`, 400, "MANDATORY_IE_MISSING", "/supportedNssaiAvailabilityData/0/tai"},
		{"TA without S-NSSAI", "PUT", avail + amfID, "application/json", `{"supportedNssaiAvailabilityData":[{"tai":` + goodTAI + `,"supportedSnssaiList":[]}]}`, 400, "MANDATORY_IE_INCORRECT", ""},
		{"SST of the wrong type", "PUT", avail + amfID, "application/json", `{"supportedNssaiAvailabilityData":[{"tai":` + goodTAI + `,"supportedSnssaiList":[{"sst":"1"}]}]}`, 400, "MANDATORY_IE_INCORRECT", ""},
		{"TAC of 5 digits", "PUT", avail + amfID, "application/json", `{"supportedNssaiAvailabilityData":[{"tai":{"plmnId":{"mcc":"001","mnc":"01"},"tac":"00001"},"supportedSnssaiList":[{"sst":1}]}]}`, 400, "MANDATORY_IE_INCORRECT", ""},
		{"delete of nothing reported", "DELETE", avail + amfID, "", "", 404, "CONTEXT_NOT_FOUND", ""},
		{"PATCH not served", "PATCH", avail + amfID, "application/json-patch+json", `[{"op":"remove","path":"/supportedNssaiAvailabilityData/0"}]`, 405, "", ""},
		{"subscription of the wrong content type", "POST", avail + "subscriptions", "text/plain", goodSub, 415, "INVALID_MSG_FORMAT", ""},
		{"subscription not JSON", "POST", avail + "subscriptions", "application/json", `{"taiList":`, 400, "INVALID_MSG_FORMAT", ""},
		{"subscription with an unknown attribute", "POST", avail + "subscriptions", "application/json", `{"nfNssaiAvailabilityUri":"http://amf/cb","taiList":[],"event":"SNSSAI_STATUS_CHANGE_REPORT","colour":1}`, 400, "INVALID_MSG_FORMAT", "/colour"},
		{"subscription without a URI", "POST", avail + "subscriptions", "application/json", `{"taiList":[` + goodTAI + `],"event":"SNSSAI_STATUS_CHANGE_REPORT"}`, 400, "MANDATORY_IE_MISSING", "/nfNssaiAvailabilityUri"},
		{"subscription without taiList", "POST", avail + "subscriptions", "application/json", `{"nfNssaiAvailabilityUri":"http://amf/cb","event":"SNSSAI_STATUS_CHANGE_REPORT"}`, 400, "MANDATORY_IE_MISSING", "/taiList"},
		{"subscription without event", "POST", avail + "subscriptions", "application/json", `{"nfNssaiAvailabilityUri":"http://amf/cb","taiList":[` + goodTAI + `]}`, 400, "MANDATORY_IE_MISSING", "/event"},
		{"subscription to a relative URI", "POST", avail + "subscriptions", "application/json", `{"nfNssaiAvailabilityUri":"/cb","taiList":[` + goodTAI + `],"event":"SNSSAI_STATUS_CHANGE_REPORT"}`, 400, "MANDATORY_IE_INCORRECT", "/nfNssaiAvailabilityUri"},
		{"subscription with amfId not a UUID", "POST", avail + "subscriptions", "application/json", `{"nfNssaiAvailabilityUri":"http://amf/cb","taiList":[` + goodTAI + `],"event":"SNSSAI_STATUS_CHANGE_REPORT","amfId":"amf-1"}`, 400, "MANDATORY_IE_INCORRECT", "/amfId"},
		{"subscription to no TA", "POST", avail + "subscriptions", "application/json", `{"nfNssaiAvailabilityUri":"http://amf/cb","taiList":[],"event":"SNSSAI_STATUS_CHANGE_REPORT"}`, 400, "MANDATORY_IE_INCORRECT", ""},
		{"TAI range without plmnId", "POST", avail + "subscriptions", "application/json", `{"nfNssaiAvailabilityUri":"http://amf/cb","taiList":[],"taiRangeList":[{"tacRangeList":[{"start":"000001","end":"000009"}]}],"event":"SNSSAI_STATUS_CHANGE_REPORT"}`, 400, "MANDATORY_IE_MISSING", "/taiRangeList/0/plmnId"},
		{"TAC range with a bad pattern", "POST", avail + "subscriptions", "application/json", `{"nfNssaiAvailabilityUri":"http://amf/cb","taiList":[],"taiRangeList":[{"plmnId":{"mcc":"001","mnc":"01"},"tacRangeList":[{"pattern":"(["}]}],"event":"SNSSAI_STATUS_CHANGE_REPORT"}`, 400, "MANDATORY_IE_INCORRECT", ""},
		{"another event", "POST", avail + "subscriptions", "application/json", `{"nfNssaiAvailabilityUri":"http://amf/cb","taiList":[` + goodTAI + `],"event":"SOMETHING_ELSE"}`, 400, "MANDATORY_IE_INCORRECT", ""},
		{"unsubscribe of nothing subscribed", "DELETE", avail + "subscriptions/42", "", "", 404, "CONTEXT_NOT_FOUND", ""},
	} {
		status, pd, body := rawNSSF(t, v, tt.method, tt.uri, tt.contentType, tt.body)
		if status != tt.wantStatus || pd.Cause != tt.wantCause {
			t.Errorf("%s: %d %q, want %d %q: %s", tt.name, status, pd.Cause, tt.wantStatus, tt.wantCause, body)
			continue
		}
		if tt.wantArg != "" && (len(pd.InvalidParams) == 0 || pd.InvalidParams[0].Param != tt.wantArg) {
			t.Errorf("%s: invalidParams %+v, want %q named", tt.name, pd.InvalidParams, tt.wantArg)
		}
	}
	// TA1 is configured with no S-NSSAI: nothing is authorized, 204.
	if status, _, body := rawNSSF(t, v, "PUT", avail+amfID, "application/json", goodPut); status != http.StatusNoContent {
		t.Errorf("PUT authorizing nothing: %d, want 204: %s", status, body)
	}
	if status, _, body := rawNSSF(t, v, "DELETE", avail+amfID, "", ""); status != http.StatusNoContent {
		t.Errorf("DELETE: %d, want 204: %s", status, body)
	}
	// A well-formed subscription is created with its URI in Location,
	// and deleted by it.
	status, _, body := rawNSSF(t, v, "POST", avail+"subscriptions", "application/json", goodSub)
	var created struct {
		SubscriptionID string `json:"subscriptionId"`
	}
	if err := json.Unmarshal(body, &created); status != http.StatusCreated || err != nil || created.SubscriptionID == "" {
		t.Fatalf("POST subscriptions: %d, want 201 with a subscriptionId: %s", status, body)
	}
	if status, _, body := rawNSSF(t, v, "DELETE", avail+"subscriptions/"+created.SubscriptionID, "", ""); status != http.StatusNoContent {
		t.Errorf("DELETE subscriptions/%s: %d, want 204: %s", created.SubscriptionID, status, body)
	}
	if v.Count() == 0 {
		t.Error("the OpenAPI oracle saw no exchange")
	}
}

// BenchmarkNSSFOverHTTP is one Nnssf_NSSelection_Get through the HTTP/2
// binding on loopback (h2c), client and server, the query of
// BenchmarkNetworkSliceInformation in internal/nssf.
func BenchmarkNSSFOverHTTP(b *testing.B) {
	n, err := nssf.New(nssf.Config{TAs: []nssf.TASlices{{TAI: nssftest.TA1, Slices: []ident.SNSSAI{{SST: 1}, {SST: 2, SD: 1, HasSD: true}}}}}, nssf.Options{})
	if err != nil {
		b.Fatal(err)
	}
	srv := sbihttp.NewServer(sbihttp.ServerConfig{})
	sbihttp.ServeNSSF(srv, n, n)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv.Start(ln)
	defer srv.Stop(context.Background())
	root := "http://" + ln.Addr().String()
	c := sbihttp.NewNSSFClient(sbihttp.NewClient(sbihttp.ClientConfig{Resolver: sbihttp.StaticResolver{sbihttp.ServiceNSSelection: {root}}}))
	q := sbi.NSSelectionQuery{NFType: "AMF", NFID: nssftest.AMF1, TAI: &nssftest.TA1,
		SliceInfoForRegistration: &sbi.SliceInfoForRegistration{
			SubscribedNSSAI: []sbi.SubscribedSNSSAI{{SubscribedSNSSAI: ident.SNSSAI{SST: 1}, DefaultIndication: true}, {SubscribedSNSSAI: ident.SNSSAI{SST: 2, SD: 1, HasSD: true}}},
			RequestedNSSAI:  []ident.SNSSAI{{SST: 2, SD: 1, HasSD: true}, {SST: 3}},
		}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.NetworkSliceInformation(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
}
