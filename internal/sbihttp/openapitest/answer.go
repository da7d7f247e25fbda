package openapitest

import (
	"bytes"
	"io"
	"net/http"
)

// Answering is a RoundTripper that answers every request with one
// status and body, without a network: fuzz targets of the clients give
// it the fuzzer's answers to prove no answer makes a client panic.
type Answering struct {
	Status      int
	ContentType string
	Body        []byte
}

// RoundTrip answers req.
func (a Answering) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	h := http.Header{"Content-Type": {a.ContentType}, "Location": {"http://127.0.0.1/x"}}
	return &http.Response{StatusCode: a.Status, Header: h, Body: io.NopCloser(bytes.NewReader(a.Body)), Request: req}, nil
}
