package upf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
	"golang.zx2c4.com/wireguard/tun"
)

// openTUN creates the N6 TUN device, puts the gateway addresses on it
// (which also routes each pool to it) and brings it up, over rtnetlink:
// no ip(8) at run time.
func openTUN(name string, mtu int, gateways []netip.Prefix) (tun.Device, error) {
	dev, err := tun.CreateTUN(name, mtu)
	if err != nil {
		return nil, tunError(name, err)
	}
	if err := configureTUN(dev, gateways); err != nil {
		dev.Close()
		return nil, fmt.Errorf("upf: configuring TUN device %s: %w", name, err)
	}
	return dev, nil
}

func configureTUN(dev tun.Device, gateways []netip.Prefix) error {
	name, err := dev.Name()
	if err != nil {
		return err
	}
	ifi, err := net.InterfaceByName(name)
	if err != nil {
		return err
	}
	nl, err := dialNetlink()
	if err != nil {
		return err
	}
	defer nl.close()
	for _, g := range gateways {
		if err := nl.addAddress(ifi.Index, g); err != nil {
			return fmt.Errorf("adding %v: %w", g, err)
		}
	}
	if err := nl.setLinkUp(ifi.Index, tunTxQueueLen); err != nil {
		return fmt.Errorf("setting it up: %w", err)
	}
	return nil
}

// tunTxQueueLen is the device's queue towards the TUN reader, in
// packets: the kernel's default for a TUN device, 500, lasts about a
// millisecond at 450,000 packets a second, less than the reader can be
// descheduled for; this is Ethernet's default.
const tunTxQueueLen = 1000

// tunError says what is missing when the device cannot be made.
func tunError(name string, err error) error {
	switch {
	case errors.Is(err, unix.EPERM), errors.Is(err, unix.EACCES):
		return fmt.Errorf("upf: creating TUN device %s: %w: the UPF needs CAP_NET_ADMIN (run as root)", name, err)
	case errors.Is(err, unix.EBUSY):
		return fmt.Errorf("upf: creating TUN device %s: %w: another process has the device open", name, err)
	}
	if _, serr := os.Stat("/dev/net/tun"); serr != nil {
		return fmt.Errorf("upf: creating TUN device %s: %w: the UPF needs /dev/net/tun (load the tun kernel module, or give the container the device)", name, err)
	}
	return fmt.Errorf("upf: creating TUN device %s: %w", name, err)
}

// netlinkConn is an rtnetlink socket for configuration requests, one at
// a time.
type netlinkConn struct {
	fd  int
	seq uint32
	buf []byte
}

func dialNetlink() (*netlinkConn, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("bind", err)
	}
	return &netlinkConn{fd: fd, buf: make([]byte, 1<<16)}, nil
}

func (c *netlinkConn) close() error { return unix.Close(c.fd) }

// request sends one request and waits for its acknowledgement.
func (c *netlinkConn) request(typ, flags uint16, body []byte) error {
	c.seq++
	msg := make([]byte, unix.NLMSG_HDRLEN, unix.NLMSG_HDRLEN+len(body))
	msg = append(msg, body...)
	ne := binary.NativeEndian
	ne.PutUint32(msg[0:], uint32(len(msg)))
	ne.PutUint16(msg[4:], typ)
	ne.PutUint16(msg[6:], flags|unix.NLM_F_REQUEST|unix.NLM_F_ACK)
	ne.PutUint32(msg[8:], c.seq)
	if err := unix.Sendto(c.fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return os.NewSyscallError("sendto", err)
	}
	for {
		n, _, err := unix.Recvfrom(c.fd, c.buf, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return os.NewSyscallError("recvfrom", err)
		}
		msgs, err := syscall.ParseNetlinkMessage(c.buf[:n])
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if m.Header.Seq != c.seq || m.Header.Type != unix.NLMSG_ERROR {
				continue
			}
			if len(m.Data) < 4 {
				return errors.New("short netlink acknowledgement")
			}
			if code := int32(ne.Uint32(m.Data)); code != 0 {
				return syscall.Errno(-code)
			}
			return nil
		}
	}
}

// appendAttr appends a route attribute (struct rtattr and its data,
// padded to 4 octets).
func appendAttr(b []byte, typ uint16, data []byte) []byte {
	b = binary.NativeEndian.AppendUint16(b, uint16(unix.SizeofRtAttr+len(data)))
	b = binary.NativeEndian.AppendUint16(b, typ)
	b = append(b, data...)
	for len(b)%unix.NLMSG_ALIGNTO != 0 {
		b = append(b, 0)
	}
	return b
}

// appendNested appends an attribute holding the attributes fill appends.
func appendNested(b []byte, typ uint16, fill func([]byte) []byte) []byte {
	start := len(b)
	b = appendAttr(b, typ, nil)
	b = fill(b)
	binary.NativeEndian.PutUint16(b[start:], uint16(len(b)-start))
	return b
}

func addrBytes(a netip.Addr) []byte {
	if a.Is4() {
		b := a.As4()
		return b[:]
	}
	b := a.As16()
	return b[:]
}

// addAddress puts p (the address with its prefix length) on interface
// index; the kernel adds the route to the prefix.
func (c *netlinkConn) addAddress(index int, p netip.Prefix) error {
	a := p.Addr().Unmap()
	family, flags := byte(unix.AF_INET), byte(0)
	if a.Is6() {
		// No duplicate address detection: the address is usable at once.
		family, flags = unix.AF_INET6, unix.IFA_F_NODAD
	}
	// struct ifaddrmsg
	body := []byte{family, byte(p.Bits()), flags, unix.RT_SCOPE_UNIVERSE}
	body = binary.NativeEndian.AppendUint32(body, uint32(index))
	if a.Is4() {
		body = appendAttr(body, unix.IFA_LOCAL, addrBytes(a))
	}
	body = appendAttr(body, unix.IFA_ADDRESS, addrBytes(a))
	return c.request(unix.RTM_NEWADDR, unix.NLM_F_CREATE|unix.NLM_F_REPLACE, body)
}

// setLinkUp sets IFF_UP on interface index and, if txQueueLen > 0, the
// length of its transmit queue.
func (c *netlinkConn) setLinkUp(index int, txQueueLen int) error {
	body := ifinfomsg(index, unix.IFF_UP, unix.IFF_UP)
	if txQueueLen > 0 {
		body = appendAttr(body, unix.IFLA_TXQLEN, binary.NativeEndian.AppendUint32(nil, uint32(txQueueLen)))
	}
	return c.request(unix.RTM_NEWLINK, 0, body)
}

// ifinfomsg is a struct ifinfomsg (family AF_UNSPEC).
func ifinfomsg(index int, flags, change uint32) []byte {
	b := []byte{unix.AF_UNSPEC, 0, 0, 0}
	b = binary.NativeEndian.AppendUint32(b, uint32(index))
	b = binary.NativeEndian.AppendUint32(b, flags)
	return binary.NativeEndian.AppendUint32(b, change)
}
