package userspace

import (
	"testing"

	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// The raw socket's receive buffer is raised to what was asked for: with
// the default, bursts overflow it and cost a retransmission timeout each.
func TestRawSocketBuffer(t *testing.T) {
	sctptest.RequireNetNS(t)
	const want = 8 << 20
	r, err := openRaw(want)
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	// Linux reports twice the size set, for its bookkeeping.
	if r.rcvbuf < want {
		t.Errorf("SO_RCVBUF = %d, want at least %d", r.rcvbuf, want)
	}
}
