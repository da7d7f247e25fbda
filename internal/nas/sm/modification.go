package sm

import (
	"errors"
	"fmt"
	"time"
)

// IEIs of the PDU session modification messages (TS 24.501 §8.3.7 to
// §8.3.11) that the establishment messages do not share.
const (
	ieiCapability          uint8 = 0x28 // 5GSM capability, TLV 3-15
	ieiQoSRules            uint8 = 0x7a // Requested / Authorized QoS rules, TLV-E
	ieiSessionAMBR         uint8 = 0x2a // Session-AMBR, TLV 8
	ieiMappedEPSContexts   uint8 = 0x7f // Mapped EPS bearer contexts, TLV-E
	ieiAlwaysOnRequested   uint8 = 0xb0 // Always-on PDU session requested, TV 1
	ieiAlwaysOnIndication  uint8 = 0x80 // Always-on PDU session indication, TV 1
	ieiReattemptIndication uint8 = 0x1d // Re-attempt indicator, TLV 3
)

// ModificationRequest is what the SMF reads of a PDU SESSION
// MODIFICATION REQUEST (TS 24.501 §8.3.7). QoSRules and
// QoSFlowDescriptions are the values of the Requested QoS rules
// (§9.11.4.13) and Requested QoS flow descriptions (§9.11.4.12) IEs,
// nil when absent; they refer to the message's bytes.
type ModificationRequest struct {
	Header
	// Capability is the value of the 5GSM capability IE (§9.11.4.1),
	// nil when absent.
	Capability []byte
	// Cause is the optional 5GSM cause, 0 when absent (the UE sends one
	// when it asks to release flows or rules, §6.4.2.2).
	Cause uint8
	// MaxPacketFilters is the Maximum number of supported packet
	// filters (§9.11.4.9), 0 when absent.
	MaxPacketFilters    uint16
	QoSRules            []byte
	QoSFlowDescriptions []byte
}

// ParseModificationRequest reads a PDU SESSION MODIFICATION REQUEST.
// Errors are Ignore or *Error: #98 for another message type, #81 for a
// PTI that is not an assigned value (the request starts a UE-requested
// procedure, TS 24.501 §7.3.1), #43 for an unassigned or reserved PDU
// session identity (§7.3.2), #96 for an unknown comprehension-required
// IE (§7.6.1). Answer an *Error with PDU SESSION MODIFICATION REJECT
// (§6.4.2.4). The message has no mandatory IE beyond its header.
func ParseModificationRequest(b []byte) (ModificationRequest, error) {
	h, err := uplinkHeader(b, MsgModificationRequest, true)
	r := ModificationRequest{Header: h}
	if err != nil {
		return r, err
	}
	known := func(iei uint8) bool {
		switch iei {
		case ieiCapability, ieiCause, ieiMaxPacketFilters, ieiAlwaysOnRequested, ieiIntegrityMaxRate,
			ieiQoSRules, ieiQoSFlowDescriptions, ieiMappedEPSContexts, ieiEPCO:
			return true
		}
		return false
	}
	err = walk(b[4:], known, func(e ie) {
		switch e.iei {
		case ieiCapability:
			r.Capability = e.v
		case ieiCause:
			r.Cause = e.v[0]
		case ieiMaxPacketFilters:
			// §9.11.4.9: 11 bits, the highest octet first.
			r.MaxPacketFilters = uint16(e.v[0])<<3 | uint16(e.v[1]>>5)
		case ieiQoSRules:
			r.QoSRules = e.v
		case ieiQoSFlowDescriptions:
			r.QoSFlowDescriptions = e.v
		}
	})
	if err != nil {
		return r, &Error{Cause: CauseInvalidMandatoryInformation, Header: h, Err: err}
	}
	return r, nil
}

// AppendModificationRequest appends a PDU SESSION MODIFICATION REQUEST
// (TS 24.501 §8.3.7) as a UE sends it: the optional 5GSM cause, Maximum
// number of supported packet filters, Requested QoS rules and Requested
// QoS flow descriptions when set.
func AppendModificationRequest(b []byte, r ModificationRequest) []byte {
	b = append(b, EPD, r.PDUSessionID, r.PTI, MsgModificationRequest)
	if len(r.Capability) > 0 {
		b = append(b, ieiCapability, byte(len(r.Capability)))
		b = append(b, r.Capability...)
	}
	if r.Cause != 0 {
		b = append(b, ieiCause, r.Cause)
	}
	if r.MaxPacketFilters != 0 {
		b = append(b, ieiMaxPacketFilters, byte(r.MaxPacketFilters>>3), byte(r.MaxPacketFilters<<5))
	}
	b = appendTLVE(b, ieiQoSRules, r.QoSRules)
	return appendTLVE(b, ieiQoSFlowDescriptions, r.QoSFlowDescriptions)
}

// appendTLVE appends a type 6 IE when v is not nil.
func appendTLVE(b []byte, iei uint8, v []byte) []byte {
	if v == nil {
		return b
	}
	b = append(b, iei, byte(len(v)>>8), byte(len(v)))
	return append(b, v...)
}

// Modification is the content of a PDU SESSION MODIFICATION COMMAND (TS
// 24.501 §8.3.9): every IE is optional. QoSRules and QoSFlowDescriptions
// are the values of the Authorized QoS rules (§9.11.4.13) and Authorized
// QoS flow descriptions (§9.11.4.12) IEs, left out when nil.
type Modification struct {
	PDUSessionID uint8
	// PTI is the PTI of the UE's PDU SESSION MODIFICATION REQUEST, or
	// NoPTI for a network-requested modification (§6.3.2.2).
	PTI   uint8
	Cause uint8 // 0 leaves the 5GSM cause out
	// HasAMBR sends the Session-AMBR (§9.11.4.14): AMBRUplink and
	// AMBRDownlink in bit/s, in the finest unit that holds them.
	HasAMBR                  bool
	AMBRUplink, AMBRDownlink uint64
	QoSRules                 []byte
	QoSFlowDescriptions      []byte
}

// ModificationCommand appends a PDU SESSION MODIFICATION COMMAND (TS
// 24.501 §8.3.9) to b, its IEs in the order of table 8.3.9.1.1.
func ModificationCommand(b []byte, m Modification) []byte {
	b = append(b, EPD, m.PDUSessionID, m.PTI, MsgModificationCommand)
	if m.Cause != 0 {
		b = append(b, ieiCause, m.Cause)
	}
	if m.HasAMBR {
		ud, vd := ambr(m.AMBRDownlink)
		uu, vu := ambr(m.AMBRUplink)
		b = append(b, ieiSessionAMBR, 6, ud, byte(vd>>8), byte(vd), uu, byte(vu>>8), byte(vu))
	}
	b = appendTLVE(b, ieiQoSRules, m.QoSRules)
	return appendTLVE(b, ieiQoSFlowDescriptions, m.QoSFlowDescriptions)
}

// ParseModificationCommand reads a PDU SESSION MODIFICATION COMMAND as a
// UE does: the inverse of ModificationCommand. A Session-AMBR that is
// not 6 octets or has an unknown unit is #96 (the UE answers with PDU
// SESSION MODIFICATION COMMAND REJECT, §6.3.2.4); other errors are as for
// ParseEstablishmentAccept. The rules and flow descriptions refer to
// b's bytes.
func ParseModificationCommand(b []byte) (Modification, error) {
	h, err := header(b)
	if err != nil {
		return Modification{}, err
	}
	m := Modification{PDUSessionID: h.PDUSessionID, PTI: h.PTI}
	if h.MessageType != MsgModificationCommand {
		return m, &Error{Cause: CauseMessageTypeNotCompatible, Header: h, Err: fmt.Errorf("want %s", MessageName(MsgModificationCommand))}
	}
	known := func(iei uint8) bool {
		switch iei {
		case ieiCause, ieiSessionAMBR, ieiRQTimer, ieiAlwaysOnIndication, ieiQoSRules,
			ieiMappedEPSContexts, ieiQoSFlowDescriptions, ieiEPCO:
			return true
		}
		return false
	}
	var bad error
	err = walk(b[4:], known, func(e ie) {
		switch e.iei {
		case ieiCause:
			m.Cause = e.v[0]
		case ieiSessionAMBR:
			if len(e.v) != 6 {
				bad = fmt.Errorf("Session-AMBR of %d octets", len(e.v))
				return
			}
			var okDL, okUL bool
			m.AMBRDownlink, okDL = ambrRate(e.v[0], uint16(e.v[1])<<8|uint16(e.v[2]))
			m.AMBRUplink, okUL = ambrRate(e.v[3], uint16(e.v[4])<<8|uint16(e.v[5]))
			if !okDL || !okUL {
				bad = fmt.Errorf("Session-AMBR unit %d/%d", e.v[0], e.v[3])
				return
			}
			m.HasAMBR = true
		case ieiQoSRules:
			m.QoSRules = e.v
		case ieiQoSFlowDescriptions:
			m.QoSFlowDescriptions = e.v
		}
	})
	if err = errors.Join(err, bad); err != nil {
		return m, &Error{Cause: CauseInvalidMandatoryInformation, Header: h, Err: err}
	}
	return m, nil
}

// ModificationReject appends a PDU SESSION MODIFICATION REJECT (TS
// 24.501 §8.3.8) with a 5GSM cause.
func ModificationReject(b []byte, psi, pti, cause uint8) []byte {
	return append(b, EPD, psi, pti, MsgModificationReject, cause)
}

// ModificationRejectBackOff appends a PDU SESSION MODIFICATION REJECT
// with the Back-off timer value IE (§8.3.8.2, GPRS timer 3): the UE does
// not ask again to modify the session before backOff has passed (T3396
// for #26 insufficient resources, §6.4.2.4.2).
func ModificationRejectBackOff(b []byte, psi, pti, cause uint8, backOff time.Duration) []byte {
	b = ModificationReject(b, psi, pti, cause)
	return append(b, IeiBackOffTimer, 1, GPRSTimer3(backOff))
}

// ModificationRejected is a PDU SESSION MODIFICATION REJECT as the UE
// reads it (TS 24.501 §8.3.8).
type ModificationRejected struct {
	Header
	Cause uint8
	// BackOff is the value of the Back-off timer value IE, a GPRS timer
	// 3 octet; HasBackOff says whether it was present.
	BackOff    byte
	HasBackOff bool
}

// ParseModificationReject reads a PDU SESSION MODIFICATION REJECT as a
// UE does. A missing 5GSM cause is #96.
func ParseModificationReject(b []byte) (ModificationRejected, error) {
	h, err := header(b)
	r := ModificationRejected{Header: h}
	if err != nil {
		return r, err
	}
	if h.MessageType != MsgModificationReject {
		return r, &Error{Cause: CauseMessageTypeNotCompatible, Header: h, Err: fmt.Errorf("want %s", MessageName(MsgModificationReject))}
	}
	if len(b) < 5 {
		return r, &Error{Cause: CauseInvalidMandatoryInformation, Header: h, Err: errors.New("no 5GSM cause")}
	}
	r.Cause = b[4]
	known := func(iei uint8) bool {
		return iei == IeiBackOffTimer || iei == ieiEPCO || iei == ieiReattemptIndication
	}
	err = walk(b[5:], known, func(e ie) {
		if e.iei == IeiBackOffTimer && len(e.v) == 1 {
			r.BackOff, r.HasBackOff = e.v[0], true
		}
	})
	if err != nil {
		return r, &Error{Cause: CauseInvalidMandatoryInformation, Header: h, Err: err}
	}
	return r, nil
}

// ModificationAnswer is a PDU SESSION MODIFICATION COMPLETE (TS 24.501
// §8.3.10, Cause 0) or a PDU SESSION MODIFICATION COMMAND REJECT
// (§8.3.11, Cause mandatory).
type ModificationAnswer struct {
	Header
	Cause uint8
}

// ParseModificationComplete reads a PDU SESSION MODIFICATION COMPLETE.
// The PTI is not checked: it is the command's, which only the SMF knows
// (a mismatch is answered with 5GSM STATUS #47, §7.3.1). Answer an
// *Error with 5GSM STATUS.
func ParseModificationComplete(b []byte) (ModificationAnswer, error) {
	h, err := uplinkHeader(b, MsgModificationComplete, false)
	a := ModificationAnswer{Header: h}
	if err != nil {
		return a, err
	}
	known := func(iei uint8) bool { return iei == ieiEPCO }
	if err := walk(b[4:], known, func(ie) {}); err != nil {
		return a, &Error{Cause: CauseInvalidMandatoryInformation, Header: h, Err: err}
	}
	return a, nil
}

// ParseModificationCommandReject reads a PDU SESSION MODIFICATION
// COMMAND REJECT (TS 24.501 §8.3.11): the 5GSM cause is mandatory (#96
// when missing). Answer an *Error with 5GSM STATUS.
func ParseModificationCommandReject(b []byte) (ModificationAnswer, error) {
	h, err := uplinkHeader(b, MsgModificationCommandReject, false)
	a := ModificationAnswer{Header: h}
	if err != nil {
		return a, err
	}
	if len(b) < 5 {
		return a, &Error{Cause: CauseInvalidMandatoryInformation, Header: h, Err: errors.New("no 5GSM cause")}
	}
	a.Cause = b[4]
	known := func(iei uint8) bool { return iei == ieiEPCO }
	if err := walk(b[5:], known, func(ie) {}); err != nil {
		return a, &Error{Cause: CauseInvalidMandatoryInformation, Header: h, Err: err}
	}
	return a, nil
}

// AppendModificationComplete appends a PDU SESSION MODIFICATION COMPLETE
// (TS 24.501 §8.3.10) as a UE sends it; pti is the command's.
func AppendModificationComplete(b []byte, psi, pti uint8) []byte {
	return append(b, EPD, psi, pti, MsgModificationComplete)
}

// AppendModificationCommandReject appends a PDU SESSION MODIFICATION
// COMMAND REJECT (TS 24.501 §8.3.11) as a UE sends it, e.g. #83
// semantic error in the QoS operation (§6.3.2.4).
func AppendModificationCommandReject(b []byte, psi, pti, cause uint8) []byte {
	return append(b, EPD, psi, pti, MsgModificationCommandReject, cause)
}
