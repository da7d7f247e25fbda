// Package pipe is an in-memory sctp.Transport: associations are pairs of
// channels inside one process, with SCTP's message semantics (whole
// messages, stream and PPID preserved, order kept) and none of its wire.
// Tests of NGAP procedures use it where the transport is not what is under
// test; the real transports have their own conformance suite.
//
// # Concurrency
//
// Everything is safe for concurrent use, as the sctp interfaces require.
package pipe

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"sync"

	"github.com/keelcore/keel/internal/sctp"
)

// Transport is an in-memory network of listeners.
type Transport struct {
	mu        sync.Mutex
	listeners map[netip.AddrPort]*listener
	nextPort  uint16
	closed    bool
}

// New returns an empty in-memory network.
func New() *Transport {
	return &Transport{listeners: map[netip.AddrPort]*listener{}, nextPort: 40000}
}

var _ sctp.Transport = (*Transport)(nil)

// Name reports "pipe".
func (t *Transport) Name() string { return "pipe" }

// Listen registers a listener; port 0 picks one.
func (t *Transport) Listen(_ context.Context, addr netip.AddrPort) (sctp.Listener, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, sctp.ErrClosed
	}
	if addr.Port() == 0 {
		t.nextPort++
		addr = netip.AddrPortFrom(addr.Addr(), t.nextPort)
	}
	if _, taken := t.listeners[addr]; taken {
		return nil, fmt.Errorf("pipe: %s already in use", addr)
	}
	l := &listener{t: t, addr: addr, accept: make(chan *conn, 64), done: make(chan struct{})}
	t.listeners[addr] = l
	return l, nil
}

// Dial connects to a listener.
func (t *Transport) Dial(ctx context.Context, local netip.Addr, remote netip.AddrPort) (sctp.Conn, error) {
	t.mu.Lock()
	l := t.listeners[remote]
	t.nextPort++
	if !local.IsValid() || local.IsUnspecified() {
		local = remote.Addr()
	}
	laddr := netip.AddrPortFrom(local, t.nextPort)
	t.mu.Unlock()
	if l == nil {
		return nil, &sctp.DownError{Reason: sctp.DownAbort, Cause: fmt.Errorf("pipe: nothing listens on %s", remote)}
	}
	a, b := newPair(laddr, remote)
	select {
	case l.accept <- b:
		return a, nil
	case <-l.done:
		return nil, &sctp.DownError{Reason: sctp.DownAbort, Cause: fmt.Errorf("pipe: listener %s closed", remote)}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Close closes every listener.
func (t *Transport) Close() error {
	t.mu.Lock()
	ls := t.listeners
	t.listeners, t.closed = map[netip.AddrPort]*listener{}, true
	t.mu.Unlock()
	for _, l := range ls {
		l.Close()
	}
	return nil
}

type listener struct {
	t      *Transport
	addr   netip.AddrPort
	accept chan *conn
	once   sync.Once
	done   chan struct{}
}

func (l *listener) Accept(ctx context.Context) (sctp.Conn, error) {
	select {
	case c := <-l.accept:
		return c, nil
	case <-l.done:
		return nil, sctp.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (l *listener) Addr() netip.AddrPort { return l.addr }

func (l *listener) Close() error {
	l.once.Do(func() {
		close(l.done)
		l.t.mu.Lock()
		if l.t.listeners[l.addr] == l {
			delete(l.t.listeners, l.addr)
		}
		l.t.mu.Unlock()
	})
	return nil
}

// half is one direction of an association.
type half struct {
	ch   chan sctp.Message
	once sync.Once
	done chan struct{} // closed when the sender ends the association
	why  sctp.DownReason
}

type conn struct {
	local, remote netip.AddrPort
	in, out       *half
	closeOnce     sync.Once
	closed        chan struct{}
}

func newPair(a, b netip.AddrPort) (*conn, *conn) {
	ab := &half{ch: make(chan sctp.Message, 256), done: make(chan struct{})}
	ba := &half{ch: make(chan sctp.Message, 256), done: make(chan struct{})}
	return &conn{local: a, remote: b, in: ba, out: ab, closed: make(chan struct{})},
		&conn{local: b, remote: a, in: ab, out: ba, closed: make(chan struct{})}
}

// maxMessage is the userspace transport's default message limit, so that
// code tested on the pipe meets the limit it meets on the wire.
const maxMessage = 256 << 10

func (c *conn) Send(ctx context.Context, m sctp.Message) error {
	if err := sctp.CheckMessage(m, c.OutStreams(), maxMessage); err != nil {
		return err
	}
	select {
	case <-c.closed:
		return sctp.ErrClosed
	default:
	}
	select {
	case <-c.in.done:
		return &sctp.DownError{Reason: c.in.why, Cause: io.EOF}
	default:
	}
	m.Data = append([]byte(nil), m.Data...)
	select {
	case c.out.ch <- m:
		return nil
	case <-c.closed:
		return sctp.ErrClosed
	case <-c.in.done:
		return &sctp.DownError{Reason: c.in.why, Cause: io.EOF}
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *conn) Recv(ctx context.Context) (sctp.Message, error) {
	// Our own Close wins over anything the peer did or sent.
	select {
	case <-c.closed:
		return sctp.Message{}, sctp.ErrClosed
	default:
	}
	select {
	case m := <-c.in.ch:
		return m, nil
	default:
	}
	select {
	case m := <-c.in.ch:
		return m, nil
	case <-c.closed:
		return sctp.Message{}, sctp.ErrClosed
	case <-c.in.done:
		select {
		case m := <-c.in.ch:
			return m, nil
		default:
		}
		var cause error
		if c.in.why == sctp.DownShutdown {
			cause = io.EOF
		}
		return sctp.Message{}, &sctp.DownError{Reason: c.in.why, Cause: cause}
	case <-ctx.Done():
		return sctp.Message{}, ctx.Err()
	}
}

func (c *conn) LocalAddr() netip.AddrPort  { return c.local }
func (c *conn) RemoteAddr() netip.AddrPort { return c.remote }
func (c *conn) OutStreams() uint16         { return 2 }

func (c *conn) end(why sctp.DownReason) error {
	c.closeOnce.Do(func() {
		close(c.closed)
		c.out.once.Do(func() {
			c.out.why = why
			close(c.out.done)
		})
	})
	return nil
}

func (c *conn) Close() error { return c.end(sctp.DownShutdown) }
func (c *conn) Abort() error { return c.end(sctp.DownAbort) }
