package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"gopkg.in/yaml.v3"

	"github.com/keelcore/keel/internal/api"
	"github.com/keelcore/keel/internal/procevent"
	"github.com/keelcore/keel/internal/secret"
)

// TestOpenAPIDocument checks that the served document parses, that every
// $ref in it resolves, that every route it documents is served and that
// every route Keel serves is documented.
func TestOpenAPIDocument(t *testing.T) {
	opts := api.Options{RAN: &fakeRAN{}, UEs: &fakeUEs{}, HNKeys: fakeHNKeys{}, Sessions: fakeSessions{}, Gatherer: prometheus.NewRegistry(),
		Sampler: api.NewSampler(api.SamplerOptions{Read: func() api.Counters { return api.Counters{} }}), Events: procevent.NewRing(0), Config: &api.ConfigView{}}
	do := testServer(t, opts)
	if code, _ := do("GET", "/api/v1/openapi.yaml", false); code != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/openapi.yaml without token = %d, want 401", code)
	}
	code, body := do("GET", "/api/v1/openapi.yaml", true)
	if code != 200 {
		t.Fatalf("GET /api/v1/openapi.yaml = %d", code)
	}
	var doc struct {
		OpenAPI string                    `yaml:"openapi"`
		Paths   map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("openapi.yaml does not parse: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi = %q, want 3.x", doc.OpenAPI)
	}
	var tree any
	yaml.Unmarshal([]byte(body), &tree)
	walkRefs(tree, func(ref string) {
		if !resolves(tree, ref) {
			t.Errorf("$ref %s does not resolve", ref)
		}
	})

	// documented maps "METHOD /path" to whether the document asks for the
	// admin token (an operation's "security: []" waives it).
	documented := map[string]bool{}
	for path, item := range doc.Paths {
		for method, v := range item {
			op, isOp := v.(map[string]any)
			if method == "parameters" || !isOp {
				continue
			}
			sec, hasSec := op["security"].([]any)
			documented[strings.ToUpper(method)+" "+path] = !hasSec || len(sec) > 0
			concrete := strings.NewReplacer("{supi}", "imsi-001010000000001", "{id}", "gnb-00101-1").Replace(path)
			code, body := do(strings.ToUpper(method), concrete, false)
			if code == http.StatusNotFound && strings.Contains(body, "no such route") {
				t.Errorf("%s %s is documented but not served", strings.ToUpper(method), path)
			}
		}
	}
	opts.Token = secret.NewToken()
	s, err := api.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range s.Routes() {
		auth, ok := documented[r.Pattern]
		switch {
		case !ok:
			t.Errorf("%s is served but not in openapi.yaml", r.Pattern)
		case auth != r.Auth:
			t.Errorf("%s: served with token required = %v, documented %v", r.Pattern, r.Auth, auth)
		}
	}
}

func walkRefs(n any, f func(string)) {
	switch v := n.(type) {
	case map[string]any:
		for k, c := range v {
			if s, ok := c.(string); ok && k == "$ref" {
				f(s)
			}
			walkRefs(c, f)
		}
	case []any:
		for _, c := range v {
			walkRefs(c, f)
		}
	}
}

func resolves(tree any, ref string) bool {
	path, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return false
	}
	n := tree
	for _, part := range strings.Split(path, "/") {
		m, ok := n.(map[string]any)
		if !ok {
			return false
		}
		if n, ok = m[part]; !ok {
			return false
		}
	}
	return true
}
