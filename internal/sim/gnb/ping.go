package gnb

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// PingResult counts the echo requests a Ping sent and the matching
// replies, with their round-trip times in the order they came.
type PingResult struct {
	Sent, Received int
	RTTs           []time.Duration
}

// ErrReleased reports a Ping cut short by the release of its connection.
var ErrReleased = errors.New("gnb: ping: connection released")

// pingLinger is how long Ping waits for replies after its last request.
const pingLinger = time.Second

const (
	ipv4HeaderLen  = 20
	icmpHeaderLen  = 8
	icmpPayloadLen = 56 // the classic ping payload
	protoICMP      = 1
	icmpEchoReply  = 0
	icmpEchoReq    = 8
)

// Ping sends count ICMP echo requests (RFC 792) from src, the UE's
// address, to dst, one every interval, as G-PDUs on the uplink tunnel of
// PDU session psi, and counts the echo replies that come back on the
// session's downlink TEID. The identifier is the connection's RAN UE
// NGAP ID, so UEs of one gNB never share one; replies are matched by
// addresses, identifier and sequence number (sequence numbers go on from
// one Ping of the connection to the next). Ping returns once every
// reply came, or pingLinger after the last request, or when ctx is done:
// before every request was sent, that is an error with the partial
// result. A connection released meanwhile (by the AMF, or as the
// association ended) ends it at once with ErrReleased. Only one Ping may
// run on a session at a time.
func (c *UEConn) Ping(ctx context.Context, psi uint8, src, dst netip.Addr, count int, interval time.Duration) (PingResult, error) {
	if !src.Is4() || !dst.Is4() {
		return PingResult{}, fmt.Errorf("gnb: ping from %v to %v: IPv4 only", src, dst)
	}
	if count < 1 || count > 0xFFFF {
		return PingResult{}, fmt.Errorf("gnb: ping count %d: want 1 to 65535", count)
	}
	if c.g.up == nil {
		return PingResult{}, errNoUserPlane
	}
	b, rx, first, err := c.startPing(psi, count)
	if err != nil {
		return PingResult{}, err
	}
	defer c.stopPing(psi)

	id := uint16(c.ranID)
	var res PingResult
	sentAt := make([]time.Time, count)
	seen := make([]bool, count)
	pkt := make([]byte, 0, ipv4HeaderLen+icmpHeaderLen+icmpPayloadLen)
	next := time.NewTimer(0)
	defer next.Stop()
	var linger <-chan time.Time
	for res.Received < count {
		select {
		case <-ctx.Done():
			if res.Sent < count {
				return res, fmt.Errorf("gnb: ping: %w", ctx.Err())
			}
			return res, nil
		case <-linger:
			return res, nil
		case <-c.gone:
			return res, ErrReleased
		case <-next.C:
			pkt = appendEchoRequest(pkt[:0], src, dst, id, first+uint16(res.Sent))
			sentAt[res.Sent] = time.Now()
			if err := c.g.sendUL(b, pkt); err != nil {
				return res, fmt.Errorf("gnb: ping: %w", err)
			}
			res.Sent++
			if res.Sent < count {
				next.Reset(interval)
			} else {
				linger = time.After(pingLinger)
			}
		case p := <-rx:
			seq, ok := echoReply(p, dst, src, id)
			i := int(seq - first)
			if !ok || i >= res.Sent || seen[i] {
				continue
			}
			seen[i] = true
			res.Received++
			res.RTTs = append(res.RTTs, time.Since(sentAt[i]))
		}
	}
	return res, nil
}

// startPing opens the bearer's inbox and reserves count sequence
// numbers: they go on from one Ping to the next, so that a late reply to
// an earlier Ping is not counted.
func (c *UEConn) startPing(psi uint8, count int) (Bearer, chan []byte, uint16, error) {
	c.g.bearers.mu.Lock()
	defer c.g.bearers.mu.Unlock()
	b := c.sessions[psi]
	switch {
	case b == nil:
		return Bearer{}, nil, 0, fmt.Errorf("gnb: %s has no resources for PDU session %d", c, psi)
	case b.rx != nil:
		return Bearer{}, nil, 0, fmt.Errorf("gnb: a ping already runs on PDU session %d of %s", psi, c)
	}
	b.rx = make(chan []byte, rxBuffer)
	first := c.pingSeq + 1
	c.pingSeq += uint16(count)
	return b.Bearer, b.rx, first, nil
}

func (c *UEConn) stopPing(psi uint8) {
	c.g.bearers.mu.Lock()
	defer c.g.bearers.mu.Unlock()
	if b := c.sessions[psi]; b != nil {
		b.rx = nil
	}
}

// appendEchoRequest appends an IPv4 packet (RFC 791, no options, TTL
// 64, the sequence number as identification) carrying an ICMP echo
// request with a 56-octet payload.
func appendEchoRequest(b []byte, src, dst netip.Addr, id, seq uint16) []byte {
	total := ipv4HeaderLen + icmpHeaderLen + icmpPayloadLen
	start := len(b)
	b = append(b, 0x45, 0)
	b = binary.BigEndian.AppendUint16(b, uint16(total))
	b = binary.BigEndian.AppendUint16(b, seq)
	b = append(b, 0, 0, 64, protoICMP, 0, 0)
	s, d := src.As4(), dst.As4()
	b = append(append(b, s[:]...), d[:]...)
	binary.BigEndian.PutUint16(b[start+10:], checksum(b[start:start+ipv4HeaderLen]))

	icmp := len(b)
	b = append(b, icmpEchoReq, 0, 0, 0)
	b = binary.BigEndian.AppendUint16(b, id)
	b = binary.BigEndian.AppendUint16(b, seq)
	for i := range icmpPayloadLen {
		b = append(b, byte(i))
	}
	binary.BigEndian.PutUint16(b[icmp+2:], checksum(b[icmp:]))
	return b
}

// echoReply reads an IPv4 packet and returns the sequence number of an
// ICMP echo reply from src to dst with identifier id and good checksums.
func echoReply(p []byte, src, dst netip.Addr, id uint16) (uint16, bool) {
	if len(p) < ipv4HeaderLen || p[0]>>4 != 4 {
		return 0, false
	}
	hl, total := int(p[0]&0x0F)*4, int(binary.BigEndian.Uint16(p[2:4]))
	if hl < ipv4HeaderLen || total < hl+icmpHeaderLen || total > len(p) || p[9] != protoICMP {
		return 0, false
	}
	if checksum(p[:hl]) != 0 || netip.AddrFrom4([4]byte(p[12:16])) != src || netip.AddrFrom4([4]byte(p[16:20])) != dst {
		return 0, false
	}
	icmp := p[hl:total]
	if icmp[0] != icmpEchoReply || icmp[1] != 0 || checksum(icmp) != 0 || binary.BigEndian.Uint16(icmp[4:6]) != id {
		return 0, false
	}
	return binary.BigEndian.Uint16(icmp[6:8]), true
}

// checksum is the Internet checksum (RFC 1071): the ones' complement of
// the ones' complement sum of 16-bit words. Over data that holds its own
// checksum it gives 0.
func checksum(b []byte) uint16 {
	var sum uint32
	for ; len(b) >= 2; b = b[2:] {
		sum += uint32(b[0])<<8 | uint32(b[1])
	}
	if len(b) == 1 {
		sum += uint32(b[0]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xFFFF + sum>>16
	}
	return ^uint16(sum)
}
