package userspace

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"time"
)

// RFC 9260 §3.3.5: a HEARTBEAT carries exactly one Heartbeat Info
// parameter, which the receiver copies unchanged into its HEARTBEAT ACK
// (§3.3.6, §8.3). pion v1.12.1 builds that parameter (an 8-byte send time,
// for an RTT sample) but defines Marshal on its HEARTBEAT type where its
// chunk interface calls marshal, so the embedded chunk header's marshal
// runs and the HEARTBEAT leaves as a bare 4-byte chunk. A peer that
// ignores such a malformed HEARTBEAT (pion among them) never answers it,
// and an idle association then goes down after PeerTimeout.
//
// The answers cannot go to pion either: its packet parser knows no
// HEARTBEAT ACK chunk type and refuses the whole packet carrying one, with
// whatever was bundled with it (pion's handler of HEARTBEAT ACKs is never
// reached). Nor does pion need them: it keeps no liveness state of its
// own; the adapter's liveness loop (conn.checkAlive) does, from the time
// the last packet of the association arrived. So the adapter completes
// pion's HEARTBEATs on their way out and consumes the answers:
//
//   - outbound, a HEARTBEAT without value gets a Heartbeat Info of the
//     adapter's own: the send time (pion's encoding); a 64-bit random
//     nonce chosen per association, so that an answer proves the peer saw
//     this HEARTBEAT (as §5.4 asks of path verification); and the
//     destination address, which §8.3 asks the sender to include;
//   - inbound, a HEARTBEAT ACK carrying that parameter, with this
//     association's nonce and peer address, counts as the peer heard from
//     and is removed from its packet; any other HEARTBEAT ACK answers
//     nothing this side sent and is removed without counting. What else
//     the packet carried goes on to pion.

// Chunk and parameter types of the heartbeat exchange (RFC 9260 §3.2,
// §3.3.5, §3.3.6).
const (
	ctHeartbeat     = 4
	ctHeartbeatAck  = 5
	ptHeartbeatInfo = 1
)

// The adapter's Heartbeat Info value: send time (unix nanoseconds, pion's
// encoding), nonce, destination IPv4 address; big-endian.
const (
	hbTimeLen = 8
	hbInfoLen = hbTimeLen + 8 + 4
	// hbChunkLen is a completed HEARTBEAT: chunk header, parameter
	// header, value; a multiple of 4, so without padding.
	hbChunkLen = chunkHeaderLen + paramHeaderLen + hbInfoLen
)

// heartbeatInfo is what the adapter puts in a HEARTBEAT and expects back.
type heartbeatInfo struct {
	nonce uint64
	dst   netip.Addr // IPv4
}

// hasEmptyHeartbeat reports whether chunks cs hold a HEARTBEAT without
// value.
func hasEmptyHeartbeat(cs []chunk) bool {
	for _, c := range cs {
		if c.typ() == ctHeartbeat && len(c) == chunkHeaderLen {
			return true
		}
	}
	return false
}

// completeHeartbeats returns packet q (common header and chunks cs) with
// every HEARTBEAT without value given a Heartbeat Info stamped with now,
// in a new slice; the checksum is left for the caller.
func (h heartbeatInfo) completeHeartbeats(q []byte, cs []chunk, now time.Time) []byte {
	out := make([]byte, 0, len(q)+len(cs)*(hbChunkLen-chunkHeaderLen))
	out = append(out, q[:commonHeaderLen]...)
	for _, c := range cs {
		if c.typ() != ctHeartbeat || len(c) != chunkHeaderLen {
			out = append(out, c...)
			out = append(out, make([]byte, pad4(len(c))-len(c))...)
			continue
		}
		var b [hbChunkLen]byte
		b[0] = ctHeartbeat // flags 0 (§3.3.5)
		binary.BigEndian.PutUint16(b[2:], hbChunkLen)
		binary.BigEndian.PutUint16(b[4:], ptHeartbeatInfo)
		binary.BigEndian.PutUint16(b[6:], paramHeaderLen+hbInfoLen)
		v := b[chunkHeaderLen+paramHeaderLen:]
		binary.BigEndian.PutUint64(v, uint64(now.UnixNano()))
		binary.BigEndian.PutUint64(v[hbTimeLen:], h.nonce)
		a := h.dst.As4()
		copy(v[hbTimeLen+8:], a[:])
		out = append(out, b[:]...)
	}
	return out
}

// heartbeatAcks is what takeAcks found in a packet.
type heartbeatAcks struct {
	matched, dropped int
}

// takeAcks returns packet p (common header and chunks cs, checksum
// verified) without its HEARTBEAT ACKs, counting those that answer one of
// this side's HEARTBEATs and those that do not. It returns p itself if the
// packet has no HEARTBEAT ACK, and nil if nothing is left of it. The
// checksum of a new packet is left for toPion.
func (h heartbeatInfo) takeAcks(p []byte, cs []chunk) ([]byte, heartbeatAcks) {
	var n heartbeatAcks
	if !slices.ContainsFunc(cs, func(c chunk) bool { return c.typ() == ctHeartbeatAck }) {
		return p, n
	}
	out := make([]byte, 0, len(p))
	out = append(out, p[:commonHeaderLen]...)
	for _, c := range cs {
		switch {
		case c.typ() != ctHeartbeatAck:
			out = append(out, c...)
			out = append(out, make([]byte, pad4(len(c))-len(c))...)
		case h.answers(c):
			n.matched++
		default:
			n.dropped++
		}
	}
	if len(out) == commonHeaderLen {
		return nil, n
	}
	return out, n
}

// answers reports whether HEARTBEAT ACK c carries this association's
// Heartbeat Info: its nonce and the peer's address.
func (h heartbeatInfo) answers(c chunk) bool {
	v := c.value()
	if len(v) < paramHeaderLen+hbInfoLen ||
		binary.BigEndian.Uint16(v) != ptHeartbeatInfo ||
		binary.BigEndian.Uint16(v[2:]) != paramHeaderLen+hbInfoLen {
		return false
	}
	info := v[paramHeaderLen : paramHeaderLen+hbInfoLen]
	return binary.BigEndian.Uint64(info[hbTimeLen:]) == h.nonce &&
		netip.AddrFrom4([4]byte(info[hbTimeLen+8:])) == h.dst
}
