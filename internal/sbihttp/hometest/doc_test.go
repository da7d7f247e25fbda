// Package hometest runs the same behaviour tests against the home
// network functions (AUSF, UDM, UDR over one SQLite store) called
// directly, as in one process, and called over their HTTP/2 bindings
// (packages nausf, nudm, nudr), each NF behind its own h2c server, every
// request and answer validated against the Rel-17 OpenAPI documents.
package hometest_test
