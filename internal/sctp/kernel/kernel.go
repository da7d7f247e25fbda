//go:build linux

package kernel

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"github.com/keelcore/keel/internal/sctp"
)

// Options configure a Transport. The zero value of a field takes the
// default given with it.
type Options struct {
	// Logger receives the transport's records. Default: slog.Default().
	Logger *slog.Logger
	// Streams is the number of outbound streams requested and of inbound
	// streams allowed (SCTP_INITMSG; RFC 9260 §5.1.1 OS and MIS).
	// Default 32.
	Streams uint16
	// MaxMessageSize bounds a user message either way. Default 256 KiB.
	MaxMessageSize int
	// ShutdownTimeout bounds Close's graceful shutdown (SO_LINGER).
	// Default 5 s.
	ShutdownTimeout time.Duration
	// Backlog is the listen(2) backlog. Default 128.
	Backlog int
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Streams == 0 {
		o.Streams = 32
	}
	if o.MaxMessageSize <= 0 {
		o.MaxMessageSize = 256 << 10
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = 5 * time.Second
	}
	if o.Backlog <= 0 {
		o.Backlog = 128
	}
	return o
}

// Transport is the kernel's SCTP: sctp.Transport over one-to-one style
// SCTP sockets (RFC 6458 §4), one per association.
type Transport struct {
	opts Options

	mu        sync.Mutex
	closed    bool
	listeners map[*listener]struct{}
	conns     map[*conn]struct{}
}

var _ sctp.Transport = (*Transport)(nil)

// New returns the kernel transport, or an error wrapping
// sctp.ErrKernelUnsupported when the kernel has no SCTP.
func New(opts Options) (*Transport, error) {
	has, err := sctp.KernelSCTP()
	if err != nil {
		return nil, err
	}
	if !has {
		return nil, fmt.Errorf("%w: socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP) is refused; is the sctp module available?", sctp.ErrKernelUnsupported)
	}
	return &Transport{
		opts:      opts.withDefaults(),
		listeners: make(map[*listener]struct{}),
		conns:     make(map[*conn]struct{}),
	}, nil
}

// Name returns "kernel".
func (t *Transport) Name() string { return "kernel" }

func (t *Transport) Listen(ctx context.Context, addr netip.AddrPort) (sctp.Listener, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l, err := listen(t, addr)
	if err != nil {
		return nil, fmt.Errorf("kernel sctp: listen %v: %w", addr, err)
	}
	if !t.track(func() { t.listeners[l] = struct{}{} }) {
		l.Close()
		return nil, fmt.Errorf("kernel sctp: listen %v: %w", addr, sctp.ErrClosed)
	}
	return l, nil
}

func (t *Transport) Dial(ctx context.Context, local netip.Addr, remote netip.AddrPort) (sctp.Conn, error) {
	c, err := dial(ctx, t, local, remote)
	if err != nil {
		return nil, fmt.Errorf("kernel sctp: dial %v: %w", remote, err)
	}
	if !t.track(func() { t.conns[c] = struct{}{} }) {
		c.Abort()
		return nil, fmt.Errorf("kernel sctp: dial %v: %w", remote, sctp.ErrClosed)
	}
	return c, nil
}

// track runs add under the lock unless the transport is closed.
func (t *Transport) track(add func()) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	add()
	return true
}

func (t *Transport) forget(l *listener, c *conn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.listeners, l)
	delete(t.conns, c)
}

// Close closes the listeners and aborts the associations still open.
func (t *Transport) Close() error {
	t.mu.Lock()
	t.closed = true
	ls, cs := t.listeners, t.conns
	t.listeners, t.conns = map[*listener]struct{}{}, map[*conn]struct{}{}
	t.mu.Unlock()
	for l := range ls {
		l.Close()
	}
	for c := range cs {
		c.Abort()
	}
	return nil
}
