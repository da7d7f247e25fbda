package nas

import (
	"errors"
	"fmt"

	fnas "github.com/free5gc/nas"
)

// 5GMM causes Keel sends, TS 24.501 §9.11.3.2.
const (
	CauseIllegalUE                      uint8 = 3
	CauseIllegalME                      uint8 = 6
	Cause5GSServicesNotAllowed          uint8 = 7
	CauseUEIdentityCannotBeDerived      uint8 = 9
	CauseImplicitlyDeregistered         uint8 = 10
	CausePLMNNotAllowed                 uint8 = 11
	CauseTANotAllowed                   uint8 = 12
	CauseMACFailure                     uint8 = 20
	CauseSynchFailure                   uint8 = 21
	CauseCongestion                     uint8 = 22
	CauseUESecurityCapabilitiesMismatch uint8 = 23
	CauseSecurityModeRejected           uint8 = 24
	CauseNon5GAuthUnacceptable          uint8 = 26
	CauseRestrictedServiceArea          uint8 = 28
	CauseInvalidPDUSessionIdentity      uint8 = 43
	CauseNoNetworkSlicesAvailable       uint8 = 62
	CauseNgKSIInUse                     uint8 = 71
	CauseInsufficientUserPlane          uint8 = 92
	CauseSemanticallyIncorrect          uint8 = 95
	CauseInvalidMandatoryInfo           uint8 = 96
	CauseMessageTypeNonExistent         uint8 = 97
	CauseMessageTypeNotCompatible       uint8 = 98
	CauseProtocolErrorUnspecified       uint8 = 111
)

// Ignore reports a message TS 24.501 §7 says to discard without an
// answer: too short to carry a message type (§7.2), or a protocol
// discriminator or security header this network does not know.
var Ignore = errors.New("nas: message ignored")

// Error is an uplink message the network answers with 5GMM STATUS
// carrying Cause (TS 24.501 §7.4, §7.5).
type Error struct {
	Cause       uint8
	MessageType uint8
	err         error
}

func (e *Error) Error() string {
	return fmt.Sprintf("nas: message type %d: 5GMM cause #%d: %v", e.MessageType, e.Cause, e.err)
}

func (e *Error) Unwrap() error { return e.err }

// uplink lists the 5GMM messages a UE sends (TS 24.501 §8.2); anything
// else is "not implemented" from the network's point of view (§7.4).
var uplink = [256]bool{
	fnas.MsgTypeRegistrationRequest:                              true,
	fnas.MsgTypeRegistrationComplete:                             true,
	fnas.MsgTypeDeregistrationRequestUEOriginatingDeregistration: true,
	fnas.MsgTypeDeregistrationAcceptUETerminatedDeregistration:   true,
	fnas.MsgTypeServiceRequest:                                   true,
	fnas.MsgTypeConfigurationUpdateComplete:                      true,
	fnas.MsgTypeAuthenticationResponse:                           true,
	fnas.MsgTypeAuthenticationFailure:                            true,
	fnas.MsgTypeIdentityResponse:                                 true,
	fnas.MsgTypeSecurityModeComplete:                             true,
	fnas.MsgTypeSecurityModeReject:                               true,
	fnas.MsgTypeStatus5GMM:                                       true,
	fnas.MsgTypeNotificationResponse:                             true,
	fnas.MsgTypeULNASTransport:                                   true,
}

// Decode decodes a plain uplink 5GMM message (the output of Split or
// Unprotect). It never panics; errors are Ignore or *Error.
func Decode(plain []byte) (*fnas.GmmMessage, error) {
	if len(plain) < 3 {
		return nil, Ignore
	}
	if plain[0] != EPD5GMM {
		return nil, Ignore
	}
	mt := plain[2]
	if !uplink[mt] {
		return nil, &Error{Cause: CauseMessageTypeNonExistent, MessageType: mt, err: errors.New("not an uplink 5GMM message")}
	}
	var m fnas.Message
	b := plain
	if err := m.GmmMessageDecode(&b); err != nil {
		// TS 24.501 §7.5: a missing or malformed mandatory IE is
		// answered with cause #96; the codec cannot tell optional IE
		// errors apart, so they are treated alike.
		return nil, &Error{Cause: CauseInvalidMandatoryInfo, MessageType: mt, err: err}
	}
	return m.GmmMessage, nil
}

// MessageType returns the 5GMM message type of a plain message, or 0.
func MessageType(plain []byte) uint8 {
	if len(plain) < 3 {
		return 0
	}
	return plain[2]
}
