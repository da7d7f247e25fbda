package gnb

import (
	"encoding/hex"
	"net/netip"
	"testing"
)

// Golden bytes written from TS 29.281 §5.1, §5.2 and TS 38.415 §5.5.2,
// and an echo request whose checksums were computed apart (Python,
// RFC 1071).

const goldenEchoRequest = "45000054000100004001664c0a2d00020a2d0001" + // IPv4: 84 octets, id 1, TTL 64, ICMP, 10.45.0.2 → 10.45.0.1
	"080000eb00010001" + // ICMP echo request, identifier 1, sequence 1
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637"

func TestAppendEchoRequest(t *testing.T) {
	got := appendEchoRequest(nil, netip.MustParseAddr("10.45.0.2"), netip.MustParseAddr("10.45.0.1"), 1, 1)
	if hex.EncodeToString(got) != goldenEchoRequest {
		t.Errorf("appendEchoRequest = %x\nwant                %s", got, goldenEchoRequest)
	}
}

func TestAppendGPDU(t *testing.T) {
	got, err := appendGPDU(nil, 0x1234, 9, []byte{0xAA, 0xBB})
	if err != nil {
		t.Fatal(err)
	}
	const want = "34ff000a" + "00001234" + // version 1, PT, E; G-PDU; length 10; TEID
		"00000085" + // no sequence number or N-PDU number; PDU Session Container next
		"01" + "10" + "09" + "00" + // 4 octets: UL PDU SESSION INFORMATION, QFI 9; no more extension headers
		"aabb"
	if hex.EncodeToString(got) != want {
		t.Errorf("appendGPDU = %x, want %s", got, want)
	}
	if _, err := appendGPDU(nil, 1, 1, make([]byte, 0xFFFF)); err == nil {
		t.Error("appendGPDU of 65535 octets: no error")
	}
}

func TestParseGTP(t *testing.T) {
	for name, c := range map[string]struct {
		in      string
		typ     uint8
		teid    uint32
		qfi     uint8
		payload string
	}{
		"G-PDU without options":      {"30ff0002" + "00000007" + "cafe", gtpGPDU, 7, 0, "cafe"},
		"G-PDU with DL container":    {"34ff000a" + "00000007" + "00000085" + "01004500" + "cafe", gtpGPDU, 7, 5, "cafe"},
		"two extension headers":      {"34ff000e" + "00000007" + "00000040" + "01085385" + "01000100" + "cafe", gtpGPDU, 7, 1, "cafe"},
		"echo request with sequence": {"32010004" + "00000000" + "abcd0000", gtpEchoRequest, 0, 0, ""},
		"trailing octets ignored":    {"30ff0002" + "00000007" + "cafe" + "ffff", gtpGPDU, 7, 0, "cafe"},
	} {
		m, err := parseGTP(unhex(t, c.in))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if m.typ != c.typ || m.teid != c.teid || m.qfi != c.qfi || hex.EncodeToString(m.payload) != c.payload {
			t.Errorf("%s: type %d TEID %d QFI %d payload %x", name, m.typ, m.teid, m.qfi, m.payload)
		}
	}
	for name, in := range map[string]string{
		"short":                 "30ff00",
		"length beyond":         "30ff0004" + "00000007" + "cafe",
		"version 2":             "50ff0000" + "00000007",
		"GTP'":                  "20ff0000" + "00000007",
		"options cut":           "34ff0002" + "00000007" + "0000",
		"extension length 0":    "34ff0008" + "00000007" + "00000085" + "00000000",
		"extension beyond data": "34ff0008" + "00000007" + "00000085" + "02000000",
	} {
		if _, err := parseGTP(unhex(t, in)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestEchoResponse(t *testing.T) {
	const want = "32020006" + "00000000" + "abcd0000" + "0e00" // S flag, Echo Response, sequence 0xabcd, Recovery 0
	if got := hex.EncodeToString(echoResponse(nil, 0xabcd)); got != want {
		t.Errorf("echoResponse = %s, want %s", got, want)
	}
}

func TestEchoReply(t *testing.T) {
	ue, upf := netip.MustParseAddr("10.45.0.2"), netip.MustParseAddr("10.45.0.1")
	reply := echoReplyOf(t, unhex(t, goldenEchoRequest))
	if seq, ok := echoReply(reply, upf, ue, 1); !ok || seq != 1 {
		t.Errorf("echoReply = %d, %v, want 1, true", seq, ok)
	}
	if _, ok := echoReply(reply, upf, ue, 2); ok {
		t.Error("a reply with another identifier matches")
	}
	if _, ok := echoReply(reply, ue, upf, 1); ok {
		t.Error("a reply between other addresses matches")
	}
	bad := append([]byte(nil), reply...)
	bad[len(bad)-1] ^= 1
	if _, ok := echoReply(bad, upf, ue, 1); ok {
		t.Error("a reply with a bad ICMP checksum matches")
	}
	if _, ok := echoReply(unhex(t, goldenEchoRequest), ue, upf, 1); ok {
		t.Error("the request itself matches")
	}
}

// FuzzParse feeds arbitrary downlink bytes to the GTP-U and ICMP readers.
func FuzzParse(f *testing.F) {
	f.Add(unhex(f, "34ff000e"+"00000007"+"00000040"+"01085385"+"01000100"+"cafe"))
	f.Add(unhex(f, goldenEchoRequest))
	f.Fuzz(func(t *testing.T, b []byte) {
		if m, err := parseGTP(b); err == nil && len(m.payload) > len(b) {
			t.Fatalf("payload of %d octets from %d", len(m.payload), len(b))
		}
		echoReply(b, netip.MustParseAddr("10.45.0.1"), netip.MustParseAddr("10.45.0.2"), 1)
	})
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// echoReplyOf is what a host answers to an echo request: the addresses
// swapped, type 0, both checksums computed again. It uses its own
// checksum routine, not the package's.
func echoReplyOf(t testing.TB, req []byte) []byte {
	t.Helper()
	if len(req) < 28 || req[0] != 0x45 || req[9] != 1 || req[20] != 8 {
		t.Fatalf("not an IPv4 ICMP echo request: %x", req)
	}
	r := append([]byte(nil), req...)
	copy(r[12:16], req[16:20])
	copy(r[16:20], req[12:16])
	r[10], r[11] = 0, 0
	r[20], r[22], r[23] = 0, 0, 0
	put := func(at int, b []byte) {
		var sum uint64
		for i := 0; i+1 < len(b); i += 2 {
			sum += uint64(b[i])<<8 + uint64(b[i+1])
		}
		if len(b)%2 == 1 {
			sum += uint64(b[len(b)-1]) << 8
		}
		for sum > 0xFFFF {
			sum = sum>>16 + sum&0xFFFF
		}
		r[at], r[at+1] = ^byte(sum>>8), ^byte(sum)
	}
	put(10, r[:20])
	put(22, r[20:])
	return r
}
