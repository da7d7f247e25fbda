package nas

import (
	"errors"
	"fmt"
	"time"
)

// 5GMM connection management message types, TS 24.501 §9.7.
const (
	MsgServiceRequest uint8 = 0x4c
	MsgServiceReject  uint8 = 0x4d
	MsgServiceAccept  uint8 = 0x4e
)

// IEIs of the service request procedure's messages (TS 24.501 §8.2.16,
// §8.2.17, §8.2.18).
const (
	ieiUplinkDataStatus         uint8 = 0x40
	ieiPDUSessionStatus         uint8 = 0x50
	ieiAllowedPDUSessionStatus  uint8 = 0x25
	ieiNASMessageContainer      uint8 = 0x71
	ieiReactivationResult       uint8 = 0x26
	ieiReactivationResultErrors uint8 = 0x72
)

// ServiceType is the service type of a SERVICE REQUEST (TS 24.501
// §9.11.3.50).
type ServiceType uint8

const (
	ServiceSignalling          ServiceType = 0
	ServiceData                ServiceType = 1
	ServiceMobileTerminated    ServiceType = 2
	ServiceEmergency           ServiceType = 3
	ServiceEmergencyFallback   ServiceType = 4
	ServiceHighPriorityAccess  ServiceType = 5
	ServiceElevatedSignalling  ServiceType = 6
	serviceTypeFirstUnassigned ServiceType = 7
)

func (s ServiceType) String() string {
	switch s {
	case ServiceSignalling:
		return "signalling"
	case ServiceData:
		return "data"
	case ServiceMobileTerminated:
		return "mobile-terminated"
	case ServiceEmergency:
		return "emergency"
	case ServiceEmergencyFallback:
		return "emergency-fallback"
	case ServiceHighPriorityAccess:
		return "high-priority-access"
	case ServiceElevatedSignalling:
		return "elevated-signalling"
	}
	return "data"
}

// PSISet is a set of PDU session identities 1..15, bit i for PSI i, as
// the PDU session status (§9.11.3.44), Uplink data status (§9.11.3.57),
// Allowed PDU session status (§9.11.3.13) and PDU session reactivation
// result (§9.11.3.42) IEs carry it. PSI 0 is spare and never set.
type PSISet uint16

// Has reports whether psi is in the set.
func (s PSISet) Has(psi uint8) bool { return psi > 0 && psi < 16 && s&(1<<psi) != 0 }

// Add returns the set with psi added; PSIs outside 1..15 are ignored.
func (s PSISet) Add(psi uint8) PSISet {
	if psi == 0 || psi > 15 {
		return s
	}
	return s | 1<<psi
}

// IDs lists the PSIs in the set, in increasing order.
func (s PSISet) IDs() []uint8 {
	var out []uint8
	for psi := uint8(1); psi < 16; psi++ {
		if s.Has(psi) {
			out = append(out, psi)
		}
	}
	return out
}

// parsePSISet reads a PSI bitmap IE value: octet 1 holds PSI(7)..PSI(0)
// in bits 8..1, octet 2 PSI(15)..PSI(8); further octets are spare.
func parsePSISet(v []byte) (PSISet, bool) {
	if len(v) < 2 {
		return 0, false
	}
	return PSISet(uint16(v[1])<<8|uint16(v[0])) &^ 1, true
}

func appendPSISet(b []byte, iei uint8, s PSISet) []byte {
	s &^= 1
	return append(b, iei, 2, byte(s), byte(s>>8))
}

// ServiceRequest is a decoded SERVICE REQUEST (TS 24.501 §8.2.16).
type ServiceRequest struct {
	// NgKSI is the NAS key set identifier: TSC in bit 4, the key set
	// in bits 1-3 (§9.11.3.32).
	NgKSI uint8
	Type  ServiceType
	STMSI STMSI
	// The PSI sets are valid when the matching Has field is set.
	UplinkData, SessionStatus, AllowedStatus          PSISet
	HasUplinkData, HasSessionStatus, HasAllowedStatus bool
	// Container is the value of the NAS message container IE (§4.4.6:
	// the whole SERVICE REQUEST, ciphered, when the UE has IEs that may
	// not be sent in clear); it aliases the parsed message.
	Container []byte
}

var errServiceRequest = errors.New("nas: SERVICE REQUEST")

// ParseServiceRequest decodes a plain SERVICE REQUEST (the output of
// Split or Unprotect). A missing or malformed mandatory IE is *Error
// with cause #96 (TS 24.501 §7.5); an optional IE too short for its
// format, or of unknown IEI, is ignored (§7.6.1, §7.6.4). It never
// panics.
func ParseServiceRequest(plain []byte) (ServiceRequest, error) {
	var sr ServiceRequest
	bad := func(format string, args ...any) (ServiceRequest, error) {
		return ServiceRequest{}, &Error{Cause: CauseInvalidMandatoryInfo, MessageType: MsgServiceRequest,
			err: fmt.Errorf("%w: "+format, append([]any{errServiceRequest}, args...)...)}
	}
	if len(plain) < 3 || plain[0] != EPD5GMM {
		return ServiceRequest{}, Ignore
	}
	if plain[2] != MsgServiceRequest {
		return ServiceRequest{}, fmt.Errorf("%w: message type %#02x", errServiceRequest, plain[2])
	}
	b := plain[3:]
	if len(b) < 1 {
		return bad("no ngKSI and service type")
	}
	sr.NgKSI = b[0] & 0x0f
	sr.Type = ServiceType(b[0] >> 4)
	if sr.Type >= serviceTypeFirstUnassigned {
		// §9.11.3.50: unassigned values are read as "data".
		sr.Type = ServiceData
	}
	b = b[1:]
	if len(b) < 2 {
		return bad("no 5G-S-TMSI")
	}
	n := int(b[0])<<8 | int(b[1])
	if len(b) < 2+n {
		return bad("5G-S-TMSI of %d octets, %d present", n, len(b)-2)
	}
	id, err := ParseIdentity(b[2 : 2+n])
	if err != nil || id.Type != IdentitySTMSI {
		return bad("mobile identity is not a 5G-S-TMSI")
	}
	sr.STMSI = *id.STMSI
	b = b[2+n:]
	for len(b) > 0 {
		iei := b[0]
		var v []byte
		switch {
		case iei >= 0x80:
			// Type 1 and 2 IEs (TS 24.007 §11.2.4): one octet.
			b = b[1:]
			continue
		case iei&0xf0 == 0x70:
			// TLV-E (TS 24.007 §11.2.4A: IEIs 0x7-).
			if len(b) < 3 || len(b) < 3+(int(b[1])<<8|int(b[2])) {
				return sr, nil
			}
			l := int(b[1])<<8 | int(b[2])
			v, b = b[3:3+l], b[3+l:]
		default:
			if len(b) < 2 || len(b) < 2+int(b[1]) {
				return sr, nil
			}
			l := int(b[1])
			v, b = b[2:2+l], b[2+l:]
		}
		switch iei {
		case ieiUplinkDataStatus:
			sr.UplinkData, sr.HasUplinkData = parsePSISet(v)
		case ieiPDUSessionStatus:
			sr.SessionStatus, sr.HasSessionStatus = parsePSISet(v)
		case ieiAllowedPDUSessionStatus:
			sr.AllowedStatus, sr.HasAllowedStatus = parsePSISet(v)
		case ieiNASMessageContainer:
			sr.Container = v
		}
	}
	return sr, nil
}

// AppendServiceRequest encodes a plain SERVICE REQUEST, as a UE sends
// it; the simulator and the tests use it. Container, when set, is put
// as is (ciphering it is the caller's).
func AppendServiceRequest(b []byte, sr ServiceRequest) []byte {
	b = plain5GMM(b, MsgServiceRequest)
	b = append(b, byte(sr.Type)<<4|sr.NgKSI&0x0f)
	t := sr.STMSI
	b = append(b, 0, 7, 0xf0|IdentitySTMSI, byte(t.SetID>>2), byte(t.SetID<<6)|t.Pointer&0x3f,
		byte(t.TMSI>>24), byte(t.TMSI>>16), byte(t.TMSI>>8), byte(t.TMSI))
	if sr.HasUplinkData {
		b = appendPSISet(b, ieiUplinkDataStatus, sr.UplinkData)
	}
	if sr.HasSessionStatus {
		b = appendPSISet(b, ieiPDUSessionStatus, sr.SessionStatus)
	}
	if sr.HasAllowedStatus {
		b = appendPSISet(b, ieiAllowedPDUSessionStatus, sr.AllowedStatus)
	}
	if sr.Container != nil {
		b = append(b, ieiNASMessageContainer, byte(len(sr.Container)>>8), byte(len(sr.Container)))
		b = append(b, sr.Container...)
	}
	return b
}

// SessionCause is one entry of the PDU session reactivation result error
// cause IE (TS 24.501 §9.11.3.43).
type SessionCause struct {
	PSI   uint8
	Cause uint8
}

// Accepted is the content of a SERVICE ACCEPT (TS 24.501 §8.2.17).
type Accepted struct {
	// SessionStatus, with HasSessionStatus, lists the PDU sessions
	// active in the network (§5.6.1.4.1: sent when the UE sent its own).
	SessionStatus    PSISet
	HasSessionStatus bool
	// Reactivation, with HasReactivation, sets the PSIs whose user-plane
	// resources could not be established (§9.11.3.42: 1 = failed);
	// ReactivationErrors gives each one's 5GMM cause.
	Reactivation       PSISet
	HasReactivation    bool
	ReactivationErrors []SessionCause
}

// ServiceAccept (TS 24.501 §8.2.17).
func ServiceAccept(b []byte, a Accepted) []byte {
	b = plain5GMM(b, MsgServiceAccept)
	if a.HasSessionStatus {
		b = appendPSISet(b, ieiPDUSessionStatus, a.SessionStatus)
	}
	if a.HasReactivation {
		b = appendPSISet(b, ieiReactivationResult, a.Reactivation)
	}
	return appendReactivationErrors(b, a.ReactivationErrors)
}

// appendReactivationErrors encodes the PDU session reactivation result
// error cause IE (§9.11.3.43), if there are errors.
func appendReactivationErrors(b []byte, errs []SessionCause) []byte {
	if len(errs) == 0 {
		return b
	}
	n := 2 * len(errs)
	b = append(b, ieiReactivationResultErrors, byte(n>>8), byte(n))
	for _, e := range errs {
		b = append(b, e.PSI, e.Cause)
	}
	return b
}

// ParsePSISet reads the value of a PDU session status, Uplink data
// status or Allowed PDU session status IE (§9.11.3.44, §9.11.3.57,
// §9.11.3.13): bit n of the two octets is PSI n; PSI 0 is spare.
func ParsePSISet(v []byte) (PSISet, bool) { return parsePSISet(v) }

// Rejected is the content of a SERVICE REJECT (TS 24.501 §8.2.18).
type Rejected struct {
	Cause            uint8
	SessionStatus    PSISet
	HasSessionStatus bool
	// T3346, when positive, is the back-off sent with cause #22
	// (§5.6.1.5, GPRS timer 2).
	T3346 time.Duration
}

// ServiceReject (TS 24.501 §8.2.18).
func ServiceReject(b []byte, r Rejected) []byte {
	b = plain5GMM(b, MsgServiceReject)
	b = append(b, r.Cause)
	if r.HasSessionStatus {
		b = appendPSISet(b, ieiPDUSessionStatus, r.SessionStatus)
	}
	if r.T3346 > 0 {
		b = append(b, ieiT3346, 1, GPRSTimer2(r.T3346))
	}
	return b
}
