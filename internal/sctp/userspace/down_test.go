package userspace

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/sctp"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

func wantDown(t *testing.T, err error, reason sctp.DownReason) {
	t.Helper()
	var down *sctp.DownError
	if !errors.As(err, &down) || down.Reason != reason {
		t.Fatalf("error = %v, want association down: %v", err, reason)
	}
}

// TestPeerTimeout cuts an idle association off: heartbeats go unanswered
// (RFC 9260 §8.3) and the association goes down as unreachable within
// PeerTimeout.
func TestPeerTimeout(t *testing.T) {
	var cut atomic.Bool
	opts := Options{
		// Wide enough that a loaded machine running the race detector
		// does not miss heartbeats for a whole PeerTimeout.
		HeartbeatInterval: 100 * time.Millisecond,
		PeerTimeout:       time.Second,
		DropInbound:       func([]byte) bool { return cut.Load() },
	}
	tr := newTransport(t, opts)
	l := sctptest.Listen(t, tr)
	c := sctptest.Dial(t, tr, l.Addr())
	s := sctptest.Accept(t, l)

	// Idle but answering: heartbeats keep it up past PeerTimeout.
	time.Sleep(3 * opts.PeerTimeout)
	if err := c.Send(t.Context(), sctp.Message{PPID: 1, Data: []byte("alive")}); err != nil {
		t.Fatalf("Send() on an idle association = %v", err)
	}
	if m, err := s.Recv(t.Context()); err != nil || string(m.Data) != "alive" {
		t.Fatalf("Recv() = %q, %v, want %q", m.Data, err, "alive")
	}

	cut.Store(true)
	start := time.Now()
	_, err := c.Recv(t.Context())
	wantDown(t, err, sctp.DownTimeout)
	if d := time.Since(start); d > 2*opts.PeerTimeout {
		t.Errorf("down after %v, want within about PeerTimeout %v", d, opts.PeerTimeout)
	}
	if tr.Stats().AssociationsDown < 1 {
		t.Errorf("Stats().AssociationsDown = %d, want at least 1", tr.Stats().AssociationsDown)
	}
}

// TestOutOfTheBlue loses an association on the listening side without a
// word to the peer, as a restart would: the peer's next packet is out of
// the blue there and answered with ABORT (RFC 9260 §8.4 rule 8), so the
// peer learns at once.
func TestOutOfTheBlue(t *testing.T) {
	server := newTransport(t, Options{})
	client := newTransport(t, Options{})
	l := sctptest.Listen(t, server)
	c := sctptest.Dial(t, client, l.Addr())
	s := sctptest.Accept(t, l)

	// Forget the association on the server side only.
	s.(*conn).ep.Close()

	if err := c.Send(t.Context(), sctp.Message{PPID: 1, Data: []byte("anyone there?")}); err != nil {
		t.Fatalf("Send() = %v", err)
	}
	_, err := c.Recv(t.Context())
	wantDown(t, err, sctp.DownAbort)
	if n := server.Stats().OutOfTheBlue; n == 0 {
		t.Errorf("server Stats().OutOfTheBlue = 0, want the DATA counted")
	}
}
