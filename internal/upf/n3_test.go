package upf

import (
	"bytes"
	"net/netip"
	"testing"

	"github.com/keelcore/keel/internal/gtpu"
)

// datagram puts msg into a receive buffer as the N3 reader would.
func datagram(msg []byte) []byte {
	raw := make([]byte, n3BufSize)
	copy(raw[n3Headroom:], msg)
	return raw
}

func TestUplinkForwardsInPlace(t *testing.T) {
	tb := newTables(false)
	if err := tb.apply(1, testRules(0x100, 0x200, mustAddr("10.45.0.2"), mustAddr("127.0.0.2"))); err != nil {
		t.Fatal(err)
	}
	w := newUplinkWorker(tb, mustAddr("127.0.0.1"), 4)
	tpdu := icmpEcho(mustAddr("10.45.0.2"), mustAddr("10.45.0.1"), 1, 1, 56)
	msg := gtpu.AppendGPDU(nil, 0x100, 9, true, tpdu)
	raw := datagram(msg)
	if v := w.handle(raw, len(msg), 0); v != n3Done || len(w.out) != 1 {
		t.Fatalf("handle(G-PDU) = %d with %d T-PDUs out, want one forwarded", v, len(w.out))
	}
	if got := w.out[0][tunWriteOffset:]; !bytes.Equal(got, tpdu) {
		t.Errorf("T-PDU out = %x, want %x", got, tpdu)
	}
	if &w.out[0][tunWriteOffset] != &raw[n3Headroom+gtpu.HeaderLen] {
		t.Error("the T-PDU was copied, want it written from the receive buffer")
	}
	if w.stats.pkts != 1 || w.stats.bytes != uint64(len(tpdu)) {
		t.Errorf("stats = %+v, want 1 packet of %d octets", w.stats, len(tpdu))
	}
}

func TestUplinkDrops(t *testing.T) {
	ue := mustAddr("10.45.0.2")
	tests := []struct {
		name  string
		edit  func(r *Rules)
		msg   []byte
		want  dropReason
		verdi n3Verdict
	}{
		{"gate closed", func(r *Rules) { r.QERs[0].GateUL = false }, nil, dropGateClosed, n3Done},
		{"FAR drop", func(r *Rules) { r.FARs[0].Action = Drop }, nil, dropFARDrop, n3Done},
		{"FAR buffer", func(r *Rules) { r.FARs[0].Action = Buffer }, nil, dropFARBuffer, n3Done},
		{"unknown QFI", func(r *Rules) { r.PDRs[0].QFI = 5 }, nil, dropUnknownQFI, n3Done},
		{"spoofed source", func(r *Rules) { r.PDRs[0].UEAddr = mustAddr("10.45.0.99") }, nil, dropNoPDR, n3Done},
		{"unknown TEID", nil, gtpu.AppendGPDU(nil, 0x999, 9, true, icmpEcho(ue, ue, 1, 1, 8)), dropUnknownTEID, n3UnknownTEID},
		{"not GTP-U", nil, []byte{0x45, 0, 0, 0, 0, 0, 0, 0}, dropMalformed, n3Done},
		{"not IP inside", nil, gtpu.AppendGPDU(nil, 0x100, 9, true, []byte{0x10, 1, 2, 3}), dropMalformed, n3Done},
		{"End Marker", nil, gtpu.AppendEndMarker(nil, 0x100), dropSignalling, n3Done},
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
			msg := tt.msg
			if msg == nil {
				msg = gtpu.AppendGPDU(nil, 0x100, 9, true, icmpEcho(ue, mustAddr("10.45.0.1"), 1, 1, 8))
			}
			w := newUplinkWorker(tb, mustAddr("127.0.0.1"), 4)
			if v := w.handle(datagram(msg), len(msg), 0); v != tt.verdi || len(w.out) != 0 {
				t.Fatalf("handle() = %d, %d T-PDUs out, want %d and none", v, len(w.out), tt.verdi)
			}
			if w.stats.drops[tt.want] != 1 || w.stats.pkts != 0 {
				t.Errorf("stats = %+v, want one drop for %v", w.stats, tt.want)
			}
			if u := tb.lookupTEID(0x100).urrs[0].usage(); u.UplinkPkts != 0 {
				t.Errorf("a dropped packet was counted in the URR: %+v", u)
			}
		})
	}
}

func TestUplinkEchoAndErrorIndication(t *testing.T) {
	w := newUplinkWorker(newTables(false), mustAddr("127.0.0.1"), 4)
	req := gtpu.AppendEchoRequest(nil, 0x1234)
	if v := w.handle(datagram(req), len(req), 0); v != n3Reply {
		t.Fatalf("handle(Echo Request) = %d, want n3Reply", v)
	}
	// TS 29.281 §7.2.2: Echo Response, TEID 0, the request's sequence
	// number, Recovery IE with restart counter 0.
	want := []byte{0x32, 2, 0, 6, 0, 0, 0, 0, 0x12, 0x34, 0, 0, 14, 0}
	if !bytes.Equal(w.reply, want) {
		t.Errorf("Echo Response = %x, want %x", w.reply, want)
	}

	gpdu := gtpu.AppendGPDU(nil, 0xabcd, 1, true, icmpEcho(mustAddr("10.45.0.2"), mustAddr("10.45.0.1"), 1, 1, 8))
	if v := w.handle(datagram(gpdu), len(gpdu), 0); v != n3UnknownTEID {
		t.Fatalf("handle(G-PDU for no session) = %d, want n3UnknownTEID", v)
	}
	if !w.errorIndication(netip.Addr{}, 0) {
		t.Fatal("errorIndication() = false for the first one")
	}
	var p gtpu.Packet
	if err := gtpu.Parse(w.reply, &p); err != nil || p.Type != gtpu.MsgErrorIndication {
		t.Fatalf("Error Indication = %x (%v), want type 26", w.reply, err)
	}
	teid, peer, err := gtpu.ParseErrorIndication(&p)
	if err != nil || teid != 0xabcd || peer != mustAddr("127.0.0.1") {
		t.Errorf("Error Indication = TEID %#x, peer %v, %v; want 0xabcd, 127.0.0.1", teid, peer, err)
	}
	// The address the G-PDU was sent to wins over the socket's.
	w.errorIndication(mustAddr("192.0.2.7"), 0)
	gtpu.Parse(w.reply, &p)
	if _, peer, _ := gtpu.ParseErrorIndication(&p); peer != mustAddr("192.0.2.7") {
		t.Errorf("Error Indication peer = %v, want the G-PDU's destination 192.0.2.7", peer)
	}
	// Rate limit: a flood gets a bounded number of answers.
	sent := 2
	for range 10000 {
		if w.errorIndication(netip.Addr{}, 0) {
			sent++
		}
	}
	if sent > 200 {
		t.Errorf("%d Error Indications for a flood at one instant, want at most ~100", sent)
	}
}

// FuzzUplink feeds the N3 reader's processing arbitrary datagrams: it
// must never panic, and a forwarded T-PDU must lie in the buffer with the
// TUN device's headroom before it.
func FuzzUplink(f *testing.F) {
	ue := mustAddr("10.45.0.2")
	f.Add(gtpu.AppendGPDU(nil, 0x100, 9, true, icmpEcho(ue, mustAddr("10.45.0.1"), 1, 1, 8)))
	f.Add(gtpu.AppendGPDU(nil, 0x999, 0, false, []byte{0x60}))
	f.Add(gtpu.AppendEchoRequest(nil, 1))
	f.Add(gtpu.AppendErrorIndication(nil, 0x100, ue))
	f.Add([]byte{0x34, 0xff, 0, 4, 0, 0, 1, 0, 0, 0, 0, 0x85})
	tb := newTables(false)
	r := testRules(0x100, 0x200, ue, mustAddr("127.0.0.2"))
	r.PDRs[0].UEAddr = ue
	if err := tb.apply(1, r); err != nil {
		f.Fatal(err)
	}
	// An IPv6 session with the UPF as its router, on TEID 0x300: Router
	// Solicitations are answered.
	r6 := ipv6Rules(mustAddr("127.0.0.2"), Forward)
	r6.PDRs[0].TEID, r6.FARs[1].Outer.TEID = 0x300, 0x400
	if err := tb.apply(2, r6); err != nil {
		f.Fatal(err)
	}
	f.Add(gtpu.AppendGPDU(nil, 0x300, 9, true, routerSolicitation(mustAddr("fe80::1"), allRouters, 255)))
	w := newUplinkWorker(tb, mustAddr("127.0.0.1"), 1)
	f.Fuzz(func(t *testing.T, msg []byte) {
		if len(msg) > n3BufSize-n3Headroom {
			return
		}
		raw := datagram(msg)
		w.out = w.out[:0]
		switch w.handle(raw, len(msg), 0) {
		case n3UnknownTEID:
			w.errorIndication(netip.Addr{}, 0)
		case n3Downlink:
			if len(w.out) != 0 || !w.replyTo.IsValid() {
				t.Fatalf("a Router Advertisement answer with %d T-PDUs to N6, to %v", len(w.out), w.replyTo)
			}
		}
		for _, o := range w.out {
			start := cap(raw) - cap(o) + tunWriteOffset // of the T-PDU in raw
			end := start + len(o) - tunWriteOffset
			if start < n3Headroom+8 || end > n3Headroom+len(msg) || end-start < 20 {
				t.Fatalf("T-PDU at [%d:%d] of a %d-octet datagram at %d", start, end, len(msg), n3Headroom)
			}
		}
	})
}
