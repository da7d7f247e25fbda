package pfcp

import (
	"encoding/binary"
	"errors"

	"github.com/wmnsk/go-pfcp/ie"
	"github.com/wmnsk/go-pfcp/message"
)

// Header flag bits, octet 1 (TS 29.244 §7.2.2.1).
const (
	flagS  = 0x01
	flagMP = 0x02
	flagFO = 0x04
)

// maxDepth bounds the nesting of grouped IEs Decode accepts; the deepest
// TS 29.244 defines is four levels.
const maxDepth = 8

// Decode parses one PFCP message. Malformed input gives a *CauseError —
// never a panic — carrying the message type and sequence number when the
// header was readable, so that a response can still be sent:
//
//   - too short for a header: ErrTooShort, silently discarded (§7.6.3);
//   - version other than 1: ErrVersionNotSupported (§7.6.2);
//   - message type not in Table 7.3-1: ErrUnknownMessage (§7.6.4);
//   - message length not that of the datagram, or an IE overrunning its
//     message or grouped IE: "Invalid length" (§7.6.3), with the IE;
//   - S flag wrong for the message type: "Request rejected".
//
// With the FO flag set (bundled messages, §7.2.1A), the bytes after the
// first message are ignored; Split separates bundles.
//
// Decode checks structure only; the Parse functions check each message's
// mandatory and conditional IEs and their contents. The message keeps
// references to b.
func Decode(b []byte) (message.Message, error) {
	ce := &CauseError{}
	if len(b) < 4 {
		if len(b) >= 2 {
			ce.MessageType = b[1]
		}
		ce.Err = ErrTooShort
		return nil, ce
	}
	flags, typ := b[0], b[1]
	hdr := 8
	if flags&flagS != 0 {
		hdr = 16
	}
	if len(b) < hdr {
		ce.Err = ErrTooShort
		return nil, ce
	}
	ce.MessageType = typ
	if flags&flagS != 0 {
		ce.SEID = binary.BigEndian.Uint64(b[4:12])
	}
	ce.Sequence = uint32(b[hdr-4])<<16 | uint32(b[hdr-3])<<8 | uint32(b[hdr-2])
	if v := flags >> 5; v != 1 {
		ce.Err = ErrVersionNotSupported
		return nil, ce
	}
	if !known(typ) {
		ce.Err = ErrUnknownMessage
		return nil, ce
	}
	// Message Length counts the octets after the first four (§7.2.2.1).
	end := 4 + int(binary.BigEndian.Uint16(b[2:4]))
	if end < hdr || end > len(b) || (end < len(b) && flags&flagFO == 0) {
		ce.Cause, ce.Err = CauseInvalidLength, errors.New("pfcp: message length does not match the datagram")
		return nil, ce
	}
	b = b[:end]
	if (flags&flagS != 0) != isSessionType(typ) {
		ce.Cause, ce.Err = CauseRequestRejected, errors.New("pfcp: S flag does not match the message type")
		return nil, ce
	}
	if off, err := checkIEs(b[hdr:], 0, 0); err != nil {
		ce.Cause, ce.OffendingIE, ce.Err = CauseInvalidLength, off, err
		return nil, ce
	}
	m, err := message.Parse(b)
	if err != nil {
		ce.Cause, ce.Err = CauseInvalidLength, errors.Join(errors.New("pfcp: message does not parse"), err)
		return nil, ce
	}
	return m, nil
}

// checkIEs walks b as a sequence of IEs (TS 29.244 §8.1.1), descending
// into grouped IEs, and returns the type of the first IE whose length
// overruns its container (parent when not even its type is complete).
func checkIEs(b []byte, parent uint16, depth int) (uint16, error) {
	if depth > maxDepth {
		return parent, errors.New("pfcp: grouped IEs nested too deep")
	}
	for len(b) > 0 {
		if len(b) < 4 {
			return parent, errors.New("pfcp: truncated IE header")
		}
		t, n := binary.BigEndian.Uint16(b), int(binary.BigEndian.Uint16(b[2:]))
		if 4+n > len(b) {
			return t, errors.New("pfcp: IE length exceeds its container")
		}
		x := ie.IE{Type: t}
		switch {
		case x.IsVendorSpecific():
			if n < 2 {
				return t, errors.New("pfcp: vendor-specific IE without an Enterprise ID")
			}
		case x.IsGrouped():
			if off, err := checkIEs(b[4:4+n], t, depth+1); err != nil {
				return off, err
			}
		}
		b = b[4+n:]
	}
	return 0, nil
}

// Split returns the first PFCP message of a datagram and, when its FO
// flag says more follow (bundling, TS 29.244 §7.2.1A), the rest. A
// datagram whose header cannot be read is returned whole as first.
func Split(b []byte) (first, rest []byte) {
	if len(b) < 4 || b[0]&flagFO == 0 {
		return b, nil
	}
	end := 4 + int(binary.BigEndian.Uint16(b[2:4]))
	if end >= len(b) {
		return b, nil
	}
	return b[:end], b[end:]
}
