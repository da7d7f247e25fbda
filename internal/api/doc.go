// Package api is Keel's management API: HTTP with JSON bodies, described by
// the OpenAPI 3 document openapi.yaml beside this file and served at
// /api/v1/openapi.yaml.
//
// Every route under /api/ needs the admin token as a bearer credential
// ("Authorization: Bearer <token>") or the operator console's session
// cookie; /healthz, /readyz, /metrics and the sign-in do not.
//
// # Console sessions
//
// POST /api/v1/session trades the admin token for a session
// (internal/websession): its id in an HttpOnly, SameSite=Strict cookie
// (Secure when the request came over TLS), its CSRF token in the body. A
// request authenticated by the cookie whose method may change state
// (RFC 9110 §9.2.1: any but GET, HEAD, OPTIONS) must repeat that token in
// X-CSRF-Token, or is refused 403: a page of another origin can make the
// browser send the cookie but cannot read the token. A bearer request is
// not made by a browser on its own and needs none. An Authorization
// header, when present, decides alone; a forged or expired cookie is 401
// and cleared. Options.Console serves the console's pages on the same
// origin, at every GET path outside /api/, /metrics, /healthz, /readyz and
// /debug/.
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
// # The console's views
//
// GET /api/v1/overview reads the process's metrics through a Sampler
// (every 2 s, rates over ~10 s; its owner runs it), GET /api/v1/events a
// procevent.Ring the AMF and SMF of the process feed on their failure
// paths, GET /api/v1/config a ConfigView the composition root fills field
// by field without secrets. Views a UEs implementation may also offer
// (UECounter, UEFinder) spare the overview and a UE's detail a copy of
// every UE.
//
// # Concurrency
//
// A Server is safe for concurrent use; beyond what it was built with it
// holds only the console's sessions and sign-in failure counts, each
// behind its own lock (internal/websession). Request handling is bounded
// by the store.
package api
