package openapitest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// Validator checks the SBI exchanges of one test against the documents
// and fails the test on every violation. Its wrappers are safe for
// concurrent use; Count reads how many exchanges it checked.
type Validator struct {
	t    testing.TB
	spec *Spec
	opts Options
	// checked counts the exchanges validated, for tests that assert the
	// oracle saw their traffic.
	checked atomic.Int64
	// mu guards done; after the test ends the wrappers stop reporting
	// (testing.T must not be used then).
	mu   sync.Mutex
	done bool
}

// Options relaxes a Validator.
type Options struct {
	// BadRequests is for tests that send malformed requests on purpose: a
	// request that breaks the documents passes when the answer is a 4xx
	// that itself conforms (a ProblemDetails); a 2xx or 5xx to it fails.
	BadRequests bool
}

// New returns a validator reporting to t; it stops t when the documents
// do not load.
func New(t testing.TB, opts ...Options) *Validator {
	t.Helper()
	spec, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	v := &Validator{t: t, spec: spec}
	if len(opts) > 0 {
		v.opts = opts[0]
	}
	t.Cleanup(func() {
		v.mu.Lock()
		v.done = true
		v.mu.Unlock()
	})
	return v
}

// Count is the number of request and answer pairs validated so far.
func (v *Validator) Count() int64 { return v.checked.Load() }

func (v *Validator) errorf(format string, args ...any) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.done {
		v.t.Errorf(format, args...)
	}
}

var validation = &openapi3filter.Options{
	AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
	IncludeResponseStatus: true,
}

// Check validates one exchange: the request (its body given apart) and
// the answer. It returns the request's violation and the answer's.
func (v *Validator) Check(req *http.Request, reqBody []byte, status int, header http.Header, body []byte) (reqErr, respErr error) {
	var route *routers.Route
	var params map[string]string
	var err error
	if cb := req.Header.Get("3gpp-Sbi-Callback"); cb != "" {
		// A notification to a consumer's callback URI (TS 29.500
		// §5.2.3.2.4): the operation is the callback its value names.
		route, err = v.spec.findCallback(cb, req.Method)
	} else {
		route, params, err = v.spec.find(req.Method, req.URL.EscapedPath())
	}
	if err != nil {
		return err, nil
	}
	in := &openapi3filter.RequestValidationInput{
		Request:    cloneWithBody(req, reqBody),
		PathParams: params,
		Route:      route,
		Options:    validation,
	}
	reqErr = openapi3filter.ValidateRequest(context.Background(), in)
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 status,
		Header:                 header,
		Options:                validation,
	}
	out.SetBodyBytes(body)
	respErr = openapi3filter.ValidateResponse(context.Background(), out)
	var re *openapi3filter.ResponseError
	if errors.As(respErr, &re) && re.Reason == "status is not supported" && mandatoryStatus[status] {
		respErr = checkProblem(header, body)
	}
	v.checked.Add(1)
	return reqErr, respErr
}

// mandatoryStatus are the status codes every SBI API supports for every
// method, whether or not its document lists them (TS 29.500 Table
// 5.2.7.1-1, "M"): their body is a ProblemDetails.
var mandatoryStatus = map[int]bool{400: true, 401: true, 411: true, 413: true, 415: true, 429: true, 500: true, 501: true, 503: true}

// checkProblem checks an answer the operation's document does not list
// is a ProblemDetails (TS 29.571 §5.2.4.1): the media type, and the
// types of the attributes Keel's consumers read.
func checkProblem(header http.Header, body []byte) error {
	if ct := header.Get("Content-Type"); ct != "application/problem+json" {
		return fmt.Errorf("openapitest: a status the document does not list must carry application/problem+json, not %q", ct)
	}
	var pd struct {
		Type, Title, Detail, Instance, Cause string
		Status                               int
		InvalidParams                        []struct {
			Param  string `json:"param"`
			Reason string `json:"reason"`
		} `json:"invalidParams"`
	}
	if err := json.Unmarshal(body, &pd); err != nil {
		return fmt.Errorf("openapitest: ProblemDetails: %w", err)
	}
	return nil
}

// report fails the test for the violations of one exchange seen by who.
func (v *Validator) report(who string, req *http.Request, reqBody []byte, status int, body []byte, reqErr, respErr error) {
	if reqErr != nil {
		if v.opts.BadRequests && status >= 400 && status < 500 {
			reqErr = nil // answered as bad input should be
		} else {
			v.errorf("openapitest (%s): %s %s: request breaks the OpenAPI documents: %v\nbody: %s\nanswered %d: %s", who, req.Method, req.URL.Path, reqErr, reqBody, status, body)
		}
	}
	if respErr != nil {
		v.errorf("openapitest (%s): %s %s: answer %d breaks the OpenAPI documents: %v\nbody: %s", who, req.Method, req.URL.Path, status, respErr, body)
	}
}

func cloneWithBody(req *http.Request, body []byte) *http.Request {
	c := req.Clone(context.Background())
	c.Body = io.NopCloser(bytes.NewReader(body))
	c.ContentLength = int64(len(body))
	return c
}

// Middleware wraps a server's handler: every request it serves and every
// answer it gives are validated.
func (v *Validator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqBody, err := io.ReadAll(r.Body)
		if err != nil {
			v.errorf("openapitest: reading request body: %v", err)
		}
		r.Body = io.NopCloser(bytes.NewReader(reqBody))
		rec := &recorder{ResponseWriter: w, header: w.Header()}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		reqErr, respErr := v.Check(r, reqBody, rec.status, rec.header, rec.body.Bytes())
		v.report("server", r, reqBody, rec.status, rec.body.Bytes(), reqErr, respErr)
	})
}

// recorder copies what a handler writes while passing it on.
type recorder struct {
	http.ResponseWriter
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

// Transport wraps a client's RoundTripper: every request it sends and
// every answer it receives are validated.
func (v *Validator) Transport(next http.RoundTripper) http.RoundTripper {
	return roundTripper{v: v, next: next}
}

type roundTripper struct {
	v    *Validator
	next http.RoundTripper
}

func (rt roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil {
		var err error
		if reqBody, err = io.ReadAll(req.Body); err != nil {
			return nil, fmt.Errorf("openapitest: reading request body: %w", err)
		}
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(reqBody)), nil }
	}
	resp, err := rt.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	reqErr, respErr := rt.v.Check(req, reqBody, resp.StatusCode, resp.Header, body)
	rt.v.report("client", req, reqBody, resp.StatusCode, body, reqErr, respErr)
	return resp, nil
}

// Operation names the document operation a request is, for tests that
// check which operation a binding used ("POST /ue-authentications").
func (v *Validator) Operation(method, escapedPath string) (*routers.Route, error) {
	r, _, err := v.spec.find(method, escapedPath)
	return r, err
}
