package upf

import (
	"testing"

	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// TestMain runs the package's tests and benchmarks again in a user and
// network namespace of their own, where they may create TUN devices,
// veth pairs and namespaces without touching the host's network.
func TestMain(m *testing.M) { sctptest.MainInNetNS(m) }
