// Package webbuild turns the operator console's sources (web/ at the
// repository's root) into the files Keel serves (internal/console/dist):
// main.js and main.css bundled and minified by esbuild's Go API, and
// index.html and favicon.svg copied as they are.
//
// The options are those of web/package.json's "build" script, with the
// same esbuild version (go.mod and package.json pin it), so that
// `go run ./internal/console/build` and `npm run build` write the same
// bytes. The output depends only on the sources: no timestamps, no
// content hashes in names, no source maps or absolute paths. That is what
// lets internal/console's TestAssetsUpToDate rebuild in memory and
// compare with the committed dist/ without Node.js.
//
// # Concurrency
//
// Build holds no state between calls; calls may run at once.
//
// # Errors
//
// A source esbuild cannot parse or resolve is an error naming the file
// and line, as esbuild reports it.
package webbuild
