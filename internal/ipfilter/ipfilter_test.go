package ipfilter

import (
	"net/netip"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Rule
		back string // String(), when not in
	}{
		{"permit out 17 from any 5000-5010 to assigned", Rule{Protocol: 17, RemotePorts: Ports{5000, 5010}, LocalPorts: AnyPorts()}, ""},
		{"permit out ip from any to assigned", Rule{Protocol: AnyProtocol, RemotePorts: AnyPorts(), LocalPorts: AnyPorts()}, ""},
		{"permit out 6 from 198.51.100.0/24 443 to 10.45.0.7 40000-40100", Rule{Protocol: 6,
			Remote: netip.MustParsePrefix("198.51.100.0/24"), RemotePorts: Ports{443, 443},
			Local: netip.MustParsePrefix("10.45.0.7/32"), LocalPorts: Ports{40000, 40100}}, ""},
		{"permit  out 17 from 2001:db8::/32 to any 5060", Rule{Protocol: 17, Remote: netip.MustParsePrefix("2001:db8::/32"),
			RemotePorts: AnyPorts(), LocalPorts: Ports{5060, 5060}}, "permit out 17 from 2001:db8::/32 to assigned 5060"},
		{"permit out 17 from 198.51.100.9/24 to assigned", Rule{Protocol: 17, Remote: netip.MustParsePrefix("198.51.100.0/24"),
			RemotePorts: AnyPorts(), LocalPorts: AnyPorts()}, "permit out 17 from 198.51.100.0/24 to assigned"},
	} {
		got, err := Parse(c.in)
		if err != nil || got != c.want {
			t.Errorf("Parse(%q) = %+v, %v, want %+v", c.in, got, err, c.want)
			continue
		}
		back := c.back
		if back == "" {
			back = c.in
		}
		if got.String() != back {
			t.Errorf("Parse(%q).String() = %q, want %q", c.in, got.String(), back)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "want \"permit out"},
		{"deny out 17 from any to assigned", "action \"deny\""},
		{"permit in 17 from any to assigned", "direction \"in\""},
		{"permit out udp from any to assigned", "protocol \"udp\""},
		{"permit out 256 from any to assigned", "protocol \"256\""},
		{"permit out 17 to any to assigned", "where \"from\" belongs"},
		{"permit out 17 from any 5000 assigned", "no \"to\""},
		{"permit out 17 from !10.0.0.0/8 to assigned", "negated address"},
		{"permit out 17 from assigned to any", "address \"assigned\""},
		{"permit out 17 from 10.0.0.0/33 to assigned", "address \"10.0.0.0/33\""},
		{"permit out 17 from any 1,2 to assigned", "port list"},
		{"permit out 17 from any 9-8 to assigned", "port range \"9-8\""},
		{"permit out 17 from any 70000 to assigned", "port \"70000\""},
		{"permit out 1 from any 80 to assigned", "ports with protocol 1"},
		{"permit out 17 from any to assigned frag", "options \"frag\""},
		{"permit out 17 from 10.0.0.1 to 2001:db8::1", "an IPv4 and an IPv6 end"},
	} {
		if _, err := Parse(c.in); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q) = %v, want an error with %q", c.in, err, c.want)
		}
	}
}

// udp4 is an IPv4/UDP packet.
func udp4(src, dst string, sp, dp uint16) []byte {
	b := make([]byte, 28)
	b[0], b[9] = 0x45, 17
	s, d := netip.MustParseAddr(src).As4(), netip.MustParseAddr(dst).As4()
	copy(b[12:], s[:])
	copy(b[16:], d[:])
	b[20], b[21], b[22], b[23] = byte(sp>>8), byte(sp), byte(dp>>8), byte(dp)
	return b
}

func udp6(src, dst string, sp, dp uint16) []byte {
	b := make([]byte, 48)
	b[0], b[6] = 0x60, 17
	s, d := netip.MustParseAddr(src).As16(), netip.MustParseAddr(dst).As16()
	copy(b[8:], s[:])
	copy(b[24:], d[:])
	b[40], b[41], b[42], b[43] = byte(sp>>8), byte(sp), byte(dp>>8), byte(dp)
	return b
}

func TestMatch(t *testing.T) {
	voice, _ := Parse("permit out 17 from 198.51.100.0/24 5000-5010 to assigned 4000")
	v6, _ := Parse("permit out 17 from 2001:db8::/32 to any")
	all, _ := Parse("permit out ip from any to assigned")
	frag := udp4("198.51.100.1", "10.45.0.2", 5000, 4000)
	frag[7] = 1 // fragment offset 8: no ports
	for _, c := range []struct {
		name string
		r    *Rule
		pkt  []byte
		down bool
		want bool
	}{
		{"down match", &voice, udp4("198.51.100.1", "10.45.0.2", 5005, 4000), true, true},
		{"down low edge", &voice, udp4("198.51.100.1", "10.45.0.2", 5000, 4000), true, true},
		{"down port above", &voice, udp4("198.51.100.1", "10.45.0.2", 5011, 4000), true, false},
		{"down local port", &voice, udp4("198.51.100.1", "10.45.0.2", 5005, 4001), true, false},
		{"down other remote", &voice, udp4("198.51.101.1", "10.45.0.2", 5005, 4000), true, false},
		{"up match", &voice, udp4("10.45.0.2", "198.51.100.1", 4000, 5010), false, true},
		{"up reversed", &voice, udp4("10.45.0.2", "198.51.100.1", 5010, 4000), false, false},
		{"tcp", &voice, func() []byte { b := udp4("198.51.100.1", "10.45.0.2", 5005, 4000); b[9] = 6; return b }(), true, false},
		{"fragment", &voice, frag, true, false},
		{"short", &voice, udp4("198.51.100.1", "10.45.0.2", 5005, 4000)[:22], true, false},
		{"empty", &all, nil, true, false},
		{"any", &all, udp4("1.1.1.1", "10.45.0.2", 1, 2), true, true},
		{"v6", &v6, udp6("2001:db8::1", "2001:db8:ff::2", 1, 2), true, true},
		{"v6 other", &v6, udp6("2001:db9::1", "2001:db8:ff::2", 1, 2), true, false},
		{"v4 vs v6 rule", &v6, udp4("1.1.1.1", "10.45.0.2", 1, 2), true, false},
	} {
		if got := c.r.match(c.pkt, c.down); got != c.want {
			t.Errorf("%s: match = %t, want %t", c.name, got, c.want)
		}
	}
}

func TestMatchAllocs(t *testing.T) {
	r, _ := Parse("permit out 17 from 198.51.100.0/24 5000-5010 to assigned")
	pkt := udp4("198.51.100.1", "10.45.0.2", 5005, 4000)
	if n := testing.AllocsPerRun(100, func() { r.MatchDownlink(pkt) }); n != 0 {
		t.Errorf("MatchDownlink allocates %v times", n)
	}
}

func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Parse(s)
		if err != nil {
			return
		}
		again, err := Parse(r.String())
		if err != nil || again != r {
			t.Fatalf("Parse(%q) = %+v, which writes %q and reads back %+v, %v", s, r, r.String(), again, err)
		}
	})
}

func BenchmarkMatchDownlink(b *testing.B) {
	r, _ := Parse("permit out 17 from 198.51.100.0/24 5000-5010 to assigned")
	pkt := udp4("198.51.100.1", "10.45.0.2", 5005, 4000)
	b.ReportAllocs()
	for b.Loop() {
		r.MatchDownlink(pkt)
	}
}
