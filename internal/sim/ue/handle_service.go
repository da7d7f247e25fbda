package ue

import (
	"errors"
	"fmt"
	"time"

	"github.com/free5gc/nas"
	"github.com/keelcore/keel/internal/ident"
)

// ServiceType is the service type of a Service Request (TS 24.501
// §9.11.3.50).
type ServiceType uint8

// Service types.
const (
	ServiceSignalling         ServiceType = 0
	ServiceData               ServiceType = 1
	ServiceMobileTerminated   ServiceType = 2 // the answer to paging
	ServiceEmergency          ServiceType = 3
	ServiceEmergencyFallback  ServiceType = 4
	ServiceHighPriority       ServiceType = 5
	ServiceElevatedSignalling ServiceType = 6
)

func (t ServiceType) String() string {
	switch t {
	case ServiceSignalling:
		return "signalling"
	case ServiceData:
		return "data"
	case ServiceMobileTerminated:
		return "mobile terminated services"
	case ServiceEmergency:
		return "emergency services"
	case ServiceEmergencyFallback:
		return "emergency services fallback"
	case ServiceHighPriority:
		return "high priority access"
	case ServiceElevatedSignalling:
		return "elevated signalling"
	}
	return fmt.Sprintf("ServiceType(%d)", uint8(t))
}

// IEIs of the Service Request, Accept and Reject (TS 24.501 §8.2.16 to
// §8.2.18).
const (
	ieiUplinkDataStatus            = 0x40
	ieiPDUSessionStatus            = 0x50
	ieiReactivationResult          = 0x26
	ieiReactivationResultErrCause  = 0x72
	ieiT3346                       = 0x5F
	identitySTMSIOctet             = 0xF0 | identitySTMSI // 5GS mobile identity octet 4 of a 5G-S-TMSI
	sessionBitmapLen               = 2                    // PSI 0 to 15
	causeUEIdentityCannotBeDerived = 9
	causeImplicitlyDeregistered    = 10
)

// ServiceRequest builds a SERVICE REQUEST (TS 24.501 §5.6.1.2, §8.2.16)
// as the initial NAS message of a new N1 connection from 5GMM-IDLE:
// ngKSI of the current 5G NAS security context, service type t and the
// 5G-S-TMSI from the 5G-GUTI, integrity protected with the current
// context (security header type 1) and not ciphered. The UE always
// tells the network which PDU sessions it has (PDU session status,
// §8.2.16.4), and with uplinkData the sessions with pending uplink data
// whose user plane it wants back (Uplink data status, §8.2.16.3). Both
// are non-cleartext IEs (§4.4.6), so the entire message travels in a
// NAS message container ciphered with the current context and the same
// uplink NAS COUNT, beside the cleartext IEs. The UE enters
// 5GMM-SERVICE-REQUEST-INITIATED; the network answers with a Service
// Accept or Reject (possibly after authentication and security mode
// control).
func (u *UE) ServiceRequest(t ServiceType, uplinkData ...uint8) ([]byte, error) {
	if u.state != Registered {
		return nil, fmt.Errorf("ue: service request in %s", u.state)
	}
	if u.ctx == nil || u.guti == nil {
		return nil, errors.New("ue: service request without a 5G NAS security context and 5G-GUTI")
	}
	if u.secured {
		return nil, errors.New("ue: service request in 5GMM-CONNECTED: the simulated UE sends it as an initial NAS message only")
	}
	if t > 0x0F {
		return nil, fmt.Errorf("ue: service type %d does not fit 4 bits", uint8(t))
	}
	pending, active, err := u.sessionStatus(uplinkData)
	if err != nil {
		return nil, err
	}
	full := serviceRequest(t, u.ctx.ngKSI, u.guti, pending, active, true, nil)
	container := append([]byte(nil), full...)
	if err := nasCipher(u.ctx.ea, u.ctx.kEnc, u.ctx.ul, dirUplink, container); err != nil {
		return nil, err
	}
	out, err := u.ctx.protect(serviceRequest(t, u.ctx.ngKSI, u.guti, 0, 0, false, container), shtIntegrity)
	if err != nil {
		return nil, err
	}
	u.initial = &initialMessage{full: full, nonCleartext: true}
	u.state = ServiceRequestInitiated
	return out, nil
}

// serviceRequest encodes a SERVICE REQUEST (TS 24.501 §8.2.16): ngKSI
// (bits 1 to 4 of octet 4, TS 24.007 §11.2.3.1.5 puts the first half
// octet IE low), service type (bits 5 to 8), the 5G-S-TMSI (§9.11.3.4,
// type of identity 100), then, with nonCleartext, Uplink data status
// and PDU session status (§9.11.3.57, §9.11.3.44: bit n of the two
// octets is PSI n, octet 3 holding PSI 0 to 7), and container as the NAS
// message container when not nil.
func serviceRequest(t ServiceType, ksi uint8, g *ident.GUTI, uplinkData, active uint16, nonCleartext bool, container []byte) []byte {
	b := gmmHeader(nas.MsgTypeServiceRequest)
	b = append(b, uint8(t)<<4|ksi&0x0F)
	b = appendLVE(b, []byte{identitySTMSIOctet,
		byte(g.SetID >> 2), byte(g.SetID<<6) | g.Pointer&0x3F,
		byte(g.TMSI >> 24), byte(g.TMSI >> 16), byte(g.TMSI >> 8), byte(g.TMSI)})
	if nonCleartext {
		if uplinkData != 0 {
			b = appendTLV(b, ieiUplinkDataStatus, sessionBitmap(uplinkData))
		}
		b = appendTLV(b, ieiPDUSessionStatus, sessionBitmap(active))
	}
	if container != nil {
		b = appendTLVE(b, ieiNASMessageContainer, container)
	}
	return b
}

// sessionStatus returns the PSI bitmaps of the Uplink data status
// (§9.11.3.57: the sessions of uplinkData, each of which must be active)
// and of the PDU session status (§9.11.3.44: every session the UE has).
func (u *UE) sessionStatus(uplinkData []uint8) (pending, active uint16, err error) {
	for _, psi := range uplinkData {
		if psi == 0 || u.sm.stateOf(psi) != SessionActive {
			return 0, 0, fmt.Errorf("ue: uplink data status names PDU session %d, which is not active", psi)
		}
		pending |= 1 << psi
	}
	for psi := 1; psi < len(u.sm.sessions); psi++ {
		if u.sm.sessions[psi].state != SessionInactive {
			active |= 1 << psi
		}
	}
	return pending, active, nil
}

// sessionBitmap encodes a PSI bitmap (bit n = PSI n) as its two octets.
func sessionBitmap(m uint16) []byte { return []byte{byte(m), byte(m >> 8)} }

// parseSessionBitmap reads a PSI bitmap IE value (PDU session status,
// reactivation result: 2 to 32 octets, the octets past the second
// spare).
func parseSessionBitmap(v []byte) (uint16, error) {
	if len(v) < sessionBitmapLen || len(v) > 32 {
		return 0, fmt.Errorf("ue: PDU session bitmap of %d octets, want 2 to 32", len(v))
	}
	return uint16(v[0]) | uint16(v[1])<<8, nil
}

// serviceMessage is a decoded SERVICE ACCEPT or SERVICE REJECT: the
// optional IEs the UE uses.
type serviceMessage struct {
	status      uint16
	hasStatus   bool
	reactFailed uint16
	reactCauses map[uint8]uint8
	t3346       time.Duration // BackOffDeactivated when deactivated
}

// parseServiceIEs reads the optional IEs of a Service Accept (TS 24.501
// §8.2.17) or Reject (§8.2.18). A malformed optional IE is treated as
// absent (§7.7.2); a repeated one counts once, the first (§7.6.3).
func parseServiceIEs(b []byte) (serviceMessage, error) {
	var m serviceMessage
	seen := map[uint8]bool{}
	err := walkIEsWith(b, nil, func(iei uint8, v []byte) error {
		if seen[iei] {
			return nil
		}
		seen[iei] = true
		switch iei {
		case ieiPDUSessionStatus:
			if s, err := parseSessionBitmap(v); err == nil {
				m.status, m.hasStatus = s, true
			}
		case ieiReactivationResult:
			if s, err := parseSessionBitmap(v); err == nil {
				m.reactFailed = s
			}
		case ieiReactivationResultErrCause:
			// §9.11.3.43: pairs of PDU session ID and 5GMM cause.
			if len(v) >= 2 && len(v)%2 == 0 {
				m.reactCauses = map[uint8]uint8{}
				for i := 0; i < len(v); i += 2 {
					m.reactCauses[v[i]] = v[i+1]
				}
			}
		case ieiT3346:
			if len(v) == 1 {
				m.t3346 = gprsTimer2(v[0])
			}
		}
		return nil
	})
	return m, err
}

// gprsTimer2 decodes a GPRS timer 2 value (TS 24.008 §10.5.7.4),
// BackOffDeactivated for a deactivated timer. Units other than 2 s,
// 1 min and decihours are read as 1 min, as §10.5.7.4 says.
func gprsTimer2(o byte) time.Duration {
	v := time.Duration(o & 0x1F)
	switch o >> 5 {
	case 0:
		return v * 2 * time.Second
	case 2:
		return v * 6 * time.Minute
	case 7:
		return BackOffDeactivated
	}
	return v * time.Minute
}

// handleServiceAccept completes the service request (TS 24.501
// §5.6.1.4.1): the UE locally releases the PDU sessions the network
// says are inactive (PDU session status) and reports those whose user
// plane could not be re-established (PDU session reactivation result,
// with the causes of the reactivation result error cause IE).
func (u *UE) handleServiceAccept(in *inbound) (Result, error) {
	m, err := parseServiceIEs(in.plain[3:])
	if err != nil {
		return Result{}, fmt.Errorf("ue: Service Accept: %w", err)
	}
	res := Result{Event: EventServiceAccepted}
	if m.hasStatus {
		res.SessionsReleased = u.syncSessions(m.status)
	}
	for psi := uint8(1); psi < 16; psi++ {
		if m.reactFailed&(1<<psi) != 0 {
			res.ReactivationFailed = append(res.ReactivationFailed, SessionCause{PDUSessionID: psi, Cause: m.reactCauses[psi]})
		}
	}
	u.initial = nil
	u.state = Registered
	return res, nil
}

// handleServiceReject ends the service request with the network's 5GMM
// cause (TS 24.501 §5.6.1.5). Simplified: #3, #6, #7, #9, #10 and #11
// end the registration (the UE forgets it, as after a Registration
// Reject, and registers anew with the SUCI); every other cause leaves
// the UE registered in 5GMM-IDLE with its PDU sessions, T3346 in
// Result.BackOff (#22 congestion: no new request before it expires).
func (u *UE) handleServiceReject(in *inbound) (Result, error) {
	if len(in.plain) < 4 {
		return Result{}, errors.New("ue: Service Reject without a 5GMM cause")
	}
	cause := in.plain[3]
	m, err := parseServiceIEs(in.plain[4:])
	if err != nil {
		return Result{}, fmt.Errorf("ue: Service Reject: %w", err)
	}
	res := Result{Event: EventServiceRejected, Cause: cause, BackOff: m.t3346}
	u.initial = nil
	switch cause {
	case 3, 6, 7, causeUEIdentityCannotBeDerived, causeImplicitlyDeregistered, 11:
		u.forgetRegistration()
		u.ctx, u.pending, u.secured = nil, nil, false
		u.state = Deregistered
		return res, nil
	}
	if m.hasStatus {
		res.SessionsReleased = u.syncSessions(m.status)
	}
	u.state = Registered
	return res, nil
}

// syncSessions releases locally every PDU session the network's PDU
// session status says is inactive (TS 24.501 §5.6.1.4.1, §5.6.1.5) and
// returns their IDs.
func (u *UE) syncSessions(status uint16) []uint8 {
	var released []uint8
	for psi := uint8(1); int(psi) < len(u.sm.sessions); psi++ {
		s := &u.sm.sessions[psi]
		if s.state != SessionInactive && status&(1<<psi) == 0 {
			*s = smSession{}
			released = append(released, psi)
		}
	}
	return released
}

// SessionCause is a PDU session with a 5GMM cause (0 when none was
// given).
type SessionCause struct {
	PDUSessionID uint8
	Cause        uint8
}
