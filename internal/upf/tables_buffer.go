package upf

import (
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keelcore/keel/internal/gtpu"
)

// Downlink buffering (TS 29.244 §5.2.1, FAR Apply Action BUFF): while a
// session's downlink FAR buffers — from the PFCP Session Establishment
// until the Modification that brings the gNB's tunnel (TS 23.502
// §4.3.2.2.1 steps 10-16), and while the UE is idle (§4.2.6, §4.2.3.3) —
// its downlink packets are kept, and the Apply that makes the FAR
// forward sends them, in order, before any packet that arrives after
// them: while the kept packets go out, the TUN reader queues newcomers
// behind them (dlBuffer.draining).
//
// A buffering period starts with the first packet kept while the FAR
// buffers with NOCP; that packet, and only that one, is reported to the
// CP function (a Downlink Data Report, §5.2.4.1). The period ends when
// the session's rules stop buffering with NOCP (the FAR forwards or
// drops), when the CP function has the buffer dropped (DROBU,
// DropBuffered), or when every packet it kept has expired; the next
// packet kept then starts a new period.
//
// Buffering is bounded per session in packets, octets and time
// (BufferLimits) and in packets in all (bufferTotal). A packet past the
// packet or octet bound, or the total, is dropped (reason buffer_full);
// a packet kept longer than the time bound is dropped (buffer_expired)
// when the next packet is buffered or when the buffer is released, so
// that the oldest go first; packets the CP function has dropped are
// counted as discarded.
const bufferTotal = 8192

// BufferLimits bound what the datapath buffers for one session (TS
// 29.244 §5.2.1). A BAR's Suggested Buffering Packets Count (§8.2.112)
// lowers Packets for its session.
type BufferLimits struct {
	Packets int           // packets kept at most
	Bytes   int           // octets of the inner IP packets kept at most
	Time    time.Duration // a packet kept longer is dropped
}

// Defaults of BufferLimits: enough for a UE to answer paging with its
// retransmissions (T3513) and a Service Request.
const (
	DefaultBufferPackets = 64
	DefaultBufferBytes   = 128 << 10
	DefaultBufferTime    = 10 * time.Second
)

// Validate checks that the limits are usable: every bound positive, at
// most bufferTotal packets, and room for a packet of the smallest MTU.
func (l BufferLimits) Validate() error {
	switch {
	case l.Packets <= 0 || l.Packets > bufferTotal:
		return fmt.Errorf("downlink buffer: %d packets, want 1 to %d", l.Packets, bufferTotal)
	case l.Bytes < minMTU || l.Bytes > 1<<30:
		return fmt.Errorf("downlink buffer: %d octets, want %d to 1 GiB", l.Bytes, minMTU)
	case l.Time <= 0:
		return fmt.Errorf("downlink buffer: time %v, want a positive duration", l.Time)
	}
	return nil
}

// DefaultBufferLimits are the limits of a datapath whose options set none.
func DefaultBufferLimits() BufferLimits {
	return BufferLimits{Packets: DefaultBufferPackets, Bytes: DefaultBufferBytes, Time: DefaultBufferTime}
}

// bufferedPacket is a kept packet after tunReadOffset octets of headroom,
// with the time it came (the tables' clock).
type bufferedPacket struct {
	next *bufferedPacket
	at   int64
	b    []byte
}

// dlBuffer is a session's kept packets. Unlike the forwarding path,
// buffering takes a lock, the session's own: it is the exception, and
// the lock orders the TUN reader's buffering against Apply's release.
type dlBuffer struct {
	mu          sync.Mutex
	first, last *bufferedPacket
	n, bytes    int
	// notified: the buffering period's first packet was reported.
	notified bool
	// draining is set while a release sends kept packets without mu:
	// the TUN reader then queues a packet its FAR forwards behind them
	// instead of sending it. Written under mu, read without.
	draining atomic.Bool
}

// downlinkEvent is a Downlink Data Report for the datapath's notifier.
type downlinkEvent struct {
	seid uint64
	d    DownlinkData
}

// downlinkEvents bounds the reports waiting for the notifier; when it is
// full the period is not marked reported, and the next packet kept tries
// again.
const downlinkEvents = 4096

func (b *dlBuffer) push(p *bufferedPacket) {
	if b.last == nil {
		b.first = p
	} else {
		b.last.next = p
	}
	b.last = p
	b.n++
	b.bytes += len(p.b) - tunReadOffset
}

// expire drops the kept packets older than the time bound, oldest first.
// b.mu must be held.
func (t *tables) expire(b *dlBuffer, now int64) (expired int) {
	for p := b.first; p != nil && now-p.at > int64(t.limits.Time); p = b.first {
		b.first = p.next
		if b.first == nil {
			b.last = nil
		}
		b.n--
		b.bytes -= len(p.b) - tunReadOffset
		t.freePacket(p)
		t.buffered.Add(-1)
		expired++
	}
	return expired
}

// bufferDL keeps the downlink packet pkt, matched by r, for the session
// of rules. stale reports that rules are no longer the session's: the
// caller must look again. forward reports that r forwards and nothing
// is being released any more: the caller sends the packet itself. drop
// is why the packet was not kept (pass when it was, or when forward),
// expired how many older packets the time bound dropped.
func (t *tables) bufferDL(rules *sessionRules, r *pdrRule, pkt []byte, now int64) (stale, forward bool, drop dropReason, expired int) {
	slot := rules.slot
	buf := &slot.buf
	buf.mu.Lock()
	defer buf.mu.Unlock()
	if slot.rules.Load() != rules {
		return true, false, pass, 0
	}
	if r.far.action == Forward && !buf.draining.Load() {
		return false, true, pass, 0
	}
	expired = t.expire(buf, now)
	if buf.first == nil && expired > 0 {
		// Everything the period kept has expired: the next packet kept
		// starts a new period and is reported again.
		buf.notified = false
	}
	limit := t.limits.Packets
	if rules.bufPackets > 0 && rules.bufPackets < limit {
		limit = rules.bufPackets
	}
	if buf.n >= limit || buf.bytes+len(pkt) > t.limits.Bytes {
		return false, false, dropBufferFull, expired
	}
	if t.buffered.Add(1) > bufferTotal {
		t.buffered.Add(-1)
		return false, false, dropBufferFull, expired
	}
	p, _ := t.packets.Get().(*bufferedPacket)
	if p == nil {
		p = &bufferedPacket{}
	}
	p.at = now
	p.b = append(append(p.b[:0], make([]byte, tunReadOffset)...), pkt...)
	buf.push(p)
	if r.far.action == Buffer && r.far.notify && !buf.notified {
		// TS 29.244 §5.2.4.1: the first packet of the period is reported,
		// never waited for.
		select {
		case t.downlink <- downlinkEvent{rules.seid, DownlinkData{PDRID: r.id, QFI: r.qfi}}:
			buf.notified = true
		default:
		}
	}
	return false, false, pass, expired
}

// releaseDL hands the kept packets of slot to its current rules: those a
// FAR now forwards become G-PDUs, given to send (nil: discarded) in the
// order they came, and packets the TUN reader queues meanwhile go after
// them; those past the time bound are freed (expired), and so are those
// a FAR drops or that no longer match (dropped); the rest stay. Called
// with tables.mu held, which orders releases.
func (t *tables) releaseDL(slot *sessionSlot, send func(gpdu []byte, to netip.AddrPort)) (sent, dropped, expired int) {
	type release struct {
		p  *bufferedPacket
		to netip.AddrPort
	}
	buf := &slot.buf
	now := t.now()
	var out []release
	buf.mu.Lock()
	rules := slot.rules.Load()
	if !rules.notifies() {
		buf.notified = false
	}
	for {
		p := buf.first
		buf.first, buf.last, buf.n, buf.bytes = nil, nil, 0, 0
		out = out[:0]
		for p != nil {
			next := p.next
			p.next = nil
			var r *pdrRule
			if rules != nil {
				if hi, lo, v4, ok := ipDestination(p.b[tunReadOffset:]); ok {
					r = rules.matchDownlink(hi, lo, v4, p.b[tunReadOffset:])
				}
			}
			switch {
			case now-p.at > int64(t.limits.Time):
				t.freePacket(p)
				t.buffered.Add(-1)
				expired++
			case r != nil && r.far.action == Buffer:
				buf.push(p)
			case r != nil && r.far.action == Forward:
				n := len(p.b) - tunReadOffset
				for _, u := range r.urrs {
					u.addDL(n, &t.reports)
				}
				gtpu.PutGPDUHeader(p.b[:tunReadOffset], r.far.teid, r.qfi, false, n)
				out = append(out, release{p, r.far.peer})
				t.buffered.Add(-1)
			default:
				t.freePacket(p)
				t.buffered.Add(-1)
				dropped++
			}
			p = next
		}
		if len(out) == 0 {
			buf.draining.Store(false)
			buf.mu.Unlock()
			return sent, dropped, expired
		}
		// Sent without the lock: the TUN reader queues what it finds
		// forwarded meanwhile, and the next round sends it.
		buf.draining.Store(true)
		buf.mu.Unlock()
		for _, o := range out {
			if send != nil {
				send(o.p.b, o.to)
			}
			t.freePacket(o.p)
		}
		sent += len(out)
		buf.mu.Lock()
	}
}

// dropBuffered frees what slot keeps and ends its buffering period (the
// CP function's DROBU, TS 29.244 §8.2.31).
func (t *tables) dropBuffered(slot *sessionSlot) int {
	buf := &slot.buf
	buf.mu.Lock()
	defer buf.mu.Unlock()
	n := 0
	for p := buf.first; p != nil; {
		next := p.next
		t.freePacket(p)
		t.buffered.Add(-1)
		n++
		p = next
	}
	buf.first, buf.last, buf.n, buf.bytes = nil, nil, 0, 0
	buf.notified = false
	return n
}

// notifies reports whether a downlink FAR of s buffers with NOCP.
func (s *sessionRules) notifies() bool {
	if s == nil {
		return false
	}
	for i := range s.dl {
		if f := &s.dl[i].far; f.action == Buffer && f.notify {
			return true
		}
	}
	return false
}

// markDraining makes the TUN reader queue behind what slot keeps, if it
// keeps anything, until the release that follows has sent it. Called
// before new rules are published.
func markDraining(slot *sessionSlot) {
	buf := &slot.buf
	buf.mu.Lock()
	if buf.first != nil {
		buf.draining.Store(true)
	}
	buf.mu.Unlock()
}

func (t *tables) freePacket(p *bufferedPacket) {
	p.next = nil
	p.b = p.b[:0]
	t.packets.Put(p)
}
