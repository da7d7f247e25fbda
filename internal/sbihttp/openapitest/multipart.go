package openapitest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// relatedBodyDecoder reads a multipart/related body (RFC 2387; TS 29.500
// §6.1.2.4) for validation: its root part, the JSON of the operation's
// data type, becomes the value of the schema's JSON property ("jsonData"
// in every session management document), which is validated against
// its data type. The binary parts are not: the documents only say they
// are binary. A body whose root part is not JSON fails.
func relatedBodyDecoder(body io.Reader, header http.Header, schema *openapi3.SchemaRef, enc openapi3filter.EncodingFn) (any, error) {
	_, params, err := mime.ParseMediaType(header.Get("Content-Type"))
	if err != nil {
		return nil, fmt.Errorf("multipart/related: %w", err)
	}
	jsonProp := ""
	if schema != nil && schema.Value != nil {
		for name := range schema.Value.Properties {
			if e := enc(name); e != nil && e.ContentType == "application/json" {
				jsonProp = name
			}
		}
	}
	if jsonProp == "" {
		return nil, errors.New("multipart/related: the schema has no application/json part")
	}
	mr := multipart.NewReader(body, params["boundary"])
	p, err := mr.NextRawPart()
	if err != nil {
		return nil, fmt.Errorf("multipart/related: root part: %w", err)
	}
	if ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); ct != "application/json" {
		return nil, fmt.Errorf("multipart/related: root part of type %q, want application/json", ct)
	}
	var v any
	if err := json.NewDecoder(p).Decode(&v); err != nil {
		return nil, fmt.Errorf("multipart/related: root part: %w", err)
	}
	for {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("multipart/related: %w", err)
		}
		if p.Header.Get("Content-Id") == "" {
			return nil, errors.New("multipart/related: a binary part without Content-Id")
		}
	}
	return map[string]any{jsonProp: v}, nil
}
