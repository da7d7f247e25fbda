package upf

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"net/netip"
	"strings"
	"testing"

	"github.com/keelcore/keel/internal/gtpu"
	"github.com/keelcore/keel/internal/tsharktest"
)

func testRouter() *IPv6Router {
	return &IPv6Router{
		Prefix: netip.MustParsePrefix("2001:db8:1:2::/64"),
		DNS:    []netip.Addr{mustAddr("8.8.8.8"), mustAddr("2001:4860:4860::8888")},
		MTU:    1400,
	}
}

// goldenRA is the Router Advertisement of testRouter, laid out by hand
// from RFC 4861 §4.2, §4.6.2, §4.6.4 and RFC 8106 §5.1 (checksum by RFC
// 4443 §2.3, computed apart from Keel's code): IPv6 header from
// fe80::ffff:ffff:ffff:fffe to ff02::1, hop limit 255; type 134, cur hop
// limit 64, M 0 O 0, router lifetime 65535; Prefix Information /64 L 0
// A 1, lifetimes infinite; MTU 1400; RDNSS with the one IPv6 resolver.
const goldenRA = "6000000000503afffe80000000000000fffffffffffffffeff020000000000000000000000000001" +
	"86006e2a4000ffff0000000000000000" +
	"03044040ffffffffffffffff0000000020010db8000100020000000000000000" +
	"0501000000000578" +
	"19030000ffffffff20014860486000000000000000008888"

func TestRouterAdvertisementGolden(t *testing.T) {
	got := appendRouterAdvertisement(nil, testRouter())
	if h := hex.EncodeToString(got); h != goldenRA {
		t.Fatalf("appendRouterAdvertisement() =\n%s\nwant\n%s", h, goldenRA)
	}
	if icmpv6Checksum(got) != 0 {
		t.Error("the checksum does not verify")
	}
}

// routerSolicitation is an RS (RFC 4861 §4.1) from src to dst with hop
// limit hops and a correct checksum.
func routerSolicitation(src, dst netip.Addr, hops byte) []byte {
	b := make([]byte, 48)
	b[0] = 0x60
	binary.BigEndian.PutUint16(b[4:], 8)
	b[6], b[7] = icmpv6, hops
	s, d := src.As16(), dst.As16()
	copy(b[8:], s[:])
	copy(b[24:], d[:])
	b[40] = icmpRouterSolicitation
	binary.BigEndian.PutUint16(b[42:], icmpv6Checksum(b))
	return b
}

func TestIsRouterSolicitation(t *testing.T) {
	ll := mustAddr("fe80::1")
	good := routerSolicitation(ll, allRouters, 255)
	if !isRouterSolicitation(good) {
		t.Fatal("a valid RS to ff02::2 is not recognised")
	}
	if !isRouterSolicitation(routerSolicitation(ll, RouterLinkLocal, 255)) {
		t.Error("a valid RS to the UPF's link-local address is not recognised")
	}
	badSum := bytes.Clone(good)
	badSum[43] ^= 1
	for name, pkt := range map[string][]byte{
		"hop limit 64":    routerSolicitation(ll, allRouters, 64),
		"to ff02::1":      routerSolicitation(ll, allNodes, 255),
		"to a global":     routerSolicitation(ll, mustAddr("2001:db8::1"), 255),
		"bad checksum":    badSum,
		"truncated":       good[:47],
		"an RA":           appendRouterAdvertisement(nil, testRouter()),
		"IPv6 no payload": ipv6Packet(ll, allRouters, 8),
	} {
		if isRouterSolicitation(pkt) {
			t.Errorf("%s: taken as a Router Solicitation", name)
		}
	}
}

// ipv6Rules are testRules for an IPv6 session on prefix 2001:db8:1:2::/64
// with the UPF as its router.
func ipv6Rules(gnb netip.Addr, dl Action) Rules {
	r := testRules(0x100, 0x200, netip.Addr{}, gnb)
	r.PDRs[1].UEPrefix = testRouter().Prefix
	r.FARs[1].Action = dl
	if dl != Forward {
		r.FARs[1].Outer = nil
	}
	r.Router = testRouter()
	return r
}

// TestRouterAdvertisedOnceTunnelKnown: no RA while the downlink FAR
// buffers (the gNB's tunnel is not known), one G-PDU with the RA to the
// gNB's TEID with the QER's QFI when it forwards, none again on a later
// modification.
func TestRouterAdvertisedOnceTunnelKnown(t *testing.T) {
	tb := newTables(false)
	type sent struct {
		gpdu []byte
		to   netip.AddrPort
	}
	var out []sent
	tb.sendDL = func(gpdu []byte, to netip.AddrPort) { out = append(out, sent{bytes.Clone(gpdu), to}) }
	gnb := mustAddr("127.0.0.2")
	if err := tb.apply(1, ipv6Rules(gnb, Buffer)); err != nil {
		t.Fatal(err)
	}
	if len(out) != 0 {
		t.Fatalf("%d packets sent while the downlink FAR buffers, want none", len(out))
	}
	for range 2 {
		if err := tb.apply(1, ipv6Rules(gnb, Forward)); err != nil {
			t.Fatal(err)
		}
	}
	if len(out) != 1 {
		t.Fatalf("%d packets sent after the tunnel became known (twice), want one RA", len(out))
	}
	var p gtpu.Packet
	if err := gtpu.Parse(out[0].gpdu, &p); err != nil {
		t.Fatal(err)
	}
	if out[0].to != netip.AddrPortFrom(gnb, gtpu.Port) || p.TEID != 0x200 || !p.HasQFI || p.QFI != 9 {
		t.Errorf("RA G-PDU to %v TEID %#x QFI %d (%t), want %v:2152 TEID 0x200 QFI 9", out[0].to, p.TEID, p.QFI, p.HasQFI, gnb)
	}
	if hex.EncodeToString(p.Payload) != goldenRA {
		t.Errorf("RA payload = %x, want the golden RA", p.Payload)
	}
	// An IPv4 session has no router: nothing sent.
	if err := tb.apply(2, testRules(0x300, 0x400, mustAddr("10.45.0.2"), gnb)); err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 {
		t.Errorf("an IPv4 session sent %d packets", len(out)-1)
	}
}

// TestRouterSolicitationAnswered: an RS from the UE is answered with the
// RA towards the gNB and not forwarded to N6; without a router or a
// downlink tunnel it is dropped, still not forwarded.
func TestRouterSolicitationAnswered(t *testing.T) {
	gnb := mustAddr("127.0.0.2")
	rs := routerSolicitation(mustAddr("fe80::1"), allRouters, 255)
	msg := gtpu.AppendGPDU(nil, 0x100, 9, true, rs)
	for _, tt := range []struct {
		name  string
		rules Rules
		want  n3Verdict
	}{
		{"router, tunnel known", ipv6Rules(gnb, Forward), n3Downlink},
		{"router, tunnel not known", ipv6Rules(gnb, Buffer), n3Done},
		{"no router", func() Rules { r := ipv6Rules(gnb, Forward); r.Router = nil; return r }(), n3Done},
	} {
		tb := newTables(false)
		if err := tb.apply(1, tt.rules); err != nil {
			t.Fatal(err)
		}
		w := newUplinkWorker(tb, mustAddr("127.0.0.1"), 4)
		v := w.handle(datagram(msg), len(msg), 0)
		if v != tt.want || len(w.out) != 0 {
			t.Errorf("%s: handle(RS) = %d with %d T-PDUs to N6, want %d and none", tt.name, v, len(w.out), tt.want)
			continue
		}
		if w.stats.routerSolicits != 1 {
			t.Errorf("%s: %d solicitations counted, want 1", tt.name, w.stats.routerSolicits)
		}
		if v != n3Downlink {
			if w.stats.drops[dropRouterSolicitation] != 1 {
				t.Errorf("%s: drops = %v, want one router_solicitation", tt.name, w.stats.drops)
			}
			continue
		}
		var p gtpu.Packet
		if err := gtpu.Parse(w.reply, &p); err != nil {
			t.Fatal(err)
		}
		if w.replyTo != netip.AddrPortFrom(gnb, gtpu.Port) || p.TEID != 0x200 || p.QFI != 9 || hex.EncodeToString(p.Payload) != goldenRA {
			t.Errorf("%s: reply to %v TEID %#x QFI %d payload %x, want the golden RA to %v:2152 TEID 0x200 QFI 9", tt.name, w.replyTo, p.TEID, p.QFI, p.Payload, gnb)
		}
	}
	// Any other IPv6 packet of the session goes to N6 as before.
	tb := newTables(false)
	if err := tb.apply(1, ipv6Rules(gnb, Forward)); err != nil {
		t.Fatal(err)
	}
	w := newUplinkWorker(tb, mustAddr("127.0.0.1"), 4)
	other := gtpu.AppendGPDU(nil, 0x100, 9, true, ipv6Packet(mustAddr("2001:db8:1:2::5"), mustAddr("2001:db8::1"), 8))
	if v := w.handle(datagram(other), len(other), 0); v != n3Done || len(w.out) != 1 {
		t.Errorf("handle(IPv6 packet) = %d with %d T-PDUs, want it forwarded", v, len(w.out))
	}
}

// TestRouterRefusesNon64Prefix: the router prefix must be an IPv6 /64.
func TestRouterRefusesNon64Prefix(t *testing.T) {
	r := ipv6Rules(mustAddr("127.0.0.2"), Forward)
	r.Router = &IPv6Router{Prefix: netip.MustParsePrefix("2001:db8::/56")}
	if err := newTables(false).apply(1, r); err == nil {
		t.Error("apply with a /56 router prefix succeeded")
	}
}

// TestTsharkDecodesRouterAdvertisement has tshark decode the RA G-PDU
// as it leaves for the gNB: GTP-U with the PDU Session Container (DL,
// QFI), the ICMPv6 RA with its prefix, MTU and RDNSS, no malformed
// frame and no expert warning; and the test's Router Solicitation.
func TestTsharkDecodesRouterAdvertisement(t *testing.T) {
	gpdu := gtpu.AppendGPDU(nil, 0x200, 9, false, appendRouterAdvertisement(nil, testRouter()))
	rs := gtpu.AppendGPDU(nil, 0x100, 9, true, routerSolicitation(mustAddr("fe80::1"), allRouters, 255))
	run := tsharktest.Runner(t, tsharktest.Pcap(t, []string{"-u", "2152,2152"}, [][]byte{gpdu, rs}))
	tsharktest.CheckClean(t, run, "icmpv6.checksum.status == 0")
	// The solicitation the tests answer is one tshark reads as such.
	if sol := tsharktest.Fields(t, run, 1, []string{"icmpv6.type", "ipv6.dst", "gtp.ext_hdr.pdu_ses_con.pdu_type"}, "-Y", "frame.number == 2")[0]; sol["icmpv6.type"] != "133" || sol["ipv6.dst"] != "ff02::2" || sol["gtp.ext_hdr.pdu_ses_con.pdu_type"] != "1" {
		t.Errorf("tshark reads the uplink Router Solicitation as %v", sol)
	}
	got := tsharktest.Fields(t, run, 1, []string{
		"gtp.teid", "gtp.ext_hdr.pdu_ses_con.pdu_type", "gtp.ext_hdr.pdu_ses_con.qos_flow_id",
		"ipv6.src", "ipv6.dst", "ipv6.hlim", "icmpv6.type", "icmpv6.nd.ra.flag.m", "icmpv6.nd.ra.flag.o",
		"icmpv6.opt.prefix", "icmpv6.opt.prefix.length", "icmpv6.opt.prefix.flag.l", "icmpv6.opt.prefix.flag.a",
		"icmpv6.opt.mtu", "icmpv6.opt.rdnss",
	}, "-Y", "frame.number == 1")[0]
	want := map[string]string{
		"gtp.teid": "0x00000200", "gtp.ext_hdr.pdu_ses_con.pdu_type": "0", "gtp.ext_hdr.pdu_ses_con.qos_flow_id": "9",
		"ipv6.src": "fe80::ffff:ffff:ffff:fffe", "ipv6.dst": "ff02::1", "ipv6.hlim": "255", "icmpv6.type": "134",
		"icmpv6.nd.ra.flag.m": "False", "icmpv6.nd.ra.flag.o": "False",
		"icmpv6.opt.prefix": "2001:db8:1:2::", "icmpv6.opt.prefix.length": "64",
		"icmpv6.opt.prefix.flag.l": "False", "icmpv6.opt.prefix.flag.a": "True",
		"icmpv6.opt.mtu": "1400", "icmpv6.opt.rdnss": "2001:4860:4860::8888",
	}
	for f, w := range want {
		if g := got[f]; !strings.EqualFold(g, w) && !(w == "False" && g == "0") && !(w == "True" && g == "1") {
			t.Errorf("tshark %s = %q, want %q", f, g, w)
		}
	}
}
