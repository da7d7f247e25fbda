package gtpu

import (
	"bytes"
	"encoding/hex"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// icmpEcho is the T-PDU of the golden G-PDUs: an IPv4 ICMP echo request
// from a UE (192.0.2.10) to a host of the data network (198.51.100.1),
// laid out from RFC 791 §3.1 and RFC 792 (Echo), checksums by RFC 1071
// (TestICMPEchoChecksums recomputes them).
const icmpEcho = "" +
	"45 00 00 24" + // version 4, IHL 5; DSCP/ECN 0; total length 36
	"12 34 40 00" + // identification 0x1234; DF, fragment offset 0
	"40 01 3c 66" + // TTL 64, protocol 1 (ICMP); header checksum 0x3c66
	"c0 00 02 0a" + // source 192.0.2.10
	"c6 33 64 01" + // destination 198.51.100.1
	"08 00 51 57" + // ICMP type 8 (echo request), code 0; checksum 0x5157
	"00 01 00 01" + // identifier 1, sequence number 1
	"6b 65 65 6c 63 6f 72 65" // data "keelcore"

// golden is a GTP-U message laid out by hand from TS 29.281. build, when
// set, is the builder call that must produce exactly those bytes.
type golden struct {
	name  string
	hex   string
	build func() []byte
	want  Packet // what Parse must return, Payload given as payloadHex
	// payloadHex is the expected Payload.
	payloadHex string
	// tshark maps tshark fields to the values tshark must show.
	tshark map[string]string
}

func goldens() []golden {
	return []golden{
		{
			name: "gpdu_dl",
			hex: "" +
				// TS 29.281 §5.1, Figure 5.1-1
				"34" + // version 1, PT 1, spare 0, E 1, S 0, PN 0
				"ff" + // message type 255 G-PDU
				"00 2c" + // length 44 = 4 optional + 4 extension + 36 T-PDU
				"11 22 33 44" + // TEID
				"00 00" + // sequence number (S 0: not evaluated)
				"00" + // N-PDU number (PN 0: not evaluated)
				"85" + // next extension header type: PDU Session Container
				// §5.2.1, §5.2.2.7; TS 38.415 §5.5.2.1 DL PDU SESSION INFORMATION
				"01" + // extension length 1 (4 octets)
				"00" + // PDU type 0 (DL), QMP 0, SNP 0, MSNP 0, spare
				"09" + // PPP 0, RQI 0, QFI 9
				"00" + // next extension header type: none
				icmpEcho,
			build: func() []byte {
				return AppendGPDU(nil, 0x11223344, 9, false, unhex(nil, icmpEcho))
			},
			want:       Packet{Type: MsgGPDU, TEID: 0x11223344, QFI: 9, HasQFI: true},
			payloadHex: icmpEcho,
			tshark: map[string]string{
				"gtp.message": "0xff", "gtp.teid": "0x11223344",
				"gtp.ext_hdr.pdu_ses_con.pdu_type": "0", "gtp.ext_hdr.pdu_ses_con.qos_flow_id": "9",
				"icmp.type": "8", "ip.dst": "198.51.100.1",
			},
		},
		{
			name: "gpdu_ul",
			hex: "" +
				"34" + // version 1, PT 1, E 1
				"ff" + // G-PDU
				"00 2c" + // length 44
				"0a 0b 0c 0d" + // TEID
				"00 00 00" + // sequence number, N-PDU number: not evaluated
				"85" + // next: PDU Session Container
				// TS 38.415 §5.5.2.2 UL PDU SESSION INFORMATION
				"01" + // extension length 1
				"10" + // PDU type 1 (UL), QMP 0, DL/UL Delay Ind 0, SNP 0
				"3f" + // N3/N9 Delay Ind 0, New IE Flag 0, QFI 63
				"00" + // next: none
				icmpEcho,
			build: func() []byte {
				return AppendGPDU(nil, 0x0a0b0c0d, 63, true, unhex(nil, icmpEcho))
			},
			want:       Packet{Type: MsgGPDU, TEID: 0x0a0b0c0d, QFI: 63, HasQFI: true, Uplink: true},
			payloadHex: icmpEcho,
			tshark: map[string]string{
				"gtp.message": "0xff", "gtp.teid": "0x0a0b0c0d",
				"gtp.ext_hdr.pdu_ses_con.pdu_type": "1", "gtp.ext_hdr.pdu_ses_con.qos_flow_id": "63",
				"icmp.type": "8", "ip.dst": "198.51.100.1",
			},
		},
		{
			name: "echo_request",
			hex: "" +
				// TS 29.281 §7.2.1; §5.1: S 1, TEID 0
				"32" + // version 1, PT 1, E 0, S 1, PN 0
				"01" + // Echo Request
				"00 04" + // length 4: the optional fields only
				"00 00 00 00" + // TEID 0
				"12 34" + // sequence number
				"00" + // N-PDU number
				"00", // next extension header type: none
			build:  func() []byte { return AppendEchoRequest(nil, 0x1234) },
			want:   Packet{Type: MsgEchoRequest, Seq: 0x1234, HasSeq: true},
			tshark: map[string]string{"gtp.message": "0x01", "gtp.teid": "0x00000000", "gtp.seq_number": "0x1234"},
		},
		{
			name: "echo_response",
			hex: "" +
				// TS 29.281 §7.2.2
				"32" + // version 1, PT 1, S 1
				"02" + // Echo Response
				"00 06" + // length 6 = 4 optional + 2 Recovery
				"00 00 00 00" + // TEID 0
				"12 34" + // sequence number of the request
				"00 00" + // N-PDU number, next extension header type
				"0e 00", // Recovery (§8.2, TV type 14): restart counter 0
			build:      func() []byte { return AppendEchoResponse(nil, 0x1234, 0) },
			want:       Packet{Type: MsgEchoResponse, Seq: 0x1234, HasSeq: true},
			payloadHex: "0e 00",
			tshark:     map[string]string{"gtp.message": "0x02", "gtp.seq_number": "0x1234", "gtp.recovery": "0"},
		},
		{
			name: "echo_response_restart_counter",
			hex: "32 02 00 06 00 00 00 00 ff ff 00 00" +
				"0e 07", // Recovery: restart counter 7
			build:      func() []byte { return AppendEchoResponse(nil, 0xffff, 7) },
			want:       Packet{Type: MsgEchoResponse, Seq: 0xffff, HasSeq: true},
			payloadHex: "0e 07",
			tshark:     map[string]string{"gtp.message": "0x02", "gtp.seq_number": "0xffff", "gtp.recovery": "7"},
		},
		{
			name: "error_indication_ipv4",
			hex: "" +
				// TS 29.281 §7.3.1
				"32" + // version 1, PT 1, S 1
				"1a" + // Error Indication (26)
				"00 10" + // length 16 = 4 optional + 5 + 7
				"00 00 00 00" + // TEID 0
				"00 00" + // sequence number 0
				"00 00" + // N-PDU number, next extension header type
				"10 11 22 33 44" + // TEID Data I (§8.3, TV type 16)
				"85 00 04 c0 00 02 01", // GTP-U Peer Address (§8.4, TLV 133): 192.0.2.1
			build: func() []byte {
				return AppendErrorIndication(nil, 0x11223344, netip.MustParseAddr("192.0.2.1"))
			},
			want:       Packet{Type: MsgErrorIndication, HasSeq: true},
			payloadHex: "10 11 22 33 44 85 00 04 c0 00 02 01",
			tshark: map[string]string{
				"gtp.message": "0x1a", "gtp.teid_data": "0x11223344", "gtp.gsn_ipv4": "192.0.2.1",
			},
		},
		{
			name: "error_indication_ipv6",
			hex: "" +
				"32 1a" + // S 1, Error Indication
				"00 1c" + // length 28 = 4 + 5 + 19
				"00 00 00 00 00 00 00 00" + // TEID 0, sequence number 0, N-PDU, next none
				"10 ca fe f0 0d" + // TEID Data I
				"85 00 10" + // GTP-U Peer Address, length 16
				"20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01", // 2001:db8::1
			build: func() []byte {
				return AppendErrorIndication(nil, 0xcafef00d, netip.MustParseAddr("2001:db8::1"))
			},
			want:       Packet{Type: MsgErrorIndication, HasSeq: true},
			payloadHex: "10 ca fe f0 0d 85 00 10 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01",
			tshark: map[string]string{
				"gtp.message": "0x1a", "gtp.teid_data": "0xcafef00d", "gtp.gsn_ipv6": "2001:db8::1",
			},
		},
		{
			name: "error_indication_ipv4_mapped",
			hex:  "32 1a 00 10 00 00 00 00 00 00 00 00 10 00 00 00 01 85 00 04 c0 00 02 01",
			build: func() []byte {
				return AppendErrorIndication(nil, 1, netip.MustParseAddr("::ffff:192.0.2.1"))
			},
			want:       Packet{Type: MsgErrorIndication, HasSeq: true},
			payloadHex: "10 00 00 00 01 85 00 04 c0 00 02 01",
			tshark: map[string]string{
				"gtp.message": "0x1a", "gtp.teid_data": "0x00000001", "gtp.gsn_ipv4": "192.0.2.1",
			},
		},
		{
			name: "end_marker",
			hex: "" +
				// TS 29.281 §7.3.2
				"30" + // version 1, PT 1, no optional field
				"fe" + // End Marker (254)
				"00 00" + // length 0
				"11 22 33 44", // TEID of the tunnel
			build:  func() []byte { return AppendEndMarker(nil, 0x11223344) },
			want:   Packet{Type: MsgEndMarker, TEID: 0x11223344},
			tshark: map[string]string{"gtp.message": "0xfe", "gtp.teid": "0x11223344"},
		},

		// Messages other implementations send, laid out by hand.
		{
			name: "gpdu_udp_port_then_container",
			hex: "" +
				"36" + // version 1, PT 1, E 1, S 1
				"ff" + // G-PDU
				"00 30" + // length 48 = 4 + 4 + 4 + 36
				"00 00 00 2a" + // TEID 42
				"01 02" + // sequence number 0x0102
				"00" + // N-PDU number
				"40" + // next: UDP Port (§5.2.2.1)
				"01 08 68" + // length 1, UDP port 2152
				"85" + // next: PDU Session Container
				"01 10 05" + // length 1, UL, QFI 5
				"00" + // next: none
				icmpEcho,
			want:       Packet{Type: MsgGPDU, TEID: 42, Seq: 0x0102, HasSeq: true, QFI: 5, HasQFI: true, Uplink: true, UDPPort: 2152, HasUDPPort: true},
			payloadHex: icmpEcho,
			tshark: map[string]string{
				"gtp.message": "0xff", "gtp.teid": "0x0000002a", "gtp.seq_number": "0x0102",
				"gtp.ext_hdr.udp_port": "2152", "gtp.ext_hdr.pdu_ses_con.qos_flow_id": "5", "icmp.type": "8",
			},
		},
		{
			name: "gpdu_dl_container_two_units",
			hex: "" +
				"34 ff 00 30 00 00 00 07 00 00 00 85" + // E 1, length 48, TEID 7
				"02" + // extension length 2 (8 octets)
				"00" + // DL
				"c7" + // PPP 1, RQI 1, QFI 7
				"a0" + // PPI 5, spare (TS 38.415 §5.5.2.1, present as PPP is 1)
				"00 00 00" + // padding
				"00" + // next: none
				icmpEcho,
			want:       Packet{Type: MsgGPDU, TEID: 7, QFI: 7, HasQFI: true},
			payloadHex: icmpEcho,
			tshark: map[string]string{
				"gtp.message": "0xff", "gtp.ext_hdr.pdu_ses_con.qos_flow_id": "7",
				"gtp.ext_hdr.pdu_ses_cont.rqi": "1", "icmp.type": "8",
			},
		},
		{
			name: "gpdu_sequence_only",
			hex: "" +
				"32 ff 00 28" + // S 1, G-PDU, length 40 = 4 + 36
				"00 00 00 09" + // TEID 9
				"00 07 00" + // sequence number 7, N-PDU number
				"85" + // next type, not evaluated as E is 0
				icmpEcho,
			want:       Packet{Type: MsgGPDU, TEID: 9, Seq: 7, HasSeq: true},
			payloadHex: icmpEcho,
			tshark:     map[string]string{"gtp.message": "0xff", "gtp.seq_number": "0x0007", "icmp.type": "8"},
		},
		{
			name: "gpdu_minimal_header",
			hex: "" +
				"30 ff 00 24" + // no optional field, length 36
				"00 00 00 0a" + // TEID 10
				icmpEcho,
			want:       Packet{Type: MsgGPDU, TEID: 10},
			payloadHex: icmpEcho,
			tshark:     map[string]string{"gtp.message": "0xff", "gtp.teid": "0x0000000a", "icmp.type": "8"},
		},
		{
			name: "error_indication_udp_port",
			hex: "" +
				"36 1a 00 14" + // E 1, S 1, Error Indication, length 20
				"00 00 00 00 00 00 00" + // TEID 0, sequence number 0, N-PDU
				"40 01 c3 50 00" + // UDP Port 50000 (§5.2.2.1), next none
				"10 00 00 00 05" + // TEID Data I 5
				"85 00 04 c6 33 64 02", // GTP-U Peer Address 198.51.100.2
			want:       Packet{Type: MsgErrorIndication, HasSeq: true, UDPPort: 50000, HasUDPPort: true},
			payloadHex: "10 00 00 00 05 85 00 04 c6 33 64 02",
			tshark: map[string]string{
				"gtp.message": "0x1a", "gtp.ext_hdr.udp_port": "50000",
				"gtp.teid_data": "0x00000005", "gtp.gsn_ipv4": "198.51.100.2",
			},
		},
	}
}

// unhex decodes h, ignoring spaces; t may be nil for package-level use.
func unhex(t testing.TB, h string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(h, " ", ""))
	if err != nil {
		if t == nil {
			panic(err)
		}
		t.Fatalf("bad hex %q: %v", h, err)
	}
	return b
}

// TestGolden checks every builder against bytes laid out by hand from
// TS 29.281, and Parse against the expected Packet for every message.
func TestGolden(t *testing.T) {
	for _, g := range goldens() {
		t.Run(g.name, func(t *testing.T) {
			want := unhex(t, g.hex)
			if g.build != nil {
				if got := g.build(); !bytes.Equal(got, want) {
					t.Errorf("built\n %x, want\n %x", got, want)
				}
			}
			var p Packet
			if err := Parse(want, &p); err != nil {
				t.Fatalf("Parse(%x) = %v, want nil", want, err)
			}
			wantP := g.want
			wantP.Payload = unhex(t, g.payloadHex)
			if diff := cmp.Diff(wantP, p, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Parse mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPutGPDUHeader checks the header written in place, in front of a
// T-PDU already in the buffer, and that bytes around it are untouched.
func TestPutGPDUHeader(t *testing.T) {
	tpdu := unhex(t, icmpEcho)
	buf := bytes.Repeat([]byte{0xee}, 4+HeaderLen+len(tpdu)+4)
	copy(buf[4+HeaderLen:], tpdu)
	PutGPDUHeader(buf[4:4+HeaderLen], 0x11223344, 9, false, len(tpdu))
	want := append(append(unhex(t, "ee ee ee ee"), unhex(t, goldens()[0].hex)...), 0xee, 0xee, 0xee, 0xee)
	if !bytes.Equal(buf, want) {
		t.Errorf("buffer after PutGPDUHeader\n %x, want\n %x", buf, want)
	}

	// The QFI has 6 bits (TS 38.415 §5.5.3.3); the Length field 16.
	var h [HeaderLen]byte
	PutGPDUHeader(h[:], 0, 0xff, true, MaxGPDUPayload)
	if got, want := h[:], unhex(t, "34 ff ff ff 00 00 00 00 00 00 00 85 01 10 3f 00"); !bytes.Equal(got, want) {
		t.Errorf("PutGPDUHeader(qfi 0xff, MaxGPDUPayload) = %x, want %x", got, want)
	}
	for _, n := range []int{-1, MaxGPDUPayload + 1} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("PutGPDUHeader(payloadLen %d) did not panic", n)
				}
			}()
			PutGPDUHeader(h[:], 0, 1, false, n)
		}()
	}
}

// TestAppendKeepsPrefix checks that the builders append and leave what
// dst held alone.
func TestAppendKeepsPrefix(t *testing.T) {
	prefix := []byte{1, 2, 3}
	for _, b := range [][]byte{
		AppendGPDU(prefix[:3:3], 1, 1, false, []byte{0x45}),
		AppendEchoRequest(prefix[:3:3], 1),
		AppendEchoResponse(prefix[:3:3], 1, 0),
		AppendErrorIndication(prefix[:3:3], 1, netip.MustParseAddr("192.0.2.1")),
		AppendEndMarker(prefix[:3:3], 1),
	} {
		if !bytes.Equal(b[:3], prefix) {
			t.Errorf("appended message starts %x, want prefix %x", b[:3], prefix)
		}
		var p Packet
		if err := Parse(b[3:], &p); err != nil {
			t.Errorf("Parse(%x) = %v", b[3:], err)
		}
	}
}

// TestICMPEchoChecksums recomputes the checksums of the golden T-PDU, after
// checking the checksum function against the IPv4 header example whose
// checksum is 0xb861 (the worked example of the Internet checksum on
// Wikipedia's "Internet checksum" / "IPv4 header checksum" pages).
func TestICMPEchoChecksums(t *testing.T) {
	if got := internetChecksum(unhex(t, "4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7")); got != 0xb861 {
		t.Fatalf("internetChecksum(example header) = %#04x, want 0xb861", got)
	}
	pkt := unhex(t, icmpEcho)
	// A correct checksum makes the sum over the covered octets zero.
	if got := internetChecksum(pkt[:20]); got != 0 {
		t.Errorf("IPv4 header checksum does not verify: residue %#04x", got)
	}
	if got := internetChecksum(pkt[20:]); got != 0 {
		t.Errorf("ICMP checksum does not verify: residue %#04x", got)
	}
}

// internetChecksum is the RFC 1071 one's-complement checksum.
func internetChecksum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}
