package userspace

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
)

// RFC 9260 §3: an SCTP packet is a 12-byte common header followed by
// chunks, each a 4-byte header (type, flags, length) and a value padded to
// a multiple of 4 bytes.
const (
	commonHeaderLen = 12
	chunkHeaderLen  = 4
	initFixedLen    = 16 // INIT and INIT ACK fixed fields (§3.3.2, §3.3.3)
	paramHeaderLen  = 4
)

// Chunk types used by the adapter (RFC 9260 §3.2, RFC 8260 for I-DATA).
const (
	ctData             = 0
	ctInit             = 1
	ctInitAck          = 2
	ctSACK             = 3
	ctAbort            = 6
	ctShutdown         = 7
	ctShutdownAck      = 8
	ctError            = 9
	ctCookieEcho       = 10
	ctCookieAck        = 11
	ctShutdownComplete = 14
)

// Parameter types pion understands in INIT and INIT ACK and the adapter
// lets through; every other parameter is stripped (see rewrite.go).
const (
	ptStateCookie         = 7      // RFC 9260 §3.3.3.1
	ptSupportedExts       = 0x8008 // RFC 5061 §4.2.7
	ptForwardTSNSupported = 0xC000 // RFC 3758 §3.1
)

// flagT is the T bit of ABORT and SHUTDOWN COMPLETE (§3.3.7, §3.3.13): the
// verification tag is reflected, the one the receiver puts in its own
// packets, as an endpoint without the association's state must (§8.5.1).
const flagT = 0x01

var errMalformed = errors.New("malformed SCTP packet")

// castagnoli is the CRC32c table (RFC 9260 Appendix A). It is never written
// after initialisation.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

var zeroChecksum [4]byte

// checksum computes the CRC32c of packet p as if its checksum field were
// zero (RFC 9260 §6.8).
func checksum(p []byte) uint32 {
	c := crc32.Update(0, castagnoli, p[:8])
	c = crc32.Update(c, castagnoli, zeroChecksum[:])
	return crc32.Update(c, castagnoli, p[commonHeaderLen:])
}

// The checksum is stored least significant byte first: RFC 9260 Appendix A
// transmits the reflected CRC in that order.
func validChecksum(p []byte) bool {
	return binary.LittleEndian.Uint32(p[8:]) == checksum(p)
}

func setChecksum(p []byte) {
	binary.LittleEndian.PutUint32(p[8:], checksum(p))
}

func srcPort(p []byte) uint16 { return binary.BigEndian.Uint16(p[0:]) }
func dstPort(p []byte) uint16 { return binary.BigEndian.Uint16(p[2:]) }
func vtag(p []byte) uint32    { return binary.BigEndian.Uint32(p[4:]) }

func setPorts(p []byte, src, dst uint16) {
	binary.BigEndian.PutUint16(p[0:], src)
	binary.BigEndian.PutUint16(p[2:], dst)
}

// pad4 rounds n up to a multiple of 4.
func pad4(n int) int { return (n + 3) &^ 3 }

// chunk is one chunk of a packet, header included, without its padding.
type chunk []byte

func (c chunk) typ() byte     { return c[0] }
func (c chunk) flags() byte   { return c[1] }
func (c chunk) value() []byte { return c[chunkHeaderLen:] }

// chunks splits the chunks of packet p. It fails on a packet too short for
// its common header, a chunk length below 4, or a chunk running past the
// end of the packet; the final chunk may lack its padding.
func chunks(p []byte, dst []chunk) ([]chunk, error) {
	if len(p) < commonHeaderLen {
		return dst, errMalformed
	}
	rest := p[commonHeaderLen:]
	for len(rest) > 0 {
		if len(rest) < chunkHeaderLen {
			return dst, errMalformed
		}
		n := int(binary.BigEndian.Uint16(rest[2:]))
		if n < chunkHeaderLen || n > len(rest) {
			return dst, errMalformed
		}
		dst = append(dst, chunk(rest[:n]))
		rest = rest[min(pad4(n), len(rest)):]
	}
	if len(dst) == 0 {
		return dst, errMalformed
	}
	return dst, nil
}

// summary is what the adapter learns from a packet's chunk types.
type summary struct {
	first            byte // type of the first chunk
	sack             bool
	abort            bool
	abortCause       uint16 // first error cause code of an ABORT, 0 if none
	shutdown         bool   // SHUTDOWN
	shutdownAck      bool   // SHUTDOWN ACK
	shutdownComplete bool
}

func summarize(cs []chunk) summary {
	s := summary{first: cs[0].typ()}
	for _, c := range cs {
		switch c.typ() {
		case ctSACK:
			s.sack = true
		case ctAbort:
			s.abort = true
			if v := c.value(); len(v) >= 2 {
				s.abortCause = binary.BigEndian.Uint16(v)
			}
		case ctShutdown:
			s.shutdown = true
		case ctShutdownAck:
			s.shutdownAck = true
		case ctShutdownComplete:
			s.shutdownComplete = true
		}
	}
	return s
}
