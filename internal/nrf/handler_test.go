package nrf

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/accesstoken"
	"github.com/keelcore/keel/internal/nrf/nnrf"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/openapitest"
)

// serve starts the NRF's binding on loopback behind the OpenAPI oracle
// and returns its apiRoot.
func serve(t *testing.T, n *NRF, v *openapitest.Validator) string {
	t.Helper()
	srv := sbihttp.NewServer(sbihttp.ServerConfig{Middleware: []func(http.Handler) http.Handler{v.Middleware}})
	n.Routes(srv)
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

// raw sends one request over h2c through the oracle and returns status,
// headers and body.
func raw(t *testing.T, v *openapitest.Validator, method, uri, contentType, body string) (int, http.Header, []byte) {
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
	return resp.StatusCode, resp.Header, b
}

func TestHTTPBinding(t *testing.T) {
	f := newFixture(t)
	v := openapitest.New(t)
	root := serve(t, f.nrf, v)
	nfm := root + "/nnrf-nfm/v1"

	st, h, body := raw(t, v, "PUT", nfm+"/nf-instances/"+udmID, "application/json", string(udmProfile(udmID, "001010000000000", "001010000009999", 5)))
	if st != http.StatusCreated || h.Get("Location") != nfm+"/nf-instances/"+udmID {
		t.Fatalf("PUT = %d Location %q: %s", st, h.Get("Location"), body)
	}
	if st, _, body = raw(t, v, "PUT", nfm+"/nf-instances/"+udmID, "application/json", string(udmProfile(udmID, "001010000000000", "001010000009999", 5))); st != http.StatusOK {
		t.Errorf("PUT again = %d: %s", st, body)
	}
	if st, _, body = raw(t, v, "PUT", nfm+"/nf-instances/"+amfID, "application/json", string(amfProfile())); st != http.StatusCreated {
		t.Fatalf("PUT AMF = %d: %s", st, body)
	}
	if st, _, body = raw(t, v, "PATCH", nfm+"/nf-instances/"+udmID, "application/json-patch+json", `[{"op":"replace","path":"/nfStatus","value":"REGISTERED"}]`); st != http.StatusNoContent {
		t.Errorf("heartbeat = %d: %s", st, body)
	}
	if st, _, body = raw(t, v, "PATCH", nfm+"/nf-instances/"+udmID, "application/json-patch+json", `[{"op":"add","path":"/priority","value":7}]`); st != http.StatusOK || !bytes.Contains(body, []byte(`"priority":7`)) {
		t.Errorf("PATCH = %d: %s", st, body)
	}
	if st, _, body = raw(t, v, "GET", nfm+"/nf-instances/"+udmID, "", ""); st != http.StatusOK {
		t.Errorf("GET profile = %d: %s", st, body)
	}
	st, h, body = raw(t, v, "GET", nfm+"/nf-instances?nf-type=UDM", "", "")
	if st != http.StatusOK || h.Get("Content-Type") != sbihttp.ContentHAL || !bytes.Contains(body, []byte(udmID)) || bytes.Contains(body, []byte(amfID)) {
		t.Errorf("GET list = %d %s: %s", st, h.Get("Content-Type"), body)
	}
	st, h, body = raw(t, v, "POST", nfm+"/subscriptions", "application/json", `{"nfStatusNotificationUri":"http://127.0.0.1:1/notify","reqNotifEvents":["NF_DEREGISTERED"]}`)
	var sub nnrf.SubscriptionData
	if st != http.StatusCreated || json.Unmarshal(body, &sub) != nil || h.Get("Location") != nfm+"/subscriptions/"+sub.SubscriptionID {
		t.Fatalf("POST subscription = %d %q: %s", st, h.Get("Location"), body)
	}

	q := url.Values{"target-nf-type": {"UDM"}, "requester-nf-type": {"AMF"}, "supi": {"imsi-001010000000001"}, "service-names": {"nudm-sdm,nudm-uecm"}}
	st, _, body = raw(t, v, "GET", root+"/nnrf-disc/v1/nf-instances?"+q.Encode(), "", "")
	var sr nnrf.SearchResult
	if st != http.StatusOK || json.Unmarshal(body, &sr) != nil || len(sr.NFInstances) != 1 || sr.ValidityPeriod != 30 {
		t.Errorf("discover = %d: %s", st, body)
	}

	form := nnrf.AccessTokenReq{NFInstanceID: amfID, NFType: sbi.NFTypeAMF, TargetNFType: sbi.NFTypeUDM, Scope: "nudm-sdm"}.Form().Encode()
	st, h, body = raw(t, v, "POST", root+"/oauth2/token", "application/x-www-form-urlencoded", form)
	var rsp nnrf.AccessTokenRsp
	if st != http.StatusOK || json.Unmarshal(body, &rsp) != nil || h.Get("Cache-Control") != "no-store" {
		t.Fatalf("token = %d: %s", st, body)
	}
	if _, err := accesstoken.Verify(rsp.AccessToken, f.key.Public(), accesstoken.Expect{NFType: "UDM", Scope: "nudm-sdm", Now: f.clock.now()}); err != nil {
		t.Errorf("token does not verify: %v", err)
	}
	st, _, body = raw(t, v, "POST", root+"/oauth2/token", "application/x-www-form-urlencoded", strings.Replace(form, "nudm-sdm", "nudm-ueau", 1))
	if st != http.StatusBadRequest || !bytes.Contains(body, []byte(`"error":"invalid_scope"`)) {
		t.Errorf("token for a service not offered = %d: %s", st, body)
	}

	later := f.clock.now().Add(time.Minute).UTC().Format(time.RFC3339)
	if st, _, body = raw(t, v, "PATCH", nfm+"/subscriptions/"+sub.SubscriptionID, "application/json-patch+json", `[{"op":"replace","path":"/validityTime","value":"`+later+`"}]`); st != http.StatusNoContent {
		t.Errorf("PATCH subscription = %d: %s", st, body)
	}
	st, _, body = raw(t, v, "PATCH", nfm+"/subscriptions/"+sub.SubscriptionID, "application/json-patch+json", `[{"op":"replace","path":"/validityTime","value":"2100-01-01T00:00:00Z"}]`)
	if st != http.StatusOK || !bytes.Contains(body, []byte(`"validityTime":"2026-12-06T21:00:00Z"`)) {
		t.Errorf("PATCH subscription past the NRF's limit = %d: %s", st, body)
	}
	if st, _, body = raw(t, v, "DELETE", nfm+"/subscriptions/"+sub.SubscriptionID, "", ""); st != http.StatusNoContent {
		t.Errorf("DELETE subscription = %d: %s", st, body)
	}
	if st, _, body = raw(t, v, "DELETE", nfm+"/nf-instances/"+udmID, "", ""); st != http.StatusNoContent {
		t.Errorf("DELETE = %d: %s", st, body)
	}
	if v.Count() < 16 {
		t.Errorf("the oracle saw %d exchanges", v.Count())
	}
}

// TestHTTPBadInput: malformed or wrong requests get ProblemDetails with
// the status and cause of TS 29.500 §5.2.7.2, checked by the oracle.
func TestHTTPBadInput(t *testing.T) {
	f := newFixture(t)
	v := openapitest.New(t, openapitest.Options{BadRequests: true})
	root := serve(t, f.nrf, v)
	nfm := root + "/nnrf-nfm/v1"
	if st, _, body := raw(t, v, "PUT", nfm+"/nf-instances/"+udmID, "application/json", string(udmProfile(udmID, "001010000000000", "001010000009999", 5))); st != http.StatusCreated {
		t.Fatalf("PUT = %d: %s", st, body)
	}
	cases := []struct {
		name, method, uri, ct, body string
		status                      int
		cause, param                string
	}{
		{"malformed JSON", "PUT", nfm + "/nf-instances/" + udm2ID, "application/json", `{"nfInstanceId":`, 400, "INVALID_MSG_FORMAT", ""},
		{"unknown member", "PUT", nfm + "/nf-instances/" + udm2ID, "application/json", strings.Replace(string(udmProfile(udm2ID, "1", "2", 5)), `"customInfo"`, `"customInf"`, 1), 400, "INVALID_MSG_FORMAT", "/customInf"},
		{"wrong type", "PUT", nfm + "/nf-instances/" + udm2ID, "application/json", strings.Replace(string(udmProfile(udm2ID, "1", "2", 5)), `"heartBeatTimer":5`, `"heartBeatTimer":"5"`, 1), 400, "MANDATORY_IE_INCORRECT", "/heartBeatTimer"},
		{"missing status", "PUT", nfm + "/nf-instances/" + udm2ID, "application/json", strings.Replace(string(udmProfile(udm2ID, "1", "2", 5)), `"nfStatus":"REGISTERED",`, ``, 1), 400, "MANDATORY_IE_MISSING", "/nfStatus"},
		{"other ID in body", "PUT", nfm + "/nf-instances/" + udm2ID, "application/json", string(udmProfile(udmID, "1", "2", 5)), 400, "MANDATORY_IE_INCORRECT", "/nfInstanceId"},
		{"wrong content type", "PUT", nfm + "/nf-instances/" + udm2ID, "text/plain", string(udmProfile(udm2ID, "1", "2", 5)), 415, "INVALID_MSG_FORMAT", "Content-Type"},
		{"patch as JSON", "PATCH", nfm + "/nf-instances/" + udmID, "application/json", `[{"op":"remove","path":"/priority"}]`, 415, "INVALID_MSG_FORMAT", "Content-Type"},
		{"patch unknown op", "PATCH", nfm + "/nf-instances/" + udmID, "application/json-patch+json", `[{"op":"frob","path":"/x"}]`, 400, "INVALID_MSG_FORMAT", "/0/op"},
		{"patch nfType", "PATCH", nfm + "/nf-instances/" + udmID, "application/json-patch+json", `[{"op":"replace","path":"/nfType","value":"AMF"}]`, 403, "MODIFICATION_NOT_ALLOWED", ""},
		{"heartbeat unknown NF", "PATCH", nfm + "/nf-instances/" + udm2ID, "application/json-patch+json", `[{"op":"replace","path":"/nfStatus","value":"REGISTERED"}]`, 404, "NF_NOT_FOUND", ""},
		{"get unknown NF", "GET", nfm + "/nf-instances/" + udm2ID, "", "", 404, "NF_NOT_FOUND", ""},
		{"unknown subscription", "DELETE", nfm + "/subscriptions/nope", "", "", 404, "SUBSCRIPTION_NOT_FOUND", ""},
		{"subscription unknown member", "POST", nfm + "/subscriptions", "application/json", `{"nfStatusNotificationUri":"http://a.keel.example/n","colour":"red"}`, 400, "INVALID_MSG_FORMAT", "/colour"},
		{"subscription relative URI", "POST", nfm + "/subscriptions", "application/json", `{"nfStatusNotificationUri":"/n"}`, 400, "MANDATORY_IE_INCORRECT", "/nfStatusNotificationUri"},
		{"discovery without requester", "GET", root + "/nnrf-disc/v1/nf-instances?target-nf-type=UDM", "", "", 400, "MANDATORY_QUERY_PARAM_MISSING", "requester-nf-type"},
		{"discovery unknown parameter", "GET", root + "/nnrf-disc/v1/nf-instances?target-nf-type=UDM&requester-nf-type=AMF&colour=red", "", "", 400, "INVALID_QUERY_PARAM", "colour"},
		{"discovery bad snssais", "GET", root + "/nnrf-disc/v1/nf-instances?target-nf-type=UDM&requester-nf-type=AMF&snssais=" + url.QueryEscape(`[{"sst":"1"}]`), "", "", 400, "INVALID_QUERY_PARAM", "snssais"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, h, body := raw(t, v, c.method, c.uri, c.ct, c.body)
			var pd sbihttp.ProblemDetails
			if err := json.Unmarshal(body, &pd); err != nil || st != c.status || pd.Cause != c.cause || h.Get("Content-Type") != sbihttp.ContentProblem {
				t.Fatalf("= %d %s, want %d %s: %s", st, pd.Cause, c.status, c.cause, body)
			}
			if c.param != "" && (len(pd.InvalidParams) != 1 || pd.InvalidParams[0].Param != c.param) {
				t.Errorf("invalidParams = %+v, want %s", pd.InvalidParams, c.param)
			}
		})
	}
	st, _, body := raw(t, v, "POST", root+"/oauth2/token", "application/x-www-form-urlencoded", "grant_type=password&nfInstanceId="+amfID+"&scope=nudm-sdm&targetNfType=UDM")
	if st != http.StatusBadRequest || !bytes.Contains(body, []byte(`"error":"unsupported_grant_type"`)) {
		t.Errorf("token with grant_type password = %d: %s", st, body)
	}
}

// TestHTTPNotifier: notifications reach a subscriber's callback over
// HTTP/2 with the callback header, as NotificationData of the
// TS 29.510 document (the profile without its allowed* members).
func TestHTTPNotifier(t *testing.T) {
	v := openapitest.New(t)
	got := make(chan nnrf.NotificationData, 4)
	srv := sbihttp.NewServer(sbihttp.ServerConfig{})
	srv.Service("notify", "v1").Handle("POST /nrf", func(w http.ResponseWriter, r *http.Request) error {
		if r.Header.Get(sbihttp.HeaderCallback) != "Nnrf_NFManagement_NFStatusNotify" {
			return sbi.ErrInvalidRequest
		}
		body, _ := io.ReadAll(r.Body)
		v.CheckSchema("TS29510_Nnrf_NFManagement.yaml", "NotificationData", body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		var n nnrf.NotificationData
		if err := sbihttp.Decode(r, &n); err != nil {
			return err
		}
		got <- n
		return sbihttp.NoContent(w)
	})
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	srv.Start(ln)
	defer srv.Stop(context.Background())
	cb := "http://" + ln.Addr().String() + "/notify/v1/nrf"

	f := newFixture(t)
	f.nrf.opts.Notifier = HTTPNotifier{Client: sbihttp.NewClient(sbihttp.ClientConfig{})}
	if _, err := f.nrf.Subscribe([]byte(`{"nfStatusNotificationUri":"` + cb + `"}`)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.nrf.Register(amfID, amfProfile()); err != nil {
		t.Fatal(err)
	}
	if err := f.nrf.Deregister(amfID); err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-got:
		if n.Event != nnrf.EventRegistered || !strings.HasSuffix(n.NFInstanceURI, "/nnrf-nfm/v1/nf-instances/"+amfID) || n.NFProfile["nfType"] != "AMF" {
			t.Errorf("notification = %+v", n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no notification")
	}
	select {
	case n := <-got:
		if n.Event != nnrf.EventDeregistered || n.NFProfile != nil {
			t.Errorf("notification = %+v", n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no NF_DEREGISTERED notification")
	}
	if v.Count() != 2 {
		t.Errorf("the oracle checked %d notifications, want 2", v.Count())
	}
	if err := (HTTPNotifier{Client: sbihttp.NewClient(sbihttp.ClientConfig{Timeout: time.Second})}).Notify(context.Background(), "http://127.0.0.1:1/x", nnrf.NotificationData{}); !errors.Is(err, sbi.ErrNoInstance) {
		t.Errorf("Notify to nobody = %v", err)
	}
}
