package upf

import (
	"net/netip"
	"sync"

	"github.com/keelcore/keel/internal/gtpu"
)

// Downlink buffering (TS 29.244 §5.2.1, FAR Apply Action BUFF): while a
// session's downlink FAR buffers — typically from the PFCP Session
// Establishment until the Modification that brings the gNB's tunnel (TS
// 23.502 §4.3.2.2.1 steps 10-16) — its downlink packets are kept, and
// the Apply that makes the FAR forward sends them, in order, before it
// returns. Packets that arrive meanwhile may overtake the last few kept
// ones. Buffering is bounded per session and in all; a packet past the
// bounds is dropped (reason buffer_full). Without a BAR in Rules, the
// bounds are fixed.
const (
	bufferPerSession = 64
	bufferTotal      = 8192
)

// bufferedPacket is a kept packet after tunReadOffset octets of headroom.
type bufferedPacket struct {
	next *bufferedPacket
	b    []byte
}

// dlBuffer is a session's kept packets. Unlike the forwarding path,
// buffering takes a lock, the session's own: it is the exception, and
// the lock orders the TUN reader's buffering against Apply's release.
type dlBuffer struct {
	mu          sync.Mutex
	first, last *bufferedPacket
	n           int
}

// bufferDL keeps the downlink packet pkt for the session of rules, whose
// FAR buffers. stale reports that rules are no longer the session's: the
// caller must look again. kept is false when the bounds are reached.
func (t *tables) bufferDL(rules *sessionRules, pkt []byte) (kept, stale bool) {
	slot := rules.slot
	buf := &slot.buf
	buf.mu.Lock()
	defer buf.mu.Unlock()
	if slot.rules.Load() != rules {
		return false, true
	}
	if buf.n >= bufferPerSession || t.buffered.Add(1) > bufferTotal {
		if buf.n < bufferPerSession {
			t.buffered.Add(-1)
		}
		return false, false
	}
	p, _ := t.packets.Get().(*bufferedPacket)
	if p == nil {
		p = &bufferedPacket{}
	}
	p.b = append(append(p.b[:0], make([]byte, tunReadOffset)...), pkt...)
	if buf.last == nil {
		buf.first = p
	} else {
		buf.last.next = p
	}
	buf.last = p
	buf.n++
	return true, false
}

// releaseDL hands the kept packets of slot to its current rules: those a
// FAR now forwards become G-PDUs, given to send (nil: discarded) in the
// order they came; those it drops, or that no longer match, are freed;
// the rest stay. It returns how many were sent and freed.
func (t *tables) releaseDL(slot *sessionSlot, send func(gpdu []byte, to netip.AddrPort)) (sent, dropped int) {
	type release struct {
		p  *bufferedPacket
		to netip.AddrPort
	}
	var out []release
	buf := &slot.buf
	buf.mu.Lock()
	rules := slot.rules.Load()
	p := buf.first
	buf.first, buf.last, buf.n = nil, nil, 0
	for p != nil {
		next := p.next
		p.next = nil
		var r *pdrRule
		if rules != nil {
			if hi, lo, v4, ok := ipDestination(p.b[tunReadOffset:]); ok {
				r = rules.matchDownlink(hi, lo, v4)
			}
		}
		switch {
		case r != nil && r.far.action == Buffer:
			if buf.last == nil {
				buf.first = p
			} else {
				buf.last.next = p
			}
			buf.last = p
			buf.n++
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
	buf.mu.Unlock()
	for _, o := range out {
		if send != nil {
			send(o.p.b, o.to)
		}
		t.freePacket(o.p)
	}
	return len(out), dropped
}

func (t *tables) freePacket(p *bufferedPacket) {
	p.next = nil
	p.b = p.b[:0]
	t.packets.Put(p)
}
