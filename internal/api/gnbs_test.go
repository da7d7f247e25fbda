package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/keelcore/keel/internal/api"
	"github.com/keelcore/keel/internal/secret"
)

type fakeRAN struct{ resets []string }

func (f *fakeRAN) GNBs() []api.GNBInfo {
	return []api.GNBInfo{{ID: "gnb-00101-1", PLMN: "001-01", GNBID: "1", GNBIDBits: 22, State: "ready", Address: "127.0.0.1:5000",
		SupportedTA: []api.TAInfo{{TAC: 1, PLMNs: []string{"001-01"}, Slices: []string{"1"}}}}}
}

func (f *fakeRAN) ResetGNB(_ context.Context, id string) error {
	if id != "gnb-00101-1" {
		return api.ErrNotFound
	}
	f.resets = append(f.resets, id)
	return nil
}

func TestGNBRoutes(t *testing.T) {
	ran := &fakeRAN{}
	tok := secret.NewToken()
	s, err := api.New(api.Options{Token: tok, RAN: ran})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	do := func(method, path string, auth bool) (int, string) {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		if auth {
			req.Header.Set("Authorization", "Bearer "+tok.Reveal())
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := do("GET", "/api/v1/gnbs", false); code != 401 {
		t.Errorf("GET /api/v1/gnbs without token = %d, want 401", code)
	}
	code, body := do("GET", "/api/v1/gnbs", true)
	var list api.GNBList
	if err := json.Unmarshal([]byte(body), &list); code != 200 || err != nil || len(list.GNBs) != 1 || list.GNBs[0].ID != "gnb-00101-1" {
		t.Errorf("GET /api/v1/gnbs = %d %s", code, body)
	}
	if !strings.Contains(body, `"supported_tas"`) || !strings.Contains(body, `"gnb_id_bits": 22`) {
		t.Errorf("gNB JSON lacks documented fields: %s", body)
	}
	if code, _ := do("POST", "/api/v1/gnbs/gnb-00101-1/reset", true); code != 204 || len(ran.resets) != 1 {
		t.Errorf("reset = %d, resets %v", code, ran.resets)
	}
	if code, body := do("POST", "/api/v1/gnbs/gnb-00101-9/reset", true); code != 404 || !strings.Contains(body, `"field": "id"`) {
		t.Errorf("reset of unknown gNB = %d %s, want 404 naming id", code, body)
	}
}
