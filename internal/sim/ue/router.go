package ue

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
)

// IPv6 on a PDU session (TS 23.501 §5.8.2.2.2, §5.8.2.2.3): the accept
// gives the UE an interface identifier only; the network's Router
// Advertisement over the user plane gives the /64 prefix, from which the
// UE forms its address (RFC 4862 §5.5.3). The UE's own parser, written
// apart from the UPF's builder.

// RouterAdvertisement is what the UE takes from a Router Advertisement
// (RFC 4861 §4.2).
type RouterAdvertisement struct {
	// Router is the link-local address it came from; Lifetime its router
	// lifetime in seconds (0: not a default router).
	Router   netip.Addr
	Lifetime uint16
	// Managed and Other are the M and O flags.
	Managed, Other bool
	// Prefix is the first Prefix Information option (§4.6.2) with the A
	// flag and a /64; OnLink its L flag.
	Prefix netip.Prefix
	OnLink bool
	// MTU is the MTU option's value (§4.6.4), 0 without one.
	MTU uint32
	// DNS are the resolvers of the RDNSS options (RFC 8106 §5.1).
	DNS []netip.Addr
}

// ErrNotRouterAdvertisement is returned by ParseRouterAdvertisement for
// a packet that is not an ICMPv6 Router Advertisement at all.
var ErrNotRouterAdvertisement = errors.New("ue: not a Router Advertisement")

const (
	nextHeaderICMPv6 = 58
	icmpv6RS         = 133
	icmpv6RA         = 134
	ndHopLimit       = 255
)

// ParseRouterAdvertisement reads an IPv6 packet as a Router
// Advertisement and checks it as RFC 4861 §6.1.2 asks of a host: hop
// limit 255, a link-local source, ICMP code 0, a correct checksum, at
// least 16 octets, options of nonzero length within the message. Options
// other than Prefix Information, MTU and RDNSS are skipped.
func ParseRouterAdvertisement(pkt []byte) (RouterAdvertisement, error) {
	var ra RouterAdvertisement
	if len(pkt) < 41 || pkt[0]>>4 != 6 || pkt[6] != nextHeaderICMPv6 || pkt[40] != icmpv6RA {
		return ra, ErrNotRouterAdvertisement
	}
	n := int(binary.BigEndian.Uint16(pkt[4:6]))
	if 40+n > len(pkt) || n < 16 {
		return ra, fmt.Errorf("ue: Router Advertisement of %d octets in a packet of %d", n, len(pkt))
	}
	msg := pkt[40 : 40+n]
	src := netip.AddrFrom16([16]byte(pkt[8:24]))
	switch {
	case pkt[7] != ndHopLimit:
		return ra, fmt.Errorf("ue: Router Advertisement with hop limit %d, want 255", pkt[7])
	case !src.IsLinkLocalUnicast():
		return ra, fmt.Errorf("ue: Router Advertisement from %v, not a link-local address", src)
	case msg[1] != 0:
		return ra, fmt.Errorf("ue: Router Advertisement with code %d", msg[1])
	case icmpv6Sum(pkt[8:40], msg) != 0:
		return ra, errors.New("ue: Router Advertisement with a bad checksum")
	}
	ra.Router = src
	ra.Managed, ra.Other = msg[5]&0x80 != 0, msg[5]&0x40 != 0
	ra.Lifetime = binary.BigEndian.Uint16(msg[6:8])
	for opts := msg[16:]; len(opts) > 0; {
		if len(opts) < 2 || opts[1] == 0 || len(opts) < 8*int(opts[1]) {
			return ra, errors.New("ue: Router Advertisement with a malformed option")
		}
		o := opts[:8*int(opts[1])]
		opts = opts[len(o):]
		switch o[0] {
		case 3: // Prefix Information
			if len(o) != 32 || ra.Prefix.IsValid() || o[2] != 64 || o[3]&0x40 == 0 {
				continue
			}
			ra.Prefix = netip.PrefixFrom(netip.AddrFrom16([16]byte(o[16:32])), 64).Masked()
			ra.OnLink = o[3]&0x80 != 0
		case 5: // MTU
			if len(o) == 8 {
				ra.MTU = binary.BigEndian.Uint32(o[4:8])
			}
		case 25: // RDNSS
			for a := o[8:]; len(a) >= 16; a = a[16:] {
				ra.DNS = append(ra.DNS, netip.AddrFrom16([16]byte(a[:16])))
			}
		}
	}
	return ra, nil
}

// icmpv6Sum is the ones' complement checksum of an ICMPv6 message msg
// under the source and destination addresses addrs (RFC 8200 §8.1): 0
// over a message whose checksum is right.
func icmpv6Sum(addrs, msg []byte) uint16 {
	sum := uint32(len(msg)) + nextHeaderICMPv6
	for _, w := range [][]byte{addrs, msg} {
		for ; len(w) >= 2; w = w[2:] {
			sum += uint32(w[0])<<8 | uint32(w[1])
		}
		if len(w) == 1 {
			sum += uint32(w[0]) << 8
		}
	}
	for sum>>16 != 0 {
		sum = sum&0xFFFF + sum>>16
	}
	return ^uint16(sum)
}

// HandleRouterAdvertisement reads a downlink packet of PDU session psi.
// A Router Advertisement with a usable prefix gives the session its
// IPv6 prefix and address: the prefix with the interface identifier of
// the accept (TS 23.501 §5.8.2.2.2), kept in PDUSession.IPv6Prefix and
// IPv6 (the first one counts; later ones refresh nothing). It returns
// ErrNotRouterAdvertisement for another packet.
func (u *UE) HandleRouterAdvertisement(psi uint8, pkt []byte) (RouterAdvertisement, error) {
	ra, err := ParseRouterAdvertisement(pkt)
	if err != nil {
		return ra, err
	}
	if psi == 0 || u.sm.stateOf(psi) != SessionActive {
		return ra, fmt.Errorf("ue: Router Advertisement on PDU session %d, which is not active", psi)
	}
	s := &u.sm.sessions[psi].info
	if s.Type != PDUTypeIPv6 && s.Type != PDUTypeIPv4v6 {
		return ra, fmt.Errorf("ue: Router Advertisement on PDU session %d of type %d", psi, s.Type)
	}
	if !ra.Prefix.IsValid() {
		return ra, errors.New("ue: Router Advertisement without a /64 prefix for address configuration")
	}
	if !s.IPv6Prefix.IsValid() {
		a := ra.Prefix.Addr().As16()
		copy(a[8:], s.IPv6IID[:])
		s.IPv6Prefix, s.IPv6 = ra.Prefix, netip.AddrFrom16(a)
	}
	return ra, nil
}

// RouterSolicitation returns the Router Solicitation (RFC 4861 §4.1,
// §6.3.7) the UE sends on PDU session psi: from its link-local address
// (fe80:: and the interface identifier of the accept) to all-routers
// (ff02::2), hop limit 255, no options.
func (u *UE) RouterSolicitation(psi uint8) ([]byte, error) {
	s, ok := u.PDUSession(psi)
	if !ok || (s.Type != PDUTypeIPv6 && s.Type != PDUTypeIPv4v6) {
		return nil, fmt.Errorf("ue: no active IPv6 PDU session %d", psi)
	}
	b := make([]byte, 48)
	b[0] = 0x60
	binary.BigEndian.PutUint16(b[4:6], 8)
	b[6], b[7] = nextHeaderICMPv6, ndHopLimit
	b[8], b[9] = 0xfe, 0x80
	copy(b[16:24], s.IPv6IID[:])
	b[24], b[25], b[39] = 0xff, 0x02, 0x02
	b[40] = icmpv6RS
	binary.BigEndian.PutUint16(b[42:44], icmpv6Sum(b[8:40], b[40:]))
	return b, nil
}
