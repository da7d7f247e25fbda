package userspace

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	pion "github.com/pion/sctp"

	"github.com/keelcore/keel/internal/sctp"
)

var errClosedTransport = fmt.Errorf("userspace sctp: transport: %w", sctp.ErrClosed)

// Transport is SCTP in userspace over one raw IPv4 socket: sctp.Transport.
type Transport struct {
	opts  Options
	log   *slog.Logger
	raw   *rawConn
	tab   *table
	stats counters

	mu     sync.Mutex
	closed bool
	conns  map[*conn]struct{}

	done      chan struct{}
	wg        sync.WaitGroup // read loop, liveness loop, supervisors, aborts
	closeOnce sync.Once
}

var _ sctp.Transport = (*Transport)(nil)

// New opens the raw socket and starts the transport. It refuses to run
// when the kernel has SCTP (sctp.ErrKernelHasSCTP), and needs CAP_NET_RAW
// in the network namespace.
func New(opts Options) (*Transport, error) {
	has, err := sctp.KernelSCTP()
	if err != nil {
		return nil, err
	}
	if has {
		return nil, fmt.Errorf("%w: the kernel would abort userspace SCTP's associations; use kernel SCTP", sctp.ErrKernelHasSCTP)
	}
	opts = opts.withDefaults()
	raw, err := openRaw(opts.SocketBuffer)
	if err != nil {
		return nil, err
	}
	t := &Transport{
		opts:  opts,
		log:   opts.Logger,
		raw:   raw,
		tab:   newTable(),
		conns: make(map[*conn]struct{}),
		done:  make(chan struct{}),
	}
	if raw.rcvbuf < opts.SocketBuffer {
		t.log.Warn("userspace sctp: raw socket receive buffer below the size asked; bursts may be lost",
			"asked", opts.SocketBuffer, "got", raw.rcvbuf)
	}
	t.wg.Add(2)
	go t.readLoop()
	go t.liveness()
	return t, nil
}

// Name returns "userspace".
func (t *Transport) Name() string { return "userspace" }

// Stats returns the adapter's packet counters.
func (t *Transport) Stats() Stats { return t.stats.snapshot() }

func (t *Transport) Listen(ctx context.Context, addr netip.AddrPort) (sctp.Listener, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	a := addr.Addr().Unmap()
	if !a.Is4() {
		return nil, fmt.Errorf("userspace sctp: listen %v: only IPv4 is supported", addr)
	}
	claim, err := claimAddr(netip.AddrPortFrom(a, addr.Port()))
	if err != nil {
		return nil, fmt.Errorf("userspace sctp: listen %v: %w", addr, err)
	}
	// Port 0: the port the kernel chose for the claim, free in the claim
	// space and so among this process's listeners too.
	l := newListener(t, netip.AddrPortFrom(a, claim.LocalAddr().(*net.UDPAddr).AddrPort().Port()), claim)
	if err := t.tab.addListener(l); err != nil {
		claim.Close()
		return nil, fmt.Errorf("userspace sctp: listen %v: %w", addr, err)
	}
	return l, nil
}

func (t *Transport) Dial(ctx context.Context, local netip.Addr, remote netip.AddrPort) (sctp.Conn, error) {
	ra := remote.Addr().Unmap()
	if !ra.Is4() || remote.Port() == 0 {
		return nil, fmt.Errorf("userspace sctp: dial %v: need an IPv4 address and a port", remote)
	}
	remote = netip.AddrPortFrom(ra, remote.Port())
	local = local.Unmap()
	if !local.IsValid() || local.IsUnspecified() {
		var err error
		if local, err = routeSource(ra); err != nil {
			return nil, err
		}
	}
	if !local.Is4() {
		return nil, fmt.Errorf("userspace sctp: dial %v: local address %v is not IPv4", remote, local)
	}
	ep := newEndpoint(t, tuple{local: netip.AddrPortFrom(local, 0), remote: remote})
	if !t.tab.addDialer(ep) {
		return nil, fmt.Errorf("userspace sctp: dial %v: %w", remote, errors.Join(errClosedTransport, errPortInUse))
	}
	a, err := pion.ClientContext(ctx, t.clientOptions(ep)...)
	if err != nil {
		ep.Close()
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return nil, fmt.Errorf("userspace sctp: dial %v: %w", remote, err)
	}
	c, err := t.establish(ep, a)
	if err != nil {
		return nil, fmt.Errorf("userspace sctp: dial %v: %w", remote, err)
	}
	return c, nil
}

// pionOptions configures pion for one association over ep.
func (t *Transport) pionOptions(ep *endpoint) []pion.AssociationOption {
	return []pion.AssociationOption{
		pion.WithNetConn(ep),
		pion.WithName(ep.tuple.remote.String()),
		pion.WithLoggerFactory(t.pionLogs()),
		pion.WithMTU(uint32(t.opts.MTU)),
		pion.WithMaxMessageSize(uint32(t.opts.MaxMessageSize)),
		pion.WithMaxReceiveBufferSize(uint32(t.opts.ReceiveWindow)),
		pion.WithRTOMax(float64(t.opts.rtoMax().Milliseconds())),
		// DATA rather than I-DATA (RFC 8260), as kernel SCTP sends by
		// default: I-DATA is not negotiated unless offered.
		pion.WithEnableInterleaving(false),
	}
}

func (t *Transport) clientOptions(ep *endpoint) []pion.ClientOption {
	var opts []pion.ClientOption
	for _, o := range t.pionOptions(ep) {
		opts = append(opts, o)
	}
	return opts
}

func (t *Transport) serverOptions(ep *endpoint) []pion.ServerOption {
	var opts []pion.ServerOption
	for _, o := range t.pionOptions(ep) {
		opts = append(opts, o)
	}
	return opts
}

// establish wraps an established pion association and starts its
// supervisor.
func (t *Transport) establish(ep *endpoint, a *pion.Association) (*conn, error) {
	c := newConn(t, ep, a)
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		a.Abort("transport closed")
		ep.Close()
		return nil, errClosedTransport
	}
	t.conns[c] = struct{}{}
	t.wg.Add(1)
	t.mu.Unlock()
	t.stats.up.Add(1)
	t.log.Debug("userspace sctp: association up", "local", c.LocalAddr(), "remote", c.RemoteAddr(), "out_streams", c.out)
	go c.supervise()
	return c, nil
}

func (t *Transport) forget(c *conn) {
	t.mu.Lock()
	delete(t.conns, c)
	t.mu.Unlock()
}

// liveness checks every association's peer once per tick.
func (t *Transport) liveness() {
	defer t.wg.Done()
	tick := time.NewTicker(t.opts.livenessTick())
	defer tick.Stop()
	var cs []*conn
	for {
		select {
		case <-t.done:
			return
		case now := <-tick.C:
			cs = cs[:0]
			t.mu.Lock()
			for c := range t.conns {
				cs = append(cs, c)
			}
			t.mu.Unlock()
			for _, c := range cs {
				c.checkAlive(now)
			}
		}
	}
}

// Close closes the listeners, aborts the associations, fails the dials in
// progress, closes the raw socket and waits for every goroutine of the
// transport.
func (t *Transport) Close() error {
	var err error
	t.closeOnce.Do(func() {
		for _, l := range t.tab.close() {
			l.Close()
		}
		t.mu.Lock()
		t.closed = true
		cs := make([]*conn, 0, len(t.conns))
		for c := range t.conns {
			cs = append(cs, c)
		}
		t.mu.Unlock()
		var wg sync.WaitGroup
		for _, c := range cs {
			wg.Go(func() { c.Abort() })
		}
		wg.Wait()
		// Dials still in their handshake fail at once.
		for _, ep := range t.tab.remaining() {
			ep.Close()
		}
		close(t.done)
		err = t.raw.close()
		t.wg.Wait()
	})
	return err
}
