package api_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/api"
	"github.com/keelcore/keel/internal/crypto/suci"
	"github.com/keelcore/keel/internal/hnkey"
	"github.com/keelcore/keel/internal/secret"
)

type fakeUEs struct {
	list          []api.UEInfo
	deregistered  []string
	deregisterErr error
}

func (f *fakeUEs) UEs() []api.UEInfo { return f.list }

func (f *fakeUEs) Deregister(_ context.Context, supi string) error {
	if f.deregisterErr != nil {
		return f.deregisterErr
	}
	for _, u := range f.list {
		if u.SUPI == supi {
			f.deregistered = append(f.deregistered, supi)
			return nil
		}
	}
	return fmt.Errorf("amf: %s: %w", supi, api.ErrNotFound)
}

type fakeHNKeys []hnkey.PublicKey

func (f fakeHNKeys) Public() []hnkey.PublicKey { return f }

// testServer serves opts with a fresh token and returns a request helper.
func testServer(t *testing.T, opts api.Options) func(method, path string, auth bool) (int, string) {
	t.Helper()
	opts.Token = secret.NewToken()
	s, err := api.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return func(method, path string, auth bool) (int, string) {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		if auth {
			req.Header.Set("Authorization", "Bearer "+opts.Token.Reveal())
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
}

var at = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestUERoutes(t *testing.T) {
	ues := &fakeUEs{list: []api.UEInfo{
		{SUPI: "imsi-001010000000002", State: "registered", GUTI: "5g-guti-00101-010040-0000000b", GNB: "gnb-00101-1",
			AMFUENGAPID: 11, RANUENGAPID: 1, TAI: "00101-000001", LastActivity: at, CMState: "connected"},
		{SUPI: "imsi-001010000000001", State: "authenticating", GNB: "gnb-00101-1", AMFUENGAPID: 10, RANUENGAPID: 2, LastActivity: at, CMState: "connected"},
		{SUPI: "imsi-001010000000003", State: "registered", GUTI: "5g-guti-00101-010040-0000000c", LastActivity: at, CMState: "idle"},
	}}
	do := testServer(t, api.Options{UEs: ues})
	if code, _ := do("GET", "/api/v1/ues", false); code != 401 {
		t.Errorf("GET /api/v1/ues without token = %d, want 401", code)
	}
	code, body := do("GET", "/api/v1/ues", true)
	var list api.UEList
	if err := json.Unmarshal([]byte(body), &list); code != 200 || err != nil {
		t.Fatalf("GET /api/v1/ues = %d %s", code, body)
	}
	want := []api.UEInfo{ues.list[1], ues.list[0], ues.list[2]}
	if diff := cmp.Diff(want, list.UEs); diff != "" {
		t.Errorf("GET /api/v1/ues, sorted by SUPI (-want +got):\n%s", diff)
	}
	for _, field := range []string{`"amf_ue_ngap_id": 11`, `"ran_ue_ngap_id": 1`, `"guti"`, `"tai"`, `"last_activity": "2026-03-01T12:00:00Z"`,
		`"cm_state": "connected"`, `"cm_state": "idle"`} {
		if !strings.Contains(body, field) {
			t.Errorf("UE JSON lacks %s: %s", field, body)
		}
	}

	code, body = do("GET", "/api/v1/ues?state=registered", true)
	if json.Unmarshal([]byte(body), &list); code != 200 || len(list.UEs) != 2 || list.UEs[0].SUPI != "imsi-001010000000002" {
		t.Errorf("GET /api/v1/ues?state=registered = %d %s", code, body)
	}
	if code, body = do("GET", "/api/v1/ues?state=deregistered", true); code != 200 || !strings.Contains(body, `"ues": []`) {
		t.Errorf("GET /api/v1/ues?state=deregistered = %d %s, want an empty list", code, body)
	}

	code, body = do("GET", "/api/v1/ues/imsi-001010000000001", true)
	var one api.UEInfo
	if json.Unmarshal([]byte(body), &one); code != 200 || one != ues.list[1] {
		t.Errorf("GET /api/v1/ues/imsi-001010000000001 = %d %s", code, body)
	}
	if code, body := do("GET", "/api/v1/ues/imsi-001010000000009", true); code != 404 || !strings.Contains(body, `"field": "supi"`) {
		t.Errorf("GET of an unknown UE = %d %s, want 404 naming supi", code, body)
	}

	if code, _ := do("POST", "/api/v1/ues/imsi-001010000000002/deregister", false); code != 401 || len(ues.deregistered) != 0 {
		t.Errorf("deregister without token = %d, want 401 and nothing done", code)
	}
	if code, body := do("POST", "/api/v1/ues/imsi-001010000000002/deregister", true); code != 202 || len(ues.deregistered) != 1 {
		t.Errorf("deregister = %d %s, deregistered %v; want 202", code, body, ues.deregistered)
	}
	if code, body := do("POST", "/api/v1/ues/imsi-001010000000009/deregister", true); code != 404 || !strings.Contains(body, `"field": "supi"`) {
		t.Errorf("deregister of an unknown UE = %d %s, want 404 naming supi", code, body)
	}
	ues.deregisterErr = fmt.Errorf("amf: NAS transport closed")
	if code, _ := do("POST", "/api/v1/ues/imsi-001010000000002/deregister", true); code != 500 {
		t.Errorf("deregister failing in the AMF = %d, want 500", code)
	}
}

func TestUERoutesEmpty(t *testing.T) {
	do := testServer(t, api.Options{UEs: &fakeUEs{}})
	if code, body := do("GET", "/api/v1/ues", true); code != 200 || !strings.Contains(body, `"ues": []`) {
		t.Errorf("GET /api/v1/ues with no UE = %d %s, want an empty list", code, body)
	}
}

func TestHNKeyRoute(t *testing.T) {
	// The home network keys of TS 33.501 Annex C.4.3 and C.4.4, served
	// from a real key ring so that the uncompressed profile B point is
	// Keel's own derivation.
	priv := func(s string) []byte { b, _ := hex.DecodeString(s); return b }
	a, errA := suci.NewKey(1, suci.ProfileA, priv("c53c22208b61860b06c62e5406a7b330c2b577aa5558981510d128247d38bd1d"))
	b, errB := suci.NewKey(2, suci.ProfileB, priv("f1ab1074477ebcc7f554ea1c5fc368b1616730155e0041ac447d6301975fecda"))
	keys, err := hnkey.NewKeyring(a, b)
	if errA != nil || errB != nil || err != nil {
		t.Fatal(errA, errB, err)
	}
	do := testServer(t, api.Options{HNKeys: keys})
	if code, _ := do("GET", "/api/v1/home-network-keys", false); code != 401 {
		t.Errorf("GET /api/v1/home-network-keys without token = %d, want 401", code)
	}
	code, body := do("GET", "/api/v1/home-network-keys", true)
	want := `{
  "keys": [
    {
      "id": 1,
      "scheme": "A",
      "public_key": "5a8d38864820197c3394b92613b20b91633cbd897119273bf8e4a6f4eec0a650"
    },
    {
      "id": 2,
      "scheme": "B",
      "public_key": "0272da71976234ce833a6907425867b82e074d44ef907dfb4b3e21c1c2256ebcd1",
      "public_key_uncompressed": "0472da71976234ce833a6907425867b82e074d44ef907dfb4b3e21c1c2256ebcd15a7ded52fcbb097a4ed250e036c7b9c8c7004c4eedc4f068cd7bf8d3f900e3b4"
    }
  ]
}
`
	if code != 200 || body != want {
		t.Errorf("GET /api/v1/home-network-keys = %d\n%s\nwant 200\n%s", code, body, want)
	}
}

// TestOptionalRoutes checks that views left out leave their routes out.
func TestOptionalRoutes(t *testing.T) {
	do := testServer(t, api.Options{})
	for _, path := range []string{"/api/v1/ues", "/api/v1/home-network-keys", "/api/v1/gnbs"} {
		if code, _ := do("GET", path, true); code != 404 {
			t.Errorf("GET %s without its view = %d, want 404", path, code)
		}
	}
}

// Deleting a subscriber deregisters its UE (network-initiated, as POST
// .../deregister does); a subscriber without a UE context is deleted all
// the same, and so is one whose deregistration fails in the AMF.
func TestDeleteSubscriberDeregistersUE(t *testing.T) {
	const registered, idle = "imsi-001010000000002", "imsi-001010000000003"
	ues := &fakeUEs{list: []api.UEInfo{{SUPI: registered, State: "registered"}}}
	e := newEnvWith(t, func(o *api.Options) { o.UEs = ues })
	for _, supi := range []string{registered, idle} {
		if code, body := e.do("POST", "/api/v1/subscribers", "application/json", subJSON(supi)); code != 201 {
			t.Fatalf("create %s = %d %s", supi, code, body)
		}
	}
	if code, body := e.do("DELETE", "/api/v1/subscribers/"+registered, "", ""); code != 204 {
		t.Fatalf("DELETE %s = %d %s, want 204", registered, code, body)
	}
	if diff := cmp.Diff([]string{registered}, ues.deregistered); diff != "" {
		t.Errorf("UEs deregistered after the delete (-want +got):\n%s", diff)
	}
	if _, err := e.store.GetSubscriber(context.Background(), registered); err == nil {
		t.Errorf("subscriber %s still stored after DELETE", registered)
	}
	if code, body := e.do("DELETE", "/api/v1/subscribers/"+idle, "", ""); code != 204 || len(ues.deregistered) != 1 {
		t.Errorf("DELETE of a subscriber without a UE = %d %s, deregistered %v; want 204 and no deregistration", code, body, ues.deregistered)
	}
	if code, _ := e.do("DELETE", "/api/v1/subscribers/"+idle, "", ""); code != 404 || len(ues.deregistered) != 1 {
		t.Errorf("DELETE of an absent subscriber = %d, deregistered %v; want 404 and nothing done", code, ues.deregistered)
	}
}
