package sm

import (
	"errors"
	"fmt"
)

// EPD is the extended protocol discriminator of 5GS session management
// messages (TS 24.007 §11.2.3.1.1A, TS 24.501 §9.2).
const EPD uint8 = 0x2e

// 5GSM message types, TS 24.501 §9.7, table 9.7.2.
const (
	MsgEstablishmentRequest      uint8 = 0xc1
	MsgEstablishmentAccept       uint8 = 0xc2
	MsgEstablishmentReject       uint8 = 0xc3
	MsgAuthenticationCommand     uint8 = 0xc5
	MsgAuthenticationComplete    uint8 = 0xc6
	MsgAuthenticationResult      uint8 = 0xc7
	MsgModificationRequest       uint8 = 0xc9
	MsgModificationReject        uint8 = 0xca
	MsgModificationCommand       uint8 = 0xcb
	MsgModificationComplete      uint8 = 0xcc
	MsgModificationCommandReject uint8 = 0xcd
	MsgReleaseRequest            uint8 = 0xd1
	MsgReleaseReject             uint8 = 0xd2
	MsgReleaseCommand            uint8 = 0xd3
	MsgReleaseComplete           uint8 = 0xd4
	MsgStatus                    uint8 = 0xd6
)

// 5GSM causes, TS 24.501 §9.11.4.2 (meanings in Annex B).
const (
	CauseInsufficientResources                   uint8 = 26
	CauseMissingOrUnknownDNN                     uint8 = 27
	CauseUnknownPDUSessionType                   uint8 = 28
	CauseUserAuthenticationOrAuthorizationFailed uint8 = 29
	CauseRequestRejectedUnspecified              uint8 = 31
	CauseServiceOptionNotSupported               uint8 = 32
	CauseRequestedServiceOptionNotSubscribed     uint8 = 33
	CausePTIAlreadyInUse                         uint8 = 35
	CauseRegularDeactivation                     uint8 = 36
	Cause5GSQoSNotAccepted                       uint8 = 37
	CauseNetworkFailure                          uint8 = 38
	CauseReactivationRequested                   uint8 = 39
	CauseInvalidPDUSessionIdentity               uint8 = 43
	CauseSemanticErrorsInPacketFilters           uint8 = 44
	CauseSyntacticalErrorInPacketFilters         uint8 = 45
	CausePTIMismatch                             uint8 = 47
	CausePDUSessionTypeIPv4OnlyAllowed           uint8 = 50
	CausePDUSessionTypeIPv6OnlyAllowed           uint8 = 51
	CausePDUSessionDoesNotExist                  uint8 = 54
	CauseInsufficientResourcesForSliceAndDNN     uint8 = 67
	CauseNotSupportedSSCMode                     uint8 = 68
	CauseMissingOrUnknownDNNInASlice             uint8 = 70
	CauseUnsupported5QI                          uint8 = 59
	CauseInvalidPTIValue                         uint8 = 81
	CauseSemanticErrorInQoSOperation             uint8 = 83
	CauseSyntacticalErrorInQoSOperation          uint8 = 84
	CauseSemanticallyIncorrect                   uint8 = 95
	CauseInvalidMandatoryInformation             uint8 = 96
	CauseMessageTypeNonExistent                  uint8 = 97
	CauseMessageTypeNotCompatible                uint8 = 98
	CauseProtocolErrorUnspecified                uint8 = 111
)

// PDU session types, TS 24.501 §9.11.4.11.
const (
	PDUTypeIPv4         uint8 = 1
	PDUTypeIPv6         uint8 = 2
	PDUTypeIPv4v6       uint8 = 3
	PDUTypeUnstructured uint8 = 4
	PDUTypeEthernet     uint8 = 5
)

// SSC modes, TS 24.501 §9.11.4.16 (TS 23.501 §5.6.9.2).
const (
	SSCMode1 uint8 = 1
	SSCMode2 uint8 = 2
	SSCMode3 uint8 = 3
)

// Identity ranges, TS 24.501 §9.4 and §9.6.
const (
	// NoPTI is "no procedure transaction identity assigned": the PTI of
	// a network-requested procedure (a PDU SESSION RELEASE COMMAND the
	// UE did not ask for).
	NoPTI       uint8 = 0
	reservedPTI uint8 = 255
	// MaxPDUSessionID is the largest PDU session identity; 0 is "no PDU
	// session identity assigned" and 16 to 255 are reserved.
	MaxPDUSessionID uint8 = 15
)

// Header is the 5GSM message header (TS 24.501 §8.3: extended protocol
// discriminator, PDU session ID, PTI, message type).
type Header struct {
	PDUSessionID, PTI, MessageType uint8
}

// Ignore reports a message TS 24.501 §7 says to discard without an
// answer: too short to hold a message type (§7.2), or not a 5GSM message.
var Ignore = errors.New("sm: message ignored")

// Error is an uplink 5GSM message the SMF answers with Cause (TS 24.501
// §7): with the reject of the procedure the message started (PDU SESSION
// ESTABLISHMENT REJECT for a PDU SESSION ESTABLISHMENT REQUEST, PDU
// SESSION RELEASE REJECT for a PDU SESSION RELEASE REQUEST), with 5GSM
// STATUS otherwise. Header is what the message said, so that the answer
// carries the same PDU session ID and PTI.
type Error struct {
	Cause  uint8
	Header Header
	Err    error
}

func (e *Error) Error() string {
	return fmt.Sprintf("sm: %s (PDU session %d, PTI %d): 5GSM cause #%d: %v",
		MessageName(e.Header.MessageType), e.Header.PDUSessionID, e.Header.PTI, e.Cause, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// MessageName names a 5GSM message type for errors and logs.
func MessageName(t uint8) string {
	switch t {
	case MsgEstablishmentRequest:
		return "PDU SESSION ESTABLISHMENT REQUEST"
	case MsgEstablishmentAccept:
		return "PDU SESSION ESTABLISHMENT ACCEPT"
	case MsgEstablishmentReject:
		return "PDU SESSION ESTABLISHMENT REJECT"
	case MsgAuthenticationCommand:
		return "PDU SESSION AUTHENTICATION COMMAND"
	case MsgAuthenticationComplete:
		return "PDU SESSION AUTHENTICATION COMPLETE"
	case MsgAuthenticationResult:
		return "PDU SESSION AUTHENTICATION RESULT"
	case MsgModificationRequest:
		return "PDU SESSION MODIFICATION REQUEST"
	case MsgModificationReject:
		return "PDU SESSION MODIFICATION REJECT"
	case MsgModificationCommand:
		return "PDU SESSION MODIFICATION COMMAND"
	case MsgModificationComplete:
		return "PDU SESSION MODIFICATION COMPLETE"
	case MsgModificationCommandReject:
		return "PDU SESSION MODIFICATION COMMAND REJECT"
	case MsgReleaseRequest:
		return "PDU SESSION RELEASE REQUEST"
	case MsgReleaseReject:
		return "PDU SESSION RELEASE REJECT"
	case MsgReleaseCommand:
		return "PDU SESSION RELEASE COMMAND"
	case MsgReleaseComplete:
		return "PDU SESSION RELEASE COMPLETE"
	case MsgStatus:
		return "5GSM STATUS"
	}
	return fmt.Sprintf("5GSM message type %#02x", t)
}

// uplink lists the 5GSM messages a UE sends (TS 24.501 §8.3); any other
// type is "non-existent or not implemented" for the network (§7.4).
var uplink = [256]bool{
	MsgEstablishmentRequest:      true,
	MsgAuthenticationComplete:    true,
	MsgModificationRequest:       true,
	MsgModificationComplete:      true,
	MsgModificationCommandReject: true,
	MsgReleaseRequest:            true,
	MsgReleaseComplete:           true,
	MsgStatus:                    true,
}

// header reads the header of any 5GSM message.
func header(b []byte) (Header, error) {
	// TS 24.501 §7.2: too short to hold the message type: ignored.
	if len(b) < 4 || b[0] != EPD {
		return Header{}, Ignore
	}
	return Header{PDUSessionID: b[1], PTI: b[2], MessageType: b[3]}, nil
}

// ParseHeader reads the header of an uplink 5GSM message. It returns
// Ignore for a message too short to hold a message type or whose
// extended protocol discriminator is not 5GSM, and *Error with cause #97
// (with the header filled in) for a message type the UE does not send
// (TS 24.501 §7.4).
func ParseHeader(b []byte) (Header, error) {
	h, err := header(b)
	if err != nil {
		return h, err
	}
	if !uplink[h.MessageType] {
		return h, &Error{Cause: CauseMessageTypeNonExistent, Header: h, Err: errors.New("not an uplink 5GSM message")}
	}
	return h, nil
}

// uplinkHeader reads the header of an uplink message of type want and
// applies the checks of TS 24.501 §7.3 that need no session state.
// ptiRequired is set for the messages that start a UE-requested
// procedure, whose PTI must be an assigned value (§7.3.1).
func uplinkHeader(b []byte, want uint8, ptiRequired bool) (Header, error) {
	h, err := ParseHeader(b)
	if err != nil {
		return h, err
	}
	if h.MessageType != want {
		return h, &Error{Cause: CauseMessageTypeNotCompatible, Header: h,
			Err: fmt.Errorf("want %s", MessageName(want))}
	}
	if ptiRequired && (h.PTI == NoPTI || h.PTI == reservedPTI) {
		return h, &Error{Cause: CauseInvalidPTIValue, Header: h, Err: fmt.Errorf("PTI %d is not an assigned value", h.PTI)}
	}
	if h.PDUSessionID == 0 || h.PDUSessionID > MaxPDUSessionID {
		return h, &Error{Cause: CauseInvalidPDUSessionIdentity, Header: h,
			Err: fmt.Errorf("PDU session identity %d is unassigned or reserved", h.PDUSessionID)}
	}
	return h, nil
}
