package pfcp

import (
	"errors"
	"fmt"
	"strings"

	"github.com/wmnsk/go-pfcp/message"
)

// Port is the UDP port of PFCP (TS 29.244 §4.2.2).
const Port = 8805

// Cause values (TS 29.244 §8.2.1, Table 8.2.1-1). 1–63 accept a request,
// 64 and above reject it.
const (
	CauseRequestAccepted                 uint8 = 1
	CauseMoreUsageReportToSend           uint8 = 2
	CauseRequestPartiallyAccepted        uint8 = 3
	CauseRequestRejected                 uint8 = 64
	CauseSessionContextNotFound          uint8 = 65
	CauseMandatoryIEMissing              uint8 = 66
	CauseConditionalIEMissing            uint8 = 67
	CauseInvalidLength                   uint8 = 68
	CauseMandatoryIEIncorrect            uint8 = 69
	CauseInvalidForwardingPolicy         uint8 = 70
	CauseInvalidFTEIDAllocationOption    uint8 = 71
	CauseNoEstablishedPFCPAssociation    uint8 = 72
	CauseRuleCreationModificationFailure uint8 = 73
	CausePFCPEntityInCongestion          uint8 = 74
	CauseNoResourcesAvailable            uint8 = 75
	CauseServiceNotSupported             uint8 = 76
	CauseSystemFailure                   uint8 = 77
	CauseRedirectionRequested            uint8 = 78
)

// Accepted reports whether cause accepts a request (TS 29.244 §8.2.1:
// values below 64).
func Accepted(cause uint8) bool { return cause != 0 && cause < 64 }

var (
	// ErrTimeout is returned by Node.Request when no response came after
	// N1 retransmissions (TS 29.244 §6.4).
	ErrTimeout = errors.New("pfcp: no response")
	// ErrClosed is returned by a Node's methods after Close.
	ErrClosed = errors.New("pfcp: node closed")
	// ErrVersionNotSupported is the Err of a *CauseError for a message of
	// a version other than 1: the answer is a Version Not Supported
	// Response (TS 29.244 §7.6.2), not a cause.
	ErrVersionNotSupported = errors.New("pfcp: version not supported")
	// ErrUnknownMessage is the Err of a *CauseError for a message type
	// TS 29.244 §7.3 does not define; such messages are silently
	// discarded (§7.6.4).
	ErrUnknownMessage = errors.New("pfcp: unknown message type")
	// ErrTooShort is the Err of a *CauseError for input too short to hold
	// a PFCP header; it is silently discarded (§7.6.3).
	ErrTooShort = errors.New("pfcp: message too short for its header")
)

// CauseError is a request Keel refuses, with the cause and offending IE
// type for the response (TS 29.244 §7.6). MessageType, Sequence and SEID
// come from the refused message's header when it was readable that far,
// so that a response can still be sent; MessageType 0 means it was not.
type CauseError struct {
	Cause       uint8
	OffendingIE uint16
	Err         error

	MessageType uint8
	Sequence    uint32
	SEID        uint64 // the header's SEID, as received
}

func (e *CauseError) Error() string {
	var b strings.Builder
	b.WriteString(e.Err.Error())
	if e.Cause != 0 {
		fmt.Fprintf(&b, " (cause %d %s", e.Cause, CauseName(e.Cause))
		if e.OffendingIE != 0 {
			fmt.Fprintf(&b, ", offending IE %d", e.OffendingIE)
		}
		b.WriteString(")")
	}
	return b.String()
}

func (e *CauseError) Unwrap() error { return e.Err }

// Answerable reports whether the refused message is a request whose
// response carries a cause, so that the refusal can be sent.
func (e *CauseError) Answerable() bool {
	return e.Cause != 0 && IsRequest(e.MessageType) && e.MessageType != message.MsgTypeHeartbeatRequest
}

// causeErr builds a *CauseError with a "pfcp: " message.
func causeErr(cause uint8, offending uint16, format string, args ...any) *CauseError {
	return &CauseError{Cause: cause, OffendingIE: offending, Err: fmt.Errorf("pfcp: "+format, args...)}
}

// withHeader fills in the header fields of a *CauseError from m.
func withHeader(err error, m message.Message) error {
	var ce *CauseError
	if errors.As(err, &ce) && ce.MessageType == 0 && m != nil {
		ce.MessageType, ce.Sequence, ce.SEID = m.MessageType(), m.Sequence(), m.SEID()
	}
	return err
}

// CauseName is the meaning of a cause value (TS 29.244 Table 8.2.1-1).
func CauseName(c uint8) string {
	switch c {
	case CauseRequestAccepted:
		return "Request accepted"
	case CauseMoreUsageReportToSend:
		return "More Usage Report to send"
	case CauseRequestPartiallyAccepted:
		return "Request partially accepted"
	case CauseRequestRejected:
		return "Request rejected"
	case CauseSessionContextNotFound:
		return "Session context not found"
	case CauseMandatoryIEMissing:
		return "Mandatory IE missing"
	case CauseConditionalIEMissing:
		return "Conditional IE missing"
	case CauseInvalidLength:
		return "Invalid length"
	case CauseMandatoryIEIncorrect:
		return "Mandatory IE incorrect"
	case CauseInvalidForwardingPolicy:
		return "Invalid Forwarding Policy"
	case CauseInvalidFTEIDAllocationOption:
		return "Invalid F-TEID allocation option"
	case CauseNoEstablishedPFCPAssociation:
		return "No established PFCP Association"
	case CauseRuleCreationModificationFailure:
		return "Rule creation/modification Failure"
	case CausePFCPEntityInCongestion:
		return "PFCP entity in congestion"
	case CauseNoResourcesAvailable:
		return "No resources available"
	case CauseServiceNotSupported:
		return "Service not supported"
	case CauseSystemFailure:
		return "System failure"
	case CauseRedirectionRequested:
		return "Redirection Requested"
	}
	return "unknown cause"
}

// IsRequest reports whether t is a request message type (TS 29.244
// Table 7.3-1).
func IsRequest(t uint8) bool {
	switch t {
	case message.MsgTypeHeartbeatRequest, message.MsgTypePFDManagementRequest,
		message.MsgTypeAssociationSetupRequest, message.MsgTypeAssociationUpdateRequest,
		message.MsgTypeAssociationReleaseRequest, message.MsgTypeNodeReportRequest,
		message.MsgTypeSessionSetDeletionRequest, message.MsgTypeSessionEstablishmentRequest,
		message.MsgTypeSessionModificationRequest, message.MsgTypeSessionDeletionRequest,
		message.MsgTypeSessionReportRequest:
		return true
	}
	return false
}

// IsResponse reports whether t is a response message type, Version Not
// Supported Response included.
func IsResponse(t uint8) bool {
	return t == message.MsgTypeVersionNotSupportedResponse || (t != 0 && IsRequest(t-1))
}

// isSessionType reports whether t is a session related message, whose
// header carries a SEID (TS 29.244 §7.2.2.1).
func isSessionType(t uint8) bool { return t >= 50 && t <= 57 }

// known reports whether TS 29.244 Table 7.3-1 defines t.
func known(t uint8) bool { return IsRequest(t) || IsResponse(t) }

// TypeName is the name of a message type (TS 29.244 Table 7.3-1).
func TypeName(t uint8) string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return fmt.Sprintf("Unknown (%d)", t)
}

var typeNames = map[uint8]string{
	1: "Heartbeat Request", 2: "Heartbeat Response",
	3: "PFD Management Request", 4: "PFD Management Response",
	5: "Association Setup Request", 6: "Association Setup Response",
	7: "Association Update Request", 8: "Association Update Response",
	9: "Association Release Request", 10: "Association Release Response",
	11: "Version Not Supported Response",
	12: "Node Report Request", 13: "Node Report Response",
	14: "Session Set Deletion Request", 15: "Session Set Deletion Response",
	50: "Session Establishment Request", 51: "Session Establishment Response",
	52: "Session Modification Request", 53: "Session Modification Response",
	54: "Session Deletion Request", 55: "Session Deletion Response",
	56: "Session Report Request", 57: "Session Report Response",
}

// Marshal encodes m.
func Marshal(m message.Message) ([]byte, error) {
	return AppendMessage(nil, m)
}

// AppendMessage appends the encoding of m to b.
func AppendMessage(b []byte, m message.Message) ([]byte, error) {
	n := m.MarshalLen()
	b = grow(b, n)
	if err := m.MarshalTo(b[len(b)-n:]); err != nil {
		return b[:len(b)-n], fmt.Errorf("pfcp: %s: %w", TypeName(m.MessageType()), err)
	}
	return b, nil
}

func grow(b []byte, n int) []byte {
	if cap(b)-len(b) < n {
		nb := make([]byte, len(b), len(b)+n)
		copy(nb, b)
		b = nb
	}
	return b[:len(b)+n]
}
