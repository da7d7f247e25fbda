package gnb

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The gNB's own GTP-U codec (TS 29.281 §5, §7), written apart from
// internal/gtpu so that the simulator and the UPF do not share a framing
// bug: only what the gNB sends and receives on N3.

// gtpuPort is where GTP-U peers listen (TS 29.281 §4.4.2.3).
const gtpuPort = 2152

// GTP-U message types (TS 29.281 §6.1).
const (
	gtpEchoRequest     = 1
	gtpEchoResponse    = 2
	gtpErrorIndication = 26
	gtpEndMarker       = 254
	gtpGPDU            = 255
)

const (
	// Octet 1 of the header: version 1, protocol type GTP (PT=1), and
	// the E, S and PN flags (TS 29.281 §5.1).
	gtpV1PT  = 0x30
	gtpFlagE = 0x04
	gtpFlagS = 0x02
	gtpFlagN = 0x01

	gtpExtNone       = 0x00
	gtpExtPDUSession = 0x85 // PDU Session Container (§5.2.1, table 5.2.1-3)
	gtpIERecovery    = 14   // Recovery IE (§8.2)

	// pduTypeUL and pduTypeDL are the PDU Type of a PDU Session
	// Container (TS 38.415 §5.5.2): UL and DL PDU SESSION INFORMATION.
	pduTypeUL = 1
	pduTypeDL = 0

	// ulHeaderLen is the header appendGPDU writes: 8 mandatory octets,
	// sequence number, N-PDU number and next extension header type, and
	// a one-unit PDU Session Container.
	ulHeaderLen = 16
)

// appendGPDU appends a G-PDU carrying pdu on tunnel teid, with a PDU
// Session Container of type UL PDU SESSION INFORMATION (TS 38.415
// §5.5.2.2) naming the QoS flow qfi.
func appendGPDU(b []byte, teid uint32, qfi uint8, pdu []byte) ([]byte, error) {
	if len(pdu) > 0xFFFF-(ulHeaderLen-8) {
		return nil, fmt.Errorf("gnb: G-PDU of %d octets does not fit GTP-U", len(pdu))
	}
	b = append(b, gtpV1PT|gtpFlagE, gtpGPDU)
	b = binary.BigEndian.AppendUint16(b, uint16(ulHeaderLen-8+len(pdu)))
	b = binary.BigEndian.AppendUint32(b, teid)
	b = append(b, 0, 0, 0, gtpExtPDUSession) // sequence number and N-PDU number not used
	// Extension header: length 1 (4 octets), PDU Type 1 with no optional
	// fields, QFI, no further extension header.
	b = append(b, 1, pduTypeUL<<4, qfi&0x3F, gtpExtNone)
	return append(b, pdu...), nil
}

// gtpMessage is a received GTP-U message. Payload aliases the input.
type gtpMessage struct {
	typ     uint8
	teid    uint32
	seq     uint16
	hasSeq  bool
	qfi     uint8 // from a DL PDU Session Container, 0 without one
	payload []byte
}

var errGTPShort = errors.New("gnb: GTP-U message truncated")

// parseGTP reads a GTP-U version 1 header and its extension headers
// (TS 29.281 §5.1, §5.2); the payload is what the Length field covers
// after them.
func parseGTP(b []byte) (gtpMessage, error) {
	if len(b) < 8 {
		return gtpMessage{}, errGTPShort
	}
	if b[0]>>5 != 1 || b[0]&0x10 == 0 {
		return gtpMessage{}, fmt.Errorf("gnb: not GTP-U version 1 (first octet %#02x)", b[0])
	}
	m := gtpMessage{typ: b[1], teid: binary.BigEndian.Uint32(b[4:8])}
	n := int(binary.BigEndian.Uint16(b[2:4]))
	if len(b) < 8+n {
		return gtpMessage{}, errGTPShort
	}
	body := b[8 : 8+n]
	if b[0]&(gtpFlagE|gtpFlagS|gtpFlagN) == 0 {
		m.payload = body
		return m, nil
	}
	if len(body) < 4 {
		return gtpMessage{}, errGTPShort
	}
	m.seq, m.hasSeq = binary.BigEndian.Uint16(body), b[0]&gtpFlagS != 0
	next := body[3]
	if b[0]&gtpFlagE == 0 {
		next = gtpExtNone
	}
	body = body[4:]
	for next != gtpExtNone {
		// §5.2.1: the length counts 4-octet units, including itself and
		// the next extension header type at the end.
		if len(body) < 1 || body[0] == 0 || len(body) < 4*int(body[0]) {
			return gtpMessage{}, errGTPShort
		}
		ext := body[:4*int(body[0])]
		if next == gtpExtPDUSession && ext[1]>>4 == pduTypeDL {
			m.qfi = ext[2] & 0x3F
		}
		next, body = ext[len(ext)-1], body[len(ext):]
	}
	m.payload = body
	return m, nil
}

// echoResponse answers an Echo Request (TS 29.281 §7.2.2): the request's
// sequence number and a Recovery IE with restart counter 0.
func echoResponse(b []byte, seq uint16) []byte {
	b = append(b, gtpV1PT|gtpFlagS, gtpEchoResponse, 0, 6, 0, 0, 0, 0)
	b = binary.BigEndian.AppendUint16(b, seq)
	return append(b, 0, gtpExtNone, gtpIERecovery, 0)
}
