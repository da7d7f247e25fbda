package upf

import (
	"encoding/binary"
	"net/netip"
)

// Builders of the inner IP packets the tests send. Checksums are real:
// the kernel checks them on what the TUN device hands it.

func checksum(b []byte, sum uint32) uint16 {
	for ; len(b) >= 2; b = b[2:] {
		sum += uint32(b[0])<<8 | uint32(b[1])
	}
	if len(b) == 1 {
		sum += uint32(b[0]) << 8
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}

// ipv4Packet wraps payload in an IPv4 header (no options, DF, TTL 64).
func ipv4Packet(src, dst netip.Addr, proto byte, payload []byte) []byte {
	b := make([]byte, 20, 20+len(payload))
	b[0] = 0x45
	binary.BigEndian.PutUint16(b[2:], uint16(20+len(payload)))
	binary.BigEndian.PutUint16(b[6:], 0x4000)
	b[8], b[9] = 64, proto
	s, d := src.As4(), dst.As4()
	copy(b[12:], s[:])
	copy(b[16:], d[:])
	binary.BigEndian.PutUint16(b[10:], checksum(b[:20], 0))
	return append(b, payload...)
}

// icmpEcho is an IPv4 ICMP echo request with n octets of data.
func icmpEcho(src, dst netip.Addr, id, seq uint16, n int) []byte {
	m := make([]byte, 8+n)
	m[0] = 8
	binary.BigEndian.PutUint16(m[4:], id)
	binary.BigEndian.PutUint16(m[6:], seq)
	for i := range n {
		m[8+i] = byte(i)
	}
	binary.BigEndian.PutUint16(m[2:], checksum(m, 0))
	return ipv4Packet(src, dst, 1, m)
}

// udpPacket is an IPv4 UDP datagram of total IP length size (at least
// 28), with a correct checksum.
func udpPacket(src, dst netip.AddrPort, size int) []byte {
	u := make([]byte, size-20)
	binary.BigEndian.PutUint16(u[0:], src.Port())
	binary.BigEndian.PutUint16(u[2:], dst.Port())
	binary.BigEndian.PutUint16(u[4:], uint16(len(u)))
	for i := 8; i < len(u); i++ {
		u[i] = byte(i)
	}
	s, d := src.Addr().As4(), dst.Addr().As4()
	var pseudo uint32
	for _, w := range [][]byte{s[:], d[:]} {
		pseudo += uint32(binary.BigEndian.Uint16(w)) + uint32(binary.BigEndian.Uint16(w[2:]))
	}
	pseudo += 17 + uint32(len(u))
	c := checksum(u, pseudo)
	if c == 0 {
		c = 0xffff
	}
	binary.BigEndian.PutUint16(u[6:], c)
	return ipv4Packet(src.Addr(), dst.Addr(), 17, u)
}

// ipv6Packet is a minimal IPv6 packet (next header 59, no next header)
// with n octets of payload.
func ipv6Packet(src, dst netip.Addr, n int) []byte {
	b := make([]byte, 40+n)
	b[0] = 0x60
	binary.BigEndian.PutUint16(b[4:], uint16(n))
	b[6], b[7] = 59, 64
	s, d := src.As16(), dst.As16()
	copy(b[8:], s[:])
	copy(b[24:], d[:])
	return b
}
