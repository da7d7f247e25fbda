//go:build linux

package kernel

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"sync"
	"syscall"

	isctp "github.com/ishidawataru/sctp"
	"golang.org/x/sys/unix"

	"github.com/keelcore/keel/internal/sctp"
)

type listener struct {
	t    *Transport
	f    *os.File
	rc   syscall.RawConn
	addr netip.AddrPort

	accepting chan struct{} // one Accept at a time: they share f's deadline
	closeOnce sync.Once
}

func listen(t *Transport, addr netip.AddrPort) (*listener, error) {
	f, _, err := newSocket(addr.Addr(), t.opts)
	if err != nil {
		return nil, err
	}
	l := &listener{t: t, f: f, accepting: make(chan struct{}, 1)}
	if l.rc, err = f.SyscallConn(); err != nil {
		f.Close()
		return nil, err
	}
	var serr error
	cerr := l.rc.Control(func(fd uintptr) {
		if serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); serr != nil {
			return
		}
		if serr = isctp.SCTPBind(int(fd), sctpAddr(addr), isctp.SCTP_BINDX_ADD_ADDR); serr != nil {
			serr = fmt.Errorf("bind: %w", serr)
			return
		}
		if serr = unix.Listen(int(fd), t.opts.Backlog); serr != nil {
			return
		}
		var sa unix.Sockaddr
		if sa, serr = unix.Getsockname(int(fd)); serr == nil {
			l.addr = sockaddrPort(sa)
		}
	})
	if err := errors.Join(cerr, serr); err != nil {
		f.Close()
		return nil, err
	}
	if addr.Addr().IsUnspecified() {
		l.addr = netip.AddrPortFrom(addr.Addr(), l.addr.Port())
	}
	return l, nil
}

func (l *listener) Addr() netip.AddrPort { return l.addr }

func (l *listener) Accept(ctx context.Context) (sctp.Conn, error) {
	select {
	case l.accepting <- struct{}{}:
		defer func() { <-l.accepting }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	var nfd int
	err := withDeadline(ctx, l.f.SetReadDeadline, func() error {
		var aerr error
		err := l.rc.Read(func(fd uintptr) bool {
			nfd, _, aerr = unix.Accept4(int(fd), unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
			return !isAgain(aerr)
		})
		return errors.Join(err, aerr)
	})
	if errors.Is(err, os.ErrClosed) {
		return nil, sctp.ErrClosed
	}
	if err != nil {
		return nil, fmt.Errorf("kernel sctp: accept: %w", err)
	}
	c, err := newConn(l.t, os.NewFile(uintptr(nfd), "sctp"), isctp.NewSCTPConn(nfd, nil))
	if err != nil {
		return nil, fmt.Errorf("kernel sctp: accept: %w", err)
	}
	if !l.t.track(func() { l.t.conns[c] = struct{}{} }) {
		c.Abort()
		return nil, sctp.ErrClosed
	}
	return c, nil
}

func (l *listener) Close() error {
	var err error
	l.closeOnce.Do(func() {
		err = l.f.Close()
		l.t.forget(l, nil)
	})
	return err
}
