package openapitest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// CheckHandler sends body to h as one request and fails t unless the
// answer is a success, or a 4xx or 501 (a feature not implemented)
// ProblemDetails (TS 29.500 §5.2.7.2): a server decode entry point never
// faults on input. Fuzz targets of the
// bindings call it with the fuzzer's bodies.
func CheckHandler(t *testing.T, h http.Handler, method, path, contentType string, body []byte) {
	t.Helper()
	req := httptest.NewRequest(method, "http://127.0.0.1"+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	switch {
	case rec.Code >= 200 && rec.Code < 300:
		return
	case rec.Code >= 400 && rec.Code < 500 || rec.Code == http.StatusNotImplemented:
		var pd struct {
			Status int    `json:"status"`
			Cause  string `json:"cause"`
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
			t.Fatalf("%s %s %q: %d with %s, want a ProblemDetails", method, path, body, rec.Code, ct)
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &pd); err != nil || pd.Status != rec.Code {
			t.Fatalf("%s %s %q: %d %s: not a ProblemDetails of that status (%v)", method, path, body, rec.Code, rec.Body, err)
		}
	default:
		t.Fatalf("%s %s %q: answered %d %s", method, path, body, rec.Code, rec.Body)
	}
}
