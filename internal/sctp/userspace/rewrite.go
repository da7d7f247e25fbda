package userspace

import (
	"encoding/binary"
	"errors"
)

// pion/sctp was written for WebRTC, where SCTP runs over DTLS; the adapter
// makes raw-IP SCTP look like that to pion, and pion's packets look like
// ordinary SCTP on the wire. Two rewrites in each direction:
//
//   - Ports. pion's client side always uses port 5000 at both ends
//     (defaultSCTPSrcDstPort in its association.go) and every association
//     checks the ports of what it receives. The adapter shows every
//     association to pion as 5000 -> 5000 and puts the real ports on the wire.
//   - INIT and INIT ACK parameters. pion refuses an INIT carrying a
//     parameter it does not know whose type asks the receiver to stop
//     processing (the two high bits 00 or 01, RFC 9260 §3.2.1), and Linux
//     and usrsctp always send Supported Address Types (type 12, §3.3.2.1).
//     Inbound, the adapter keeps only the parameters pion acts on (State
//     Cookie, Supported Extensions, Forward-TSN-Supported) and strips the
//     rest: addresses for multi-homing, Supported Address Types, Cookie
//     Preservative, ECN, AUTH's Random/HMAC/Chunk List, Adaptation Layer
//     Indication, Zero Checksum Acceptable. Outbound, it lowers the stream
//     counts pion offers (always 65535) to Options.Streams.
//
// Every rewrite recomputes the CRC32c, after the original was verified.

// pionPort is the port pion sees at both ends of every association.
const pionPort = 5000

// pionMaxPacket is the largest packet pion reads (receiveMTU in its
// association.go).
const pionMaxPacket = 8192

var errChunkTooLarge = errors.New("chunk larger than pion reads")

// initInfo is what the adapter reads from an INIT or INIT ACK.
type initInfo struct {
	seen       bool
	outStreams uint16 // Number of Outbound Streams (OS)
	inStreams  uint16 // Number of Inbound Streams (MIS)
}

// toPion turns packet p from the wire, checksum verified, into the packets
// pion is handed: ports set to pionPort, INIT and INIT ACK parameters
// filtered, and a packet longer than pion reads split between its chunks
// (§6.10 allows any grouping of chunks other than INIT, INIT ACK and
// SHUTDOWN COMPLETE, which travel alone anyway). p is not modified; the
// results are new slices. It also returns the types of the parameters
// stripped and, for an INIT or INIT ACK, the stream counts it offers.
func toPion(p []byte) (out [][]byte, stripped []uint16, info initInfo, err error) {
	var arr [16]chunk
	cs, err := chunks(p, arr[:0])
	if err != nil {
		return nil, nil, info, err
	}
	if len(cs) == 1 && (cs[0].typ() == ctInit || cs[0].typ() == ctInitAck) {
		q, stripped, info, err := filterInit(p[:commonHeaderLen], cs[0])
		if err != nil {
			return nil, nil, info, err
		}
		// An INIT or INIT ACK cannot be split: one that is still larger
		// than pion reads after the filtering (a huge State Cookie) would
		// reach it truncated.
		if len(q) > pionMaxPacket {
			return nil, nil, info, errChunkTooLarge
		}
		return [][]byte{q}, stripped, info, nil
	}
	if len(p) <= pionMaxPacket {
		q := append([]byte(nil), p...)
		finishForPion(q)
		return [][]byte{q}, nil, info, nil
	}
	out, err = split(p[:commonHeaderLen], cs)
	return out, nil, info, err
}

// finishForPion sets pion's ports and the checksum.
func finishForPion(q []byte) {
	setPorts(q, pionPort, pionPort)
	setChecksum(q)
}

// filterInit rebuilds an INIT or INIT ACK packet keeping only the
// parameters pion acts on.
func filterInit(hdr []byte, c chunk) ([]byte, []uint16, initInfo, error) {
	v := c.value()
	if len(v) < initFixedLen {
		return nil, nil, initInfo{}, errMalformed
	}
	info := initInfo{
		seen:       true,
		outStreams: binary.BigEndian.Uint16(v[8:]),
		inStreams:  binary.BigEndian.Uint16(v[10:]),
	}
	q := make([]byte, 0, commonHeaderLen+len(c)+3)
	q = append(q, hdr...)
	q = append(q, c[:chunkHeaderLen+initFixedLen]...)
	var stripped []uint16
	lastPad := 0
	for rest := v[initFixedLen:]; len(rest) > 0; {
		if len(rest) < paramHeaderLen {
			return nil, nil, info, errMalformed
		}
		n := int(binary.BigEndian.Uint16(rest[2:]))
		if n < paramHeaderLen || n > len(rest) {
			return nil, nil, info, errMalformed
		}
		switch typ := binary.BigEndian.Uint16(rest); typ {
		case ptStateCookie, ptSupportedExts, ptForwardTSNSupported:
			q = append(q, rest[:n]...)
			lastPad = pad4(n) - n
			q = append(q, make([]byte, lastPad)...)
		default:
			stripped = append(stripped, typ)
		}
		rest = rest[min(pad4(n), len(rest)):]
	}
	// §3.2: the chunk length counts the padding of every parameter but
	// the last.
	binary.BigEndian.PutUint16(q[commonHeaderLen+2:], uint16(len(q)-commonHeaderLen-lastPad))
	finishForPion(q)
	return q, stripped, info, nil
}

// split groups the chunks of an oversized packet into packets pion can
// read, keeping their order.
func split(hdr []byte, cs []chunk) ([][]byte, error) {
	var out [][]byte
	var q []byte
	for _, c := range cs {
		n := pad4(len(c))
		if commonHeaderLen+n > pionMaxPacket {
			return nil, errChunkTooLarge
		}
		if q != nil && len(q)+n > pionMaxPacket {
			finishForPion(q)
			out = append(out, q)
			q = nil
		}
		if q == nil {
			q = append(make([]byte, 0, pionMaxPacket), hdr...)
		}
		q = append(q, c...)
		q = append(q, make([]byte, n-len(c))...)
	}
	finishForPion(q)
	return append(out, q), nil
}

// toWire rewrites pion's packet q in place for the wire: the real ports,
// the stream counts of an INIT or INIT ACK lowered to streams, and the
// checksum. It returns the INIT or INIT ACK stream counts as sent.
func toWire(q []byte, src, dst, streams uint16) initInfo {
	setPorts(q, src, dst)
	var info initInfo
	if len(q) >= commonHeaderLen+chunkHeaderLen+initFixedLen {
		if t := q[commonHeaderLen]; t == ctInit || t == ctInitAck {
			v := q[commonHeaderLen+chunkHeaderLen:]
			outN := min(binary.BigEndian.Uint16(v[8:]), streams)
			inN := min(binary.BigEndian.Uint16(v[10:]), streams)
			binary.BigEndian.PutUint16(v[8:], outN)
			binary.BigEndian.PutUint16(v[10:], inN)
			info = initInfo{seen: true, outStreams: outN, inStreams: inN}
		}
	}
	setChecksum(q)
	return info
}
