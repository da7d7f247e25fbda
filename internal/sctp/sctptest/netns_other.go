//go:build !linux

package sctptest

import (
	"os"
	"testing"
)

// MainInNetNS runs the tests in place: network namespaces are Linux's.
// RequireNetNS skips the tests that need one.
func MainInNetNS(m *testing.M) {
	os.Setenv(envNetNS, "unavailable: network namespaces need Linux")
	os.Exit(m.Run())
}
