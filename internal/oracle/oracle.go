// Package oracle is how Keel's tests treat a missing oracle: a tool
// (tshark, usrsctp's example programs) or a privilege (a private network
// namespace with CAP_NET_RAW, an AF_PACKET socket) that a test needs to
// check Keel independently of Keel's own code.
//
// Missing ends such a test. By default it skips, and says so where plain
// `go test ./...` shows it: the go command prints nothing of a passing
// package's output without -v, so the note goes to the go command's own
// standard error (see announce_linux.go). With KEEL_REQUIRE_ORACLES=1,
// which .ci/run sets, the test fails instead: CI never passes on a check
// that did not run. Unsupported skips, with the same note, for what no
// installation can provide (kernel SCTP on a kernel built without it),
// and never fails.
//
// # Concurrency
//
// Missing and Unsupported may be called from any test goroutine that may
// call tb.Skip; notes from parallel tests are written one line each.
package oracle

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// EnvRequire names the environment variable that turns a missing oracle
// from a skip into a failure when it is "1".
const EnvRequire = "KEEL_REQUIRE_ORACLES"

// Required reports whether missing oracles fail tests ($KEEL_REQUIRE_ORACLES
// is "1").
func Required() bool { return os.Getenv(EnvRequire) == "1" }

// Missing ends tb for want of an oracle, format and args saying what is
// missing and how to get it: it fails tb when Required, and otherwise
// skips it with a note visible in go test's output without -v.
func Missing(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if Required() {
		tb.Fatalf("oracle missing and %s=1: %s", EnvRequire, msg)
	}
	note(tb, msg)
	tb.Skip(msg)
}

// Unsupported skips tb for want of something no installation provides on
// this host, with the same visible note as Missing; it never fails.
func Unsupported(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	note(tb, msg)
	tb.Skip(msg)
}

// note tells the person running go test, without -v, which test skipped
// and why. With -v (and -json) the SKIP line is in the output already.
func note(tb testing.TB, msg string) {
	if testing.Verbose() {
		return
	}
	announce(fmt.Sprintf("SKIP %s %s: %s\n", packageDir(), tb.Name(), msg))
}

// packageDir is the test's package directory relative to the module root
// (go test runs a test binary in its package's directory).
func packageDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "?"
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if rel, err := filepath.Rel(dir, wd); err == nil {
				return "./" + filepath.ToSlash(rel)
			}
			return wd
		}
		if filepath.Dir(dir) == dir {
			return wd
		}
	}
}
