package gtpu

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// Parse reads the GTP-U message in b into p. It never allocates and never
// panics; p.Payload aliases b. It returns ErrShort, ErrVersion (not
// version 1 with PT 1), ErrLength (Length field inconsistent) or
// ErrExtension (malformed extension header chain), and then leaves p the
// zero Packet.
//
// Octets after the end the Length field announces (TS 29.281 §5.1) are
// not part of the message and are left out of Payload.
func Parse(b []byte, p *Packet) error {
	if err := parse(b, p); err != nil {
		*p = Packet{}
		return err
	}
	return nil
}

func parse(b []byte, p *Packet) error {
	if len(b) < minLen {
		return ErrShort
	}
	flags := b[0]
	// TS 29.281 §5.1: Version 1 and PT 1; the spare bit 4 is not evaluated.
	if flags&0xf0 != flagsV1 {
		return ErrVersion
	}
	// The Length field counts every octet after the mandatory 8.
	end := minLen + int(binary.BigEndian.Uint16(b[2:4]))
	if end > len(b) {
		return ErrLength
	}
	b = b[:end]
	*p = Packet{Type: b[1], TEID: binary.BigEndian.Uint32(b[4:8])}
	off := minLen
	// §5.1: if any of E, S, PN is set, all three optional fields are
	// present; each is only evaluated when its own flag is set.
	if flags&(flagE|flagS|flagPN) != 0 {
		if len(b) < optLen {
			return ErrLength
		}
		if flags&flagS != 0 {
			p.Seq, p.HasSeq = binary.BigEndian.Uint16(b[8:10]), true
		}
		off = optLen
		if flags&flagE != 0 {
			var err error
			if off, err = parseExtensions(b, b[11], p); err != nil {
				return err
			}
		}
	}
	p.Payload = b[off:]
	return nil
}

// parseExtensions walks the extension header chain that starts at octet 13
// with type next (TS 29.281 §5.2.1, Figure 5.2.1-1): a Length octet in
// 4-octet units, the contents, and the Next Extension Header Type in the
// last octet. It returns the offset of the first octet after the chain.
func parseExtensions(b []byte, next uint8, p *Packet) (int, error) {
	off := optLen
	for next != ExtNone {
		if off >= len(b) {
			return 0, ErrExtension
		}
		units := int(b[off])
		// A zero Length would make the chain loop on one octet: §5.2.1
		// defines the length as a positive number of 4-octet units.
		if units == 0 || off+4*units > len(b) {
			return 0, ErrExtension
		}
		h := b[off : off+4*units]
		switch next {
		case ExtPDUSessionContainer:
			// TS 38.415 §5.5.2: PDU Type in bits 8-5 of the first octet;
			// the QFI in bits 6-1 of the second (after PPP and RQI in DL,
			// after N3/N9 Delay Ind and New IE Flag in UL). PDU types 2-15
			// are reserved (§5.5.3.1): such a container is skipped.
			if !p.HasQFI {
				switch h[1] >> 4 {
				case pduTypeDL:
					p.QFI, p.HasQFI = h[2]&0x3f, true
				case pduTypeUL:
					p.QFI, p.HasQFI, p.Uplink = h[2]&0x3f, true, true
				}
			}
		case ExtUDPPort:
			// §5.2.2.1: Length 1, the port in octets 2-3.
			if !p.HasUDPPort {
				p.UDPPort, p.HasUDPPort = binary.BigEndian.Uint16(h[1:3]), true
			}
		default:
			// §5.2.1: bit 8 of the type set means the receiving endpoint
			// must comprehend the header.
			if next&0x80 != 0 && p.UnsupportedExt == 0 {
				p.UnsupportedExt = next
			}
		}
		next = h[len(h)-1]
		off += len(h)
	}
	return off, nil
}

// Errors of ParseErrorIndication; all wrap ErrIE.
var (
	errNotErrorIndication = fmt.Errorf("gtpu: Error Indication: message type is not 26: %w", ErrIE)
	errTruncatedIE        = fmt.Errorf("gtpu: Error Indication: information element truncated: %w", ErrIE)
	errUnknownTVIE        = fmt.Errorf("gtpu: Error Indication: unknown TV information element: %w", ErrIE)
	errPeerAddressLength  = fmt.Errorf("gtpu: Error Indication: GTP-U Peer Address is neither 4 nor 16 octets: %w", ErrIE)
	errMissingTEIDDataI   = fmt.Errorf("gtpu: Error Indication: missing Tunnel Endpoint Identifier Data I: %w", ErrIE)
	errMissingPeerAddress = fmt.Errorf("gtpu: Error Indication: missing GTP-U Peer Address: %w", ErrIE)
)

// ParseErrorIndication reads the IEs of an Error Indication (TS 29.281
// §7.3.1): the TEID of the G-PDU that found no tunnel (Tunnel Endpoint
// Identifier Data I, §8.3) and the address it was sent to (GTP-U Peer
// Address, §8.4). Other IEs (Recovery, Private Extension) are skipped;
// the first of a repeated IE counts. Errors wrap ErrIE.
func ParseErrorIndication(p *Packet) (teid uint32, peer netip.Addr, err error) {
	if p.Type != MsgErrorIndication {
		return 0, netip.Addr{}, errNotErrorIndication
	}
	var haveTEID bool
	for b := p.Payload; len(b) > 0; {
		t := b[0]
		// §8.1: bit 8 of the type is 0 for TV, 1 for TLV. A TV IE carries
		// no length, so one of unknown type ends the walk.
		if t&0x80 == 0 {
			var n int
			switch t {
			case ieRecovery:
				n = 1
			case ieTEIDDataI:
				n = 4
			default:
				return 0, netip.Addr{}, errUnknownTVIE
			}
			if len(b) < 1+n {
				return 0, netip.Addr{}, errTruncatedIE
			}
			if t == ieTEIDDataI && !haveTEID {
				teid, haveTEID = binary.BigEndian.Uint32(b[1:5]), true
			}
			b = b[1+n:]
			continue
		}
		if len(b) < 3 {
			return 0, netip.Addr{}, errTruncatedIE
		}
		n := int(binary.BigEndian.Uint16(b[1:3]))
		if len(b) < 3+n {
			return 0, netip.Addr{}, errTruncatedIE
		}
		if v := b[3 : 3+n]; t == iePeerAddress && !peer.IsValid() {
			switch n {
			case 4:
				peer = netip.AddrFrom4([4]byte(v))
			case 16:
				peer = netip.AddrFrom16([16]byte(v))
			default:
				return 0, netip.Addr{}, errPeerAddressLength
			}
		}
		b = b[3+n:]
	}
	switch {
	case !haveTEID:
		return 0, netip.Addr{}, errMissingTEIDDataI
	case !peer.IsValid():
		return 0, netip.Addr{}, errMissingPeerAddress
	}
	return teid, peer, nil
}
