//go:build linux

package kernel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"syscall"

	isctp "github.com/ishidawataru/sctp"
	"golang.org/x/sys/unix"

	"github.com/keelcore/keel/internal/sctp"
)

// conn is one association on its own one-to-one socket. Send runs
// concurrently (sendmsg is atomic per message); Recv is serialised, as it
// shares the socket's read deadline and reassembles partial deliveries.
type conn struct {
	t      *Transport
	f      *os.File
	rc     syscall.RawConn
	sc     *isctp.SCTPConn
	local  netip.AddrPort
	remote netip.AddrPort
	out    uint16

	receiving chan struct{}
	buf       []byte
	oob       []byte
	// Learnt from notifications, read when the association ends.
	peerShutdown atomic.Bool
	lostCause    atomic.Int32 // sac_error of COMM_LOST, -1 if none

	mu        sync.Mutex
	down      error // set once when the association is seen to end
	closing   atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

func newConn(t *Transport, f *os.File, sc *isctp.SCTPConn) (*conn, error) {
	c := &conn{t: t, f: f, sc: sc, receiving: make(chan struct{}, 1), oob: make([]byte, 256)}
	c.lostCause.Store(-1)
	var err error
	if c.rc, err = f.SyscallConn(); err != nil {
		f.Close()
		return nil, err
	}
	var serr error
	cerr := c.rc.Control(func(fd uintptr) {
		var sa unix.Sockaddr
		if sa, serr = unix.Getsockname(int(fd)); serr != nil {
			return
		}
		c.local = sockaddrPort(sa)
		if sa, serr = unix.Getpeername(int(fd)); serr != nil {
			return
		}
		c.remote = sockaddrPort(sa)
	})
	st, gerr := sc.GetStatus()
	if err := errors.Join(cerr, serr, gerr); err != nil {
		f.Close()
		return nil, err
	}
	c.out = st.Ostreams
	return c, nil
}

func dial(ctx context.Context, t *Transport, local netip.Addr, remote netip.AddrPort) (*conn, error) {
	f, sc, err := newSocket(remote.Addr(), t.opts)
	if err != nil {
		return nil, err
	}
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	var serr error
	cerr := rc.Control(func(fd uintptr) {
		if local.IsValid() && !local.IsUnspecified() {
			if serr = isctp.SCTPBind(int(fd), sctpAddr(netip.AddrPortFrom(local, 0)), isctp.SCTP_BINDX_ADD_ADDR); serr != nil {
				return
			}
		}
		_, serr = isctp.SCTPConnect(int(fd), sctpAddr(remote))
	})
	if errors.Is(serr, syscall.EINPROGRESS) {
		serr = nil
	}
	if serr == nil && cerr == nil {
		serr = waitUp(ctx, f, rc)
	}
	if err := errors.Join(cerr, serr); err != nil {
		f.Close()
		return nil, err
	}
	return newConn(t, f, sc)
}

// waitUp reads a connecting socket until the association change that ends
// setup (RFC 6458 §6.1.1): SCTP_COMM_UP, or SCTP_CANT_STR_ASSOC when the
// peer refused or never answered. Writability would not do: an SCTP socket
// accepts data while the handshake is still in progress.
func waitUp(ctx context.Context, f *os.File, rc syscall.RawConn) error {
	buf, oob := make([]byte, 1024), make([]byte, 256)
	for {
		var n, flags int
		var rerr error
		err := withDeadline(ctx, f.SetReadDeadline, func() error {
			err := rc.Read(func(fd uintptr) bool {
				n, _, flags, _, rerr = unix.Recvmsg(int(fd), buf, oob, 0)
				return !isAgain(rerr)
			})
			return errors.Join(err, rerr)
		})
		if err != nil {
			return err
		}
		if flags&isctp.MSG_NOTIFICATION == 0 {
			continue
		}
		nt, ok := parseNotification(buf[:n])
		if !ok || nt.typ != notifyAssocChange {
			continue
		}
		switch nt.assocState {
		case uint16(isctp.SCTP_COMM_UP):
			return nil
		case uint16(isctp.SCTP_CANT_STR_ASSOC), uint16(isctp.SCTP_COMM_LOST):
			return fmt.Errorf("association setup failed (error %d): %w", nt.assocError, syscall.ECONNREFUSED)
		}
	}
}

func (c *conn) LocalAddr() netip.AddrPort  { return c.local }
func (c *conn) RemoteAddr() netip.AddrPort { return c.remote }
func (c *conn) OutStreams() uint16         { return c.out }

func (c *conn) Send(ctx context.Context, m sctp.Message) error {
	if err := sctp.CheckMessage(m, c.out, c.t.opts.MaxMessageSize); err != nil {
		return err
	}
	if err := c.gone(); err != nil {
		return err
	}
	// A blocked send waits for room in the socket's send buffer; ctx is
	// honoured on entry only, as the write deadline is shared by
	// concurrent senders.
	if err := ctx.Err(); err != nil {
		return err
	}
	info := &isctp.SndRcvInfo{Stream: m.Stream, PPID: m.PPID}
	var werr error
	err := c.rc.Write(func(uintptr) bool {
		_, werr = c.sc.SCTPWrite(m.Data, info)
		return !isAgain(werr)
	})
	if err = errors.Join(err, werr); err != nil {
		return c.ioErr(err)
	}
	return nil
}

func (c *conn) Recv(ctx context.Context) (sctp.Message, error) {
	select {
	case c.receiving <- struct{}{}:
		defer func() { <-c.receiving }()
	case <-ctx.Done():
		return sctp.Message{}, ctx.Err()
	}
	if err := c.gone(); err != nil {
		return sctp.Message{}, err
	}
	var msg []byte
	for {
		if c.buf == nil {
			c.buf = make([]byte, 64<<10)
		}
		var n, oobn, flags int
		var rerr error
		err := withDeadline(ctx, c.f.SetReadDeadline, func() error {
			err := c.rc.Read(func(fd uintptr) bool {
				n, oobn, flags, _, rerr = unix.Recvmsg(int(fd), c.buf, c.oob, 0)
				return !isAgain(rerr)
			})
			return errors.Join(err, rerr)
		})
		if err != nil {
			return sctp.Message{}, c.ioErr(err)
		}
		if flags&isctp.MSG_NOTIFICATION != 0 {
			c.notify(c.buf[:n])
			continue
		}
		if n == 0 && oobn == 0 {
			return sctp.Message{}, c.setDown(&sctp.DownError{Reason: sctp.DownShutdown, Cause: io.EOF})
		}
		msg = append(msg, c.buf[:n]...)
		if len(msg) > c.t.opts.MaxMessageSize {
			c.Abort()
			return sctp.Message{}, fmt.Errorf("kernel sctp: %w: peer sent more than %d bytes", sctp.ErrMessageTooLarge, c.t.opts.MaxMessageSize)
		}
		if flags&unix.MSG_EOR == 0 {
			continue // partial delivery: the rest follows
		}
		stream, ppid, _ := parseSndRcv(c.oob[:oobn])
		return sctp.Message{Stream: stream, PPID: ppid, Data: msg}, nil
	}
}

// notify records what a notification says about the association's end.
func (c *conn) notify(b []byte) {
	n, ok := parseNotification(b)
	if !ok {
		return
	}
	switch {
	case n.typ == notifyShutdown:
		c.peerShutdown.Store(true)
	case n.typ == notifyAssocChange && n.assocState == uint16(isctp.SCTP_COMM_LOST):
		c.lostCause.Store(int32(n.assocError))
	case n.typ == notifyAssocChange && n.assocState == uint16(isctp.SCTP_SHUTDOWN_COMP):
		c.peerShutdown.Store(true)
	}
}

// ioErr maps a socket error to the association's state.
func (c *conn) ioErr(err error) error {
	if c.closing.Load() || errors.Is(err, os.ErrClosed) {
		return sctp.ErrClosed
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	switch {
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNREFUSED):
		cause := error(err)
		if code := c.lostCause.Load(); code >= 0 {
			cause = fmt.Errorf("ABORT cause %d: %w", code, err)
		}
		return c.setDown(&sctp.DownError{Reason: sctp.DownAbort, Cause: cause})
	case errors.Is(err, syscall.ETIMEDOUT):
		return c.setDown(&sctp.DownError{Reason: sctp.DownTimeout, Cause: err})
	case errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ENOTCONN), errors.Is(err, syscall.ESHUTDOWN):
		if c.peerShutdown.Load() {
			return c.setDown(&sctp.DownError{Reason: sctp.DownShutdown, Cause: io.EOF})
		}
		return c.setDown(&sctp.DownError{Reason: sctp.DownUnknown, Cause: err})
	}
	return fmt.Errorf("kernel sctp: %w", err)
}

// setDown records the association's end, keeping the first reason seen.
func (c *conn) setDown(err error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.down == nil {
		c.down = err
	}
	return c.down
}

func (c *conn) gone() error {
	if c.closing.Load() {
		return sctp.ErrClosed
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.down
}

// Close shuts the association down: with SO_LINGER set, close(2) sends
// SHUTDOWN and waits for the exchange to complete, up to ShutdownTimeout
// (RFC 6458 §8.1.4).
func (c *conn) Close() error {
	return c.end(int(c.t.opts.ShutdownTimeout.Seconds() + 0.999))
}

// Abort closes with a zero linger time, which sends ABORT (RFC 6458
// §8.1.4).
func (c *conn) Abort() error { return c.end(0) }

func (c *conn) end(linger int) error {
	c.closeOnce.Do(func() {
		c.closing.Store(true)
		cerr := c.rc.Control(func(fd uintptr) {
			unix.SetsockoptLinger(int(fd), unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: int32(linger)})
		})
		c.closeErr = errors.Join(cerr, c.f.Close())
		c.t.forget(nil, c)
	})
	if c.closeErr != nil {
		return fmt.Errorf("kernel sctp: close: %w", c.closeErr)
	}
	return nil
}
