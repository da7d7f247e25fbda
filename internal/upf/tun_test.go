package upf

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/keelcore/keel/internal/gtpu"
)

func TestDownlinkWritesHeaderInPlace(t *testing.T) {
	tb := newTables(false)
	if err := tb.apply(1, testRules(0x100, 0x200, mustAddr("10.45.0.2"), mustAddr("127.0.0.2"))); err != nil {
		t.Fatal(err)
	}
	w := &downlinkWorker{t: tb}
	pkt := icmpEcho(mustAddr("10.45.0.1"), mustAddr("10.45.0.2"), 1, 1, 56)
	buf := make([]byte, tunBufSize)
	copy(buf[tunReadOffset:], pkt)
	to, ok := w.handle(buf, len(pkt), 0)
	if !ok || to != netip.MustParseAddrPort("127.0.0.2:2152") {
		t.Fatalf("handle() = %v, %v; want to 127.0.0.2:2152", to, ok)
	}
	var p gtpu.Packet
	if err := gtpu.Parse(buf[:tunReadOffset+len(pkt)], &p); err != nil {
		t.Fatal(err)
	}
	if p.Type != gtpu.MsgGPDU || p.TEID != 0x200 || !p.HasQFI || p.QFI != 9 || p.Uplink || !bytes.Equal(p.Payload, pkt) {
		t.Errorf("G-PDU = %+v, want TEID 0x200, DL QFI 9, the packet", p)
	}
	if u := tb.lookupTEID(0x100).urrs[0].usage(); u.Downlink != uint64(len(pkt)) || u.DownPkts != 1 {
		t.Errorf("usage = %+v, want 1 downlink packet of %d octets", u, len(pkt))
	}
}

func TestDownlinkDrops(t *testing.T) {
	ue := mustAddr("10.45.0.2")
	tests := []struct {
		name string
		edit func(r *Rules)
		pkt  []byte
		want dropReason
	}{
		{"gate closed", func(r *Rules) { r.QERs[0].GateDL = false }, nil, dropGateClosed},
		{"FAR drop", func(r *Rules) { r.FARs[1] = FAR{ID: 2, Action: Drop} }, nil, dropFARDrop},
		{"no session", nil, icmpEcho(ue, mustAddr("10.45.0.3"), 1, 1, 8), dropNoSession},
		{"IPv6 to nobody", nil, ipv6Packet(mustAddr("2001:db8::1"), mustAddr("2001:db8::2"), 8), dropNoSession},
		{"not IP", nil, []byte{0x10, 0, 0, 0}, dropMalformed},
		{"short IPv4", nil, []byte{0x45, 0, 0, 0}, dropMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := testRules(0x100, 0x200, ue, mustAddr("127.0.0.2"))
			if tt.edit != nil {
				tt.edit(&r)
			}
			tb := newTables(false)
			if err := tb.apply(1, r); err != nil {
				t.Fatal(err)
			}
			pkt := tt.pkt
			if pkt == nil {
				pkt = icmpEcho(mustAddr("10.45.0.1"), ue, 1, 1, 8)
			}
			buf := make([]byte, tunBufSize)
			copy(buf[tunReadOffset:], pkt)
			w := &downlinkWorker{t: tb}
			if _, ok := w.handle(buf, len(pkt), 0); ok {
				t.Fatal("handle() forwarded the packet")
			}
			if w.stats.drops[tt.want] != 1 {
				t.Errorf("stats = %+v, want one drop for %v", w.stats, tt.want)
			}
		})
	}
}

func TestDownlinkBufferReleasedByApply(t *testing.T) {
	ue := mustAddr("10.45.0.2")
	r := testRules(0x100, 0x200, ue, mustAddr("127.0.0.2"))
	r.FARs[1] = FAR{ID: 2, Action: Buffer, Destination: Access}
	tb := newTables(false)
	type sent struct {
		p  gtpu.Packet
		to netip.AddrPort
	}
	var got []sent
	tb.sendDL = func(gpdu []byte, to netip.AddrPort) {
		var p gtpu.Packet
		if err := gtpu.Parse(bytes.Clone(gpdu), &p); err != nil {
			t.Fatalf("released %x: %v", gpdu, err)
		}
		got = append(got, sent{p, to})
	}
	if err := tb.apply(1, r); err != nil {
		t.Fatal(err)
	}
	w := &downlinkWorker{t: tb}
	buf := make([]byte, tunBufSize)
	for seq := range uint16(DefaultBufferPackets + 1) {
		copy(buf[tunReadOffset:], icmpEcho(mustAddr("10.45.0.1"), ue, 1, seq, 8))
		if _, ok := w.handle(buf, 36, 0); ok {
			t.Fatal("a packet went out while the FAR buffers")
		}
	}
	if w.stats.buffered != DefaultBufferPackets || w.stats.drops[dropBufferFull] != 1 {
		t.Errorf("stats = %+v, want %d buffered and 1 dropped", w.stats, DefaultBufferPackets)
	}
	// Another modification that still buffers keeps them.
	if err := tb.apply(1, r); err != nil || len(got) != 0 || tb.buffered.Load() != DefaultBufferPackets {
		t.Fatalf("apply(still buffering) = %v, released %d, %d kept", err, len(got), tb.buffered.Load())
	}
	// The gNB's tunnel is known: the kept packets go, in order.
	if err := tb.apply(1, testRules(0x100, 0x200, ue, mustAddr("127.0.0.2"))); err != nil {
		t.Fatal(err)
	}
	if len(got) != DefaultBufferPackets {
		t.Fatalf("released %d packets, want %d", len(got), DefaultBufferPackets)
	}
	for i, s := range got {
		if s.p.TEID != 0x200 || s.p.QFI != 9 || s.to != netip.MustParseAddrPort("127.0.0.2:2152") || binary.BigEndian.Uint16(s.p.Payload[26:]) != uint16(i) {
			t.Fatalf("released packet %d = %+v to %v, want ICMP sequence %d for TEID 0x200 to 127.0.0.2:2152", i, s.p, s.to, i)
		}
	}
	if u := tb.lookupTEID(0x100).urrs[0].usage(); u.DownPkts != DefaultBufferPackets {
		t.Errorf("usage = %+v, want the %d released packets", u, DefaultBufferPackets)
	}
	if n := tb.buffered.Load(); n != 0 {
		t.Errorf("%d packets still counted as kept", n)
	}

	// Deleting a session frees what it kept.
	r.FARs[1] = FAR{ID: 2, Action: Buffer, Destination: Access}
	if err := tb.apply(1, r); err != nil {
		t.Fatal(err)
	}
	copy(buf[tunReadOffset:], icmpEcho(mustAddr("10.45.0.1"), ue, 1, 1, 8))
	w.handle(buf, 36, 0)
	if _, err := tb.remove(1); err != nil || tb.buffered.Load() != 0 || len(got) != DefaultBufferPackets {
		t.Errorf("remove() = %v with %d kept, %d released; want all freed", err, tb.buffered.Load(), len(got)-DefaultBufferPackets)
	}
}

func TestDownlinkMBR(t *testing.T) {
	r := testRules(0x100, 0x200, mustAddr("10.45.0.2"), mustAddr("127.0.0.2"))
	r.QERs[0].MBRDL = 1_000_000
	tb := newTables(false)
	if err := tb.apply(1, r); err != nil {
		t.Fatal(err)
	}
	w := &downlinkWorker{t: tb}
	pkt := icmpEcho(mustAddr("10.45.0.1"), mustAddr("10.45.0.2"), 1, 1, 972) // 1000 octets
	buf := make([]byte, tunBufSize)
	var sent int
	// 1000 packets in one second of virtual time: 8 Mbit/s offered.
	for i := range 1000 {
		copy(buf[tunReadOffset:], pkt)
		if _, ok := w.handle(buf, len(pkt), int64(i)*1_000_000); ok {
			sent++
		}
	}
	// 1 Mbit/s for 1 s plus a 100 ms bucket: 137 packets of 8000 bits.
	if sent < 130 || sent > 145 {
		t.Errorf("%d of 1000 packets passed a 1 Mbit/s MBR in 1 s, want about 137", sent)
	}
	if w.stats.drops[dropMBR] != uint64(1000-sent) {
		t.Errorf("MBR drops = %d, want %d", w.stats.drops[dropMBR], 1000-sent)
	}
}

// FuzzDownlink feeds the TUN reader's processing arbitrary packets: it
// must never panic.
func FuzzDownlink(f *testing.F) {
	f.Add(icmpEcho(mustAddr("10.45.0.1"), mustAddr("10.45.0.2"), 1, 1, 8))
	f.Add(ipv6Packet(mustAddr("2001:db8::1"), mustAddr("2001:db8:45:7::1"), 8))
	f.Add([]byte{0x45})
	tb := newTables(true)
	r := testRules(0x100, 0x200, mustAddr("10.45.0.2"), mustAddr("127.0.0.2"))
	r.PDRs[1].UEPrefix = netip.MustParsePrefix("2001:db8:45:7::/64")
	if err := tb.apply(1, r); err != nil {
		f.Fatal(err)
	}
	w := &downlinkWorker{t: tb}
	buf := make([]byte, tunBufSize)
	f.Fuzz(func(t *testing.T, pkt []byte) {
		if len(pkt) > tunBufSize-tunReadOffset {
			return
		}
		copy(buf[tunReadOffset:], pkt)
		w.handle(buf, len(pkt), 0)
	})
}
