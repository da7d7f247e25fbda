package gtpu

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestParseRefuses checks each refusal of Parse against a message broken
// in exactly one way, and that a refused Packet is left zero.
func TestParseRefuses(t *testing.T) {
	for _, c := range []struct {
		name, hex string
		want      error
	}{
		{"empty", "", ErrShort},
		{"seven octets", "30 ff 00 00 00 00 00", ErrShort},
		{"version 0", "10 ff 00 00 00 00 00 01", ErrVersion},
		{"version 2 (GTPv2-C)", "50 ff 00 00 00 00 00 01", ErrVersion},
		{"PT 0 (GTP')", "20 ff 00 00 00 00 00 01", ErrVersion},
		{"length past the input", "30 ff 00 05 00 00 00 01 45 00 00 00", ErrLength},
		{"S set, no room for the optional fields", "32 ff 00 02 00 00 00 01 00 01", ErrLength},
		{"PN set, length 0", "31 ff 00 00 00 00 00 01 00 00 00 00", ErrLength},
		{"E set, extension missing", "34 ff 00 04 00 00 00 01 00 00 00 85", ErrExtension},
		{"extension length 0", "34 ff 00 08 00 00 00 01 00 00 00 85 00 00 09 00", ErrExtension},
		{"extension longer than the message", "34 ff 00 08 00 00 00 01 00 00 00 85 02 00 09 00", ErrExtension},
		{"extension past the Length field", "34 ff 00 06 00 00 00 01 00 00 00 85 01 00 09 00", ErrExtension},
		{"chain without its last header", "34 ff 00 08 00 00 00 01 00 00 00 40 01 08 68 85", ErrExtension},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := Packet{Type: 7, Payload: []byte{1}}
			if err := Parse(unhex(t, c.hex), &p); err != c.want {
				t.Errorf("Parse(%s) = %v, want %v", c.hex, err, c.want)
			}
			if p.Type != 0 || p.Payload != nil {
				t.Errorf("Parse(%s) left %+v, want the zero Packet", c.hex, p)
			}
		})
	}
}

// TestParseAccepts covers header variants the golden messages do not.
func TestParseAccepts(t *testing.T) {
	for _, c := range []struct {
		name, hex string
		want      Packet
		payload   string
	}{
		{
			// TS 29.281 §5.1: octets past Length are not part of the message.
			name: "trailing octets", hex: "30 ff 00 02 00 00 00 01 45 00 ee ee",
			want: Packet{Type: MsgGPDU, TEID: 1}, payload: "45 00",
		},
		{
			name: "spare bit set", hex: "38 fe 00 00 00 00 00 01",
			want: Packet{Type: MsgEndMarker, TEID: 1},
		},
		{
			// PN only: the three optional fields are present; none is
			// evaluated but the N-PDU number.
			name: "PN only", hex: "31 ff 00 05 00 00 00 01 12 34 2a 85 45",
			want: Packet{Type: MsgGPDU, TEID: 1}, payload: "45",
		},
		{
			name: "E set, next type none", hex: "34 ff 00 05 00 00 00 01 00 00 00 00 45",
			want: Packet{Type: MsgGPDU, TEID: 1}, payload: "45",
		},
		{
			// §5.2.1: an NR RAN Container (0x84) must be comprehended by
			// the receiving endpoint; it is reported, the walk goes on.
			name: "unsupported comprehension-required header",
			hex:  "34 ff 00 0d 00 00 00 01 00 00 00 84 01 00 00 85 01 00 05 00 45",
			want: Packet{Type: MsgGPDU, TEID: 1, QFI: 5, HasQFI: true, UnsupportedExt: 0x84}, payload: "45",
		},
		{
			// Types with bit 8 clear need no comprehension (§5.2.1).
			name: "unknown optional header",
			hex:  "34 ff 00 09 00 00 00 01 00 00 00 20 01 aa bb 00 45",
			want: Packet{Type: MsgGPDU, TEID: 1}, payload: "45",
		},
		{
			// TS 38.415 §5.5.3.1: PDU types 2-15 are reserved.
			name: "container of a reserved PDU type",
			hex:  "34 ff 00 09 00 00 00 01 00 00 00 85 01 20 05 00 45",
			want: Packet{Type: MsgGPDU, TEID: 1}, payload: "45",
		},
		{
			name: "two containers: the first counts",
			hex:  "34 ff 00 0d 00 00 00 01 00 00 00 85 01 10 05 85 01 00 06 00 45",
			want: Packet{Type: MsgGPDU, TEID: 1, QFI: 5, HasQFI: true, Uplink: true}, payload: "45",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			var p Packet
			if err := Parse(unhex(t, c.hex), &p); err != nil {
				t.Fatalf("Parse(%s) = %v", c.hex, err)
			}
			want := c.want
			want.Payload = unhex(t, c.payload)
			if diff := cmp.Diff(want, p, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Parse(%s) mismatch (-want +got):\n%s", c.hex, diff)
			}
		})
	}
}

// TestPayloadAliases checks that Parse does not copy the T-PDU.
func TestPayloadAliases(t *testing.T) {
	b := AppendGPDU(nil, 1, 1, false, []byte{0x45, 0})
	var p Packet
	if err := Parse(b, &p); err != nil {
		t.Fatal(err)
	}
	p.Payload[1] = 0x99
	if b[HeaderLen+1] != 0x99 {
		t.Errorf("Payload does not alias the input")
	}
}

func TestParseErrorIndication(t *testing.T) {
	for _, g := range goldens() {
		if g.want.Type != MsgErrorIndication {
			continue
		}
		var p Packet
		if err := Parse(unhex(t, g.hex), &p); err != nil {
			t.Fatalf("%s: Parse = %v", g.name, err)
		}
		teid, peer, err := ParseErrorIndication(&p)
		if err != nil {
			t.Errorf("%s: ParseErrorIndication = %v", g.name, err)
			continue
		}
		// The IEs of the golden message, read back independently.
		ies := unhex(t, g.payloadHex)
		wantTEID := uint32(ies[1])<<24 | uint32(ies[2])<<16 | uint32(ies[3])<<8 | uint32(ies[4])
		wantPeer, _ := netip.AddrFromSlice(ies[8:])
		if teid != wantTEID || peer != wantPeer {
			t.Errorf("%s: ParseErrorIndication = %#x, %v, want %#x, %v", g.name, teid, peer, wantTEID, wantPeer)
		}
	}

	// Recovery and Private Extension (type 255, TLV) are skipped.
	p := Packet{Type: MsgErrorIndication, Payload: unhex(t, "0e 00 10 00 00 00 2a 85 00 04 c0 00 02 01 ff 00 03 00 0a 01")}
	if teid, peer, err := ParseErrorIndication(&p); err != nil || teid != 42 || peer != netip.MustParseAddr("192.0.2.1") {
		t.Errorf("ParseErrorIndication(with Recovery, Private Extension) = %d, %v, %v; want 42, 192.0.2.1, nil", teid, peer, err)
	}

	for _, c := range []struct {
		name string
		typ  uint8
		ies  string
	}{
		{"not an Error Indication", MsgEchoResponse, "10 00 00 00 2a 85 00 04 c0 00 02 01"},
		{"no IE", MsgErrorIndication, ""},
		{"no GTP-U Peer Address", MsgErrorIndication, "10 00 00 00 2a"},
		{"no TEID Data I", MsgErrorIndication, "85 00 04 c0 00 02 01"},
		{"TEID Data I truncated", MsgErrorIndication, "10 00 00 2a"},
		{"TLV header truncated", MsgErrorIndication, "10 00 00 00 2a 85 00"},
		{"TLV value truncated", MsgErrorIndication, "10 00 00 00 2a 85 00 04 c0 00"},
		{"peer address of 5 octets", MsgErrorIndication, "10 00 00 00 2a 85 00 05 c0 00 02 01 00"},
		{"unknown TV IE", MsgErrorIndication, "10 00 00 00 2a 11 00 85 00 04 c0 00 02 01"},
	} {
		p := Packet{Type: c.typ, Payload: unhex(t, c.ies)}
		if _, _, err := ParseErrorIndication(&p); !errors.Is(err, ErrIE) {
			t.Errorf("%s: ParseErrorIndication = %v, want an error wrapping ErrIE", c.name, err)
		}
	}
}

func TestAppendErrorIndicationRefusesInvalidPeer(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Errorf("AppendErrorIndication(invalid address) did not panic")
		}
	}()
	AppendErrorIndication(nil, 1, netip.Addr{})
}

// TestZeroAllocation fails the suite, not only the benchmarks, if the
// datapath functions start to allocate.
func TestZeroAllocation(t *testing.T) {
	msg := unhex(t, goldens()[0].hex)
	buf := make([]byte, 0, 2048)
	var p Packet
	for name, f := range map[string]func(){
		"Parse":         func() { _ = Parse(msg, &p) },
		"PutGPDUHeader": func() { PutGPDUHeader(buf[:HeaderLen], 1, 9, false, 1400) },
		"AppendGPDU":    func() { buf = AppendGPDU(buf[:0], 1, 9, true, msg) },
		"AppendEcho":    func() { buf = AppendEchoResponse(AppendEchoRequest(buf[:0], 1), 1, 0) },
		"AppendErrorIndication": func() {
			buf = AppendErrorIndication(buf[:0], 1, netip.IPv6Loopback())
		},
	} {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s allocates %.0f times per call, want 0", name, n)
		}
	}
}
