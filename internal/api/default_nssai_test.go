package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/api"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/store"
)

// TestDefaultNSSAI checks the "default" mark of a subscriber's slices
// (TS 23.501 §5.15.5.2.1): the slices marked are stored as the defaults
// and answered marked; a PATCH without nssai keeps them; an nssai without
// marks makes its first slice the default; a subscriber stored without
// marks is answered with its first slice marked; a JSON import carries
// the marks.
func TestDefaultNSSAI(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const supi = "imsi-001010000000001"
	sd1 := ident.SNSSAI{SST: 1, SD: 1, HasSD: true}
	sst2 := ident.SNSSAI{SST: 2}

	storedDefaults := func(supi string) []ident.SNSSAI {
		t.Helper()
		s, err := e.store.GetSubscriber(ctx, supi)
		if err != nil {
			t.Fatalf("GetSubscriber(%s) = %v", supi, err)
		}
		return s.DefaultNSSAI
	}
	answered := func(method, path, body string, wantCode int) []api.SNSSAI {
		t.Helper()
		code, b := e.do(method, path, "application/json", body)
		if code != wantCode {
			t.Fatalf("%s %s %s = %d %s, want %d", method, path, body, code, b, wantCode)
		}
		var got api.Subscriber
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%s %s: answer %s: %v", method, path, b, err)
		}
		return got.NSSAI
	}

	create := `{"supi":"` + supi + `","k":"` + testK + `","opc":"` + testOPc + `",` +
		`"nssai":[{"sst":1},{"sst":1,"sd":"000001","default":true},{"sst":2,"default":true}]}`
	wantAPI := []api.SNSSAI{{SST: 1}, {SST: 1, SD: "000001", Default: true}, {SST: 2, Default: true}}
	if diff := cmp.Diff(wantAPI, answered("POST", "/api/v1/subscribers", create, http.StatusCreated)); diff != "" {
		t.Errorf("create answer nssai mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]ident.SNSSAI{sd1, sst2}, storedDefaults(supi)); diff != "" {
		t.Errorf("stored defaults after create mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantAPI, answered("GET", "/api/v1/subscribers/"+supi, "", http.StatusOK)); diff != "" {
		t.Errorf("get answer nssai mismatch (-want +got):\n%s", diff)
	}

	answered("PATCH", "/api/v1/subscribers/"+supi, `{"ue_ambr":{"uplink":"1 Mbps","downlink":"2 Mbps"}}`, http.StatusOK)
	if diff := cmp.Diff([]ident.SNSSAI{sd1, sst2}, storedDefaults(supi)); diff != "" {
		t.Errorf("stored defaults after a PATCH without nssai mismatch (-want +got):\n%s", diff)
	}

	got := answered("PATCH", "/api/v1/subscribers/"+supi, `{"nssai":[{"sst":2},{"sst":1}]}`, http.StatusOK)
	if diff := cmp.Diff([]api.SNSSAI{{SST: 2, Default: true}, {SST: 1}}, got); diff != "" {
		t.Errorf("PATCH nssai without marks: answer mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]ident.SNSSAI{sst2}, storedDefaults(supi)); diff != "" {
		t.Errorf("stored defaults after a PATCH of nssai without marks mismatch (-want +got):\n%s", diff)
	}

	// Written without marks (as before schema version 5, or by Keel's
	// own development subscriber): the first slice is the default.
	k := secret.RandomKey128()
	bare := &store.Subscriber{SUPI: "imsi-001010000000002", Auth: store.AuthData{K: k, OPc: k}, NSSAI: []ident.SNSSAI{sst2, sd1}}
	if err := e.store.CreateSubscriber(ctx, bare); err != nil {
		t.Fatalf("CreateSubscriber = %v", err)
	}
	got = answered("GET", "/api/v1/subscribers/"+bare.SUPI, "", http.StatusOK)
	if diff := cmp.Diff([]api.SNSSAI{{SST: 2, Default: true}, {SST: 1, SD: "000001"}}, got); diff != "" {
		t.Errorf("subscriber stored without marks: answer mismatch (-want +got):\n%s", diff)
	}

	imp := `[{"supi":"imsi-001010000000003","k":"` + testK + `","opc":"` + testOPc + `","nssai":[{"sst":1},{"sst":2,"default":true}]}]`
	if code, b := e.do("POST", "/api/v1/subscribers/import", "application/json", imp); code != http.StatusOK {
		t.Fatalf("JSON import = %d %s", code, b)
	}
	if diff := cmp.Diff([]ident.SNSSAI{sst2}, storedDefaults("imsi-001010000000003")); diff != "" {
		t.Errorf("stored defaults after JSON import mismatch (-want +got):\n%s", diff)
	}

	code, b := e.do("POST", "/api/v1/subscribers", "application/json",
		`{"supi":"imsi-001010000000004","k":"`+testK+`","opc":"`+testOPc+`","nssai":[{"sst":1,"default":"yes"}]}`)
	var apiErr api.Error
	if json.Unmarshal(b, &apiErr); code != http.StatusBadRequest || apiErr.Field == "" {
		t.Errorf("create with a non-boolean default = %d %s, want 400 naming the field", code, b)
	}
}
