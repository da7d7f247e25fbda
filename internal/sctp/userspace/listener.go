package userspace

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	pion "github.com/pion/sctp"

	"github.com/keelcore/keel/internal/sctp"
)

// listener accepts associations on one address. Each INIT from a new
// peer address and port gets an endpoint and a handshake goroutine running
// pion's server side; established associations queue for Accept.
//
// pion keeps state from the INIT on, where RFC 9260 §5.1.3 would keep none
// until a valid COOKIE ECHO: Options.Backlog and HandshakeTimeout bound
// what a flood of INITs can hold.
type listener struct {
	t        *Transport
	addr     netip.AddrPort
	claim    *net.UDPConn // the address's claim (claim.go), closed by Close
	accepted chan *conn
	closed   chan struct{}

	mu       sync.Mutex
	isClosed bool
	pending  map[*endpoint]struct{}
	wg       sync.WaitGroup // handshake goroutines

	closeOnce sync.Once
}

func newListener(t *Transport, addr netip.AddrPort, claim *net.UDPConn) *listener {
	return &listener{
		t:        t,
		addr:     addr,
		claim:    claim,
		accepted: make(chan *conn, t.opts.Backlog),
		closed:   make(chan struct{}),
		pending:  make(map[*endpoint]struct{}),
	}
}

func (l *listener) Addr() netip.AddrPort { return l.addr }

func (l *listener) Accept(ctx context.Context) (sctp.Conn, error) {
	select {
	case c := <-l.accepted:
		return c, nil
	case <-l.closed:
		return nil, sctp.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// admit registers a new association for the INIT that came from tp.remote
// and starts its handshake, or returns nil if the listener refuses it.
// Called from the transport's read goroutine.
func (l *listener) admit(tp tuple) *endpoint {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.isClosed || len(l.pending) >= l.t.opts.Backlog {
		return nil
	}
	ep := newEndpoint(l.t, tp)
	if !l.t.tab.addEndpoint(ep) {
		return nil
	}
	l.pending[ep] = struct{}{}
	l.wg.Add(1)
	go l.handshake(ep)
	return ep
}

// handshake runs pion's server side of one association until it is
// established, then queues it for Accept.
func (l *listener) handshake(ep *endpoint) {
	defer l.wg.Done()
	timer := time.AfterFunc(l.t.opts.HandshakeTimeout, func() { ep.Close() })
	a, err := pion.ServerWithOptions(l.t.serverOptions(ep)...)
	if !timer.Stop() && err == nil {
		a.Close()
		err = fmt.Errorf("handshake not completed in %v", l.t.opts.HandshakeTimeout)
	}

	l.mu.Lock()
	delete(l.pending, ep)
	closed := l.isClosed
	l.mu.Unlock()
	if err != nil {
		ep.Close()
		l.t.log.Debug("userspace sctp: association setup failed", "remote", ep.tuple.remote, "err", err)
		return
	}
	c, err := l.t.establish(ep, a)
	if err != nil {
		return
	}
	// Close drains accepted only after every handshake has returned, so a
	// conn queued here after Close began is still aborted.
	if closed {
		c.Abort()
		return
	}
	select {
	case l.accepted <- c:
	default:
		l.t.stats.initsRefused.Add(1)
		c.Abort()
	}
}

// Close stops accepting: handshakes in progress end, associations not yet
// accepted are aborted, and the address and its claim are released.
func (l *listener) Close() error {
	l.closeOnce.Do(func() {
		l.t.tab.removeListener(l)
		l.mu.Lock()
		l.isClosed = true
		for ep := range l.pending {
			ep.Close()
		}
		l.mu.Unlock()
		close(l.closed)
		l.wg.Wait()
		for drained := false; !drained; {
			select {
			case c := <-l.accepted:
				c.Abort()
			default:
				drained = true
			}
		}
		l.claim.Close()
	})
	return nil
}
