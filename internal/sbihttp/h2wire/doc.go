// Package h2wire holds what Keel's h2c server (h2server) and client
// (h2client) share in writing and reading HTTP/2 (RFC 9113): header
// field names in lower case, and the error code of a SETTINGS
// parameter out of range.
package h2wire
