//go:build linux

package kernel

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"

	isctp "github.com/ishidawataru/sctp"
	"golang.org/x/sys/unix"
)

// Sockets are non-blocking and handed to the Go runtime's poller through
// os.NewFile, so that Close wakes a blocked Accept or Recv and deadlines
// carry contexts. ishidawataru/sctp provides the SCTP socket options
// (binding, connecting, SCTP_INITMSG, SCTP_EVENTS, SCTP_STATUS) and the
// SCTP_SNDRCV send path.

// newSocket opens a one-to-one SCTP socket for addresses like a, with the
// options every Keel association uses.
func newSocket(a netip.Addr, opts Options) (*os.File, *isctp.SCTPConn, error) {
	family := unix.AF_INET
	if a.Is6() && !a.Is4In6() {
		family = unix.AF_INET6
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_SCTP)
	if err != nil {
		return nil, nil, fmt.Errorf("socket: %w", err)
	}
	sc := isctp.NewSCTPConn(fd, nil)
	err = errors.Join(
		sc.SetInitMsg(int(opts.Streams), int(opts.Streams), 0, 0),
		// The SCTP_SNDRCV ancillary data on every message (stream, PPID),
		// association changes and the peer's SHUTDOWN as notifications.
		sc.SubscribeEvents(isctp.SCTP_EVENT_DATA_IO|isctp.SCTP_EVENT_ASSOCIATION|isctp.SCTP_EVENT_SHUTDOWN),
		// Send each message at once: NGAP is request/response.
		unix.SetsockoptInt(fd, unix.IPPROTO_SCTP, isctp.SCTP_NODELAY, 1),
	)
	if err != nil {
		unix.Close(fd)
		return nil, nil, fmt.Errorf("socket options: %w", err)
	}
	return os.NewFile(uintptr(fd), "sctp"), sc, nil
}

func sctpAddr(ap netip.AddrPort) *isctp.SCTPAddr {
	return &isctp.SCTPAddr{IPAddrs: []net.IPAddr{{IP: ap.Addr().AsSlice()}}, Port: int(ap.Port())}
}

func sockaddrPort(sa unix.Sockaddr) netip.AddrPort {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port))
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), uint16(sa.Port))
	}
	return netip.AddrPort{}
}

// withDeadline runs io, a poller-backed operation on f, so that ctx ending
// interrupts it through f's read or write deadline. Callers serialise
// operations of one direction.
func withDeadline(ctx context.Context, set func(time.Time) error, io func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		set(time.Unix(1, 0))
		close(fired)
	})
	err := io()
	if !stop() {
		<-fired
		set(time.Time{})
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return ctx.Err()
		}
	}
	return err
}

// Notifications (RFC 6458 §6.1), in host byte order.
const (
	notifyAssocChange = uint16(isctp.SCTP_ASSOC_CHANGE)
	notifyShutdown    = uint16(isctp.SCTP_SHUTDOWN_EVENT)
)

// notification is what Recv learns from one notification.
type notification struct {
	typ        uint16
	assocState uint16 // sac_state of SCTP_ASSOC_CHANGE
	assocError uint16 // sac_error: for COMM_LOST after an ABORT, its cause
}

func parseNotification(b []byte) (notification, bool) {
	if len(b) < 8 {
		return notification{}, false
	}
	n := notification{typ: binary.NativeEndian.Uint16(b)}
	if n.typ == notifyAssocChange && len(b) >= 12 {
		n.assocState = binary.NativeEndian.Uint16(b[8:])
		n.assocError = binary.NativeEndian.Uint16(b[10:])
	}
	return n, true
}

// parseSndRcv returns the stream and PPID of a received message from its
// SCTP_SNDRCV ancillary data (struct sctp_sndrcvinfo: sinfo_stream first,
// sinfo_ppid at offset 8 in network byte order).
func parseSndRcv(oob []byte) (stream uint16, ppid uint32, ok bool) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return 0, 0, false
	}
	for _, m := range msgs {
		if m.Header.Level == unix.IPPROTO_SCTP && m.Header.Type == isctp.SCTP_CMSG_SNDRCV && len(m.Data) >= 12 {
			return binary.NativeEndian.Uint16(m.Data), binary.BigEndian.Uint32(m.Data[8:]), true
		}
	}
	return 0, 0, false
}

// isAgain reports a non-blocking socket's "try later".
func isAgain(err error) bool { return errors.Is(err, syscall.EAGAIN) }
