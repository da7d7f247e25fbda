package sctptest

import (
	"os"
	"testing"
)

// envNetNS marks the test process re-run inside its own network
// namespace ("1"), or explains why it could not be ("unavailable: ...").
const envNetNS = "KEEL_SCTPTEST_NETNS"

// RequireNetNS skips tb unless it runs in the private network namespace
// MainInNetNS made.
func RequireNetNS(tb testing.TB) {
	tb.Helper()
	switch v := os.Getenv(envNetNS); v {
	case "1":
	case "":
		tb.Skip("needs a private network namespace: the package's TestMain must call sctptest.MainInNetNS")
	default:
		tb.Skipf("needs a private network namespace with CAP_NET_RAW (user namespaces, or root): %s", v)
	}
}
