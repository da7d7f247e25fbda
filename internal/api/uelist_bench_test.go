package api_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/api"
	"github.com/keelcore/keel/internal/secret"
)

// BenchmarkUEListPage reads a page of 500 of 100,000 UE contexts, as the
// console's UE list polls it: the API's share (filtering, ordering by
// SUPI, encoding), the view answering from memory.
func BenchmarkUEListPage(b *testing.B) {
	const n = 100_000
	ues := &fakeUEs{}
	for _, i := range rand.Perm(n) {
		ues.list = append(ues.list, api.UEInfo{SUPI: fmt.Sprintf("imsi-00101%010d", i), State: "registered", CMState: "idle",
			GUTI: fmt.Sprintf("5g-guti-00101-010040-%08x", i), LastActivity: time.Now()})
	}
	tok := secret.NewToken()
	s, err := api.New(api.Options{Token: tok, UEs: ues})
	if err != nil {
		b.Fatal(err)
	}
	h := s.Handler()
	for b.Loop() {
		r := httptest.NewRequest("GET", "/api/v1/ues?limit=500", nil)
		r.Header.Set("Authorization", "Bearer "+tok.Reveal())
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
}

// Pages of a large list in random order, walked with limit and after,
// give every UE once in SUPI order, as the whole list does.
func TestUEPagesOfManyUEs(t *testing.T) {
	ues := &fakeUEs{}
	for _, i := range rand.Perm(1000) {
		ues.list = append(ues.list, api.UEInfo{SUPI: fmt.Sprintf("imsi-00101%010d", i*7), State: []string{"registered", "deregistered"}[i%2]})
	}
	do := testServer(t, api.Options{UEs: ues})
	var whole api.UEList
	_, body := do("GET", "/api/v1/ues?state=registered", true)
	if err := json.Unmarshal([]byte(body), &whole); err != nil || len(whole.UEs) != 500 {
		t.Fatalf("whole list: %d UEs, %v", len(whole.UEs), err)
	}
	var walked []api.UEInfo
	after := ""
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("pages do not end")
		}
		_, body := do("GET", "/api/v1/ues?state=registered&limit=7&after="+after, true)
		var l api.UEList
		if err := json.Unmarshal([]byte(body), &l); err != nil || l.Total == nil || *l.Total != 500 || len(l.UEs) > 7 {
			t.Fatalf("page after %q: %s", after, body)
		}
		walked = append(walked, l.UEs...)
		if after = l.Next; after == "" {
			break
		}
	}
	if diff := cmp.Diff(whole.UEs, walked); diff != "" {
		t.Errorf("pages walked differ from the whole list (-want +got):\n%s", diff)
	}
}

type manySessions []api.SessionInfo

func (m manySessions) Sessions() []api.SessionInfo { return m }

// Session pages likewise: every session once, by SUPI then PDU session ID.
func TestSessionPagesOfManySessions(t *testing.T) {
	var list manySessions
	for _, i := range rand.Perm(600) {
		list = append(list, api.SessionInfo{SUPI: fmt.Sprintf("imsi-00101%010d", i/3), PDUSessionID: uint8(1 + i%3), DNN: "internet"})
	}
	do := testServer(t, api.Options{Sessions: list})
	var whole api.SessionList
	_, body := do("GET", "/api/v1/sessions", true)
	if err := json.Unmarshal([]byte(body), &whole); err != nil || len(whole.Sessions) != 600 {
		t.Fatalf("whole list: %d sessions, %v", len(whole.Sessions), err)
	}
	var walked []api.SessionInfo
	after := ""
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("pages do not end")
		}
		_, body := do("GET", "/api/v1/sessions?limit=11&after="+after, true)
		var l api.SessionList
		if err := json.Unmarshal([]byte(body), &l); err != nil || l.Total == nil || *l.Total != 600 || len(l.Sessions) > 11 {
			t.Fatalf("page after %q: %s", after, body)
		}
		walked = append(walked, l.Sessions...)
		if after = l.Next; after == "" {
			break
		}
	}
	if diff := cmp.Diff(whole.Sessions, walked); diff != "" {
		t.Errorf("pages walked differ from the whole list (-want +got):\n%s", diff)
	}
	for i := 1; i < len(whole.Sessions); i++ {
		a, b := whole.Sessions[i-1], whole.Sessions[i]
		if a.SUPI > b.SUPI || a.SUPI == b.SUPI && a.PDUSessionID >= b.PDUSessionID {
			t.Fatalf("whole list out of order at %d: %s:%d then %s:%d", i, a.SUPI, a.PDUSessionID, b.SUPI, b.PDUSessionID)
		}
	}
}
