package userspace

import (
	"encoding/binary"
	"net/netip"
)

// outOfTheBlue answers a packet that reached a listening port but belongs
// to no association (RFC 9260 §8.4), such as a peer's packets after this
// side restarted: without an answer the peer would retransmit until its
// own timeout. Only listening ports get answers: any other port may belong
// to another SCTP stack in the namespace.
func (t *Transport) outOfTheBlue(tp tuple, p []byte, cs []chunk) {
	t.stats.outOfTheBlue.Add(1)
	if !unicast(tp.remote.Addr()) || !unicast(tp.local.Addr()) {
		return // rule 1
	}
	for _, c := range cs {
		switch c.typ() {
		case ctAbort, ctShutdownComplete, ctCookieAck, ctError:
			return // rules 2, 6, 7
		case ctShutdownAck:
			// Rule 5: SHUTDOWN COMPLETE with the T bit, echoing the tag.
			t.sendControl(tp, vtag(p), ctShutdownComplete)
			return
		case ctInit:
			// An INIT bundled with other chunks or carrying a tag is
			// malformed (§6.10, §8.5.1); it is dropped.
			return
		}
	}
	// Rule 8 (and rule 4: a COOKIE ECHO without the state it refers to).
	t.sendControl(tp, vtag(p), ctAbort)
}

// sendControl sends a packet of one empty chunk with the T bit set, so the
// peer checks the tag against its own (§8.5.1).
func (t *Transport) sendControl(tp tuple, tag uint32, typ byte) {
	q := make([]byte, commonHeaderLen+chunkHeaderLen)
	setPorts(q, tp.local.Port(), tp.remote.Port())
	binary.BigEndian.PutUint32(q[4:], tag)
	q[commonHeaderLen] = typ
	q[commonHeaderLen+1] = flagT
	binary.BigEndian.PutUint16(q[commonHeaderLen+2:], chunkHeaderLen)
	setChecksum(q)
	t.send(q, tp.local.Addr(), tp.remote.Addr())
}

// send writes packet q to the raw socket, applying DropOutbound. A failed
// send counts as a lost packet: SCTP retransmits.
func (t *Transport) send(q []byte, src, dst netip.Addr) {
	if t.opts.DropOutbound != nil && t.opts.DropOutbound(q) {
		t.stats.injectedDrops.Add(1)
		return
	}
	if err := t.raw.write(q, src, dst); err != nil {
		t.stats.sendErrors.Add(1)
		return
	}
	t.stats.packetsOut.Add(1)
}

func unicast(a netip.Addr) bool { return a.IsGlobalUnicast() || a.IsLoopback() }
