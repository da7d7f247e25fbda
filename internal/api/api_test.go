package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/api"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/logtest"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/sqlite"
)

const (
	testK   = "465b5ce8b199b49faa5f0a2ee238a6bc"
	testOPc = "cd63cb71954a9f4e48a5994e37a02baf"
)

type env struct {
	t     testing.TB
	srv   *httptest.Server
	token secret.Token
	store store.Store
	logs  *logtest.Buffer
	// handler is the server's, for tests that serve it otherwise (TLS).
	handler http.Handler
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvWith(t, nil)
}

// newEnvWith is newEnv with the server's options adjusted by edit.
func newEnvWith(t testing.TB, edit func(*api.Options)) *env {
	t.Helper()
	logs := &logtest.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "keel.db"), sqlite.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	reg := prometheus.NewRegistry()
	tok := secret.NewToken()
	opts := api.Options{
		Store: st, Token: tok, Logger: log, Registry: reg, Gatherer: reg,
		Defaults: api.Defaults{
			AMF: [2]byte{0x80, 0}, UEAMBR: store.AMBR{Uplink: 1e9, Downlink: 1e9},
			SessionAMBR: store.AMBR{Uplink: 1e9, Downlink: 1e9}, FiveQI: 9, ARPPriority: 8,
			NSSAI: []ident.SNSSAI{{SST: 1}}, DNNs: []string{"internet"},
		},
	}
	if edit != nil {
		edit(&opts)
	}
	s, err := api.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &env{t: t, srv: srv, token: tok, store: st, logs: logs, handler: s.Handler()}
}

// do sends a request with the admin token and returns status and body.
func (e *env) do(method, path, contentType, body string) (int, []byte) {
	return e.doAuth(method, path, contentType, body, "Bearer "+e.token.Reveal())
}

func (e *env) doAuth(method, path, contentType, body, auth string) (int, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func subJSON(supi string) string {
	return fmt.Sprintf(`{"supi":%q,"k":%q,"opc":%q}`, supi, testK, testOPc)
}

func TestAuthRequired(t *testing.T) {
	e := newEnv(t)
	routes := []struct{ method, path string }{
		{"GET", "/api/v1/subscribers"},
		{"POST", "/api/v1/subscribers"},
		{"POST", "/api/v1/subscribers/import"},
		{"GET", "/api/v1/subscribers/imsi-001010000000001"},
		{"PUT", "/api/v1/subscribers/imsi-001010000000001"},
		{"PATCH", "/api/v1/subscribers/imsi-001010000000001"},
		{"DELETE", "/api/v1/subscribers/imsi-001010000000001"},
		{"GET", "/api/v1/openapi.yaml"},
	}
	for _, r := range routes {
		for _, auth := range []string{"", "Bearer wrong-token-wrong-token-wrong-token", "Basic " + e.token.Reveal(), e.token.Reveal()} {
			code, body := e.doAuth(r.method, r.path, "application/json", subJSON("imsi-001010000000001"), auth)
			if code != http.StatusUnauthorized {
				t.Errorf("%s %s with Authorization %q = %d, want 401", r.method, r.path, auth, code)
			}
			var apiErr api.Error
			if err := json.Unmarshal(body, &apiErr); err != nil || apiErr.Message == "" {
				t.Errorf("%s %s: 401 body %q is not an API error", r.method, r.path, body)
			}
		}
	}
	if n, _ := e.store.CountSubscribers(context.Background()); n != 0 {
		t.Fatalf("unauthenticated calls stored %d subscribers, want 0", n)
	}
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		if code, _ := e.doAuth("GET", path, "", "", ""); code != http.StatusOK {
			t.Errorf("GET %s without token = %d, want 200", path, code)
		}
	}
}

func TestSubscriberCRUD(t *testing.T) {
	e := newEnv(t)
	const supi = "imsi-001010000000001"
	code, body := e.do("POST", "/api/v1/subscribers", "application/json", subJSON(supi))
	if code != http.StatusCreated {
		t.Fatalf("create = %d %s, want 201", code, body)
	}
	var got api.Subscriber
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	want := api.Subscriber{
		SUPI: supi, OPType: "opc", AMF: "8000", SQN: "000000000000",
		UEAMBR: api.AMBR{Uplink: "1 Gbps", Downlink: "1 Gbps"},
		NSSAI:  []api.SNSSAI{{SST: 1, Default: true}},
		DNNs: []api.DNN{{DNN: "internet", SST: new(1), SessionAMBR: api.AMBR{Uplink: "1 Gbps", Downlink: "1 Gbps"},
			FiveQI: 9, ARPPriority: 8}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("create answer = %+v, want %+v", got, want)
	}

	if code, _ := e.do("POST", "/api/v1/subscribers", "application/json", subJSON(supi)); code != http.StatusConflict {
		t.Errorf("second create = %d, want 409", code)
	}
	code, body = e.do("GET", "/api/v1/subscribers/"+supi, "", "")
	if code != http.StatusOK {
		t.Fatalf("get = %d %s", code, body)
	}
	if bytes.Contains(bytes.ToLower(body), []byte(testK)) || bytes.Contains(bytes.ToLower(body), []byte(testOPc)) {
		t.Fatalf("get answer carries K or OPc: %s", body)
	}

	code, body = e.do("PATCH", "/api/v1/subscribers/"+supi, "application/json",
		`{"ue_ambr":{"uplink":"200 Mbps","downlink":"1.5 Gbps"},"dnns":[{"dnn":"ims","sst":1,"5qi":5,"static_ipv4":"10.45.0.7"}]}`)
	if code != http.StatusOK {
		t.Fatalf("patch = %d %s", code, body)
	}
	json.Unmarshal(body, &got)
	if got.UEAMBR.Uplink != "200 Mbps" || got.UEAMBR.Downlink != "1500 Mbps" || len(got.DNNs) != 1 || got.DNNs[0].FiveQI != 5 || got.DNNs[0].StaticIPv4 != "10.45.0.7" {
		t.Errorf("after patch = %+v", got)
	}
	st, err := e.store.GetSubscriber(context.Background(), supi)
	if err != nil {
		t.Fatal(err)
	}
	if st.Auth.K.Hex() != testK || st.Auth.OPc.Hex() != testOPc {
		t.Errorf("patch without keys changed K or OPc")
	}

	if code, body = e.do("PUT", "/api/v1/subscribers/"+supi, "application/json", `{"op":"cdc202d5123e20f62b6d676ac72cb318"}`); code != http.StatusOK {
		t.Fatalf("put = %d %s", code, body)
	}
	json.Unmarshal(body, &got)
	if got.OPType != "op" || len(got.DNNs) != 1 || got.DNNs[0].DNN != "internet" || got.UEAMBR.Uplink != "1 Gbps" {
		t.Errorf("after put (defaults restored, op set) = %+v", got)
	}

	if code, _ := e.do("DELETE", "/api/v1/subscribers/"+supi, "", ""); code != http.StatusNoContent {
		t.Errorf("delete = %d, want 204", code)
	}
	if code, _ := e.do("GET", "/api/v1/subscribers/"+supi, "", ""); code != http.StatusNotFound {
		t.Errorf("get after delete = %d, want 404", code)
	}
	if code, _ := e.do("DELETE", "/api/v1/subscribers/"+supi, "", ""); code != http.StatusNotFound {
		t.Errorf("second delete = %d, want 404", code)
	}
}

func TestSQNNotSettableAfterCreate(t *testing.T) {
	e := newEnv(t)
	const supi = "imsi-001010000000001"
	body := fmt.Sprintf(`{"supi":%q,"k":%q,"opc":%q,"sqn":"000000000100"}`, supi, testK, testOPc)
	if code, b := e.do("POST", "/api/v1/subscribers", "application/json", body); code != http.StatusCreated {
		t.Fatalf("create = %d %s", code, b)
	}
	for _, method := range []string{"PUT", "PATCH"} {
		code, b := e.do(method, "/api/v1/subscribers/"+supi, "application/json", `{"sqn":"000000000000"}`)
		if code != http.StatusBadRequest || !strings.Contains(string(b), `"field": "sqn"`) {
			t.Errorf("%s sqn = %d %s, want 400 naming sqn", method, code, b)
		}
	}
	if _, err := e.store.AdvanceSQN(context.Background(), supi); err != nil {
		t.Fatal(err)
	}
	e.do("PATCH", "/api/v1/subscribers/"+supi, "application/json", `{"amf":"9000"}`)
	_, b := e.do("GET", "/api/v1/subscribers/"+supi, "", "")
	var got api.Subscriber
	json.Unmarshal(b, &got)
	if got.SQN != "000000000101" || got.AMF != "9000" {
		t.Errorf("after AdvanceSQN and patch: sqn %s amf %s, want 000000000101 9000", got.SQN, got.AMF)
	}
}

// TestBadRequests sends client mistakes: each gets a 4xx whose JSON body
// names the field, never a 500.
func TestBadRequests(t *testing.T) {
	e := newEnv(t)
	e.do("POST", "/api/v1/subscribers", "application/json", subJSON("imsi-001010000000009"))
	tests := []struct {
		method, path, body string
		code               int
		field              string
	}{
		{"POST", "/api/v1/subscribers", `{`, 400, ""},
		{"POST", "/api/v1/subscribers", ``, 400, ""},
		{"POST", "/api/v1/subscribers", `[]`, 400, ""},
		{"POST", "/api/v1/subscribers", `{"supi":"imsi-001010000000001","k":"` + testK + `","opc":"` + testOPc + `","colour":"red"}`, 400, "colour"},
		{"POST", "/api/v1/subscribers", `{"supi":12}`, 400, "supi"},
		{"POST", "/api/v1/subscribers", `{"k":"` + testK + `","opc":"` + testOPc + `"}`, 400, "supi"},
		{"POST", "/api/v1/subscribers", `{"supi":"imsi-12","k":"` + testK + `","opc":"` + testOPc + `"}`, 400, "supi"},
		{"POST", "/api/v1/subscribers", `{"supi":"imsi-001010000000001","opc":"` + testOPc + `"}`, 400, "k"},
		{"POST", "/api/v1/subscribers", `{"supi":"imsi-001010000000001","k":"zz","opc":"` + testOPc + `"}`, 400, "k"},
		{"POST", "/api/v1/subscribers", `{"supi":"imsi-001010000000001","k":"` + testK + `"}`, 400, "opc"},
		{"POST", "/api/v1/subscribers", `{"supi":"imsi-001010000000001","k":"` + testK + `","opc":"` + testOPc + `","op":"` + testOPc + `"}`, 400, "opc"},
		{"POST", "/api/v1/subscribers", `{"supi":"imsi-001010000000001","k":"` + testK + `","opc":"` + testOPc + `","amf":"80"}`, 400, "amf"},
		{"POST", "/api/v1/subscribers", `{"supi":"imsi-001010000000001","k":"` + testK + `","opc":"` + testOPc + `","sqn":"1000000000000"}`, 400, "sqn"},
		{"POST", "/api/v1/subscribers", `{"supi":"imsi-001010000000001","k":"` + testK + `","opc":"` + testOPc + `","ue_ambr":{"uplink":"fast","downlink":"1 Gbps"}}`, 400, "ue_ambr.uplink"},
		{"POST", "/api/v1/subscribers", `{"supi":"imsi-001010000000001","k":"` + testK + `","opc":"` + testOPc + `","nssai":[{"sst":300}]}`, 400, "nssai[0].sst"},
		{"POST", "/api/v1/subscribers", `{"supi":"imsi-001010000000001","k":"` + testK + `","opc":"` + testOPc + `","nssai":[{"sst":1,"sd":"12"}]}`, 400, "nssai[0].sd"},
		{"POST", "/api/v1/subscribers", `{"supi":"imsi-001010000000001","k":"` + testK + `","opc":"` + testOPc + `","nssai":[]}`, 400, "nssai"},
		{"POST", "/api/v1/subscribers", `{"supi":"imsi-001010000000001","k":"` + testK + `","opc":"` + testOPc + `","dnns":[{"dnn":"-bad","sst":1}]}`, 400, "dnns[0].dnn"},
		{"POST", "/api/v1/subscribers", `{"supi":"imsi-001010000000001","k":"` + testK + `","opc":"` + testOPc + `","dnns":[{"dnn":"ims","sst":2}]}`, 400, "dnns[0].sst"},
		{"POST", "/api/v1/subscribers", `{"supi":"imsi-001010000000001","k":"` + testK + `","opc":"` + testOPc + `","dnns":[{"dnn":"ims","sst":1,"5qi":0.5}]}`, 400, "dnns.5qi"},
		{"POST", "/api/v1/subscribers", `{"supi":"imsi-001010000000001","k":"` + testK + `","opc":"` + testOPc + `","dnns":[{"dnn":"ims","sst":1,"arp_priority":16}]}`, 400, "dnns[0].arp_priority"},
		{"POST", "/api/v1/subscribers", `{"supi":"imsi-001010000000001","k":"` + testK + `","opc":"` + testOPc + `","dnns":[{"dnn":"ims","sst":1,"static_ipv4":"::1"}]}`, 400, "dnns[0].static_ipv4"},
		{"POST", "/api/v1/subscribers", `{"supi":"imsi-001010000000001","k":"` + testK + `","opc":"` + testOPc + `","dnns":[{"dnn":"ims","sst":1},{"dnn":"ims","sst":1}]}`, 400, "dnns[1]"},
		{"POST", "/api/v1/subscribers", pccJSON(`"5qi":1,"arp":{"priority_level":2},"gfbr_uplink":"64 Kbps","gfbr_downlink":"64 Kbps","mfbr_uplink":"64 Kbps"`), 400, "dnns[0].pcc_rules[0].mfbr_downlink"},
		{"POST", "/api/v1/subscribers", pccJSON(`"5qi":9,"arp":{"priority_level":2},"mfbr_uplink":"64 Kbps"`), 400, "dnns[0].pcc_rules[0].mfbr_uplink"},
		{"POST", "/api/v1/subscribers", pccJSON(`"5qi":9,"arp":{"priority_level":0}`), 400, "dnns[0].pcc_rules[0].arp.priority_level"},
		{"POST", "/api/v1/subscribers", pccJSON(`"5qi":9,"arp":{"priority_level":1,"preempt_cap":"SOMETIMES"}`), 400, "dnns[0].pcc_rules[0].arp.preempt_cap"},
		{"POST", "/api/v1/subscribers", pccJSON(`"5qi":300,"arp":{"priority_level":1}`), 400, "dnns[0].pcc_rules[0].5qi"},
		{"POST", "/api/v1/subscribers", pccJSON(`"5qi":2,"arp":{"priority_level":1},"gfbr_uplink":"1 Mbps","gfbr_downlink":"fast","mfbr_uplink":"1 Mbps","mfbr_downlink":"1 Mbps"`), 400, "dnns[0].pcc_rules[0].gfbr_downlink"},
		{"POST", "/api/v1/subscribers", strings.Replace(pccJSON(`"5qi":9,"arp":{"priority_level":1}`), "permit out 17", "permit in 17", 1), 400, "dnns[0].pcc_rules[0].flow_descriptions[0]"},
		{"GET", "/api/v1/subscribers/not-a-supi", ``, 400, "supi"},
		{"GET", "/api/v1/subscribers/imsi-001010000000002", ``, 404, "supi"},
		{"PATCH", "/api/v1/subscribers/imsi-001010000000009", `{"supi":"imsi-001010000000008"}`, 400, "supi"},
		{"PUT", "/api/v1/subscribers/imsi-001010000000009", `{"supi":"imsi-001010000000008"}`, 400, "supi"},
		{"GET", "/api/v1/subscribers?limit=0", ``, 400, "limit"},
		{"GET", "/api/v1/subscribers?limit=abc", ``, 400, "limit"},
		{"GET", "/api/v1/subscribers?colour=red", ``, 400, "colour"},
		{"POST", "/api/v1/subscribers/import", `not json`, 400, ""},
		{"GET", "/api/v1/nothing", ``, 404, ""},
	}
	for _, tt := range tests {
		code, body := e.do(tt.method, tt.path, "application/json", tt.body)
		var apiErr api.Error
		if err := json.Unmarshal(body, &apiErr); err != nil {
			t.Errorf("%s %s %s: body %q is not JSON: %v", tt.method, tt.path, tt.body, body, err)
			continue
		}
		if code != tt.code || apiErr.Field != tt.field || apiErr.Message == "" {
			t.Errorf("%s %s %s = %d field %q (%s), want %d field %q", tt.method, tt.path, tt.body, code, apiErr.Field, apiErr.Message, tt.code, tt.field)
		}
	}
	if n, _ := e.store.CountSubscribers(context.Background()); n != 1 {
		t.Errorf("after bad requests %d subscribers stored, want 1", n)
	}
}

// pccJSON is a create request with one PCC rule on ims whose fields
// after its id and flow description are rest.
func pccJSON(rest string) string {
	return `{"supi":"imsi-001010000000001","k":"` + testK + `","opc":"` + testOPc + `","dnns":[{"dnn":"ims","sst":1,"pcc_rules":[` +
		`{"id":"voice","flow_descriptions":["permit out 17 from any 5000-5010 to assigned"],` + rest + `}]}]}`
}

// A subscriber's PCC rules are stored and read back as given, with the
// pre-emption values spelt out.
func TestSubscriberPCCRules(t *testing.T) {
	e := newEnv(t)
	code, body := e.do("POST", "/api/v1/subscribers", "application/json", pccJSON(
		`"5qi":1,"arp":{"priority_level":2,"preempt_cap":"MAY_PREEMPT"},"gfbr_uplink":"64 Kbps","gfbr_downlink":"128 Kbps","mfbr_uplink":"128 Kbps","mfbr_downlink":"2 Mbps"`))
	if code != http.StatusCreated {
		t.Fatalf("create = %d %s", code, body)
	}
	var got api.Subscriber
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	want := []sbi.PCCRuleText{{ID: "voice", FlowDescriptions: []string{"permit out 17 from any 5000-5010 to assigned"}, FiveQI: 1,
		ARP:        sbi.ARPText{PriorityLevel: 2, PreemptCap: "MAY_PREEMPT", PreemptVuln: "NOT_PREEMPTABLE"},
		GFBRUplink: "64 Kbps", GFBRDownlink: "128 Kbps", MFBRUplink: "128 Kbps", MFBRDownlink: "2 Mbps"}}
	if len(got.DNNs) != 1 || !reflect.DeepEqual(got.DNNs[0].PCCRules, want) {
		t.Errorf("pcc_rules = %+v, want %+v", got.DNNs, want)
	}
	st, err := e.store.GetSubscriber(context.Background(), "imsi-001010000000001")
	if err != nil {
		t.Fatal(err)
	}
	if r := st.DNNs[0].PCCRules; len(r) != 1 || r[0].MFBR.Downlink != 2_000_000 || r[0].GFBR.Uplink != 64_000 || !r[0].ARP.PreemptionCapability {
		t.Errorf("stored PCC rules = %+v", r)
	}
}

// A body over the limit is refused with 413 whichever decoder meets the
// limit, and nothing of it is stored.
func TestBodyTooLarge(t *testing.T) {
	e := newEnvWith(t, func(o *api.Options) { o.MaxImportBytes = 4096 })
	big := `{"supi":"imsi-001010000000001","k":"` + testK + `","opc":"` + testOPc + `"` + strings.Repeat(" ", 1<<20) + `}`
	if code, b := e.do("POST", "/api/v1/subscribers", "application/json", big); code != http.StatusRequestEntityTooLarge {
		t.Errorf("create with a %d-byte body = %d %s, want 413", len(big), code, b)
	}
	var csv strings.Builder
	csv.WriteString("supi,k,opc\n")
	for i := range 100 {
		fmt.Fprintf(&csv, "imsi-00101%010d,%s,%s\n", i, testK, testOPc)
	}
	var js strings.Builder
	js.WriteString("[")
	for i := range 100 {
		if i > 0 {
			js.WriteString(",")
		}
		js.WriteString(subJSON(fmt.Sprintf("imsi-00101%010d", i)))
	}
	js.WriteString("]")
	for _, body := range []struct{ ct, text string }{{"text/csv", csv.String()}, {"application/json", js.String()}} {
		if code, b := e.do("POST", "/api/v1/subscribers/import", body.ct, body.text); code != http.StatusRequestEntityTooLarge {
			t.Errorf("%s import of %d bytes over a 4096-byte limit = %d %s, want 413", body.ct, len(body.text), code, b)
		}
	}
	if n, _ := e.store.CountSubscribers(context.Background()); n != 0 {
		t.Errorf("refused bodies stored %d subscribers", n)
	}
}

// A DNN given without a slice goes in the subscriber's first slice, in a
// request as in a CSV row.
func TestDNNWithoutSlice(t *testing.T) {
	e := newEnv(t)
	body := `{"supi":"imsi-001010000000001","k":"` + testK + `","opc":"` + testOPc + `","nssai":[{"sst":2,"sd":"000007"},{"sst":1}],"dnns":[{"dnn":"ims"}]}`
	if code, b := e.do("POST", "/api/v1/subscribers", "application/json", body); code != http.StatusCreated {
		t.Fatalf("create = %d %s", code, b)
	}
	code, b := e.do("POST", "/api/v1/subscribers/import", "text/csv", "supi,k,opc,dnn,5qi\nimsi-001010000000002,"+testK+","+testOPc+",iot,7\n")
	if code != http.StatusOK {
		t.Fatalf("CSV import with dnn and no sst = %d %s", code, b)
	}
	for _, c := range []struct {
		supi, dnn string
		sst       int
		sd        string
	}{{"imsi-001010000000001", "ims", 2, "000007"}, {"imsi-001010000000002", "iot", 1, ""}} {
		_, b := e.do("GET", "/api/v1/subscribers/"+c.supi, "", "")
		var got api.Subscriber
		json.Unmarshal(b, &got)
		if len(got.DNNs) != 1 || got.DNNs[0].DNN != c.dnn || got.DNNs[0].SST == nil || *got.DNNs[0].SST != c.sst || got.DNNs[0].SD != c.sd {
			t.Errorf("%s: DNNs %s, want %s in slice %d/%s", c.supi, b, c.dnn, c.sst, c.sd)
		}
	}
}

func TestPagination(t *testing.T) {
	e := newEnv(t)
	for i := range 25 {
		supi := fmt.Sprintf("imsi-0010100000000%02d", i)
		if i%2 == 1 {
			supi = fmt.Sprintf("imsi-0010200000000%02d", i)
		}
		if code, b := e.do("POST", "/api/v1/subscribers", "application/json", subJSON(supi)); code != 201 {
			t.Fatalf("create %s = %d %s", supi, code, b)
		}
	}
	walk := func(query string) []string {
		var supis []string
		after := ""
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatalf("pagination of %q does not end", query)
			}
			code, b := e.do("GET", "/api/v1/subscribers?limit=10"+query+"&after="+after, "", "")
			if code != 200 {
				t.Fatalf("list = %d %s", code, b)
			}
			var page api.SubscriberList
			json.Unmarshal(b, &page)
			if page.Total != 25 {
				t.Errorf("total = %d, want 25", page.Total)
			}
			for _, s := range page.Subscribers {
				supis = append(supis, s.SUPI)
			}
			if page.Next == "" {
				return supis
			}
			after = page.Next
		}
	}
	all := walk("")
	if len(all) != 25 {
		t.Fatalf("walked %d subscribers, want 25", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i-1] >= all[i] {
			t.Fatalf("listing not in SUPI order or repeats: %q then %q", all[i-1], all[i])
		}
	}
	if got := walk("&supi_prefix=imsi-00102"); len(got) != 12 {
		t.Errorf("prefix imsi-00102: %d subscribers, want 12", len(got))
	}
	for _, q := range []string{"imsi-00102", "00102", "IMSI-00102"} {
		if got := walk("&q=" + q); len(got) != 12 {
			t.Errorf("q=%s: %d subscribers, want 12", q, len(got))
		}
	}
	for _, q := range []string{"x", "imsi-0010a", "0010100000000000000", "imsi-00101&supi_prefix=imsi-001"} {
		if code, b := e.do("GET", "/api/v1/subscribers?q="+q, "", ""); code != 400 || !strings.Contains(string(b), `"field": "q"`) {
			t.Errorf("q=%s = %d %s, want 400 naming q", q, code, b)
		}
	}
	if got := walk("&dnn=internet"); len(got) != 25 {
		t.Errorf("dnn internet: %d subscribers, want 25", len(got))
	}
	if got := walk("&dnn=ims"); len(got) != 0 {
		t.Errorf("dnn ims: %d subscribers, want 0", len(got))
	}
}

func TestImportRollback(t *testing.T) {
	e := newEnv(t)
	e.do("POST", "/api/v1/subscribers", "application/json", subJSON("imsi-001010000000004"))

	csv := "supi,k,opc,sst,dnn\n" +
		"imsi-001010000000001," + testK + "," + testOPc + ",1,internet\n" +
		"imsi-001010000000002,xyz," + testOPc + ",1,internet\n" +
		"imsi-001010000000003," + testK + "," + testOPc + ",1,internet\n" +
		"imsi-001010000000005," + testK + ",," + "1,internet\n"
	code, b := e.do("POST", "/api/v1/subscribers/import", "text/csv", csv)
	var apiErr api.Error
	json.Unmarshal(b, &apiErr)
	if code != 400 || len(apiErr.Rows) != 2 || apiErr.Rows[0].Row != 3 || apiErr.Rows[0].Field != "k" || apiErr.Rows[1].Row != 5 || apiErr.Rows[1].Field != "opc" {
		t.Errorf("import with bad rows = %d %s, want 400 listing rows 3 (k) and 5 (opc)", code, b)
	}

	// Every row valid on its own, but one SUPI already exists and one repeats.
	js := "[" + subJSON("imsi-001010000000001") + "," + subJSON("imsi-001010000000004") + "," + subJSON("imsi-001010000000006") + "," + subJSON("imsi-001010000000006") + "]"
	code, b = e.do("POST", "/api/v1/subscribers/import", "application/json", js)
	apiErr = api.Error{}
	json.Unmarshal(b, &apiErr)
	rows := map[int]bool{}
	for _, r := range apiErr.Rows {
		rows[r.Row] = true
	}
	if code != 409 || !rows[2] || !rows[4] || rows[1] {
		t.Errorf("import with existing and repeated SUPIs = %d %s, want 409 listing rows 2 and 4", code, b)
	}
	if n, _ := e.store.CountSubscribers(context.Background()); n != 1 {
		t.Fatalf("refused imports stored something: %d subscribers, want 1", n)
	}

	code, b = e.do("POST", "/api/v1/subscribers/import", "text/csv", "supi,k,opc\nimsi-001010000000001,"+testK+","+testOPc+"\nimsi-001010000000002,"+testK+","+testOPc+"\n")
	if code != 200 || !strings.Contains(string(b), `"imported": 2`) {
		t.Fatalf("good CSV import = %d %s", code, b)
	}
	code, b = e.do("POST", "/api/v1/subscribers/import", "application/json", `{"subscribers":[`+subJSON("imsi-001010000000003")+`]}`)
	if code != 200 {
		t.Fatalf("good JSON import = %d %s", code, b)
	}
	if n, _ := e.store.CountSubscribers(context.Background()); n != 4 {
		t.Fatalf("after good imports %d subscribers, want 4", n)
	}
	if code, _ := e.do("POST", "/api/v1/subscribers/import", "text/plain", "x"); code != http.StatusUnsupportedMediaType {
		t.Errorf("import as text/plain = %d, want 415", code)
	}
	if code, b := e.do("POST", "/api/v1/subscribers/import", "text/csv", "supi,k,opc,colour\n"); code != 400 || !strings.Contains(string(b), "colour") {
		t.Errorf("import with unknown column = %d %s, want 400 naming it", code, b)
	}
}

// TestSecretsNeverLogged drives every route that handles K or OPc and scans
// the log output for them.
func TestSecretsNeverLogged(t *testing.T) {
	e := newEnv(t)
	e.do("POST", "/api/v1/subscribers", "application/json", subJSON("imsi-001010000000001"))
	e.do("POST", "/api/v1/subscribers", "application/json", `{"supi":"imsi-001010000000002","k":"`+testK+`","opc":"nothex`+testOPc[6:]+`"}`)
	e.do("PUT", "/api/v1/subscribers/imsi-001010000000001", "application/json", `{"k":"`+testK+`","opc":"`+testOPc+`"}`)
	e.do("POST", "/api/v1/subscribers/import", "text/csv", "supi,k,opc\nimsi-001010000000003,"+testK+","+testOPc+"\nimsi-001010000000003,"+testK+","+testOPc+"\n")
	e.do("GET", "/api/v1/subscribers/imsi-001010000000001", "", "")
	e.store.AdvanceSQN(context.Background(), "imsi-001010000000001")
	logs := strings.ToLower(e.logs.String())
	if logs == "" {
		t.Fatal("no log output captured; the test would prove nothing")
	}
	for _, s := range []string{testK, testOPc, testOPc[6:], e.token.Reveal()} {
		if strings.Contains(logs, strings.ToLower(s)) {
			t.Errorf("log output contains a secret:\n%s", logs)
		}
	}
}

func TestMetrics(t *testing.T) {
	e := newEnv(t)
	e.do("GET", "/api/v1/subscribers", "", "")
	_, b := e.doAuth("GET", "/metrics", "", "", "")
	if !strings.Contains(string(b), `keel_api_request_duration_seconds_count{code="200",method="GET",route="/api/v1/subscribers"} 1`) {
		t.Errorf("metrics lack the API latency of the listing:\n%s", b)
	}
}

// BenchmarkImport100k imports 100,000 subscribers as one CSV file through
// the API into the SQLite store; target: under 10 s.
func BenchmarkImport100k(b *testing.B) {
	const n = 100_000
	var csv strings.Builder
	csv.WriteString("supi,k,opc,sst,dnn\n")
	for i := range n {
		fmt.Fprintf(&csv, "imsi-00101%010d,%s,%s,1,internet\n", i, testK, testOPc)
	}
	body := csv.String()
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		e := newEnv(b)
		b.StartTimer()
		code, resp := e.do("POST", "/api/v1/subscribers/import", "text/csv", body)
		if code != 200 {
			b.Fatalf("import = %d %s", code, resp)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "subscribers/s")
}
