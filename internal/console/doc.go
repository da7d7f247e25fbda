// Package console serves the operator console: the HTML, JavaScript and
// CSS built from web/ into dist/, embedded in the binary (go:embed) so
// that Keel serves its console with no Node.js and no files beside it.
// The management API (internal/api) mounts the Handler at "/" on its own
// listener, so the console and the API share an origin and the console's
// requests carry the session cookie and CSRF token the API checks.
//
// # How dist/ is built
//
// The sources are in web/ (plain ES modules and one stylesheet, no
// framework). `go run ./internal/console/build` builds them with
// esbuild's Go API (package webbuild) into dist/, which is committed;
// `npm run build` in web/ writes the same bytes. TestAssetsUpToDate
// rebuilds in memory and fails when the committed dist/ differs from its
// sources; TestAssetsSize keeps the JavaScript and CSS under 200 KB
// gzip-compressed.
//
// # What is served
//
// Every file of dist/ at its path; index.html at "/" and at every other
// path without a file extension, the console's client-side routes
// ("/ues/imsi-001010000000001"), so that a reload or a shared link opens
// the page; 404 for a missing path with an extension (a missing asset).
// Only GET and HEAD. Each file is answered with an ETag (its SHA-256) and
// "Cache-Control: no-cache", so browsers revalidate and a new binary's
// assets are never served stale; text files are gzip-compressed once, at
// start, for clients that accept it.
//
// # Security headers
//
// Every answer carries a Content-Security-Policy without inline scripts
// or styles (script-src 'self', style-src 'self', connect-src 'self',
// frame-ancestors 'none', ...), X-Content-Type-Options: nosniff,
// Referrer-Policy: no-referrer and X-Frame-Options: DENY: data shown by
// the console can never run as script, and the console cannot be framed.
//
// # Concurrency
//
// A Handler is immutable once built and safe for concurrent use.
package console
