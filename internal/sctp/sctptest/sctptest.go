package sctptest

import (
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/sctp"
)

// opTimeout bounds each step of a test.
const opTimeout = 10 * time.Second

// Run runs the conformance suite against tr, which must be able to listen
// and dial on 127.0.0.1. Run does not close tr.
func Run(t *testing.T, tr sctp.Transport) {
	tests := []struct {
		name string
		fn   func(t *testing.T, tr sctp.Transport)
	}{
		{"EchoSizes", testEchoSizes},
		{"StreamsAndPPIDs", testStreamsAndPPIDs},
		{"ServerSendsFirst", testServerSendsFirst},
		{"ConcurrentAssociations", testConcurrentAssociations},
		{"ConcurrentSend", testConcurrentSend},
		{"PeerShutdown", testPeerShutdown},
		{"PeerAbort", testPeerAbort},
		{"UseAfterClose", testUseAfterClose},
		{"InvalidMessages", testInvalidMessages},
		{"RecvContext", testRecvContext},
		{"ListenerClose", testListenerClose},
		{"DialNoListener", testDialNoListener},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, tr) })
	}
}

// Loopback is the address the suite listens on.
var Loopback = netip.MustParseAddr("127.0.0.1")

func opContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), opTimeout)
	t.Cleanup(cancel)
	return ctx
}

// Listen listens on 127.0.0.1 at a port tr picks, closing at cleanup.
func Listen(t testing.TB, tr sctp.Transport) sctp.Listener {
	t.Helper()
	l, err := tr.Listen(opContext(t), netip.AddrPortFrom(Loopback, 0))
	if err != nil {
		t.Fatalf("Listen(127.0.0.1:0) = %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// Dial opens an association to addr, aborted at cleanup.
func Dial(t testing.TB, tr sctp.Transport, addr netip.AddrPort) sctp.Conn {
	t.Helper()
	c, err := tr.Dial(opContext(t), netip.Addr{}, addr)
	if err != nil {
		t.Fatalf("Dial(%v) = %v", addr, err)
	}
	t.Cleanup(func() { c.Abort() })
	return c
}

// Accept accepts one association, aborted at cleanup.
func Accept(t testing.TB, l sctp.Listener) sctp.Conn {
	t.Helper()
	c, err := l.Accept(opContext(t))
	if err != nil {
		t.Fatalf("Accept() = %v", err)
	}
	t.Cleanup(func() { c.Abort() })
	return c
}

// EchoServer accepts associations on l and sends every message back on its
// stream with its PPID, until the test ends.
func EchoServer(t testing.TB, l sctp.Listener) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := l.Accept(ctx)
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Abort()
				echo(ctx, c)
			})
		}
	})
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
}

func echo(ctx context.Context, c sctp.Conn) {
	for {
		m, err := c.Recv(ctx)
		if err != nil {
			return
		}
		if err := c.Send(ctx, m); err != nil {
			return
		}
	}
}

// Payload returns n bytes that differ with seed and position.
func Payload(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7) ^ seed ^ byte(i>>8)
	}
	return b
}

func send(t testing.TB, c sctp.Conn, m sctp.Message) {
	t.Helper()
	if err := c.Send(opContext(t), m); err != nil {
		t.Fatalf("Send(stream %d, ppid %d, %d bytes) = %v", m.Stream, m.PPID, len(m.Data), err)
	}
}

func recv(t testing.TB, c sctp.Conn) sctp.Message {
	t.Helper()
	m, err := c.Recv(opContext(t))
	if err != nil {
		t.Fatalf("Recv() = %v", err)
	}
	return m
}
