package scenario

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/keelcore/keel/internal/sim/ue"
)

// RequestQoSFlow runs a UE-requested PDU session modification (TS 24.501
// §6.4.2) for a new QoS flow of session psi and returns the QFI the
// network gave it and how long it took from the UL NAS TRANSPORT to the
// UE's PDU SESSION MODIFICATION COMPLETE. Failures: "5gsm-cause-N" for a
// MODIFICATION REJECT, "5gmm-cause-N", "idle", "timeout", "released".
func (s *Session) RequestQoSFlow(ctx context.Context, psi uint8, r ue.FlowRequest) (uint8, time.Duration, error) {
	if s.Conn == nil {
		return 0, 0, &Failure{Cause: "idle"}
	}
	pdu, err := s.UE.RequestQoSFlow(psi, r)
	start := time.Now()
	if err := s.send(ctx, pdu, err); err != nil {
		return 0, 0, err
	}
	for {
		res, err := s.next(ctx)
		if err != nil {
			return 0, 0, err
		}
		if res.PDUSessionID != psi {
			continue
		}
		switch res.Event {
		case ue.EventPDUSessionModified:
			sess, _ := s.UE.PDUSession(psi)
			for _, rule := range sess.QoSRules {
				if !rule.Default {
					return rule.QFI, time.Since(start), nil
				}
			}
			return 0, 0, &Failure{Cause: "no-qos-rule", Err: errors.New("the command gave the UE no QoS rule")}
		case ue.EventPDUSessionModificationRejected, ue.EventPDUSessionModificationCommandRejected,
			ue.EventPDUSessionReleased, ue.EventPDUSessionNotForwarded:
			return 0, 0, &Failure{Cause: fmt.Sprintf("5gsm-cause-%d", res.Cause), Err: errors.New(res.Event.String())}
		}
	}
}

// FlowTraffic sends UDP datagrams of size octets from the UE's IPv4
// address on session psi to dst, marked with QoS flow qfi, at rate bit/s
// for d: traffic in a flow the UE added, for the UPF to police at the
// flow's MFBR. It returns the datagrams sent.
func (s *Session) FlowTraffic(ctx context.Context, psi, qfi uint8, dst netip.AddrPort, size int, rate uint64, d time.Duration) (int, error) {
	if s.Conn == nil {
		return 0, &Failure{Cause: "idle"}
	}
	sess, ok := s.UE.PDUSession(psi)
	if !ok || !sess.IPv4.IsValid() {
		return 0, &Failure{Cause: "no-session"}
	}
	if rate == 0 || size < 28 {
		return 0, errors.New("scenario: flow traffic needs a rate and datagrams of at least 28 octets")
	}
	pkt := appendUDP4(nil, netip.AddrPortFrom(sess.IPv4, dst.Port()), dst, make([]byte, size-28))
	gap := time.Duration(uint64(size*8) * uint64(time.Second) / rate)
	start, sent := time.Now(), 0
	for time.Since(start) < d {
		if err := ctx.Err(); err != nil {
			return sent, &Failure{Cause: "timeout", Err: err}
		}
		if err := s.Conn.SendUplinkQFI(psi, qfi, pkt); err != nil {
			return sent, &Failure{Cause: "send", Err: err}
		}
		sent++
		if wait := time.Until(start.Add(time.Duration(sent) * gap)); wait > 0 {
			time.Sleep(wait)
		}
	}
	return sent, nil
}

// appendUDP4 appends an IPv4 packet with a UDP datagram from src to dst
// (RFC 791, RFC 768; the UDP checksum is left 0, allowed over IPv4).
func appendUDP4(b []byte, src, dst netip.AddrPort, payload []byte) []byte {
	total := 28 + len(payload)
	at := len(b)
	b = append(b, 0x45, 0, byte(total>>8), byte(total), 0, 0, 0x40, 0, 64, 17, 0, 0)
	s, d := src.Addr().As4(), dst.Addr().As4()
	b = append(b, s[:]...)
	b = append(b, d[:]...)
	var sum uint32
	for i := at; i < at+20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	binary.BigEndian.PutUint16(b[at+10:], ^uint16(sum))
	b = binary.BigEndian.AppendUint16(b, src.Port())
	b = binary.BigEndian.AppendUint16(b, dst.Port())
	b = binary.BigEndian.AppendUint16(b, uint16(8+len(payload)))
	b = append(b, 0, 0)
	return append(b, payload...)
}
