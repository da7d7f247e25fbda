package nudr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/openapitest"
)

// provisionedUDR answers one subscriber's data sets.
type provisionedUDR struct{ fakeUDR }

func (*provisionedUDR) AccessAndMobilitySubscription(context.Context, string) (sbi.AMData, error) {
	return sbi.AMData{UEAMBRUplink: 1e9, UEAMBRDownlink: 2e9, NSSAI: []ident.SNSSAI{{SST: 1}}, DefaultNSSAI: []ident.SNSSAI{{SST: 1}}, DNNs: []string{"internet"}}, nil
}

func (*provisionedUDR) SessionManagementSubscription(context.Context, string) ([]sbi.SMData, error) {
	return []sbi.SMData{{DNN: "internet", SNSSAI: ident.SNSSAI{SST: 1}, FiveQI: 9, ARPPriority: 8, SessionAMBRUplink: 1e8, SessionAMBRDownlink: 2e8}}, nil
}

const provisionedPath = "/nudr-dr/v2/subscription-data/imsi-001010000000001/00101/provisioned-data"

// TS 29.505 §5.2.26: QueryProvisionedData answers the data sets
// dataset-names lists (both without it), checked against
// TS29505_Subscription_Data; a name Keel does not hold, one named twice,
// another parameter or dataset-names twice is 400 INVALID_QUERY_PARAM
// naming it. The client reads both data sets from one answer.
func TestProvisionedData(t *testing.T) {
	v := openapitest.New(t, openapitest.Options{BadRequests: true})
	srv := sbihttp.NewServer(sbihttp.ServerConfig{Middleware: []func(http.Handler) http.Handler{v.Middleware}})
	Register(srv, &provisionedUDR{})
	h := srv.Handler()
	for _, tt := range []struct {
		name, query        string
		wantStatus         int
		wantCause, wantArg string
		wantAM, wantSM     bool
	}{
		{"AM and SM", "dataset-names=AM,SM", 200, "", "", true, true},
		{"SM alone", "dataset-names=SM", 200, "", "", false, true},
		{"none named: both", "", 200, "", "", true, true},
		{"a data set Keel does not hold", "dataset-names=AM,SMF_SEL", 400, "INVALID_QUERY_PARAM", "dataset-names", false, false},
		{"AM twice", "dataset-names=AM,AM", 400, "INVALID_QUERY_PARAM", "dataset-names", false, false},
		{"dataset-names twice", "dataset-names=AM&dataset-names=SM", 400, "INVALID_QUERY_PARAM", "dataset-names", false, false},
		{"another parameter", "dataset-names=AM,SM&colour=blue", 400, "INVALID_QUERY_PARAM", "colour", false, false},
		{"empty name", "dataset-names=", 400, "INVALID_QUERY_PARAM", "dataset-names", false, false},
	} {
		req := httptest.NewRequest(http.MethodGet, "http://udr.test"+provisionedPath+"?"+tt.query, nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tt.wantStatus {
			t.Errorf("%s: %d, want %d: %s", tt.name, rec.Code, tt.wantStatus, rec.Body)
			continue
		}
		if tt.wantStatus != 200 {
			var pd sbihttp.ProblemDetails
			if err := json.Unmarshal(rec.Body.Bytes(), &pd); err != nil || pd.Cause != tt.wantCause || len(pd.InvalidParams) == 0 || pd.InvalidParams[0].Param != tt.wantArg {
				t.Errorf("%s: ProblemDetails %s, want cause %s naming %s", tt.name, rec.Body, tt.wantCause, tt.wantArg)
			}
			continue
		}
		var got map[string]json.RawMessage
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if _, ok := got["amData"]; ok != tt.wantAM {
			t.Errorf("%s: amData present %t, want %t: %s", tt.name, ok, tt.wantAM, rec.Body)
		}
		if _, ok := got["smData"]; ok != tt.wantSM {
			t.Errorf("%s: smData present %t, want %t: %s", tt.name, ok, tt.wantSM, rec.Body)
		}
	}
	if v.Count() == 0 {
		t.Fatal("the OpenAPI oracle saw no exchange")
	}

	ln := httptest.NewServer(h)
	defer ln.Close()
	c := NewClient(sbihttp.NewClient(sbihttp.ClientConfig{Resolver: sbihttp.StaticResolver{ServiceName: {ln.URL}}, Transport: v.Transport(http.DefaultTransport)}), ident.PLMN{MCC: "001", MNC: "01"})
	am, sm, err := c.AccessAndMobilityWithSessionManagement(context.Background(), "imsi-001010000000001")
	if err != nil {
		t.Fatal(err)
	}
	if am.UEAMBRDownlink != 2e9 || len(sm) != 1 || sm[0].DNN != "internet" || sm[0].SessionAMBRDownlink != 2e8 {
		t.Errorf("AccessAndMobilityWithSessionManagement = %+v, %+v; want the UDR's", am, sm)
	}
}

// requestTarget escapes the bytes a request line cannot carry (controls,
// space, non-ASCII, '#'), leaving the rest of a query as the fuzzer made
// it.
func requestTarget(raw string) string {
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c <= ' ' || c >= 0x7f || c == '#' {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// FuzzProvisionedDataQuery: the query of QueryProvisionedData is
// answered 200 or a 4xx ProblemDetails.
func FuzzProvisionedDataQuery(f *testing.F) {
	for _, q := range []string{"dataset-names=AM,SM", "dataset-names=SM", "", "dataset-names=AM,AM", "dataset-names=AM&x=1", "%zz"} {
		f.Add(q)
	}
	srv := sbihttp.NewServer(sbihttp.ServerConfig{})
	Register(srv, &provisionedUDR{})
	h := srv.Handler()
	f.Fuzz(func(t *testing.T, raw string) {
		openapitest.CheckHandler(t, h, "GET", provisionedPath+"?"+requestTarget(raw), "", nil)
	})
}

// A UDR that does not serve provisioned-data answers 404
// RESOURCE_URI_STRUCTURE_NOT_FOUND; the client's error says so, for the
// UDM to read the data sets apart.
func TestProvisionedDataNotServed(t *testing.T) {
	c := NewClient(sbihttp.NewClient(sbihttp.ClientConfig{
		Resolver:    sbihttp.StaticResolver{ServiceName: {"http://127.0.0.1:1"}},
		Transport:   openapitest.Answering{Status: http.StatusNotFound, ContentType: sbihttp.ContentProblem, Body: []byte(`{"status":404,"cause":"RESOURCE_URI_STRUCTURE_NOT_FOUND"}`)},
		MaxAttempts: 1,
	}), ident.PLMN{MCC: "001", MNC: "01"})
	_, _, err := c.AccessAndMobilityWithSessionManagement(context.Background(), "imsi-001010000000001")
	if !errors.Is(err, sbi.ErrResourceNotFound) {
		t.Errorf("AccessAndMobilityWithSessionManagement against a UDR without provisioned-data = %v, want %v", err, sbi.ErrResourceNotFound)
	}
}
