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
// # Checks against the configuration
//
// Options.Served holds what the core serves; a request naming a DNN it
// does not serve, or a static address the DNN's pool cannot give (outside
// it, its network, gateway — the UPF's N6 address — or broadcast address)
// is refused with 400 naming the field. A static address another
// subscriber holds is refused by the store (store.ErrAddressInUse) and
// answered 409 naming the field and the holder.
//
// # Imports
//
// An import body is streamed: each row is read (at most maxRowBytes of
// it), checked and written to a spool on disk before the next, and the
// store then takes the spool in one transaction (store.Store.ImportStream),
// so memory does not grow with the import and the store's write lock is
// not held while the client sends. Every row is read even after a refusal, so that the
// answer lists the refused rows (the first store.MaxImportErrors, and a
// count of the rest); nothing is stored unless every row is.
//
// # Concurrency
//
// A Server is safe for concurrent use; it holds no state of its own beyond
// what it was built with. Request handling is bounded by the store.
package api
