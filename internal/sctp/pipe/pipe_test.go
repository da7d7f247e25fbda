package pipe_test

import (
	"testing"

	"github.com/keelcore/keel/internal/sctp/pipe"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// TestConformance runs the transports' conformance suite on the pipe, so
// that NGAP tests written against it see what the real transports give.
func TestConformance(t *testing.T) {
	tr := pipe.New()
	t.Cleanup(func() { tr.Close() })
	sctptest.Run(t, tr)
}
