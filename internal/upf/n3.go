package upf

import (
	"net/netip"
	"time"

	"github.com/keelcore/keel/internal/gtpu"
)

// Layout of the buffers the N3 reader receives into. Each datagram is
// read n3Headroom octets into its buffer; its GTP-U header has at least 8
// octets, so the T-PDU after it starts at least tunWriteOffset octets in.
// The T-PDU is written to the TUN device from where it lies, and the
// device puts its virtio-net header in the tunWriteOffset octets before
// it, over the GTP-U header, which is no longer needed.
const (
	n3Headroom     = 8
	tunWriteOffset = 16 // ≥ the 10-octet virtio-net header of the tun package
	// n3BufSize leaves room behind a T-PDU for the tun package to
	// coalesce the T-PDUs that follow it in the batch (GRO) into one
	// write of up to 64 KiB.
	n3BufSize = n3Headroom + 1<<16
)

// errorIndicationRate bounds the Error Indications sent (TS 29.281
// §7.3.1 leaves the rate to the implementation): 1000 a second, in
// bursts of up to 100.
const (
	errorIndicationRate  = 1000
	errorIndicationBurst = 100 * time.Millisecond
)

// routerAdvertRate bounds the Router Advertisements sent in answer to
// Router Solicitations, all sessions together (RFC 4861 §6.2.6 asks
// routers to rate-limit them): 1000 a second, in bursts of up to 100.
const (
	routerAdvertRate  = 1000
	routerAdvertBurst = 100 * time.Millisecond
)

// n3Verdict is what the N3 reader does after uplinkWorker.handle.
type n3Verdict uint8

const (
	n3Done        n3Verdict = iota // forwarded into out, or dropped and counted
	n3Reply                        // send reply to the sender's address and port
	n3UnknownTEID                  // a G-PDU for no session: see errorIndication
	n3Downlink                     // send reply to replyTo: a G-PDU to the gNB
)

// uplinkWorker is the N3 reader's packet processing, apart from the
// system calls so that it can be measured alone. It is owned by one
// goroutine.
type uplinkWorker struct {
	t     *tables
	local netip.Addr // the N3 address, unless the socket tells per datagram
	pkt   gtpu.Packet
	out   [][]byte // T-PDUs for the TUN device, each at tunWriteOffset
	reply []byte   // the message handle asks the caller to send
	// replyTo is where an n3Downlink reply goes.
	replyTo netip.AddrPort
	ei      rateLimiter
	ra      rateLimiter // Router Advertisements answering solicitations
	stats   dirStats
}

func newUplinkWorker(t *tables, local netip.Addr, batch int) *uplinkWorker {
	w := &uplinkWorker{t: t, local: local, out: make([][]byte, 0, batch), reply: make([]byte, 0, 64)}
	w.ei.init(errorIndicationRate, errorIndicationBurst)
	w.ra.init(routerAdvertRate, routerAdvertBurst)
	return w
}

// handle processes the n-octet datagram at raw[n3Headroom:]. A T-PDU to
// forward is appended to w.out in place, without copying.
func (w *uplinkWorker) handle(raw []byte, n int, now int64) n3Verdict {
	p := &w.pkt
	if err := gtpu.Parse(raw[n3Headroom:n3Headroom+n], p); err != nil {
		// TS 29.281 §4.3.1 leaves a malformed message to be discarded.
		w.stats.drop(dropMalformed)
		return n3Done
	}
	switch p.Type {
	case gtpu.MsgGPDU:
	case gtpu.MsgEchoRequest:
		// TS 29.281 §7.2.2: the sequence number of the request and a
		// restart counter of 0.
		w.stats.echoRequests++
		w.reply = gtpu.AppendEchoResponse(w.reply[:0], p.Seq, 0)
		return n3Reply
	default:
		// Error Indication, End Marker, Echo Response and the rest are
		// the control plane's business, which this datapath does not
		// report.
		w.stats.drop(dropSignalling)
		return n3Done
	}
	if p.UnsupportedExt != 0 {
		// TS 29.281 §5.2.1: discard a message with an extension header
		// the receiver must comprehend and does not.
		w.stats.drop(dropUnsupported)
		return n3Done
	}
	tpdu := p.Payload
	rules := w.t.lookupTEID(p.TEID)
	if rules == nil {
		w.stats.unknownTEID++
		w.stats.drop(dropUnknownTEID)
		return n3UnknownTEID
	}
	if _, _, _, ok := ipSource(tpdu); !ok {
		w.stats.drop(dropMalformed)
		return n3Done
	}
	r := rules.matchUplink(p, tpdu)
	if r == nil {
		if p.HasQFI && !rules.knownQFI(p.TEID, p.QFI) {
			w.stats.drop(dropUnknownQFI)
		} else {
			w.stats.drop(dropNoPDR)
		}
		return n3Done
	}
	if isRouterSolicitation(tpdu) {
		return w.routerSolicitation(rules, now)
	}
	if reason := r.police(len(tpdu), now); reason != pass {
		w.stats.drop(reason)
		return n3Done
	}
	switch r.far.action {
	case Forward: // to Core: compileRules allows nothing else
	case Buffer:
		w.stats.drop(dropFARBuffer)
		return n3Done
	default:
		w.stats.drop(dropFARDrop)
		return n3Done
	}
	for _, u := range r.urrs {
		u.addUL(len(tpdu), &w.t.reports)
	}
	start := cap(raw) - cap(tpdu)
	w.out = append(w.out, raw[start-tunWriteOffset:start+len(tpdu)])
	w.stats.pkts++
	w.stats.bytes += uint64(len(tpdu))
	return n3Done
}

// errorIndication builds, into w.reply, the Error Indication (TS 29.281
// §7.3.1) that answers the G-PDU handle just found no session for, sent
// to the local address dst (invalid if unknown), and tells whether to
// send it: at most errorIndicationRate a second are.
func (w *uplinkWorker) errorIndication(dst netip.Addr, now int64) bool {
	if !dst.IsValid() || dst.IsUnspecified() {
		dst = w.local
	}
	if !dst.IsValid() || dst.IsUnspecified() || !w.ei.allow(1, now) {
		return false
	}
	w.stats.errorIndications++
	w.reply = gtpu.AppendErrorIndication(w.reply[:0], w.pkt.TEID, dst)
	return true
}

// routerSolicitation answers a Router Solicitation from the UE (RFC 4861
// §6.2.6) with the session's Router Advertisement, into w.reply for
// w.replyTo. The solicitation is the UPF's, never forwarded to N6: one
// from a session without an IPv6 router or downlink tunnel, or past the
// rate, is dropped.
func (w *uplinkWorker) routerSolicitation(rules *sessionRules, now int64) n3Verdict {
	w.stats.routerSolicits++
	teid, qfi, peer, ok := rules.routerTunnel()
	if !ok || !w.ra.allow(1, now) {
		w.stats.drop(dropRouterSolicitation)
		return n3Done
	}
	w.stats.routerAdverts++
	w.reply = gtpu.AppendGPDU(w.reply[:0], teid, qfi, false, rules.ra)
	w.replyTo = peer
	return n3Downlink
}
