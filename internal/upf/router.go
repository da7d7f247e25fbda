package upf

import (
	"encoding/binary"
	"net/netip"
)

// IPv6 router of a session (TS 23.501 §5.8.2.2.3): the UE of an IPv6 or
// IPv4v6 PDU session learns its /64 prefix from a Router Advertisement
// (RFC 4861 §4.2) the network sends over the session's user plane, since
// the PDU SESSION ESTABLISHMENT ACCEPT gives it only an interface
// identifier. The UPF is that router: it sends an RA once the session's
// downlink tunnel is known and answers the UE's Router Solicitations
// (RFC 4861 §6.2.6), which never reach N6.

// IPv6Router is what a session's Router Advertisements say.
type IPv6Router struct {
	// Prefix is the session's /64 (Prefix Information option, RFC 4861
	// §4.6.2).
	Prefix netip.Prefix
	// DNS are the IPv6 resolvers of the DNN (Recursive DNS Server
	// option, RFC 8106 §5.1); IPv4 ones are left out.
	DNS []netip.Addr
	// MTU is the link MTU (MTU option, RFC 4861 §4.6.4); 0 sends none.
	MTU int
}

// RouterLinkLocal is the link-local address the UPF sends its Router
// Advertisements from (RFC 4861 §4.2: a router's link-local address).
// Its interface identifier is one the SMF never gives a UE: the SMF's
// are its SEIDs, counted from 1.
var RouterLinkLocal = netip.AddrFrom16([16]byte{0xfe, 0x80, 8: 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe})

var (
	allNodes   = netip.AddrFrom16([16]byte{0xff, 0x02, 15: 1})
	allRouters = netip.AddrFrom16([16]byte{0xff, 0x02, 15: 2})
)

// Values of the Router Advertisements. Keel sends no periodic
// advertisements (the UE asks with a Router Solicitation when it wants
// one), so what it advertises does not expire: the router lifetime is
// the largest RFC 8319 allows, the prefix and resolvers are valid for
// the life of the PDU session (lifetime "infinity", RFC 4861 §4.6.2, RFC
// 8106 §5.1).
const (
	icmpv6                  = 58
	icmpRouterSolicitation  = 133
	icmpRouterAdvertisement = 134
	ndHopLimit              = 255 // RFC 4861 §6.1: ND messages are sent with hop limit 255
	raCurHopLimit           = 64
	raRouterLifetime        = 0xffff
	infinite                = 0xffffffff
	optPrefixInformation    = 3
	optMTU                  = 5
	optRDNSS                = 25
	// Prefix Information flags: L (on-link) 0, A (autonomous address
	// configuration) 1. TS 29.061 §11.2.1.3.2a: the prefix is the UE's
	// alone and every packet goes through the network, so it is not
	// advertised on-link; the UE forms its address from it (SLAAC).
	pioFlagA = 0x40
	// maxRDNSS bounds the resolvers in one RA (RFC 8106 §5.1 sets no
	// limit; the option's length octet does, and more are of no use).
	maxRDNSS = 8
)

// appendRouterAdvertisement appends the IPv6 packet of a Router
// Advertisement (RFC 4861 §4.2) from RouterLinkLocal to the all-nodes
// address (RFC 4861 §6.2.6 allows it for a solicited one too): M and O 0
// (no DHCPv6: the address from the prefix, the resolvers in the RA and
// the PCO), a Prefix Information option with the session's /64, the
// link MTU, and the IPv6 resolvers as RDNSS.
func appendRouterAdvertisement(b []byte, r *IPv6Router) []byte {
	start := len(b)
	b = append(b, 0x60, 0, 0, 0, 0, 0, icmpv6, ndHopLimit)
	src, dst := RouterLinkLocal.As16(), allNodes.As16()
	b = append(b, src[:]...)
	b = append(b, dst[:]...)
	icmp := len(b)
	b = append(b, icmpRouterAdvertisement, 0, 0, 0, // type, code, checksum
		raCurHopLimit, 0, // flags M 0, O 0
		raRouterLifetime>>8, raRouterLifetime&0xff,
		0, 0, 0, 0, // reachable time: unspecified
		0, 0, 0, 0) // retrans timer: unspecified
	p := r.Prefix.Masked().Addr().As16()
	b = append(b, optPrefixInformation, 4, byte(r.Prefix.Bits()), pioFlagA)
	b = binary.BigEndian.AppendUint32(b, infinite) // valid lifetime
	b = binary.BigEndian.AppendUint32(b, infinite) // preferred lifetime
	b = append(b, 0, 0, 0, 0)
	b = append(b, p[:]...)
	if r.MTU > 0 {
		b = append(b, optMTU, 1, 0, 0)
		b = binary.BigEndian.AppendUint32(b, uint32(r.MTU))
	}
	var dns []netip.Addr
	for _, d := range r.DNS {
		if d.Is6() && !d.Is4In6() && len(dns) < maxRDNSS {
			dns = append(dns, d)
		}
	}
	if len(dns) > 0 {
		b = append(b, optRDNSS, byte(1+2*len(dns)), 0, 0)
		b = binary.BigEndian.AppendUint32(b, infinite)
		for _, d := range dns {
			a := d.As16()
			b = append(b, a[:]...)
		}
	}
	binary.BigEndian.PutUint16(b[start+4:], uint16(len(b)-icmp))
	binary.BigEndian.PutUint16(b[icmp+2:], icmpv6Checksum(b[start:]))
	return b
}

// icmpv6Checksum is the checksum of the ICMPv6 message of the IPv6
// packet pkt (RFC 4443 §2.3), over the pseudo-header of RFC 8200 §8.1;
// pkt has no extension headers and its checksum field is zero.
func icmpv6Checksum(pkt []byte) uint16 {
	msg := pkt[40:]
	sum := uint32(len(msg)) + icmpv6
	for _, w := range [][]byte{pkt[8:40], msg} {
		for ; len(w) >= 2; w = w[2:] {
			sum += uint32(w[0])<<8 | uint32(w[1])
		}
		if len(w) == 1 {
			sum += uint32(w[0]) << 8
		}
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}

// isRouterSolicitation tells whether the T-PDU pkt is a valid Router
// Solicitation (RFC 4861 §6.1.1: hop limit 255, ICMP code 0, at least 8
// octets, a correct checksum) to the all-routers address or to the UPF's
// link-local address. Extension headers before the ICMPv6 message are
// not looked through.
func isRouterSolicitation(pkt []byte) bool {
	if len(pkt) < 48 || pkt[0]>>4 != 6 || pkt[6] != icmpv6 || pkt[7] != ndHopLimit {
		return false
	}
	if pkt[40] != icmpRouterSolicitation || pkt[41] != 0 {
		return false
	}
	n := 40 + int(binary.BigEndian.Uint16(pkt[4:6]))
	if n > len(pkt) || n < 48 {
		return false
	}
	dst := netip.AddrFrom16([16]byte(pkt[24:40]))
	if dst != allRouters && dst != RouterLinkLocal {
		return false
	}
	return icmpv6Checksum(pkt[:n]) == 0
}
