package userspace

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"slices"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCRC32c checks the CRC against RFC 3720 Appendix B.4, whose CRC32c
// RFC 9260 Appendix A uses, and the byte order against a packet from an
// independent implementation.
func TestCRC32c(t *testing.T) {
	zeros, ones, inc := make([]byte, 32), bytes.Repeat([]byte{0xff}, 32), make([]byte, 32)
	for i := range inc {
		inc[i] = byte(i)
	}
	for _, tt := range []struct {
		in   []byte
		want uint32
	}{
		{zeros, 0x8a9136aa},
		{ones, 0x62a8ab43},
		{inc, 0x46dd794e},
	} {
		if got := crc32.Checksum(tt.in, castagnoli); got != tt.want {
			t.Errorf("CRC32c(% x) = %#08x, want %#08x", tt.in[:4], got, tt.want)
		}
	}
	if got := checksum(zeros); got != 0x8a9136aa {
		t.Errorf("checksum(32 zero bytes) = %#08x, want 0x8a9136aa", got)
	}

	// A DATA packet, ports 40000 -> 38412, PPID 60, written by
	// `text2pcap -S 40000,38412,60` (Wireshark 4.0.17).
	p := unhex(t, `9c40960c 00000000 0105f097
		00030018 00000000 00000000 0000003c 00150008 01020304`)
	if !validChecksum(p) {
		t.Errorf("validChecksum(text2pcap packet) = false, want true (stored % x, computed %#08x)", p[8:12], checksum(p))
	}
	p[20] ^= 1
	if validChecksum(p) {
		t.Error("validChecksum(corrupted packet) = true, want false")
	}
}

// An INIT as Linux and usrsctp send it: besides the fixed fields it
// carries Supported Address Types (IPv4), ECN Capable, Forward-TSN-
// Supported, Supported Extensions (RE-CONFIG, FORWARD TSN, ASCONF-ACK) and
// an IPv4 Address.
const linuxInit = `9c40960c 00000000 00000000
	01000034 11223344 0001a000 000affff 01020304
	000c0006 00050000
	80000004
	c0000004
	80080007 82c08000
	00050008 0a000001`

// What pion gets: ports 5000, the parameters pion acts on, the chunk
// length without the last parameter's padding (RFC 9260 §3.2).
const linuxInitForPion = `13881388 00000000 00000000
	0100001f 11223344 0001a000 000affff 01020304
	c0000004
	80080007 82c08000`

func TestToPionStripsInitParameters(t *testing.T) {
	in := unhex(t, linuxInit)
	setChecksum(in)
	orig := bytes.Clone(in)
	out, stripped, info, err := toPion(in)
	if err != nil {
		t.Fatalf("toPion() = %v", err)
	}
	if !bytes.Equal(in, orig) {
		t.Error("toPion() modified its input")
	}
	if len(out) != 1 {
		t.Fatalf("toPion() = %d packets, want 1", len(out))
	}
	// Supported Address Types, ECN Capable, IPv4 Address.
	if want := []uint16{12, 0x8000, 5}; !slices.Equal(stripped, want) {
		t.Errorf("toPion() stripped parameters %v, want %v", stripped, want)
	}
	if want := (initInfo{seen: true, outStreams: 10, inStreams: 65535}); info != want {
		t.Errorf("toPion() init = %+v, want %+v", info, want)
	}
	got := out[0]
	if !validChecksum(got) {
		t.Error("toPion() output has a bad checksum")
	}
	want := unhex(t, linuxInitForPion)
	copy(want[8:12], got[8:12])
	if !bytes.Equal(got, want) {
		t.Errorf("toPion() =\n% x\nwant\n% x", got, want)
	}
}

func TestToPionPorts(t *testing.T) {
	// SACK, cumulative TSN 5, a_rwnd 65536, no gaps.
	in := unhex(t, `9c40960c 11223344 00000000 03000010 00000005 00010000 00000000`)
	setChecksum(in)
	out, _, info, err := toPion(in)
	if err != nil || len(out) != 1 || info.seen {
		t.Fatalf("toPion(SACK) = %d packets, %+v, %v", len(out), info, err)
	}
	want := bytes.Clone(in)
	setPorts(want, pionPort, pionPort)
	setChecksum(want)
	if !bytes.Equal(out[0], want) {
		t.Errorf("toPion(SACK) =\n% x\nwant\n% x", out[0], want)
	}
}

func TestToWire(t *testing.T) {
	// pion's INIT: ports 5000, 65535 streams each way, Supported Extensions.
	q := unhex(t, `13881388 00000000 00000000
		01000018 0a0b0c0d 00100000 ffffffff 00000001
		80080006 82c00000`)
	info := toWire(q, 49999, 38412, 32)
	if want := (initInfo{seen: true, outStreams: 32, inStreams: 32}); info != want {
		t.Errorf("toWire() init = %+v, want %+v", info, want)
	}
	if srcPort(q) != 49999 || dstPort(q) != 38412 {
		t.Errorf("toWire() ports = %d -> %d, want 49999 -> 38412", srcPort(q), dstPort(q))
	}
	if os, mis := binary.BigEndian.Uint16(q[24:]), binary.BigEndian.Uint16(q[26:]); os != 32 || mis != 32 {
		t.Errorf("toWire() OS, MIS = %d, %d, want 32, 32", os, mis)
	}
	if !validChecksum(q) {
		t.Error("toWire() left a bad checksum")
	}
}

// dataChunk returns a DATA chunk carrying n bytes, padded.
func dataChunk(tsn uint32, n int) []byte {
	c := make([]byte, pad4(16+n))
	c[0] = ctData
	c[1] = 0x03
	binary.BigEndian.PutUint16(c[2:], uint16(16+n))
	binary.BigEndian.PutUint32(c[4:], tsn)
	for i := 16; i < 16+n; i++ {
		c[i] = byte(i)
	}
	return c
}

func TestToPionSplits(t *testing.T) {
	p := unhex(t, `9c40960c 11223344 00000000`)
	for i := range 3 {
		p = append(p, dataChunk(uint32(i), 2999)...)
	}
	setChecksum(p)
	out, _, _, err := toPion(p)
	if err != nil {
		t.Fatalf("toPion(%d bytes) = %v", len(p), err)
	}
	if len(out) != 2 {
		t.Fatalf("toPion(%d bytes) = %d packets, want 2", len(p), len(out))
	}
	var joined []byte
	for i, q := range out {
		if len(q) > pionMaxPacket || !validChecksum(q) || srcPort(q) != pionPort || vtag(q) != 0x11223344 {
			t.Errorf("packet %d: %d bytes, checksum ok %v, port %d, tag %#x", i, len(q), validChecksum(q), srcPort(q), vtag(q))
		}
		joined = append(joined, q[commonHeaderLen:]...)
	}
	if !bytes.Equal(joined, p[commonHeaderLen:]) {
		t.Error("split packets do not carry the original chunks in order")
	}

	big := append(unhex(t, `9c40960c 11223344 00000000`), dataChunk(9, pionMaxPacket)...)
	setChecksum(big)
	if _, _, _, err := toPion(big); !errors.Is(err, errChunkTooLarge) {
		t.Errorf("toPion(one %d-byte chunk) = %v, want errChunkTooLarge", len(big), err)
	}
}

func TestToPionMalformed(t *testing.T) {
	for _, tt := range []struct{ name, hex string }{
		{"short header", `9c40960c 1122`},
		{"no chunk", `9c40960c 11223344 00000000`},
		{"chunk length 0", `9c40960c 11223344 00000000 03000000 00000005`},
		{"chunk past end", `9c40960c 11223344 00000000 03000020 00000005`},
		{"INIT too short", `9c40960c 00000000 00000000 01000008 11223344`},
		{"INIT parameter past end", `9c40960c 00000000 00000000
			01000018 11223344 0001a000 000affff 01020304 000c0010`},
		{"INIT parameter length 2", `9c40960c 00000000 00000000
			01000018 11223344 0001a000 000affff 01020304 000c0002`},
	} {
		p := unhex(t, tt.hex)
		if len(p) >= commonHeaderLen {
			setChecksum(p)
		}
		if out, _, _, err := toPion(p); err == nil {
			t.Errorf("%s: toPion() = %d packets, want an error", tt.name, len(out))
		}
	}
}

// FuzzToPion feeds arbitrary packets to the inbound rewrite: it must not
// panic, and whatever it accepts must reach pion well-formed.
func FuzzToPion(f *testing.F) {
	f.Add(unhex(f, linuxInit))
	f.Add(unhex(f, linuxInitForPion))
	f.Add(unhex(f, `9c40960c 11223344 00000000 03000010 00000005 00010000 00000000`))
	f.Add(unhex(f, `9c40960c 11223344 00000000 06000004`))
	f.Fuzz(func(t *testing.T, p []byte) {
		out, _, _, err := toPion(p)
		if err != nil {
			return
		}
		for _, q := range out {
			if len(q) > pionMaxPacket || !validChecksum(q) || srcPort(q) != pionPort || dstPort(q) != pionPort {
				t.Fatalf("toPion(% x) produced % x", p, q)
			}
			if _, err := chunks(q, nil); err != nil {
				t.Fatalf("toPion(% x) produced unparsable % x: %v", p, q, err)
			}
		}
	})
}

// TestToPionOversizedInitAck: an INIT ACK whose State Cookie keeps it
// larger than pion reads cannot be split; toPion refuses it rather than
// handing pion a packet that Read would truncate.
func TestToPionOversizedInitAck(t *testing.T) {
	for _, cookie := range []int{pionMaxPacket - 36, pionMaxPacket} {
		chunkLen := chunkHeaderLen + initFixedLen + paramHeaderLen + cookie
		p := make([]byte, commonHeaderLen+chunkLen)
		setPorts(p, 38412, 40000)
		binary.BigEndian.PutUint32(p[4:], 0x11223344)
		c := p[commonHeaderLen:]
		c[0] = ctInitAck
		binary.BigEndian.PutUint16(c[2:], uint16(chunkLen))
		binary.BigEndian.PutUint32(c[4:], 0x55667788) // initiate tag
		binary.BigEndian.PutUint32(c[8:], 0x10000)    // a_rwnd
		binary.BigEndian.PutUint16(c[12:], 10)        // OS
		binary.BigEndian.PutUint16(c[14:], 10)        // MIS
		binary.BigEndian.PutUint32(c[16:], 1)         // initial TSN
		binary.BigEndian.PutUint16(c[20:], ptStateCookie)
		binary.BigEndian.PutUint16(c[22:], uint16(paramHeaderLen+cookie))
		setChecksum(p)
		out, _, _, err := toPion(p)
		if len(p) <= pionMaxPacket {
			if err != nil || len(out) != 1 || len(out[0]) > pionMaxPacket {
				t.Errorf("INIT ACK of %d octets: toPion() = %d packets, %v; want one of at most %d octets", len(p), len(out), err, pionMaxPacket)
			}
			continue
		}
		if !errors.Is(err, errChunkTooLarge) {
			t.Errorf("INIT ACK of %d octets: toPion() = %d packets, %v; want errChunkTooLarge", len(p), len(out), err)
		}
	}
}
