package ue

import (
	"fmt"
	"time"

	"github.com/free5gc/nas"
)

// State is the UE's 5GMM state (TS 24.501 §5.1.3.2.1), without the
// substates.
//
//	                  RegistrationRequest()
//	Deregistered ──────────────────────────────► RegisteredInitiated ◄─┐
//	 ▲  ▲  ▲        Registration Reject,              │                │ RegistrationUpdate()
//	 │  │  └──────── Authentication Reject ───────────┤                │
//	 │  │                                             │ Registration   │
//	 │  │ network-initiated                           ▼ Accept         │
//	 │  └─ Deregistration Request ─────────────── Registered ──────────┘
//	 │                                                │
//	 │ Deregistration Accept (or switch-off)          │ DeregistrationRequest()
//	 └────────────────────────────── DeregisteredInitiated
//
//	           ServiceRequest() (from 5GMM-IDLE)
//	Registered ─────────────────────────────────► ServiceRequestInitiated
//	    ▲        Service Accept, Service Reject          │
//	    └─────── (most causes), connection released ─────┘
//
// Authentication Reject, a network-initiated Deregistration Request and
// a Service Reject ending the registration (#9, #10 ...) lead to
// Deregistered; downlinkProcedures lists the states in which each
// downlink message is accepted.
type State int

// 5GMM states.
const (
	Deregistered            State = iota // 5GMM-DEREGISTERED
	RegisteredInitiated                  // 5GMM-REGISTERED-INITIATED
	Registered                           // 5GMM-REGISTERED
	DeregisteredInitiated                // 5GMM-DEREGISTERED-INITIATED
	ServiceRequestInitiated              // 5GMM-SERVICE-REQUEST-INITIATED
)

func (s State) String() string {
	switch s {
	case Deregistered:
		return "5GMM-DEREGISTERED"
	case RegisteredInitiated:
		return "5GMM-REGISTERED-INITIATED"
	case Registered:
		return "5GMM-REGISTERED"
	case DeregisteredInitiated:
		return "5GMM-DEREGISTERED-INITIATED"
	case ServiceRequestInitiated:
		return "5GMM-SERVICE-REQUEST-INITIATED"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Event is what a downlink message did to the UE.
type Event int

// Events.
const (
	EventNone                 Event = iota
	EventRegistered                 // Registration Accept processed
	EventRejected                   // Registration Reject; Result.Cause is the 5GMM cause
	EventDeregistered               // deregistration completed, either side initiating; Cause set if the network gave one
	EventAuthRejected               // Authentication Reject
	EventAuthFailure                // the UE refused the challenge with Authentication Failure; Cause is #20, #21, #26 or #71
	EventSecurityModeRejected       // the UE answered Security Mode Reject; Cause is #23 or #24
	EventConfigurationUpdated       // Configuration Update Command processed
	EventServiceAccepted            // Service Accept processed; see Result.SessionsReleased, Result.ReactivationFailed
	EventServiceRejected            // Service Reject; Cause is the 5GMM cause, BackOff T3346

	// 5GSM events carry Result.PDUSessionID.
	EventPDUSessionEstablished     // PDU Session Establishment Accept processed; see UE.PDUSession
	EventPDUSessionRejected        // PDU Session Establishment Reject; Cause is the 5GSM cause
	EventPDUSessionReleased        // PDU Session Release Command answered; Cause is the 5GSM cause
	EventPDUSessionReleaseRejected // PDU Session Release Reject; Cause is the 5GSM cause
	EventPDUSessionNotForwarded    // DL NAS Transport returned the UE's 5GSM message; Cause is the 5GMM cause (#90 ...)
	// EventPDUSessionModified: a PDU Session Modification Command applied
	// and answered Complete; see UE.PDUSession.
	EventPDUSessionModified
	// EventPDUSessionModificationRejected: the network rejected the UE's
	// modification request; Cause is the 5GSM cause, BackOff its timer.
	EventPDUSessionModificationRejected
	// EventPDUSessionModificationCommandRejected: the UE answered a
	// Modification Command with Command Reject; Cause is the 5GSM cause.
	EventPDUSessionModificationCommandRejected
)

func (e Event) String() string {
	switch e {
	case EventNone:
		return "none"
	case EventRegistered:
		return "registered"
	case EventRejected:
		return "rejected"
	case EventDeregistered:
		return "deregistered"
	case EventAuthRejected:
		return "authentication rejected"
	case EventAuthFailure:
		return "authentication failure"
	case EventSecurityModeRejected:
		return "security mode rejected"
	case EventConfigurationUpdated:
		return "configuration updated"
	case EventServiceAccepted:
		return "service accepted"
	case EventServiceRejected:
		return "service rejected"
	case EventPDUSessionEstablished:
		return "PDU session established"
	case EventPDUSessionRejected:
		return "PDU session rejected"
	case EventPDUSessionReleased:
		return "PDU session released"
	case EventPDUSessionReleaseRejected:
		return "PDU session release rejected"
	case EventPDUSessionNotForwarded:
		return "5GSM message not forwarded"
	case EventPDUSessionModified:
		return "PDU session modified"
	case EventPDUSessionModificationRejected:
		return "PDU session modification rejected"
	case EventPDUSessionModificationCommandRejected:
		return "PDU session modification command rejected"
	}
	return fmt.Sprintf("Event(%d)", int(e))
}

// Result is what Handle did with one downlink NAS PDU.
type Result struct {
	// Uplink holds the NAS PDUs to send, in order.
	Uplink [][]byte
	Event  Event
	// Cause is the 5GMM cause (TS 24.501 §9.11.3.2) of a reject, of the
	// UE's own failure or reject message, or of a network deregistration;
	// for the 5GSM events, the cause the Event names.
	Cause uint8
	// PDUSessionID is the PDU session of a 5GSM event.
	PDUSessionID uint8
	// BackOff is the Back-off timer value of a PDU Session Establishment
	// Reject (TS 24.501 §6.4.1.4.2: T3396 with #26): how long the UE is
	// not to ask again for the DNN and S-NSSAI; or the T3346 value of a
	// Service Reject (§5.6.1.5, #22 congestion): how long the UE is not
	// to send another Service Request. 0 when the network gave none or
	// zero, BackOffDeactivated when it said "deactivated".
	BackOff time.Duration
	// SessionsReleased are the PDU sessions the UE released locally
	// because a Service Accept or Reject said the network has them
	// inactive (PDU session status, TS 24.501 §5.6.1.4.1).
	SessionsReleased []uint8
	// ReactivationFailed are the PDU sessions whose user-plane resources
	// a Service Accept says could not be re-established (PDU session
	// reactivation result, §9.11.3.42), with the 5GMM cause of the
	// reactivation result error cause IE when present.
	ReactivationFailed []SessionCause
}

// BackOffDeactivated is Result.BackOff for a Back-off timer value IE that
// says "deactivated" (GPRS timer 3 unit 111, TS 24.008 §10.5.7.4a): no
// new request until the UE is switched off or the USIM removed.
const BackOffDeactivated time.Duration = -1

// inbound is a downlink 5GMM message after the security header was
// checked and removed.
type inbound struct {
	msg   *nas.GmmMessage
	plain []byte // the plain 5GMM message
	sht   uint8  // security header type it came with
	mac   [4]byte
	sqn   uint8
}

type procedure struct {
	name   string
	handle func(*UE, *inbound) (Result, error)
	states []State // states in which the message is compatible with the protocol state
	// own is set when the handler decodes inbound.plain itself (the
	// messages whose codec is in this package) rather than reading
	// free5gc's decoding.
	own bool
}

// downlinkProcedures is the transition table: for each downlink 5GMM
// message type, the handler and the states that accept it. It is never
// written after initialisation.
var downlinkProcedures = map[uint8]procedure{
	nas.MsgTypeAuthenticationRequest: {"Authentication Request", (*UE).handleAuthenticationRequest,
		[]State{RegisteredInitiated, Registered, DeregisteredInitiated, ServiceRequestInitiated}, false},
	nas.MsgTypeAuthenticationReject: {"Authentication Reject", (*UE).handleAuthenticationReject,
		[]State{RegisteredInitiated, Registered, DeregisteredInitiated, ServiceRequestInitiated}, false},
	nas.MsgTypeSecurityModeCommand: {"Security Mode Command", (*UE).handleSecurityModeCommand,
		[]State{RegisteredInitiated, Registered, ServiceRequestInitiated}, false},
	nas.MsgTypeIdentityRequest: {"Identity Request", (*UE).handleIdentityRequest,
		[]State{RegisteredInitiated, Registered, ServiceRequestInitiated}, false},
	nas.MsgTypeRegistrationAccept: {"Registration Accept", (*UE).handleRegistrationAccept,
		[]State{RegisteredInitiated}, false},
	nas.MsgTypeRegistrationReject: {"Registration Reject", (*UE).handleRegistrationReject,
		[]State{RegisteredInitiated}, false},
	nas.MsgTypeConfigurationUpdateCommand: {"Configuration Update Command", (*UE).handleConfigurationUpdateCommand,
		[]State{Registered}, false},
	nas.MsgTypeDeregistrationAcceptUEOriginatingDeregistration: {"Deregistration Accept", (*UE).handleDeregistrationAccept,
		[]State{DeregisteredInitiated}, false},
	nas.MsgTypeDeregistrationRequestUETerminatedDeregistration: {"Deregistration Request (UE terminated)", (*UE).handleDeregistrationRequest,
		[]State{RegisteredInitiated, Registered, DeregisteredInitiated, ServiceRequestInitiated}, false},
	nas.MsgTypeDLNASTransport: {"DL NAS Transport", (*UE).handleDLNASTransport,
		[]State{Registered}, false},
	nas.MsgTypeServiceAccept: {"Service Accept", (*UE).handleServiceAccept,
		[]State{ServiceRequestInitiated}, true},
	nas.MsgTypeServiceReject: {"Service Reject", (*UE).handleServiceReject,
		[]State{ServiceRequestInitiated}, true},
	nas.MsgTypeStatus5GMM: {"5GMM Status", (*UE).handleStatus,
		[]State{Deregistered, RegisteredInitiated, Registered, DeregisteredInitiated, ServiceRequestInitiated}, false},
}

func (p procedure) accepts(s State) bool {
	for _, x := range p.states {
		if x == s {
			return true
		}
	}
	return false
}
