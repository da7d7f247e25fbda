package sm

import "errors"

// Information element identifiers of the optional IEs this package reads
// or writes (TS 24.501 §8.3).
const (
	ieiPDUSessionType      uint8 = 0x90 // type 1, high nibble
	ieiSSCMode             uint8 = 0xa0 // type 1, high nibble
	ieiCause               uint8 = 0x59
	ieiPDUAddress          uint8 = 0x29
	ieiRQTimer             uint8 = 0x56
	ieiSNSSAI              uint8 = 0x22
	ieiMaxPacketFilters    uint8 = 0x55
	ieiIntegrityMaxRate    uint8 = 0x13
	ieiQoSFlowDescriptions uint8 = 0x79
	ieiEPCO                uint8 = 0x7b
	ieiPCO                 uint8 = 0x27
	ieiDNN                 uint8 = 0x25
)

// tvLength gives the whole length of the fixed-length type 3 (TV) IEs of
// 5GSM messages: their length is not on the wire, so a reader that does
// not know them would misread what follows.
func tvLength(iei uint8) int {
	switch iei {
	case ieiCause, ieiRQTimer:
		return 2
	case ieiMaxPacketFilters, ieiIntegrityMaxRate:
		return 3
	}
	return 0
}

// ie is one information element of the non-imperative part.
type ie struct {
	iei uint8 // a type 1 IE's IEI is its high nibble
	v   []byte
}

// nextIE splits the next IE off b (TS 24.007 §11.2.4): an IEI with bit 8 set
// is a one-octet type 1 or 2 IE; 0x70 to 0x7f are type 6 (TLV-E, two
// octets of length); the known TV IEs have their fixed length; anything
// else is type 4 (TLV). ok is false when b ends inside the IE.
func nextIE(b []byte) (e ie, rest []byte, ok bool) {
	iei := b[0]
	switch {
	case iei&0x80 != 0:
		return ie{iei: iei & 0xf0, v: b[:1]}, b[1:], true
	case tvLength(iei) > 0:
		n := tvLength(iei)
		if len(b) < n {
			return ie{}, nil, false
		}
		return ie{iei: iei, v: b[1:n]}, b[n:], true
	case iei&0xf0 == 0x70:
		if len(b) < 3 {
			return ie{}, nil, false
		}
		n := 3 + (int(b[1])<<8 | int(b[2]))
		if len(b) < n {
			return ie{}, nil, false
		}
		return ie{iei: iei, v: b[3:n]}, b[n:], true
	default:
		if len(b) < 2 || len(b) < 2+int(b[1]) {
			return ie{}, nil, false
		}
		n := 2 + int(b[1])
		return ie{iei: iei, v: b[2:n]}, b[n:], true
	}
}

// walk calls f for the first occurrence of every IE of b (TS 24.501
// §7.6.3: only the first of repeated IEs is handled). It stops at an IE
// that b ends inside: that IE and anything after are treated as absent
// (§7.7.1, a syntactically incorrect optional IE). An unknown IE whose
// IEI is "comprehension required" (bits 8 to 5 zero, TS 24.007 §11.2.4)
// is answered as a missing mandatory IE would be (§7.6.1): walk returns
// an error for it; other unknown IEs are skipped (§7.6.1).
func walk(b []byte, known func(iei uint8) bool, f func(ie)) error {
	var seen [256]bool
	for len(b) > 0 {
		e, rest, ok := nextIE(b)
		if !ok {
			return nil
		}
		b = rest
		if !known(e.iei) {
			if e.iei < 0x10 {
				return errComprehensionRequired
			}
			continue
		}
		if seen[e.iei] {
			continue
		}
		seen[e.iei] = true
		f(e)
	}
	return nil
}

var errComprehensionRequired = errors.New("unknown IE with a comprehension-required IEI")

// EstablishmentRequest is what the SMF reads of a PDU SESSION
// ESTABLISHMENT REQUEST (TS 24.501 §8.3.1).
type EstablishmentRequest struct {
	Header
	PDUType uint8 // 0 when absent
	SSCMode uint8 // 0 when absent
	// What the UE asked for in the Extended protocol configuration
	// options (IEI 0x7B) or PCO (0x27) (TS 24.008 §10.5.6.3): container
	// IDs 0x000D DNS server IPv4, 0x0003 DNS server IPv6, 0x0010 IPv4
	// link MTU, 0x000C P-CSCF IPv4, 0x0001 P-CSCF IPv6 address request.
	WantDNSv4, WantDNSv6, WantMTU bool
	WantPCSCFv4, WantPCSCFv6      bool
}

// ParseEstablishmentRequest reads a PDU SESSION ESTABLISHMENT REQUEST.
// Errors are Ignore or *Error: #98 for another message type, #81 for a
// PTI that is not an assigned value (TS 24.501 §7.3.1), #43 for an
// unassigned or reserved PDU session identity (§7.3.2), #96 when the
// mandatory Integrity protection maximum data rate is missing (§7.5) or
// an unknown comprehension-required IE is present (§7.6.1).
func ParseEstablishmentRequest(b []byte) (EstablishmentRequest, error) {
	h, err := uplinkHeader(b, MsgEstablishmentRequest, true)
	r := EstablishmentRequest{Header: h}
	if err != nil {
		return r, err
	}
	// Integrity protection maximum data rate (§9.11.4.7), M V 2.
	if len(b) < 6 {
		return r, &Error{Cause: CauseInvalidMandatoryInformation, Header: h, Err: errors.New("no Integrity protection maximum data rate")}
	}
	known := func(iei uint8) bool {
		switch iei {
		case ieiPDUSessionType, ieiSSCMode, ieiEPCO, ieiPCO:
			return true
		}
		return false
	}
	var epco, pco []byte
	err = walk(b[6:], known, func(e ie) {
		switch e.iei {
		case ieiPDUSessionType:
			r.PDUType = e.v[0] & 0x07
		case ieiSSCMode:
			r.SSCMode = sscMode(e.v[0] & 0x07)
		case ieiEPCO:
			epco = e.v
		case ieiPCO:
			pco = e.v
		}
	})
	if err != nil {
		return r, &Error{Cause: CauseInvalidMandatoryInformation, Header: h, Err: err}
	}
	for _, c := range [][]byte{epco, pco} {
		if want, ok := parsePCORequest(c); ok {
			r.WantDNSv4 = r.WantDNSv4 || want.dnsV4
			r.WantDNSv6 = r.WantDNSv6 || want.dnsV6
			r.WantMTU = r.WantMTU || want.mtu
			r.WantPCSCFv4 = r.WantPCSCFv4 || want.pcscfV4
			r.WantPCSCFv6 = r.WantPCSCFv6 || want.pcscfV6
		}
	}
	return r, nil
}

// sscMode reads an SSC mode value (TS 24.501 §9.11.4.16): 4, 5 and 6 are
// unused and read as SSC modes 1, 2 and 3 by the network; 0 and 7 are
// reserved and read as absent.
func sscMode(v uint8) uint8 {
	switch {
	case v >= 1 && v <= 3:
		return v
	case v >= 4 && v <= 6:
		return v - 3
	}
	return 0
}

// PCO container identifiers, TS 24.008 §10.5.6.3 (MS to network: the
// requests; network to MS: the values).
const (
	pcoPCSCFIPv6     uint16 = 0x0001
	pcoDNSServerIPv6 uint16 = 0x0003
	pcoPCSCFIPv4     uint16 = 0x000c
	pcoDNSServerIPv4 uint16 = 0x000d
	pcoIPv4LinkMTU   uint16 = 0x0010
)

type pcoWants struct{ dnsV4, dnsV6, mtu, pcscfV4, pcscfV6 bool }

// parsePCORequest reads the container identifiers of the value of a
// (extended) protocol configuration options IE (TS 24.008 §10.5.6.3,
// TS 24.501 §9.11.4.6). ok is false for an empty or malformed value,
// which is treated as absent (TS 24.501 §7.7.1).
func parsePCORequest(v []byte) (w pcoWants, ok bool) {
	err := walkPCOValue(v, func(id uint16, _ []byte) {
		switch id {
		case pcoDNSServerIPv4:
			w.dnsV4 = true
		case pcoDNSServerIPv6:
			w.dnsV6 = true
		case pcoIPv4LinkMTU:
			w.mtu = true
		case pcoPCSCFIPv4:
			w.pcscfV4 = true
		case pcoPCSCFIPv6:
			w.pcscfV6 = true
		}
	})
	return w, err == nil
}

var errPCO = errors.New("sm: malformed protocol configuration options")

// walkPCO calls f for every protocol or container of a PCO value after
// its first octet: identifier (2 octets), length (1 octet), contents.
func walkPCO(b []byte, f func(id uint16, v []byte)) error {
	for len(b) > 0 {
		if len(b) < 3 || len(b) < 3+int(b[2]) {
			return errPCO
		}
		n := 3 + int(b[2])
		f(uint16(b[0])<<8|uint16(b[1]), b[3:n])
		b = b[n:]
	}
	return nil
}

// Release is a PDU SESSION RELEASE REQUEST (TS 24.501 §8.3.12) or
// PDU SESSION RELEASE COMPLETE (§8.3.15): the header and the optional
// 5GSM cause, 0 when absent.
type Release struct {
	Header
	Cause uint8
}

// ParseReleaseRequest reads a PDU SESSION RELEASE REQUEST. Errors are as
// for ParseEstablishmentRequest; answer an *Error with PDU SESSION
// RELEASE REJECT.
func ParseReleaseRequest(b []byte) (Release, error) {
	return parseRelease(b, MsgReleaseRequest, true)
}

// ParseReleaseComplete reads a PDU SESSION RELEASE COMPLETE. The PTI is
// not checked: it is the one of the PDU SESSION RELEASE COMMAND, which
// only the SMF knows (it answers a mismatch with 5GSM STATUS #47, TS
// 24.501 §7.3.1). Errors are as for ParseEstablishmentRequest; answer an
// *Error with 5GSM STATUS.
func ParseReleaseComplete(b []byte) (Release, error) {
	return parseRelease(b, MsgReleaseComplete, false)
}

func parseRelease(b []byte, want uint8, ptiRequired bool) (Release, error) {
	h, err := uplinkHeader(b, want, ptiRequired)
	r := Release{Header: h}
	if err != nil {
		return r, err
	}
	known := func(iei uint8) bool { return iei == ieiCause || iei == ieiEPCO }
	err = walk(b[4:], known, func(e ie) {
		if e.iei == ieiCause {
			r.Cause = e.v[0]
		}
	})
	if err != nil {
		return r, &Error{Cause: CauseInvalidMandatoryInformation, Header: h, Err: err}
	}
	return r, nil
}
