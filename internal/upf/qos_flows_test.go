package upf

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/keelcore/keel/internal/gtpu"
)

// gbrRules are testRules with a second QoS flow as the SMF sets it up
// for a PCC rule (TS 29.244 §5.2.1): QFI 2, an uplink PDR on it, a
// downlink PDR with an SDF filter before the default one, a QER with the
// MFBR; the default flow's QER marks QFI 9 and the session QER holds the
// session AMBR for every PDR.
func gbrRules(ue netip.Addr, mfbrDL, ambrDL uint64) Rules {
	r := testRules(0x100, 0x200, ue, mustAddr("127.0.0.2"))
	r.QERs = []QER{{ID: 1, GateUL: true, GateDL: true, MBRDL: ambrDL}, {ID: 2, GateUL: true, GateDL: true, QFI: 9},
		{ID: 3, GateUL: true, GateDL: true, MBRDL: mfbrDL, QFI: 2}}
	r.PDRs[0].QFI, r.PDRs[0].QERIDs = 9, []uint32{2, 1}
	r.PDRs[1].QERIDs = []uint32{2, 1}
	r.PDRs = append(r.PDRs,
		PDR{ID: 3, Precedence: 10, Source: Access, TEID: 0x100, QFI: 2, RemoveOuterHeader: true, FARID: 1, QERIDs: []uint32{3, 1}, URRIDs: []uint32{1}},
		PDR{ID: 4, Precedence: 10, Source: Core, UEAddr: ue, SDFFilters: []string{"permit out 17 from any 5000-5010 to assigned"},
			FARID: 2, QERIDs: []uint32{3, 1}, URRIDs: []uint32{1}})
	return r
}

// The downlink goes to the QoS flow whose SDF filter it matches, with
// that flow's QFI in the PDU Session Container (TS 38.415 §5.5.2.1);
// the rest to the default flow.
func TestDownlinkClassification(t *testing.T) {
	ue := mustAddr("10.45.0.2")
	tb := newTables(false)
	if err := tb.apply(1, gbrRules(ue, 0, 0)); err != nil {
		t.Fatal(err)
	}
	w := &downlinkWorker{t: tb}
	for _, c := range []struct {
		name string
		pkt  []byte
		qfi  uint8
	}{
		{"voice", udpPacket(netip.AddrPortFrom(mustAddr("198.51.100.1"), 5004), netip.AddrPortFrom(ue, 4000), 100), 2},
		{"port above", udpPacket(netip.AddrPortFrom(mustAddr("198.51.100.1"), 5011), netip.AddrPortFrom(ue, 4000), 100), 9},
		{"ping", icmpEcho(mustAddr("10.45.0.1"), ue, 1, 1, 56), 9},
	} {
		buf := make([]byte, tunBufSize)
		copy(buf[tunReadOffset:], c.pkt)
		if _, ok := w.handle(buf, len(c.pkt), 0); !ok {
			t.Fatalf("%s: dropped", c.name)
		}
		var p gtpu.Packet
		if err := gtpu.Parse(buf[:tunReadOffset+len(c.pkt)], &p); err != nil {
			t.Fatal(err)
		}
		if !p.HasQFI || p.QFI != c.qfi {
			t.Errorf("%s: G-PDU QFI %d (%t), want %d", c.name, p.QFI, p.HasQFI, c.qfi)
		}
	}
}

// The flow's MFBR limits its downlink alone; the session AMBR limits
// the session's downlink across its flows (TS 23.501 §5.7.2.6, §5.7.2.5).
func TestDownlinkMFBRAndAMBR(t *testing.T) {
	ue := mustAddr("10.45.0.2")
	const size = 1000 // octets: 8000 bits
	voice := udpPacket(netip.AddrPortFrom(mustAddr("198.51.100.1"), 5004), netip.AddrPortFrom(ue, 4000), size)
	other := udpPacket(netip.AddrPortFrom(mustAddr("198.51.100.1"), 80), netip.AddrPortFrom(ue, 4000), size)
	send := func(w *downlinkWorker, pkt []byte, n int) (passed int) {
		// n packets in one second of the injected clock.
		for i := range n {
			buf := make([]byte, tunBufSize)
			copy(buf[tunReadOffset:], pkt)
			if _, ok := w.handle(buf, len(pkt), int64(i)*1e9/int64(n)); ok {
				passed++
			}
		}
		return passed
	}
	// MFBR 800 kbit/s = 100 packets a second (+ the 100 ms burst); no AMBR.
	tb := newTables(false)
	if err := tb.apply(1, gbrRules(ue, 800_000, 0)); err != nil {
		t.Fatal(err)
	}
	w := &downlinkWorker{t: tb}
	if got := send(w, voice, 1000); got < 100 || got > 115 {
		t.Errorf("voice at 8 Mbit/s through an MFBR of 800 kbit/s: %d packets of 1000 passed, want 100 to 115", got)
	}
	if w.stats.drops[dropMBR] == 0 {
		t.Error("no MBR drop counted")
	}
	if got := send(&downlinkWorker{t: tb}, other, 1000); got != 1000 {
		t.Errorf("the default flow passed %d of 1000, want all: the MFBR is the voice flow's", got)
	}
	// AMBR 4 Mbit/s = 500 packets a second across both flows.
	tb = newTables(false)
	if err := tb.apply(1, gbrRules(ue, 0, 4_000_000)); err != nil {
		t.Fatal(err)
	}
	w = &downlinkWorker{t: tb}
	passed := 0
	for i := range 1000 {
		pkt := voice
		if i%2 == 1 {
			pkt = other
		}
		buf := make([]byte, tunBufSize)
		copy(buf[tunReadOffset:], pkt)
		if _, ok := w.handle(buf, len(pkt), int64(i)*1e6); ok {
			passed++
		}
	}
	if passed < 500 || passed > 560 {
		t.Errorf("two flows at 8 Mbit/s through a session AMBR of 4 Mbit/s: %d of 1000 passed, want 500 to 560", passed)
	}
}

// A G-PDU with a QFI none of the session's flows has is dropped and
// counted as unknown_qfi; each known QFI goes through its flow's PDR.
func TestUplinkQFICheck(t *testing.T) {
	ue := mustAddr("10.45.0.2")
	tb := newTables(false)
	if err := tb.apply(1, gbrRules(ue, 0, 0)); err != nil {
		t.Fatal(err)
	}
	w := newUplinkWorker(tb, mustAddr("127.0.0.1"), 4)
	for _, c := range []struct {
		qfi  uint8
		want bool
	}{{9, true}, {2, true}, {3, false}} {
		w.out = w.out[:0]
		msg := gtpu.AppendGPDU(nil, 0x100, c.qfi, true, icmpEcho(ue, mustAddr("10.45.0.1"), 1, 1, 8))
		w.handle(datagram(msg), len(msg), 0)
		if (len(w.out) == 1) != c.want {
			t.Errorf("QFI %d: %d T-PDUs out, want forwarded %t", c.qfi, len(w.out), c.want)
		}
	}
	if w.stats.drops[dropUnknownQFI] != 1 {
		t.Errorf("unknown_qfi drops = %d, want 1", w.stats.drops[dropUnknownQFI])
	}
}

// A flow description the datapath cannot read is refused with the rules.
func TestApplyRefusesBadSDFFilter(t *testing.T) {
	r := gbrRules(mustAddr("10.45.0.2"), 0, 0)
	r.PDRs[3].SDFFilters = []string{"permit in 17 from any to assigned"}
	if err := newTables(false).apply(1, r); err == nil {
		t.Error("apply accepted an SDF filter with direction in")
	}
}

// BenchmarkDownlinkClassification measures the TUN reader's work on one
// packet of a session with 1, 4 or 16 QoS flows besides the default,
// each with an SDF filter the packet does not match but the last (the
// worst case: every filter is tried), against the same session without
// SDF filters (flows=0).
func BenchmarkDownlinkClassification(b *testing.B) {
	ue := mustAddr("10.45.0.2")
	for _, flows := range []int{0, 1, 4, 16} {
		b.Run(fmt.Sprintf("flows=%d", flows), func(b *testing.B) {
			r := testRules(0x100, 0x200, ue, mustAddr("127.0.0.2"))
			for i := range flows {
				port := 6000 + 10*i
				if i == flows-1 {
					port = 5000
				}
				r.PDRs = append(r.PDRs, PDR{ID: uint16(3 + i), Precedence: uint32(10 + i), Source: Core, UEAddr: ue,
					SDFFilters: []string{fmt.Sprintf("permit out 17 from 198.51.100.0/24 %d-%d to assigned", port, port+9)},
					FARID:      2, QERIDs: []uint32{1}, URRIDs: []uint32{1}})
			}
			tb := newTables(false)
			if err := tb.apply(1, r); err != nil {
				b.Fatal(err)
			}
			w := &downlinkWorker{t: tb}
			pkt := udpPacket(netip.AddrPortFrom(mustAddr("198.51.100.1"), 5004), netip.AddrPortFrom(ue, 4000), 36)
			buf := make([]byte, tunBufSize)
			copy(buf[tunReadOffset:], pkt)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, ok := w.handle(buf, len(pkt), int64(i)); !ok {
					b.Fatal("dropped")
				}
			}
		})
	}
}

// TestMFBRAccuracy offers a GBR flow's downlink at twice its MFBR for
// ten seconds of the datapath's clock, 1,250-octet packets evenly
// spaced, next to the default flow at the same rate: what the flow's
// QER lets through is within 5 % of the MFBR (TS 23.501 §5.7.2.5), the
// default flow loses nothing. The policer's 100 ms burst is 1 % of the
// window; a missing policer would pass 200 %.
func TestMFBRAccuracy(t *testing.T) {
	ue := mustAddr("10.45.0.2")
	const (
		mfbr    = 20_000_000 // bit/s
		size    = 1250       // octets: 10,000 bits
		seconds = 10
		offered = 2 * mfbr / (size * 8) // packets a second of each flow
	)
	tb := newTables(false)
	if err := tb.apply(1, gbrRules(ue, mfbr, 0)); err != nil {
		t.Fatal(err)
	}
	w := &downlinkWorker{t: tb}
	voice := udpPacket(netip.AddrPortFrom(mustAddr("198.51.100.1"), 5004), netip.AddrPortFrom(ue, 4000), size)
	other := udpPacket(netip.AddrPortFrom(mustAddr("198.51.100.1"), 80), netip.AddrPortFrom(ue, 4000), size)
	buf := make([]byte, tunBufSize)
	var bits [2]float64
	for i := range offered * seconds {
		now := int64(i) * 1e9 / offered
		for f, pkt := range [][]byte{voice, other} {
			copy(buf[tunReadOffset:], pkt)
			if _, ok := w.handle(buf, len(pkt), now); ok {
				bits[f] += size * 8
			}
		}
	}
	got := bits[0] / seconds
	if dev := (got - mfbr) / mfbr; dev < -0.05 || dev > 0.05 {
		t.Errorf("GBR flow at twice its MFBR of %d bit/s: %.0f bit/s passed (%+.2f %%), want within 5 %%", mfbr, got, 100*dev)
	}
	if want := float64(2 * mfbr); bits[1]/seconds != want {
		t.Errorf("default flow passed %.0f bit/s of %.0f offered, want all", bits[1]/seconds, want)
	}
	t.Logf("MFBR %d bit/s: %.0f bit/s passed (%+.3f %%)", mfbr, got, 100*(got-mfbr)/mfbr)
}
