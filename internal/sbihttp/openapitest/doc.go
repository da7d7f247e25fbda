// Package openapitest is the OpenAPI oracle of Keel's SBI tests: it loads
// the 3GPP Rel-17 OpenAPI documents (a copy in openapi/, every file the
// service documents reach by $ref; see openapi/README.md) with
// github.com/getkin/kin-openapi and validates every request and answer a
// test exchanges against the operation's schema (openapi3filter),
// failing the test on any violation.
//
// Tests wrap servers and clients:
//
//	v := openapitest.New(t)
//	srv := sbihttp.NewServer(sbihttp.ServerConfig{Middleware: []func(http.Handler) http.Handler{v.Middleware}})
//	c := sbihttp.NewClient(sbihttp.ClientConfig{Transport: v.Transport(sbihttp.NewTransport(nil)), ...})
//
// Operations are found by method and path below the documents' server
// URL, "{apiRoot}/nausf-auth/v1" and the like: a request path must begin
// with that prefix. Bad-input tests pass Options{BadRequests: true}: a
// request that breaks the documents must then get a conforming 4xx.
// Count tells a test the validator saw its traffic.
//
// It is for tests only: no production package imports it (a lint test
// checks), so kin-openapi stays out of Keel's binaries.
//
// # Concurrency
//
// The documents are loaded once per test binary and read-only after; a
// Validator's wrappers are safe for concurrent use, and stop reporting
// once their test has ended.
package openapitest
