package ue

import (
	"bytes"
	"encoding/hex"
	"errors"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// goldenRA is a Router Advertisement laid out by hand from RFC 4861
// §4.2, §4.6.2, §4.6.4 and RFC 8106 §5.1, as Keel's UPF sends it: from
// fe80::ffff:ffff:ffff:fffe to ff02::1, hop limit 255, M 0 O 0, router
// lifetime 65535; prefix 2001:db8:1:2::/64 with L 0 A 1; MTU 1400;
// RDNSS 2001:4860:4860::8888.
const goldenRA = "6000000000503afffe80000000000000fffffffffffffffeff020000000000000000000000000001" +
	"86006e2a4000ffff0000000000000000" +
	"03044040ffffffffffffffff0000000020010db8000100020000000000000000" +
	"0501000000000578" +
	"19030000ffffffff20014860486000000000000000008888"

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseRouterAdvertisement(t *testing.T) {
	ra, err := ParseRouterAdvertisement(mustHex(t, goldenRA))
	if err != nil {
		t.Fatal(err)
	}
	want := RouterAdvertisement{
		Router: netip.MustParseAddr("fe80::ffff:ffff:ffff:fffe"), Lifetime: 0xffff,
		Prefix: netip.MustParsePrefix("2001:db8:1:2::/64"), MTU: 1400,
		DNS: []netip.Addr{netip.MustParseAddr("2001:4860:4860::8888")},
	}
	if diff := cmp.Diff(want, ra, cmp.Comparer(func(a, b netip.Addr) bool { return a == b }), cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
		t.Errorf("ParseRouterAdvertisement (-want +got):\n%s", diff)
	}
	edit := func(i int, v byte) []byte {
		b := mustHex(t, goldenRA)
		b[i] = v
		return b
	}
	// resum puts the right checksum back after an edit of the message.
	resum := func(b []byte) []byte {
		b[42], b[43] = 0, 0
		c := icmpv6Sum(b[8:40], b[40:])
		b[42], b[43] = byte(c>>8), byte(c)
		return b
	}
	for name, pkt := range map[string][]byte{
		"option length 0 (checksum right)": resum(edit(57, 0)),
		"code 1 (checksum right)":          resum(edit(41, 1)),
		"hop limit 64":                     edit(7, 64),
		"global source":                    edit(8, 0x20),
		"bad checksum":                     edit(43, 0),
		"code 1":                           edit(41, 1),
		"option length 0":                  edit(57, 0),
		"length past end":                  edit(5, 0x60),
		"truncated options":                mustHex(t, goldenRA)[:100],
	} {
		if _, err := ParseRouterAdvertisement(pkt); err == nil || errors.Is(err, ErrNotRouterAdvertisement) {
			t.Errorf("%s: err = %v, want a refusal", name, err)
		}
	}
	for name, pkt := range map[string][]byte{"empty": nil, "IPv4": {0x45, 0}, "RS": edit(40, 133)} {
		if _, err := ParseRouterAdvertisement(pkt); !errors.Is(err, ErrNotRouterAdvertisement) {
			t.Errorf("%s: err = %v, want ErrNotRouterAdvertisement", name, err)
		}
	}
}

// ipv6Session is a registered UE with PDU session 1 of type IPv4v6 and
// interface identifier ::1.
func ipv6Session(t *testing.T) *UE {
	u, n, _ := establish(t)
	const accept = "2e0101c2" + "13" +
		"0009" + "01" + "0006" + "31" + "31" + "01" + "01" + "ff" + "01" +
		"06" + "060064" + "010400" +
		"290d03" + "0000000000000001" + "c0000201"
	if res := handle(t, u, n.protect(dlNASTransport(t, 1, accept, 0), 2)); res.Event != EventPDUSessionEstablished {
		t.Fatalf("event %v", res.Event)
	}
	return u
}

func TestHandleRouterAdvertisement(t *testing.T) {
	u := ipv6Session(t)
	if _, err := u.HandleRouterAdvertisement(1, []byte{0x45}); !errors.Is(err, ErrNotRouterAdvertisement) {
		t.Errorf("HandleRouterAdvertisement(IPv4) = %v, want ErrNotRouterAdvertisement", err)
	}
	if _, err := u.HandleRouterAdvertisement(2, mustHex(t, goldenRA)); err == nil {
		t.Error("a Router Advertisement on an inactive session was taken")
	}
	if _, err := u.HandleRouterAdvertisement(1, mustHex(t, goldenRA)); err != nil {
		t.Fatal(err)
	}
	s, _ := u.PDUSession(1)
	if s.IPv6Prefix != netip.MustParsePrefix("2001:db8:1:2::/64") || s.IPv6 != netip.MustParseAddr("2001:db8:1:2::1") {
		t.Errorf("session IPv6 %v in %v, want 2001:db8:1:2::1 in 2001:db8:1:2::/64", s.IPv6, s.IPv6Prefix)
	}
}

func TestRouterSolicitation(t *testing.T) {
	u := ipv6Session(t)
	rs, err := u.RouterSolicitation(1)
	if err != nil {
		t.Fatal(err)
	}
	// RFC 4861 §4.1 by hand: fe80::1 to ff02::2, hop limit 255, type 133,
	// checksum computed apart.
	want := "6000000000083aff" + "fe800000000000000000000000000001" + "ff020000000000000000000000000002" + "85007d3600000000"
	if !bytes.Equal(rs, mustHex(t, want)) {
		t.Errorf("RouterSolicitation() = %x, want %s", rs, want)
	}
	if _, err := u.RouterSolicitation(2); err == nil {
		t.Error("RouterSolicitation of an inactive session succeeded")
	}
}

// FuzzParseRouterAdvertisement: no input makes the parser panic, and
// what it accepts has a /64 prefix or none.
func FuzzParseRouterAdvertisement(f *testing.F) {
	f.Add(mustHex(f, goldenRA))
	f.Add(mustHex(f, goldenRA)[:60])
	f.Fuzz(func(t *testing.T, pkt []byte) {
		ra, err := ParseRouterAdvertisement(pkt)
		if err == nil && ra.Prefix.IsValid() && ra.Prefix.Bits() != 64 {
			t.Fatalf("prefix %v", ra.Prefix)
		}
	})
}
