package sbihttp_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nssf/nssftest"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/openapitest"
)

// received records the NSSAI availability notifications the callbacks
// hand over.
type received struct {
	got []sbi.NSSAIAvailabilityNotification
}

func (r *received) NSSAIAvailabilityChanged(_ context.Context, n sbi.NSSAIAvailabilityNotification) {
	r.got = append(r.got, n)
}

const goodNotification = `{"subscriptionId":"7","authorizedNssaiAvailabilityData":[{"tai":` + goodTAI + `,"supportedSnssaiList":[{"sst":1},{"sst":2,"sd":"000001"}]}]}`

// TS 29.531 §5.3.2.5 at the consumer: a notification is handed to the
// receiver and answered 204; bad input gets ProblemDetails with the
// status and cause of TS 29.500 §5.2.7.2, and a process with no
// receiver has no such resource.
func TestNSSAIAvailabilityNotifyBadInput(t *testing.T) {
	v := openapitest.New(t, openapitest.Options{BadRequests: true})
	cb := serveCallbacks(t, v)
	uri := cb.NSSAIAvailabilityURI()
	post := func(body string) (int, sbihttp.ProblemDetails, []byte) {
		t.Helper()
		hc := &http.Client{Transport: v.Transport(sbihttp.NewTransport(nil))}
		req, err := http.NewRequest(http.MethodPost, uri, bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(sbihttp.HeaderCallback, sbihttp.CallbackNSSAIAvailability)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		var pd sbihttp.ProblemDetails
		if resp.StatusCode >= 400 {
			sbihttp.DecodeBytes(b.Bytes(), &pd)
		}
		return resp.StatusCode, pd, b.Bytes()
	}
	if status, pd, body := post(goodNotification); status != http.StatusNotFound || pd.Cause != "RESOURCE_URI_STRUCTURE_NOT_FOUND" {
		t.Errorf("without a receiver: %d %q, want 404 RESOURCE_URI_STRUCTURE_NOT_FOUND: %s", status, pd.Cause, body)
	}
	r := &received{}
	cb.SetNSSAIAvailabilityReceiver(r)
	for _, tt := range []struct {
		name, body         string
		wantStatus         int
		wantCause, wantArg string
	}{
		{"not JSON", `{"subscriptionId":`, 400, "INVALID_MSG_FORMAT", ""},
		{"unknown attribute", `{"subscriptionId":"7","authorizedNssaiAvailabilityData":[],"colour":1}`, 400, "INVALID_MSG_FORMAT", "/colour"},
		{"no subscriptionId", `{"authorizedNssaiAvailabilityData":[]}`, 400, "MANDATORY_IE_MISSING", "/subscriptionId"},
		{"no data", `{"subscriptionId":"7"}`, 400, "MANDATORY_IE_MISSING", "/authorizedNssaiAvailabilityData"},
		{"an entry without tai", `{"subscriptionId":"7","authorizedNssaiAvailabilityData":[{"supportedSnssaiList":[{"sst":1}]}]}`, 400, "MANDATORY_IE_MISSING", "/authorizedNssaiAvailabilityData/0/tai"},
		{"SST out of range", `{"subscriptionId":"7","authorizedNssaiAvailabilityData":[{"tai":` + goodTAI + `,"supportedSnssaiList":[{"sst":300}]}]}`, 400, "MANDATORY_IE_INCORRECT", ""},
	} {
		status, pd, body := post(tt.body)
		if status != tt.wantStatus || pd.Cause != tt.wantCause {
			t.Errorf("%s: %d %q, want %d %q: %s", tt.name, status, pd.Cause, tt.wantStatus, tt.wantCause, body)
			continue
		}
		if tt.wantArg != "" && (len(pd.InvalidParams) == 0 || pd.InvalidParams[0].Param != tt.wantArg) {
			t.Errorf("%s: invalidParams %+v, want %q named", tt.name, pd.InvalidParams, tt.wantArg)
		}
	}
	if status, _, body := post(goodNotification); status != http.StatusNoContent {
		t.Fatalf("notification: %d, want 204: %s", status, body)
	}
	want := []sbi.NSSAIAvailabilityNotification{{SubscriptionID: "7", AuthorizedNSSAIAvailabilityData: []sbi.AuthorizedNSSAIAvailabilityData{
		{TAI: nssftest.TA1, SupportedSNSSAIList: []ident.SNSSAI{{SST: 1}, {SST: 2, SD: 1, HasSD: true}}}}}}
	if d := cmp.Diff(want, r.got); d != "" {
		t.Errorf("received (-want +got):\n%s", d)
	}
}

// FuzzNSSAISubscribe: the body of an Nnssf_NSSAIAvailability Subscribe
// (TS 29.531 §6.2.3.3.3.1) is answered 201 or a 4xx ProblemDetails.
func FuzzNSSAISubscribe(f *testing.F) {
	f.Add([]byte(goodSub))
	f.Add([]byte(`{"nfNssaiAvailabilityUri":"https://amf/cb","taiList":[],"taiRangeList":[{"plmnId":{"mcc":"001","mnc":"01"},"tacRangeList":[{"start":"0001","end":"ffff"},{"pattern":"^0000[0-9]{2}$"}]}],"event":"SNSSAI_STATUS_CHANGE_REPORT","amfId":"` + nssftest.AMF1 + `"}`))
	f.Add([]byte(`{"nfNssaiAvailabilityUri":"http://amf/cb","taiList":[],"taiRangeList":[{"plmnId":{"mcc":"001","mnc":"01"},"tacRangeList":[{"pattern":"(["}]}],"event":"SNSSAI_STATUS_CHANGE_REPORT"}`))
	f.Add([]byte(`{"nfNssaiAvailabilityUri":null,"taiList":null,"event":null}`))
	f.Add([]byte(`[`))
	h := fuzzNSSFNotifying(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/nnssf-nssaiavailability/v1/nssai-availability/subscriptions", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		checkAnswer(t, "POST subscriptions", rec, http.StatusCreated)
		if rec.Code == http.StatusCreated {
			del := httptest.NewRequest(http.MethodDelete, rec.Header().Get("Location"), nil)
			rec = httptest.NewRecorder()
			h.ServeHTTP(rec, del)
			checkAnswer(t, "DELETE subscription", rec, http.StatusNoContent)
			if rec.Code != http.StatusNoContent {
				t.Fatalf("DELETE of the subscription just created: %d", rec.Code)
			}
		}
	})
}

// FuzzNSSAIAvailabilityNotify: the body of an NSSAI availability
// notification at a consumer's callbacks (TS 29.531 §6.2.5.2) is
// answered 204 or a 4xx ProblemDetails.
func FuzzNSSAIAvailabilityNotify(f *testing.F) {
	f.Add([]byte(goodNotification))
	f.Add([]byte(`{"subscriptionId":"1","authorizedNssaiAvailabilityData":[]}`))
	f.Add([]byte(`{"subscriptionId":"1","authorizedNssaiAvailabilityData":[{"tai":null,"supportedSnssaiList":null}]}`))
	f.Add([]byte(`{}`))
	srv := sbihttp.NewServer(sbihttp.ServerConfig{})
	cb := sbihttp.NewCallbacks(srv, "http://amf.example")
	cb.SetNSSAIAvailabilityReceiver(&received{})
	h := srv.Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/callbacks/v1/nssai-availability", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		checkAnswer(t, "POST nssai-availability", rec, http.StatusNoContent)
	})
}
