package sctptest

import (
	"os"
	"testing"

	"github.com/keelcore/keel/internal/oracle"
)

// envNetNS marks the test process re-run inside its own network
// namespace ("1"), or explains why it could not be ("unavailable: ...").
const envNetNS = "KEEL_SCTPTEST_NETNS"

// RequireNetNS skips tb (oracle.Missing: fails it in CI) unless it runs
// in the private network namespace MainInNetNS made.
func RequireNetNS(tb testing.TB) {
	tb.Helper()
	switch v := os.Getenv(envNetNS); v {
	case "1":
	case "":
		oracle.Missing(tb, "needs a private network namespace: the package's TestMain must call sctptest.MainInNetNS")
	default:
		oracle.Missing(tb, "needs a private network namespace with CAP_NET_RAW (user namespaces, or root): %s", v)
	}
}
