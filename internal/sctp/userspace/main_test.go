package userspace

import (
	"testing"

	"github.com/keelcore/keel/internal/sctp/sctptest"
)

func TestMain(m *testing.M) { sctptest.MainInNetNS(m) }
