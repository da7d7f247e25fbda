package ident

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"
)

// commonData loads the schemas of identifiers from the Rel-17 TS 29.571
// OpenAPI document, the oracle for the JSON forms: the repository's copy
// (internal/sbihttp/openapitest/openapi), else the one beside the
// repository (../shared/3gpp/openapi-rel17). Only these schemas and those
// they refer to are taken: the whole document refers to files of other
// specifications that the identifiers do not need.
func commonData(t *testing.T) *openapi3.T {
	t.Helper()
	var path string
	var src []byte
	for _, p := range []string{
		"../sbihttp/openapitest/openapi/TS29571_CommonData.yaml",
		"../../../shared/3gpp/openapi-rel17/TS29571_CommonData.yaml",
	} {
		var err error
		if src, err = os.ReadFile(p); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		t.Skip("TS29571_CommonData.yaml (3GPP Rel-17 OpenAPI) is in neither internal/sbihttp/openapitest/openapi nor ../shared/3gpp/openapi-rel17")
	}
	var full struct {
		Components struct {
			Schemas map[string]any `yaml:"schemas"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(src, &full); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	subset := map[string]any{}
	var take func(name string)
	take = func(name string) {
		if _, done := subset[name]; done {
			return
		}
		s, ok := full.Components.Schemas[name]
		if !ok {
			t.Fatalf("schema %s not in %s", name, path)
		}
		subset[name] = s
		for _, ref := range localRefs(s) {
			take(ref)
		}
	}
	for _, name := range []string{"PlmnId", "Tai", "Snssai", "Guami", "Supi", "SupiOrSuci", "Dnn"} {
		take(name)
	}
	doc := map[string]any{
		"openapi":    "3.0.0",
		"info":       map[string]any{"title": "TS 29.571 identifiers", "version": "17"},
		"paths":      map[string]any{},
		"components": map[string]any{"schemas": subset},
	}
	data, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	out, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		t.Fatalf("loading the identifier schemas of %s: %v", path, err)
	}
	return out
}

// localRefs lists the schema names a YAML node refers to with
// "#/components/schemas/NAME".
func localRefs(node any) []string {
	var out []string
	switch v := node.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); k == "$ref" && ok {
				if name, ok := strings.CutPrefix(s, "#/components/schemas/"); ok {
					out = append(out, name)
				}
				continue
			}
			out = append(out, localRefs(x)...)
		}
	case []any:
		for _, x := range v {
			out = append(out, localRefs(x)...)
		}
	}
	return out
}

// TestJSONAgainstOpenAPI validates every golden JSON form against its
// TS 29.571 schema, and checks that the schema refuses what UnmarshalJSON
// refuses where the schema can say so.
func TestJSONAgainstOpenAPI(t *testing.T) {
	doc := commonData(t)
	check := func(schema, js string) error {
		ref, ok := doc.Components.Schemas[schema]
		if !ok {
			t.Fatalf("schema %s not in TS29571_CommonData.yaml", schema)
		}
		var v any
		if err := json.Unmarshal([]byte(js), &v); err != nil {
			t.Fatal(err)
		}
		return ref.Value.VisitJSON(v)
	}
	for _, tc := range jsonCases(t) {
		if tc.schema == "" {
			continue
		}
		if err := check(tc.schema, tc.golden); err != nil {
			t.Errorf("%s: %s does not satisfy TS 29.571 %s: %v", tc.name, tc.golden, tc.schema, err)
		}
	}
	for _, bad := range []struct{ schema, js string }{
		{"PlmnId", `{"mcc":"01","mnc":"01"}`},
		{"Tai", `{"plmnId":{"mcc":"001","mnc":"01"},"tac":"00001"}`},
		{"Snssai", `{"sst":1,"sd":"zz"}`},
		{"Snssai", `{"sst":256}`},
		{"Guami", `{"plmnId":{"mcc":"001","mnc":"01"},"amfId":"cafe0"}`},
	} {
		if check(bad.schema, bad.js) == nil {
			t.Errorf("TS 29.571 %s accepts %s; the oracle cannot tell", bad.schema, bad.js)
		}
		var err error
		switch bad.schema {
		case "PlmnId":
			err = json.Unmarshal([]byte(bad.js), new(PLMN))
		case "Tai":
			err = json.Unmarshal([]byte(bad.js), new(TAI))
		case "Snssai":
			err = json.Unmarshal([]byte(bad.js), new(SNSSAI))
		case "Guami":
			err = json.Unmarshal([]byte(bad.js), new(GUAMI))
		}
		if err == nil {
			t.Errorf("UnmarshalJSON accepts %s, which TS 29.571 %s refuses", bad.js, bad.schema)
		}
	}
}
