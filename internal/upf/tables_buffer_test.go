package upf

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/gtpu"
)

// idleRules are testRules with the downlink FAR buffering and notifying
// the CP function (an idle UE, TS 29.244 §5.2.1 BUFF|NOCP).
func idleRules(ue netip.Addr) Rules {
	r := testRules(0x100, 0x200, ue, mustAddr("127.0.0.2"))
	r.FARs[1] = FAR{ID: 2, Action: Buffer, Notify: true, Destination: Access}
	return r
}

// bufferEnv is a session's tables with a clock the test moves, a TUN
// reader's worker, and what the tables send.
type bufferEnv struct {
	t    *testing.T
	tb   *tables
	w    *downlinkWorker
	ue   netip.Addr
	now  int64
	buf  []byte
	mu   sync.Mutex
	sent []uint16 // ICMP sequence numbers of the packets sent, in order
}

func newBufferEnv(t *testing.T, limits BufferLimits) *bufferEnv {
	e := &bufferEnv{t: t, tb: newTables(false), ue: mustAddr("10.45.0.2"), buf: make([]byte, tunBufSize)}
	e.tb.limits = limits
	e.tb.now = func() int64 { return e.now }
	e.tb.sendDL = func(gpdu []byte, _ netip.AddrPort) { e.record(gpdu) }
	e.w = &downlinkWorker{t: e.tb}
	e.apply(idleRules(e.ue))
	return e
}

func (e *bufferEnv) apply(r Rules) {
	e.t.Helper()
	if err := e.tb.apply(1, r); err != nil {
		e.t.Fatal(err)
	}
}

func (e *bufferEnv) record(gpdu []byte) {
	var p gtpu.Packet
	if err := gtpu.Parse(bytes.Clone(gpdu), &p); err != nil {
		e.t.Errorf("sent %x: %v", gpdu, err)
		return
	}
	e.mu.Lock()
	e.sent = append(e.sent, binary.BigEndian.Uint16(p.Payload[26:]))
	e.mu.Unlock()
}

// packet hands the TUN reader's worker an ICMP echo with sequence seq and
// size octets of payload; a packet it forwards is recorded as sent.
func (e *bufferEnv) packet(seq uint16, size int) {
	pkt := icmpEcho(mustAddr("10.45.0.1"), e.ue, 1, seq, size)
	copy(e.buf[tunReadOffset:], pkt)
	if _, ok := e.w.handle(e.buf, len(pkt), e.now); ok {
		e.record(e.buf[:tunReadOffset+len(pkt)])
	}
}

// reports takes the Downlink Data Reports queued so far.
func (e *bufferEnv) reports() []downlinkEvent {
	var out []downlinkEvent
	for {
		select {
		case ev := <-e.tb.downlink:
			out = append(out, ev)
		default:
			return out
		}
	}
}

func (e *bufferEnv) kept() int {
	b := &e.tb.sessions[1].slot.buf
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.n
}

// TestBufferNotifiesOncePerPeriod checks TS 29.244 §5.2.4.1: the first
// packet buffered for a FAR with NOCP is reported, with its PDR and QFI,
// and no other until the period ends — by the FAR forwarding, or by the
// CP function dropping the buffer (DROBU).
func TestBufferNotifiesOncePerPeriod(t *testing.T) {
	e := newBufferEnv(t, DefaultBufferLimits())
	for seq := range uint16(5) {
		e.packet(seq, 8)
	}
	if got := e.reports(); len(got) != 1 || got[0] != (downlinkEvent{1, DownlinkData{PDRID: 2, QFI: 9}}) {
		t.Fatalf("reports after 5 packets = %+v, want one for session 1, PDR 2, QFI 9", got)
	}
	// A modification that still buffers with NOCP does not start a period.
	e.apply(idleRules(e.ue))
	e.packet(5, 8)
	if got := e.reports(); len(got) != 0 {
		t.Fatalf("reports after a modification still buffering = %+v, want none", got)
	}
	// The FAR forwards: the period ends and the six go out.
	e.apply(testRules(0x100, 0x200, e.ue, mustAddr("127.0.0.2")))
	if len(e.sent) != 6 || e.kept() != 0 {
		t.Fatalf("sent %v with %d kept, want 6 sent", e.sent, e.kept())
	}
	// Idle again: a new period, a new report.
	e.apply(idleRules(e.ue))
	e.packet(6, 8)
	e.packet(7, 8)
	if got := e.reports(); len(got) != 1 {
		t.Fatalf("reports in the second period = %+v, want one", got)
	}
	// DROBU: the buffer goes, the period ends.
	if n, err := e.tb.dropBufferedSession(1); n != 2 || err != nil {
		t.Fatalf("dropBufferedSession = %d, %v, want 2", n, err)
	}
	if e.kept() != 0 || e.tb.buffered.Load() != 0 {
		t.Fatalf("%d kept (%d in all) after DROBU", e.kept(), e.tb.buffered.Load())
	}
	e.packet(8, 8)
	if got := e.reports(); len(got) != 1 {
		t.Fatalf("reports after DROBU = %+v, want one", got)
	}
	if _, err := e.tb.dropBufferedSession(7); err == nil {
		t.Error("dropBufferedSession(unknown session) = nil error")
	}
	// A buffering FAR without NOCP (the start of a session) reports nothing.
	r := idleRules(e.ue)
	r.FARs[1].Notify = false
	e.apply(r)
	e.tb.dropBufferedSession(1)
	e.packet(9, 8)
	if got := e.reports(); len(got) != 0 {
		t.Fatalf("reports for BUFF without NOCP = %+v, want none", got)
	}
}

// TestBufferNotifyNeverBlocks fills the report queue: the reader goes on,
// and the period stays unreported so that a later packet reports it.
func TestBufferNotifyNeverBlocks(t *testing.T) {
	e := newBufferEnv(t, DefaultBufferLimits())
	e.tb.downlink = make(chan downlinkEvent) // no room at all
	e.packet(1, 8)
	if e.kept() != 1 {
		t.Fatalf("%d kept, want 1", e.kept())
	}
	e.tb.downlink = make(chan downlinkEvent, 1)
	e.packet(2, 8)
	if got := e.reports(); len(got) != 1 {
		t.Fatalf("reports once the queue has room = %+v, want one", got)
	}
}

// TestBufferBounds checks the bounds per session: packets, octets, time
// (the oldest expire first), and a BAR's Suggested Buffering Packets
// Count; each drop is counted by its reason.
func TestBufferBounds(t *testing.T) {
	const size = 100 // payload octets: 128-octet packets
	t.Run("packets", func(t *testing.T) {
		e := newBufferEnv(t, BufferLimits{Packets: 4, Bytes: 1 << 20, Time: time.Hour})
		for seq := range uint16(6) {
			e.packet(seq, size)
		}
		if e.kept() != 4 || e.w.stats.buffered != 4 || e.w.stats.drops[dropBufferFull] != 2 {
			t.Fatalf("%d kept, stats %+v; want 4 kept, 2 dropped buffer_full", e.kept(), e.w.stats)
		}
		e.apply(testRules(0x100, 0x200, e.ue, mustAddr("127.0.0.2")))
		if want := []uint16{0, 1, 2, 3}; !equalSeq(e.sent, want) {
			t.Errorf("sent %v, want %v: the first ones are kept", e.sent, want)
		}
	})
	t.Run("bytes", func(t *testing.T) {
		e := newBufferEnv(t, BufferLimits{Packets: 64, Bytes: 3*128 + 50, Time: time.Hour})
		for seq := range uint16(5) {
			e.packet(seq, size)
		}
		if e.kept() != 3 || e.w.stats.drops[dropBufferFull] != 2 {
			t.Fatalf("%d kept, stats %+v; want 3 kept, 2 dropped buffer_full", e.kept(), e.w.stats)
		}
	})
	t.Run("time", func(t *testing.T) {
		e := newBufferEnv(t, BufferLimits{Packets: 64, Bytes: 1 << 20, Time: time.Second})
		e.packet(0, size)
		e.now += int64(600 * time.Millisecond)
		e.packet(1, size)
		e.now += int64(600 * time.Millisecond) // packet 0 is 1.2 s old
		e.packet(2, size)
		if e.kept() != 2 || e.w.stats.drops[dropBufferExpired] != 1 {
			t.Fatalf("%d kept, stats %+v; want 2 kept, 1 expired", e.kept(), e.w.stats)
		}
		e.now += int64(600 * time.Millisecond) // packet 1 is 1.2 s old at the release
		e.apply(testRules(0x100, 0x200, e.ue, mustAddr("127.0.0.2")))
		if want := []uint16{2}; !equalSeq(e.sent, want) {
			t.Errorf("sent %v, want %v: the expired ones are not", e.sent, want)
		}
		if e.tb.buffered.Load() != 0 {
			t.Errorf("%d still counted as kept", e.tb.buffered.Load())
		}
	})
	t.Run("all expired", func(t *testing.T) {
		// Every packet of a buffering period expired: the next one
		// starts a new period, reported again.
		e := newBufferEnv(t, BufferLimits{Packets: 64, Bytes: 1 << 20, Time: time.Second})
		e.packet(0, size)
		e.packet(1, size)
		e.now += int64(1500 * time.Millisecond)
		e.packet(2, size)
		if got := e.reports(); len(got) != 2 || e.kept() != 1 || e.w.stats.drops[dropBufferExpired] != 2 {
			t.Fatalf("%d reports, %d kept, stats %+v; want 2 reports (one per period), 1 kept, 2 expired", len(got), e.kept(), e.w.stats)
		}
		e.now += int64(500 * time.Millisecond) // packet 2 still kept: the period goes on
		e.packet(3, size)
		if got := e.reports(); len(got) != 0 {
			t.Fatalf("reports while the period goes on = %+v, want none", got)
		}
	})
	t.Run("BAR", func(t *testing.T) {
		e := newBufferEnv(t, DefaultBufferLimits())
		r := idleRules(e.ue)
		r.BufferPackets = 2
		e.apply(r)
		for seq := range uint16(4) {
			e.packet(seq, size)
		}
		if e.kept() != 2 || e.w.stats.drops[dropBufferFull] != 2 {
			t.Fatalf("%d kept, stats %+v; want 2 kept by the BAR, 2 dropped", e.kept(), e.w.stats)
		}
	})
	t.Run("total", func(t *testing.T) {
		e := newBufferEnv(t, DefaultBufferLimits())
		e.tb.buffered.Store(bufferTotal)
		e.packet(0, size)
		if e.kept() != 0 || e.w.stats.drops[dropBufferFull] != 1 || e.tb.buffered.Load() != bufferTotal {
			t.Fatalf("%d kept, stats %+v, %d in all; want the packet dropped", e.kept(), e.w.stats, e.tb.buffered.Load())
		}
	})
}

// TestBufferFlushInOrder releases a full buffer while the TUN reader goes
// on receiving for the session: every packet reaches N3, and in the
// order the reader received them — none overtakes the kept ones.
func TestBufferFlushInOrder(t *testing.T) {
	for range 20 {
		e := newBufferEnv(t, DefaultBufferLimits())
		slow := e.tb.sendDL
		e.tb.sendDL = func(gpdu []byte, to netip.AddrPort) {
			time.Sleep(20 * time.Microsecond)
			slow(gpdu, to)
		}
		const kept, more = DefaultBufferPackets, 200
		for seq := range uint16(kept) {
			e.packet(seq, 8)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			e.apply(testRules(0x100, 0x200, e.ue, mustAddr("127.0.0.2")))
		}()
		for seq := uint16(kept); seq < kept+more; seq++ {
			e.packet(seq, 8)
		}
		<-done
		e.mu.Lock()
		sent := append([]uint16(nil), e.sent...)
		e.mu.Unlock()
		// Packets queued behind the release after the limit are dropped:
		// what went out must be in order, the kept ones all there.
		if len(sent) < kept || !inOrder(sent) {
			t.Fatalf("sent %v, want at least the %d kept ones, in order", sent, kept)
		}
		if drops := e.w.stats.drops[dropBufferFull]; len(sent)+int(drops) != kept+more {
			t.Fatalf("%d sent and %d dropped of %d", len(sent), drops, kept+more)
		}
	}
}

func equalSeq(a, b []uint16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func inOrder(s []uint16) bool {
	for i := 1; i < len(s); i++ {
		if s[i] <= s[i-1] {
			return false
		}
	}
	return true
}

func TestBufferLimitsValidate(t *testing.T) {
	if err := DefaultBufferLimits().Validate(); err != nil {
		t.Errorf("DefaultBufferLimits().Validate() = %v", err)
	}
	for _, l := range []BufferLimits{
		{Packets: 0, Bytes: 1 << 20, Time: time.Second},
		{Packets: bufferTotal + 1, Bytes: 1 << 20, Time: time.Second},
		{Packets: 8, Bytes: 100, Time: time.Second},
		{Packets: 8, Bytes: 1 << 20, Time: 0},
	} {
		if err := l.Validate(); err == nil {
			t.Errorf("%+v.Validate() = nil, want an error", l)
		}
	}
}

// TestBufferFloodBounded floods idle UEs with downlink: memory stays
// bounded by the total (bufferTotal packets) and each session's bound,
// every packet past them is counted as dropped, and each session reports
// its first packet once.
func TestBufferFloodBounded(t *testing.T) {
	tb := newTables(false)
	const sessions, perSession = 200, 100 // 20,000 packets offered
	for i := range sessions {
		ue := netip.AddrFrom4([4]byte{10, 45, byte(i >> 8), byte(i + 2)})
		r := testRules(0x1000+uint32(i), 0x2000+uint32(i), ue, mustAddr("127.0.0.2"))
		r.FARs[1] = FAR{ID: 2, Action: Buffer, Notify: true, Destination: Access}
		if err := tb.apply(uint64(i+1), r); err != nil {
			t.Fatal(err)
		}
	}
	w := &downlinkWorker{t: tb}
	buf := make([]byte, tunBufSize)
	for seq := range uint16(perSession) {
		for i := range sessions {
			pkt := icmpEcho(mustAddr("10.45.0.1"), netip.AddrFrom4([4]byte{10, 45, byte(i >> 8), byte(i + 2)}), 1, seq, 8)
			copy(buf[tunReadOffset:], pkt)
			if _, ok := w.handle(buf, len(pkt), 0); ok {
				t.Fatal("a packet for an idle UE went out")
			}
		}
	}
	kept := tb.buffered.Load()
	if kept != bufferTotal || w.stats.buffered != bufferTotal {
		t.Errorf("%d kept (%d counted), want the total bound %d", kept, w.stats.buffered, bufferTotal)
	}
	if drops := w.stats.drops[dropBufferFull]; drops != sessions*perSession-bufferTotal {
		t.Errorf("%d dropped buffer_full, want %d", drops, sessions*perSession-bufferTotal)
	}
	for seid, e := range tb.sessions {
		if n := e.slot.buf.n; n > DefaultBufferPackets {
			t.Fatalf("session %d keeps %d packets, above its bound %d", seid, n, DefaultBufferPackets)
		}
	}
	if n := len(tb.downlink); n != sessions {
		t.Errorf("%d downlink data reports, want one per session (%d)", n, sessions)
	}
}
