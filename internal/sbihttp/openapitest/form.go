package openapitest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// formBodyDecoder reads an application/x-www-form-urlencoded body for
// validation as the OpenAPI 3.0 encoding object describes it: a field
// whose encoding names contentType application/json (the PLMN and
// S-NSSAI fields of TS 29.510's AccessTokenReq) holds JSON; an array
// field repeats (style form, explode true); other fields are scalars of
// their schema's type. kin-openapi's own form decoder refuses object
// fields outright.
func formBodyDecoder(body io.Reader, _ http.Header, schema *openapi3.SchemaRef, enc openapi3filter.EncodingFn) (any, error) {
	b, err := io.ReadAll(body)
	if err != nil {
		return nil, err
	}
	vals, err := url.ParseQuery(string(b))
	if err != nil {
		return nil, fmt.Errorf("form: %w", err)
	}
	out := make(map[string]any, len(vals))
	for name, vs := range vals {
		var prop *openapi3.Schema
		if schema != nil && schema.Value != nil && schema.Value.Properties[name] != nil {
			prop = schema.Value.Properties[name].Value
		}
		if e := enc(name); e != nil && e.ContentType == "application/json" {
			var v any
			if err := json.Unmarshal([]byte(vs[0]), &v); err != nil {
				return nil, fmt.Errorf("form field %s: %w", name, err)
			}
			out[name] = v
			continue
		}
		if prop != nil && prop.Type.Is("array") {
			items := make([]any, len(vs))
			for i, v := range vs {
				var item *openapi3.Schema
				if prop.Items != nil {
					item = prop.Items.Value
				}
				items[i] = scalar(item, v)
			}
			out[name] = items
			continue
		}
		if len(vs) != 1 {
			return nil, fmt.Errorf("form field %s given %d times", name, len(vs))
		}
		out[name] = scalar(prop, vs[0])
	}
	return out, nil
}

// scalar converts a form value to its schema's type, leaving it a string
// when it is not one (the schema check then reports it).
func scalar(s *openapi3.Schema, v string) any {
	if s == nil {
		return v
	}
	switch {
	case s.Type.Is("integer"):
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n
		}
	case s.Type.Is("number"):
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return f
		}
	case s.Type.Is("boolean"):
		if b, err := strconv.ParseBool(v); err == nil {
			return b
		}
	}
	return v
}
