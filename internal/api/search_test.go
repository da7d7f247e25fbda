package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/api"
	"github.com/keelcore/keel/internal/procevent"
)

// ipSessions holds sessions with IPv4 and IPv6 addresses for the search.
type ipSessions struct{}

func (ipSessions) Sessions() []api.SessionInfo {
	return []api.SessionInfo{
		{SUPI: "imsi-001010000000002", PDUSessionID: 1, DNN: "internet", PDUType: "ipv4", IPv4: "10.45.0.3", State: "active"},
		{SUPI: "imsi-001010000000003", PDUSessionID: 1, DNN: "internet", PDUType: "ipv6", IPv6Prefix: "2001:db8:45:7::/64", State: "active"},
		{SUPI: "imsi-001010000000003", PDUSessionID: 2, DNN: "ims", PDUType: "ipv4", IPv4: "10.46.0.2", State: "active"},
	}
}

func searchUEs() *fakeUEs {
	return &fakeUEs{list: []api.UEInfo{
		{SUPI: "imsi-001010000000001", State: "registered", GUTI: "5g-guti-00101-010040-0000000a", GNB: "gnb-00101-1", CMState: "connected"},
		{SUPI: "imsi-001010000000002", State: "registered", GUTI: "5g-guti-00101-010040-0000000b", GNB: "gnb-00101-1", CMState: "connected"},
		{SUPI: "imsi-001010000000003", State: "registered", GUTI: "5g-guti-00101-010040-0000000c", GNB: "gnb-00101-2", CMState: "idle"},
	}}
}

func TestUESearch(t *testing.T) {
	do := testServer(t, api.Options{UEs: searchUEs(), Sessions: ipSessions{}})
	for _, c := range []struct {
		q    string
		want []string
	}{
		{"imsi-001010000000002", []string{"imsi-001010000000002"}},
		{"0000000003", []string{"imsi-001010000000003"}},
		{"IMSI-00101", []string{"imsi-001010000000001", "imsi-001010000000002", "imsi-001010000000003"}},
		{"5g-guti-00101-010040-0000000a", []string{"imsi-001010000000001"}},
		{"0000000B", []string{"imsi-001010000000002"}},
		{"10.45.0.3", []string{"imsi-001010000000002"}},
		{"10.46.0.2", []string{"imsi-001010000000003"}},
		{"2001:db8:45:7::1", []string{"imsi-001010000000003"}},
		{"10.45.0.9", []string{}},
		{"nothing", []string{}},
		{"<script>", []string{}},
	} {
		code, body := do("GET", "/api/v1/ues?q="+strings.ReplaceAll(c.q, "<", "%3C"), true)
		var l api.UEList
		if err := json.Unmarshal([]byte(body), &l); code != http.StatusOK || err != nil {
			t.Fatalf("search %q = %d %s", c.q, code, body)
		}
		got := []string{}
		for _, u := range l.UEs {
			got = append(got, u.SUPI)
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("search %q (-want +got):\n%s", c.q, diff)
		}
	}
	code, body := do("GET", "/api/v1/ues?q=imsi&state=authenticating", true)
	if code != http.StatusOK || !strings.Contains(body, `"ues": []`) {
		t.Errorf("search with a state no UE is in = %d %s", code, body)
	}
}

func TestUEDetail(t *testing.T) {
	ring := procevent.NewRing(10)
	t0 := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)
	ring.Record(procevent.Event{Time: t0, Procedure: "service-request", Result: "rejected-22", Cause: "Congestion (5GMM #22)", SUPI: "imsi-001010000000003"})
	ring.Record(procevent.Event{Time: t0.Add(time.Second), Procedure: "registration", Result: "rejected", Cause: "x", SUPI: "imsi-001010000000002"})
	ring.Record(procevent.Event{Time: t0.Add(2 * time.Second), Procedure: "pdu-session-establishment", Result: "rejected",
		Cause: "Missing or unknown DNN (5GSM #27)", SUPI: "imsi-001010000000003", Detail: "d"})
	do := testServer(t, api.Options{UEs: searchUEs(), Sessions: ipSessions{}, Events: ring})
	code, body := do("GET", "/api/v1/ues/imsi-001010000000003", true)
	var d api.UEDetail
	if err := json.Unmarshal([]byte(body), &d); code != http.StatusOK || err != nil {
		t.Fatalf("GET UE = %d %s", code, body)
	}
	if d.SUPI != "imsi-001010000000003" || d.CMState != "idle" || len(d.Sessions) != 2 || d.Sessions[0].PDUSessionID != 1 || d.Sessions[1].DNN != "ims" {
		t.Errorf("UE detail = %+v", d)
	}
	want := []api.Procedure{
		{Time: t0.Add(2 * time.Second), Procedure: "pdu-session-establishment", Result: "rejected", Cause: "Missing or unknown DNN (5GSM #27)", Detail: "d"},
		{Time: t0, Procedure: "service-request", Result: "rejected-22", Cause: "Congestion (5GMM #22)"},
	}
	if diff := cmp.Diff(want, d.Procedures); diff != "" {
		t.Errorf("procedures (-want +got):\n%s", diff)
	}
	// The UE's own fields stay at the top level, as before.
	if !strings.Contains(body, `"supi": "imsi-001010000000003"`) || !strings.Contains(body, `"cm_state": "idle"`) {
		t.Errorf("UE detail does not inline the UE: %s", body)
	}
	// Without sessions or events, the lists are empty, not absent.
	do = testServer(t, api.Options{UEs: searchUEs()})
	_, body = do("GET", "/api/v1/ues/imsi-001010000000001", true)
	if !strings.Contains(body, `"sessions": []`) || !strings.Contains(body, `"procedures": []`) {
		t.Errorf("UE detail without sessions or events: %s", body)
	}
}

func TestGNBDetail(t *testing.T) {
	do := testServer(t, api.Options{RAN: &fakeRAN{}, UEs: searchUEs()})
	code, body := do("GET", "/api/v1/gnbs/gnb-00101-1", true)
	var d api.GNBDetail
	if err := json.Unmarshal([]byte(body), &d); code != http.StatusOK || err != nil {
		t.Fatalf("GET gNB = %d %s", code, body)
	}
	if d.ID != "gnb-00101-1" || d.State != "ready" {
		t.Errorf("gNB detail = %+v", d)
	}
	if diff := cmp.Diff([]uint32{1}, d.TAs); diff != "" {
		t.Errorf("tas (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"1"}, d.Slices); diff != "" {
		t.Errorf("slices (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"imsi-001010000000001", "imsi-001010000000002"}, d.UEs); diff != "" {
		t.Errorf("ues (-want +got):\n%s", diff)
	}
	if code, body := do("GET", "/api/v1/gnbs/gnb-00101-9", true); code != http.StatusNotFound || !strings.Contains(body, `"field": "id"`) {
		t.Errorf("GET unknown gNB = %d %s", code, body)
	}
	if code, _ := do("GET", "/api/v1/gnbs/gnb-00101-1", false); code != http.StatusUnauthorized {
		t.Errorf("GET gNB without the token = %d", code)
	}
}

// The UE and session lists page with limit= and after=, with the count
// of what the filters keep; without limit they list everything.
func TestUEAndSessionPages(t *testing.T) {
	do := testServer(t, api.Options{UEs: searchUEs(), Sessions: ipSessions{}})
	walkUEs := func(query string) (supis []string, totals []*int) {
		after := ""
		for range 10 {
			_, body := do("GET", "/api/v1/ues?limit=2"+query+"&after="+after, true)
			var l api.UEList
			if err := json.Unmarshal([]byte(body), &l); err != nil {
				t.Fatal(err)
			}
			for _, u := range l.UEs {
				supis = append(supis, u.SUPI)
			}
			totals = append(totals, l.Total)
			if l.Next == "" {
				return
			}
			after = l.Next
		}
		t.Fatal("the UE pages do not end")
		return
	}
	supis, totals := walkUEs("")
	if diff := cmp.Diff([]string{"imsi-001010000000001", "imsi-001010000000002", "imsi-001010000000003"}, supis); diff != "" {
		t.Errorf("UE pages (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]*int{new(3), new(3)}, totals); diff != "" {
		t.Errorf("UE totals (-want +got):\n%s", diff)
	}
	if supis, totals := walkUEs("&q=0000000003"); len(supis) != 1 || *totals[0] != 1 {
		t.Errorf("UE search pages = %v totals %v", supis, totals)
	}
	_, body := do("GET", "/api/v1/ues", true)
	var all api.UEList
	json.Unmarshal([]byte(body), &all)
	if len(all.UEs) != 3 || all.Total != nil || all.Next != "" || strings.Contains(body, "total") {
		t.Errorf("UE list without limit = %s, want every UE and no total", body)
	}

	var sessions []string
	after := ""
	for range 10 {
		_, body := do("GET", "/api/v1/sessions?limit=2&after="+after, true)
		var l api.SessionList
		if err := json.Unmarshal([]byte(body), &l); err != nil {
			t.Fatal(err)
		}
		if l.Total == nil || *l.Total != 3 {
			t.Errorf("session total = %v, want 3", l.Total)
		}
		for _, x := range l.Sessions {
			sessions = append(sessions, fmt.Sprintf("%s:%d", x.SUPI, x.PDUSessionID))
		}
		if after = l.Next; after == "" {
			break
		}
	}
	if diff := cmp.Diff([]string{"imsi-001010000000002:1", "imsi-001010000000003:1", "imsi-001010000000003:2"}, sessions); diff != "" {
		t.Errorf("session pages (-want +got):\n%s", diff)
	}
	for _, q := range []string{"/api/v1/ues?limit=0", "/api/v1/ues?limit=x", "/api/v1/sessions?limit=10001", "/api/v1/sessions?after=imsi-1"} {
		if code, body := do("GET", q, true); code != http.StatusBadRequest || !strings.Contains(body, `"field"`) {
			t.Errorf("GET %s = %d %s, want 400 naming the parameter", q, code, body)
		}
	}
}
