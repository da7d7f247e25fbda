package userspace

import (
	"testing"

	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// newTransport returns a userspace transport closed at cleanup.
func newTransport(t testing.TB, opts Options) *Transport {
	t.Helper()
	sctptest.RequireNetNS(t)
	tr, err := New(opts)
	if err != nil {
		t.Fatalf("New() = %v", err)
	}
	t.Cleanup(func() {
		if err := tr.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	})
	return tr
}

func TestConformance(t *testing.T) {
	sctptest.Run(t, newTransport(t, Options{}))
}
