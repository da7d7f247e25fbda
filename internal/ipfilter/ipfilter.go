// Package ipfilter reads the flow descriptions of PCC rules and PFCP SDF
// filters: IPFilterRule strings (RFC 6733 §4.3 as TS 29.212 §5.4.2 and
// TS 29.512 §5.6.2.14 restrict them), such as
//
//	permit out 17 from any 5000-5010 to assigned
//
// and matches packets against them without allocating.
//
// TS 29.212 §5.4.2: the action is "permit" and the direction "out"; the
// source ("from") is the remote side of the data network, the
// destination ("to") the UE, whose address may be written "assigned".
// The same filter describes the uplink with the ends swapped. Keel reads
// one address (any, an address or a prefix) and at most one port or
// port range per end, and no options: a flow description with port
// lists, negations ("!") or options is refused with an error that says
// so.
package ipfilter

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Rule is one flow description. A zero Prefix is "any"; Ports{0, 65535}
// (AnyPorts()) is every port.
type Rule struct {
	// Protocol is the IP protocol number (IPv6 next header); AnyProtocol
	// for "ip".
	Protocol int
	// Remote is the data network end ("from"), Local the UE end ("to");
	// Local is zero for "assigned" and "any".
	Remote, Local           netip.Prefix
	RemotePorts, LocalPorts Ports
}

// AnyProtocol is the protocol of "ip": every protocol.
const AnyProtocol = -1

// Ports is an inclusive port range.
type Ports struct{ Low, High uint16 }

// AnyPorts is the range of every port.
func AnyPorts() Ports { return Ports{0, 65535} }

// Any tells whether the range holds every port.
func (p Ports) Any() bool { return p.Low == 0 && p.High == 65535 }

func (p Ports) contains(port uint16) bool { return p.Low <= port && port <= p.High }

// Parse reads a flow description.
func Parse(s string) (Rule, error) {
	r := Rule{RemotePorts: AnyPorts(), LocalPorts: AnyPorts()}
	f := strings.Fields(s)
	fail := func(format string, args ...any) (Rule, error) {
		return Rule{}, fmt.Errorf("ipfilter: %q: %s", s, fmt.Sprintf(format, args...))
	}
	if len(f) < 6 {
		return fail("want \"permit out <protocol> from <address> [ports] to <address> [ports]\"")
	}
	if f[0] != "permit" {
		return fail("action %q, want permit (TS 29.212 §5.4.2)", f[0])
	}
	if f[1] != "out" {
		return fail("direction %q, want out (TS 29.212 §5.4.2)", f[1])
	}
	if f[2] == "ip" {
		r.Protocol = AnyProtocol
	} else {
		p, err := strconv.ParseUint(f[2], 10, 8)
		if err != nil {
			return fail("protocol %q, want ip or 0 to 255", f[2])
		}
		r.Protocol = int(p)
	}
	if f[3] != "from" {
		return fail("%q where \"from\" belongs", f[3])
	}
	rest := f[4:]
	var err error
	if r.Remote, r.RemotePorts, rest, err = end(rest, false); err != nil {
		return fail("from: %v", err)
	}
	if len(rest) == 0 || rest[0] != "to" {
		return fail("no \"to\" after the source")
	}
	if r.Local, r.LocalPorts, rest, err = end(rest[1:], true); err != nil {
		return fail("to: %v", err)
	}
	if len(rest) > 0 {
		return fail("options %q are not supported", strings.Join(rest, " "))
	}
	if (!r.RemotePorts.Any() || !r.LocalPorts.Any()) && r.Protocol != 6 && r.Protocol != 17 && r.Protocol != 132 && r.Protocol != AnyProtocol {
		return fail("ports with protocol %d, which has none", r.Protocol)
	}
	if r.Remote.IsValid() && r.Local.IsValid() && r.Remote.Addr().Is4() != r.Local.Addr().Is4() {
		return fail("an IPv4 and an IPv6 end")
	}
	return r, nil
}

// end reads an address and optional ports.
func end(f []string, local bool) (netip.Prefix, Ports, []string, error) {
	if len(f) == 0 {
		return netip.Prefix{}, AnyPorts(), f, errors.New("no address")
	}
	var p netip.Prefix
	switch a := f[0]; {
	case a == "any":
	case a == "assigned" && local:
	case strings.HasPrefix(a, "!"):
		return p, AnyPorts(), f, fmt.Errorf("negated address %q is not supported", a)
	case strings.Contains(a, "/"):
		q, err := netip.ParsePrefix(a)
		if err != nil {
			return p, AnyPorts(), f, fmt.Errorf("address %q: %v", a, err)
		}
		p = q.Masked()
	default:
		ad, err := netip.ParseAddr(a)
		if err != nil || ad.Zone() != "" {
			return p, AnyPorts(), f, fmt.Errorf("address %q, want any, an address or a prefix", a)
		}
		p = netip.PrefixFrom(ad.Unmap(), ad.Unmap().BitLen())
	}
	f = f[1:]
	ports := AnyPorts()
	if len(f) > 0 && f[0] != "to" && len(f[0]) > 0 && f[0][0] >= '0' && f[0][0] <= '9' {
		var err error
		if ports, err = parsePorts(f[0]); err != nil {
			return p, ports, f, err
		}
		f = f[1:]
	}
	return p, ports, f, nil
}

func parsePorts(s string) (Ports, error) {
	if strings.Contains(s, ",") {
		return Ports{}, fmt.Errorf("port list %q is not supported: one port or range per flow description", s)
	}
	lo, hi, isRange := strings.Cut(s, "-")
	l, err := strconv.ParseUint(lo, 10, 16)
	if err != nil {
		return Ports{}, fmt.Errorf("port %q", s)
	}
	h := l
	if isRange {
		if h, err = strconv.ParseUint(hi, 10, 16); err != nil || h < l {
			return Ports{}, fmt.Errorf("port range %q", s)
		}
	}
	return Ports{uint16(l), uint16(h)}, nil
}

// String writes the rule back as a flow description.
func (r Rule) String() string {
	var b strings.Builder
	b.WriteString("permit out ")
	if r.Protocol == AnyProtocol {
		b.WriteString("ip")
	} else {
		b.WriteString(strconv.Itoa(r.Protocol))
	}
	b.WriteString(" from ")
	writeEnd(&b, r.Remote, r.RemotePorts, "any")
	b.WriteString(" to ")
	writeEnd(&b, r.Local, r.LocalPorts, "assigned")
	return b.String()
}

func writeEnd(b *strings.Builder, p netip.Prefix, ports Ports, none string) {
	switch {
	case !p.IsValid():
		b.WriteString(none)
	case p.IsSingleIP():
		b.WriteString(p.Addr().String())
	default:
		b.WriteString(p.String())
	}
	switch {
	case ports.Any():
	case ports.Low == ports.High:
		fmt.Fprintf(b, " %d", ports.Low)
	default:
		fmt.Fprintf(b, " %d-%d", ports.Low, ports.High)
	}
}

// MatchDownlink tells whether an IP packet from the data network to the
// UE (an IPv4 or IPv6 header first) matches: its source is the remote
// end, its destination the UE. A packet too short for the fields the
// rule reads does not match; IPv6 extension headers are not walked (the
// next header of the fixed header is the protocol).
func (r *Rule) MatchDownlink(pkt []byte) bool { return r.match(pkt, true) }

// MatchUplink is MatchDownlink for a packet from the UE.
func (r *Rule) MatchUplink(pkt []byte) bool { return r.match(pkt, false) }

func (r *Rule) match(pkt []byte, down bool) bool {
	if len(pkt) < 1 {
		return false
	}
	var src, dst netip.Addr
	var proto int
	var l4 []byte
	switch pkt[0] >> 4 {
	case 4:
		ihl := int(pkt[0]&0x0f) * 4
		if len(pkt) < 20 || ihl < 20 || len(pkt) < ihl {
			return false
		}
		src, dst = netip.AddrFrom4([4]byte(pkt[12:16])), netip.AddrFrom4([4]byte(pkt[16:20]))
		proto = int(pkt[9])
		// A fragment after the first carries no port.
		if pkt[6]&0x1f != 0 || pkt[7] != 0 {
			l4 = nil
		} else {
			l4 = pkt[ihl:]
		}
	case 6:
		if len(pkt) < 40 {
			return false
		}
		src, dst = netip.AddrFrom16([16]byte(pkt[8:24])), netip.AddrFrom16([16]byte(pkt[24:40]))
		proto = int(pkt[6])
		l4 = pkt[40:]
	default:
		return false
	}
	remote, local := src, dst
	if !down {
		remote, local = dst, src
	}
	if r.Protocol != AnyProtocol && proto != r.Protocol {
		return false
	}
	if r.Remote.IsValid() && !r.Remote.Contains(remote) {
		return false
	}
	if r.Local.IsValid() && !r.Local.Contains(local) {
		return false
	}
	if r.RemotePorts.Any() && r.LocalPorts.Any() {
		return true
	}
	if len(l4) < 4 || (proto != 6 && proto != 17 && proto != 132) {
		return false
	}
	sp, dp := uint16(l4[0])<<8|uint16(l4[1]), uint16(l4[2])<<8|uint16(l4[3])
	rp, lp := sp, dp
	if !down {
		rp, lp = dp, sp
	}
	return r.RemotePorts.contains(rp) && r.LocalPorts.contains(lp)
}
