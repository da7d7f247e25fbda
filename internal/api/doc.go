// Package api is Keel's management API: HTTP with JSON bodies, described by
// the OpenAPI 3 document openapi.yaml beside this file and served at
// /api/v1/openapi.yaml.
//
// Every route under /api/ needs the admin token as a bearer credential
// ("Authorization: Bearer <token>"); /healthz, /readyz and /metrics do not.
// K, OP and OPc are write-only: requests may carry them, no response does,
// and no log line names them.
//
// # Errors
//
// A client mistake is a 4xx answer whose body is an Error: a message, the
// request field it concerns where there is one, and for imports the rows
// that were refused. A 500 means a fault in Keel or its store, never a
// malformed request.
//
// # Concurrency
//
// A Server is safe for concurrent use; it holds no state of its own beyond
// what it was built with. Request handling is bounded by the store.
package api
