package upf

import (
	"net/netip"

	"github.com/keelcore/keel/internal/gtpu"
)

// tunReadOffset is the headroom in front of each packet read from the
// TUN device: the G-PDU header is written there, in place.
const tunReadOffset = gtpu.HeaderLen

// tunBufSize holds the largest IP packet the device can hand over.
const tunBufSize = tunReadOffset + 1<<16

// downlinkWorker is the TUN reader's packet processing, apart from the
// system calls so that it can be measured alone. It is owned by one
// goroutine.
type downlinkWorker struct {
	t     *tables
	stats dirStats
}

// handle processes the n-octet packet at buf[tunReadOffset:]. When it is
// to go to a gNB, handle writes the G-PDU header into the headroom, so
// that buf[tunReadOffset-gtpu.HeaderLen:tunReadOffset+n] is the G-PDU,
// and returns the address to send it to.
func (w *downlinkWorker) handle(buf []byte, n int, now int64) (netip.AddrPort, bool) {
	pkt := buf[tunReadOffset : tunReadOffset+n]
	hi, lo, v4, ok := ipDestination(pkt)
	if !ok || n > gtpu.MaxGPDUPayload {
		w.stats.drop(dropMalformed)
		return netip.AddrPort{}, false
	}
	for retry := true; ; retry = false {
		rules := w.t.lookupAddr(hi, lo, v4)
		to, ok, again := w.forward(rules, buf, n, hi, lo, v4, now)
		if !again || !retry {
			return to, ok
		}
	}
}

// buffer keeps the packet for the session (bufferDL) and counts what
// happened to it.
func (w *downlinkWorker) buffer(rules *sessionRules, r *pdrRule, buf []byte, n int, now int64) (stale, forward bool) {
	stale, forward, drop, expired := w.t.bufferDL(rules, r, buf[tunReadOffset:tunReadOffset+n], now)
	w.stats.drops[dropBufferExpired] += uint64(expired)
	switch {
	case stale || forward:
	case drop != pass:
		w.stats.drop(drop)
	default:
		w.stats.buffered++
	}
	return stale, forward
}

// forward applies the session's rules to the packet; again reports that
// the rules changed while it was being buffered.
func (w *downlinkWorker) forward(rules *sessionRules, buf []byte, n int, hi, lo uint64, v4 bool, now int64) (to netip.AddrPort, ok, again bool) {
	if rules == nil {
		w.stats.drop(dropNoSession)
		return netip.AddrPort{}, false, false
	}
	r := rules.matchDownlink(hi, lo, v4, buf[tunReadOffset:tunReadOffset+n])
	if r == nil {
		w.stats.drop(dropNoPDR)
		return netip.AddrPort{}, false, false
	}
	if reason := r.police(n, now); reason != pass {
		w.stats.drop(reason)
		return netip.AddrPort{}, false, false
	}
	switch r.far.action {
	case Forward: // to Access, with outer header creation: compileRules allows nothing else
		if !rules.slot.buf.draining.Load() {
			break
		}
		// Kept packets are being released: this one goes behind them.
		if stale, fwd := w.buffer(rules, r, buf, n, now); stale || !fwd {
			return netip.AddrPort{}, false, stale
		}
	case Buffer:
		stale, _ := w.buffer(rules, r, buf, n, now)
		return netip.AddrPort{}, false, stale
	default:
		w.stats.drop(dropFARDrop)
		return netip.AddrPort{}, false, false
	}
	for _, u := range r.urrs {
		u.addDL(n, &w.t.reports)
	}
	// TS 29.281 §5.2.2.7, TS 38.415 §5.5.2.1: DL PDU Session Information
	// with the QFI of the QoS flow.
	gtpu.PutGPDUHeader(buf[tunReadOffset-gtpu.HeaderLen:tunReadOffset], r.far.teid, r.qfi, false, n)
	w.stats.pkts++
	w.stats.bytes += uint64(n)
	return r.far.peer, true, false
}
