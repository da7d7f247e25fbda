package userspace

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"

	"golang.org/x/sys/unix"
)

// rawConn is the transport's one raw IPv4 socket for protocol 132. The
// kernel hands it every SCTP packet that reaches this network namespace,
// whichever association or process it is for, and its own packets too when
// they loop back on lo: demux.go sorts them.
type rawConn struct {
	c      *net.IPConn
	rcvbuf int // effective SO_RCVBUF, for the log
}

// openRaw opens the socket and raises its receive buffer to want bytes:
// with the default (about 200 KiB) bursts of packets overflow it and every
// overflow costs the association a retransmission timeout (1 s, RFC 9260
// RTO.Initial). SO_RCVBUFFORCE passes net.core.rmem_max where the process
// may (CAP_NET_ADMIN); otherwise SO_RCVBUF is capped by rmem_max.
// Path MTU discovery is off (IP_PMTUDISC_DONT): pion has none, so the
// adapter lets routers fragment rather than lose packets larger than the
// path's MTU.
func openRaw(want int) (*rawConn, error) {
	c, err := net.ListenIP("ip4:132", nil)
	if err != nil {
		if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
			return nil, fmt.Errorf("userspace sctp: raw IPv4 socket needs CAP_NET_RAW: %w", err)
		}
		return nil, fmt.Errorf("userspace sctp: raw IPv4 socket: %w", err)
	}
	r := &rawConn{c: c}
	sc, err := c.SyscallConn()
	if err != nil {
		c.Close()
		return nil, err
	}
	var serr error
	cerr := sc.Control(func(fd uintptr) {
		if unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, want) != nil {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, want)
		}
		if serr == nil {
			serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_MTU_DISCOVER, unix.IP_PMTUDISC_DONT)
		}
		if serr == nil {
			r.rcvbuf, serr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF)
		}
	})
	if err := errors.Join(cerr, serr); err != nil {
		c.Close()
		return nil, fmt.Errorf("userspace sctp: raw socket options: %w", err)
	}
	return r, nil
}

// read reads one IPv4 packet into buf and returns its addresses and its
// SCTP packet. Raw IPv4 sockets return the IP header: the destination
// address is needed to tell associations apart. Packets with a malformed
// header come back with ok false.
func (r *rawConn) read(buf []byte) (src, dst netip.Addr, sctp []byte, ok bool, err error) {
	n, _, _, _, err := r.c.ReadMsgIP(buf, nil)
	if err != nil {
		return src, dst, nil, false, err
	}
	b := buf[:n]
	if len(b) < 20 || b[0]>>4 != 4 {
		return src, dst, nil, false, nil
	}
	ihl := int(b[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(b[2:]))
	if ihl < 20 || total < ihl || total > len(b) || b[9] != syscall.IPPROTO_SCTP {
		return src, dst, nil, false, nil
	}
	src = netip.AddrFrom4([4]byte(b[12:16]))
	dst = netip.AddrFrom4([4]byte(b[16:20]))
	return src, dst, b[ihl:total], true, nil
}

// write sends SCTP packet p from src to dst. IP_PKTINFO pins the source
// address so that replies leave from the address the association uses.
func (r *rawConn) write(p []byte, src, dst netip.Addr) error {
	oob := unix.PktInfo4(&unix.Inet4Pktinfo{Spec_dst: src.As4()})
	_, _, err := r.c.WriteMsgIP(p, oob, &net.IPAddr{IP: net.IP(dst.AsSlice())})
	return err
}

func (r *rawConn) close() error { return r.c.Close() }

// routeSource returns the source address routing picks towards dst, by
// connecting a UDP socket (which sends nothing).
func routeSource(dst netip.Addr) (netip.Addr, error) {
	c, err := net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(dst, 9)))
	if err != nil {
		return netip.Addr{}, fmt.Errorf("userspace sctp: no route to %v: %w", dst, err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap(), nil
}
