package gtpu

import "errors"

// Port is the UDP port GTP-U listens on and sends requests to (TS 29.281
// §4.4.2).
const Port = 2152

// Message types used on N3/N9 (TS 29.281 §6.1, Table 6.1-1).
const (
	MsgEchoRequest               uint8 = 1
	MsgEchoResponse              uint8 = 2
	MsgErrorIndication           uint8 = 26
	MsgSupportedExtensionHeaders uint8 = 31
	MsgEndMarker                 uint8 = 254
	MsgGPDU                      uint8 = 255
)

// Next Extension Header Type values (TS 29.281 §5.2.1, Table 5.2.1-3)
// that this package reads or writes.
const (
	ExtNone                uint8 = 0x00 // no more extension headers
	ExtUDPPort             uint8 = 0x40 // UDP Port (§5.2.2.1), in Error Indication
	ExtPDUSessionContainer uint8 = 0x85 // PDU Session Container (§5.2.2.7, TS 38.415 §5.5.2)
)

// HeaderLen is the length of the G-PDU header PutGPDUHeader writes: 8
// mandatory octets + 4 (sequence number, N-PDU number, next extension
// header type) + 4 (a one-unit PDU Session Container) = 16.
const HeaderLen = 16

// MaxGPDUPayload is the longest T-PDU a header from PutGPDUHeader can
// announce: the 16-bit Length field (TS 29.281 §5.1) also counts the 8
// octets of optional fields and extension header.
const MaxGPDUPayload = 0xffff - (HeaderLen - 8)

// Header octet 1 (TS 29.281 §5.1, Figure 5.1-1): Version (bits 8-6), PT
// (bit 5), spare (bit 4), E (bit 3), S (bit 2), PN (bit 1).
const (
	flagsV1   = 1<<5 | 1<<4 // version 1, PT 1 (GTP, not GTP')
	flagE     = 1 << 2
	flagS     = 1 << 1
	flagPN    = 1 << 0
	minLen    = 8  // mandatory part of the header
	optLen    = 12 // with the sequence number / N-PDU / next type octets
	pduTypeDL = 0  // DL PDU SESSION INFORMATION (TS 38.415 §5.5.2.1)
	pduTypeUL = 1  // UL PDU SESSION INFORMATION (TS 38.415 §5.5.2.2)
)

// Information element types (TS 29.281 §8.1, Table 8.1-1).
const (
	ieRecovery    = 14  // TV, 1 octet (§8.2)
	ieTEIDDataI   = 16  // TV, 4 octets (§8.3)
	iePeerAddress = 133 // TLV, "GSN Address", 4 or 16 octets (§8.4)
)

// Packet is a parsed GTP-U message; Payload aliases the input (no copy).
type Packet struct {
	Type   uint8
	TEID   uint32
	Seq    uint16
	HasSeq bool
	// PDU Session Container extension header (TS 38.415 §5.5.2): QFI, and
	// whether it is UL PDU SESSION INFORMATION (PDU type 1) or DL (type 0).
	QFI    uint8
	HasQFI bool
	Uplink bool
	// UDP Port extension header (TS 29.281 §5.2.2.1): in an Error
	// Indication, the UDP source port of the G-PDU that triggered it.
	UDPPort    uint16
	HasUDPPort bool
	// UnsupportedExt is the type of the first extension header that the
	// receiving endpoint must comprehend (bit 8 of the type set, TS 29.281
	// §5.2.1) and that this package does not read; 0 if there is none.
	// §5.2.1 tells the receiver to discard such a message and answer with
	// a Supported Extension Headers Notification (§7.2.3).
	UnsupportedExt uint8
	Payload        []byte // G-PDU: the T-PDU (inner IP packet); other types: the IEs
}

// Errors of Parse. They carry no detail so that Parse never allocates.
var (
	ErrShort     = errors.New("gtpu: message shorter than the 8-octet GTP-U header")
	ErrVersion   = errors.New("gtpu: not GTPv1-U (version 1, PT 1)")
	ErrLength    = errors.New("gtpu: Length field inconsistent with the message")
	ErrExtension = errors.New("gtpu: malformed extension header chain")
)

// ErrIE is wrapped by the errors of ParseErrorIndication.
var ErrIE = errors.New("gtpu: malformed or missing information element")
