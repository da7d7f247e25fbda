package upf

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// n3Socket is the GTP-U socket. Its batched I/O calls recvmmsg and
// sendmmsg itself, through the runtime poller, rather than through
// golang.org/x/net/ipv4's ReadBatch, which allocates a net.UDPAddr for
// every datagram it receives.
type n3Socket struct {
	conn    *net.UDPConn
	raw     syscall.RawConn
	ipv6    bool // an AF_INET6 socket: every peer is sent to as IPv6
	pktinfo bool // bound to the wildcard address: datagrams carry their destination
}

// n3SocketBuffer is asked for as the socket's receive and send buffers,
// to ride out bursts while a reader is descheduled.
const n3SocketBuffer = 8 << 20

func listenN3(addr netip.AddrPort) (*n3Socket, error) {
	network := "udp4"
	if addr.Addr().Is6() {
		// The wildcard IPv6 address gets a dual-stack socket.
		network = "udp"
		if !addr.Addr().IsUnspecified() {
			network = "udp6"
		}
	}
	conn, err := net.ListenUDP(network, net.UDPAddrFromAddrPort(addr))
	if err != nil {
		return nil, fmt.Errorf("upf: N3: %w", err)
	}
	raw, err := conn.SyscallConn()
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("upf: N3: %w", err)
	}
	s := &n3Socket{conn: conn, raw: raw, ipv6: addr.Addr().Is6(), pktinfo: addr.Addr().IsUnspecified()}
	var serr error
	err = raw.Control(func(fd uintptr) {
		for _, o := range [][2]int{{unix.SO_RCVBUFFORCE, unix.SO_RCVBUF}, {unix.SO_SNDBUFFORCE, unix.SO_SNDBUF}} {
			// The FORCE options pass net.core.[rw]mem_max with
			// CAP_NET_ADMIN, which the TUN device needs anyway.
			if unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, o[0], n3SocketBuffer) != nil {
				unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, o[1], n3SocketBuffer)
			}
		}
		if s.pktinfo {
			serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_PKTINFO, 1)
			if serr == nil && s.ipv6 {
				serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_RECVPKTINFO, 1)
			}
		}
	})
	if err = errors.Join(err, serr); err != nil {
		conn.Close()
		return nil, fmt.Errorf("upf: N3: %w", err)
	}
	return s, nil
}

func (s *n3Socket) localAddr() netip.AddrPort { return s.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

func (s *n3Socket) close() error { return s.conn.Close() }

// sendTo sends one message (Echo Response, Error Indication).
func (s *n3Socket) sendTo(b []byte, to netip.AddrPort) error {
	_, err := s.conn.WriteToUDPAddrPort(b, to)
	return err
}

// oobSize holds an IP_PKTINFO or IPV6_PKTINFO control message.
const oobSize = 64

// recvBatch is the state of recvmmsg for one reader, allocated once.
type recvBatch struct {
	hdrs  []unix.Mmsghdr
	iovs  []unix.Iovec
	names []unix.RawSockaddrInet6
	oob   []byte
	bufs  [][]byte
	// the call in progress, for recvFn
	n   int
	err error
	fn  func(fd uintptr) bool
}

func (s *n3Socket) newRecvBatch(n int) *recvBatch {
	b := &recvBatch{
		hdrs:  make([]unix.Mmsghdr, n),
		iovs:  make([]unix.Iovec, n),
		names: make([]unix.RawSockaddrInet6, n),
		bufs:  make([][]byte, n),
	}
	if s.pktinfo {
		b.oob = make([]byte, n*oobSize)
	}
	for i := range n {
		b.bufs[i] = make([]byte, n3BufSize)
		b.iovs[i].Base = &b.bufs[i][n3Headroom]
		b.iovs[i].SetLen(n3BufSize - n3Headroom)
		h := &b.hdrs[i].Hdr
		h.Iov = &b.iovs[i]
		h.SetIovlen(1)
		h.Name = (*byte)(unsafe.Pointer(&b.names[i]))
		if b.oob != nil {
			h.Control = &b.oob[i*oobSize]
		}
	}
	b.fn = b.recvmmsg
	return b
}

// recv fills the batch with at least one datagram, waiting for it.
func (s *n3Socket) recv(b *recvBatch) (int, error) {
	for i := range b.hdrs {
		h := &b.hdrs[i].Hdr
		h.Namelen = unix.SizeofSockaddrInet6
		if b.oob != nil {
			h.SetControllen(oobSize)
		}
		h.Flags = 0
	}
	b.n, b.err = 0, nil
	if err := s.raw.Read(b.fn); err != nil {
		return 0, err
	}
	return b.n, b.err
}

func (b *recvBatch) recvmmsg(fd uintptr) bool {
	for {
		n, _, e := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&b.hdrs[0])), uintptr(len(b.hdrs)), 0, 0, 0)
		switch e {
		case 0:
			b.n = int(n)
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false
		default:
			b.err = os.NewSyscallError("recvmmsg", e)
		}
		return true
	}
}

// message returns datagram i of the last recv: its buffer (the datagram
// at n3Headroom), its length and its source.
func (b *recvBatch) message(i int) ([]byte, int, netip.AddrPort) {
	return b.bufs[i], int(b.hdrs[i].Len), sockaddrAddrPort(&b.names[i])
}

// dst returns the address datagram i was sent to, when the socket is
// bound to the wildcard address (IP_PKTINFO, IPV6_PKTINFO).
func (b *recvBatch) dst(i int) netip.Addr {
	if b.oob == nil {
		return netip.Addr{}
	}
	oob := b.oob[i*oobSize : i*oobSize+min(int(b.hdrs[i].Hdr.Controllen), oobSize)]
	for len(oob) >= unix.SizeofCmsghdr {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
		if int(h.Len) < unix.SizeofCmsghdr || int(h.Len) > len(oob) {
			break
		}
		data := oob[unix.CmsgLen(0):h.Len]
		switch {
		case h.Level == unix.IPPROTO_IP && h.Type == unix.IP_PKTINFO && len(data) >= unix.SizeofInet4Pktinfo:
			return netip.AddrFrom4([4]byte(data[8:12])) // ipi_addr: the header's destination
		case h.Level == unix.IPPROTO_IPV6 && h.Type == unix.IPV6_PKTINFO && len(data) >= unix.SizeofInet6Pktinfo:
			return netip.AddrFrom16([16]byte(data[0:16])).Unmap()
		}
		oob = oob[min(unix.CmsgSpace(int(h.Len)-unix.CmsgLen(0)), len(oob)):]
	}
	return netip.Addr{}
}

func sockaddrAddrPort(sa *unix.RawSockaddrInet6) netip.AddrPort {
	p := (*[2]byte)(unsafe.Pointer(&sa.Port))
	port := uint16(p[0])<<8 | uint16(p[1])
	if sa.Family == unix.AF_INET {
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		return netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), port)
	}
	return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), port)
}

// sendBatch is the state of sendmmsg for one writer, allocated once.
type sendBatch struct {
	ipv6  bool
	hdrs  []unix.Mmsghdr
	iovs  []unix.Iovec
	names []unix.RawSockaddrInet6
	n     int
	// the call in progress, for fn
	off, sent int
	err       error
	fn        func(fd uintptr) bool
}

func (s *n3Socket) newSendBatch(n int) *sendBatch {
	b := &sendBatch{
		ipv6:  s.ipv6,
		hdrs:  make([]unix.Mmsghdr, n),
		iovs:  make([]unix.Iovec, n),
		names: make([]unix.RawSockaddrInet6, n),
	}
	for i := range n {
		h := &b.hdrs[i].Hdr
		h.Iov = &b.iovs[i]
		h.SetIovlen(1)
		h.Name = (*byte)(unsafe.Pointer(&b.names[i]))
	}
	b.fn = b.sendmmsg
	return b
}

// add queues the datagram pkt for to; the batch must have room.
func (b *sendBatch) add(pkt []byte, to netip.AddrPort) {
	i := b.n
	b.n++
	b.iovs[i].Base = &pkt[0]
	b.iovs[i].SetLen(len(pkt))
	sa := &b.names[i]
	port := to.Port()
	if b.ipv6 {
		*sa = unix.RawSockaddrInet6{Family: unix.AF_INET6, Addr: to.Addr().As16()}
		b.hdrs[i].Hdr.Namelen = unix.SizeofSockaddrInet6
	} else {
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		*sa4 = unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: to.Addr().As4()}
		b.hdrs[i].Hdr.Namelen = unix.SizeofSockaddrInet4
	}
	p := (*[2]byte)(unsafe.Pointer(&sa.Port))
	p[0], p[1] = byte(port>>8), byte(port)
}

// flush sends the queued datagrams, waiting for room in the socket's
// buffer. A datagram the kernel refuses (no route to the gNB, ...) is
// skipped and counted in failed, and err is the last refusal; when the
// socket is closed, what is left counts as failed and err says so.
func (s *n3Socket) flush(b *sendBatch) (failed int, err error) {
	defer func() { b.n = 0 }()
	for b.off = 0; b.off < b.n; {
		b.sent, b.err = 0, nil
		if werr := s.raw.Write(b.fn); werr != nil {
			return failed + b.n - b.off, werr
		}
		if b.err != nil || b.sent == 0 {
			failed++
			b.off++
			err = b.err
			continue
		}
		b.off += b.sent
	}
	return failed, err
}

func (b *sendBatch) sendmmsg(fd uintptr) bool {
	for {
		n, _, e := unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&b.hdrs[b.off])), uintptr(b.n-b.off), 0, 0, 0)
		switch e {
		case 0:
			b.sent = int(n)
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false
		default:
			b.err = os.NewSyscallError("sendmmsg", e)
		}
		return true
	}
}
