package ue

import (
	"fmt"

	"github.com/free5gc/nas"
)

// 5GS registration types (TS 24.501 §9.11.3.7).
const (
	regInitial  = 1
	regMobility = 2
	regPeriodic = 3
)

const (
	ieiUESecurityCapability = 0x2E // TS 24.501 §8.2.6
	ieiRequestedNSSAI       = 0x2F
)

// RegistrationRequest builds the initial NAS message of an initial
// registration (TS 24.501 §5.5.1.2.2): 5GS registration type "initial
// registration", ngKSI "no key is available", a freshly concealed SUCI and
// the UE security capability. It carries the cleartext IEs only
// (§4.4.6); the entire message, with the requested NSSAI, follows in the
// Security Mode Complete. The UE drops any security context and
// registration it had.
func (u *UE) RegistrationRequest() ([]byte, error) {
	if u.state != Deregistered && u.state != RegisteredInitiated {
		return nil, fmt.Errorf("ue: initial registration in %s: deregister first", u.state)
	}
	id, err := u.suciIdentity()
	if err != nil {
		return nil, err
	}
	u.ctx, u.pending, u.secured = nil, nil, false
	u.forgetRegistration()
	u.initial = &initialMessage{
		full:         u.registrationRequest(regInitial, ngKSINoKeyAvailable, id, true, nil),
		nonCleartext: len(u.nssai) > 0,
	}
	u.state = RegisteredInitiated
	return u.registrationRequest(regInitial, ngKSINoKeyAvailable, id, false, nil), nil
}

// RegistrationUpdate builds a Registration Request for mobility
// (periodic=false) or periodic registration updating (periodic=true)
// (TS 24.501 §5.5.1.3.2) as the initial NAS message of a new N1
// connection: the 5G-GUTI as identity, integrity protected with the
// current 5G NAS security context (security header type 1). For mobility
// updating with a configured NSSAI, the entire message with the requested
// NSSAI goes in a NAS message container ciphered with the current context
// and the same uplink NAS COUNT (§4.4.6).
//
// With uplinkData the UE also names the sessions with pending uplink data
// whose user plane it wants back (Uplink data status, §9.11.3.57) and
// tells which PDU sessions it has (PDU session status, §9.11.3.44), both
// non-cleartext IEs in the container (§5.5.1.3.2, §4.4.6).
func (u *UE) RegistrationUpdate(periodic bool, uplinkData ...uint8) ([]byte, error) {
	if u.state != Registered {
		return nil, fmt.Errorf("ue: registration update in %s", u.state)
	}
	if u.ctx == nil || u.guti == nil {
		return nil, fmt.Errorf("ue: registration update without a 5G NAS security context and 5G-GUTI")
	}
	typ := uint8(regMobility)
	if periodic {
		typ = regPeriodic
	}
	id := appendGUTI(nil, *u.guti)
	withNSSAI := !periodic && len(u.nssai) > 0
	full := u.registrationRequest(typ, u.ctx.ngKSI, id, withNSSAI, nil)
	if len(uplinkData) > 0 {
		pending, active, err := u.sessionStatus(uplinkData)
		if err != nil {
			return nil, err
		}
		full = appendTLV(full, ieiUplinkDataStatus, sessionBitmap(pending))
		full = appendTLV(full, ieiPDUSessionStatus, sessionBitmap(active))
	}
	nonCleartext := withNSSAI || len(uplinkData) > 0
	msg := full
	if nonCleartext {
		container := append([]byte(nil), full...)
		if err := nasCipher(u.ctx.ea, u.ctx.kEnc, u.ctx.ul, dirUplink, container); err != nil {
			return nil, err
		}
		msg = u.registrationRequest(typ, u.ctx.ngKSI, id, false, container)
	}
	out, err := u.ctx.protect(msg, shtIntegrity)
	if err != nil {
		return nil, err
	}
	u.secured = false // a new connection: the network has to establish secure exchange on it
	u.initial = &initialMessage{full: full, nonCleartext: nonCleartext, update: true}
	u.state = RegisteredInitiated
	return out, nil
}

// registrationRequest encodes a Registration Request (TS 24.501 §8.2.6).
// nonCleartext adds the IEs §4.4.6 keeps out of an unprotected initial
// message; container, if not nil, is the NAS message container value.
func (u *UE) registrationRequest(typ, ksi uint8, identity []byte, nonCleartext bool, container []byte) []byte {
	b := gmmHeader(nas.MsgTypeRegistrationRequest)
	var follow uint8
	if u.follow {
		follow = 1
	}
	b = append(b, ksi<<4|follow<<3|typ)
	b = appendLVE(b, identity)
	b = appendTLV(b, ieiUESecurityCapability, u.secCap[:])
	if nonCleartext && len(u.nssai) > 0 {
		b = appendTLV(b, ieiRequestedNSSAI, appendNSSAI(nil, u.nssai))
	}
	if container != nil {
		b = appendTLVE(b, ieiNASMessageContainer, container)
	}
	return b
}

// suciIdentity conceals the SUPI afresh and returns the 5GS mobile
// identity contents.
func (u *UE) suciIdentity() ([]byte, error) {
	out, err := u.suci.schemeOutput(bcd(u.msin))
	if err != nil {
		return nil, err
	}
	return suciIdentity(u.plmn, u.routing, u.suci.scheme, u.suci.keyID, out), nil
}

// handleRegistrationAccept completes a registration (TS 24.501
// §5.5.1.2.4, §5.5.1.3.4). Optional IEs that do not parse are treated as
// absent (§7.7.2).
func (u *UE) handleRegistrationAccept(in *inbound) (Result, error) {
	m := in.msg.RegistrationAccept
	newGUTI := false
	if m.GUTI5G != nil {
		if g, err := parseGUTI(m.GUTI5G.Octet[:]); err == nil {
			u.guti, newGUTI = &g, true
		}
	}
	if m.TAIList != nil {
		if t, err := parseTAIList(m.TAIList.Buffer); err == nil {
			u.tais = t
		}
	}
	if m.AllowedNSSAI != nil {
		if a, err := parseNSSAI(m.AllowedNSSAI.Buffer); err == nil {
			u.allowed = a
		}
	}
	if m.T3512Value != nil {
		u.t3512 = gprsTimer3(m.T3512Value.Octet)
	}
	res := Result{Event: EventRegistered}
	// §5.5.1.2.4: Registration Complete acknowledges a new 5G-GUTI.
	if newGUTI {
		out, err := u.send(gmmHeader(nas.MsgTypeRegistrationComplete))
		if err != nil {
			return Result{}, err
		}
		res.Uplink = [][]byte{out}
	}
	u.initial = nil
	u.state = Registered
	return res, nil
}

// handleRegistrationReject ends the registration (TS 24.501 §5.5.1.2.5).
// Simplified: whatever the cause, the UE deletes its 5G-GUTI, TAI list
// and security context and starts over with an initial registration.
func (u *UE) handleRegistrationReject(in *inbound) (Result, error) {
	cause := in.msg.RegistrationReject.Cause5GMM.Octet
	u.forgetRegistration()
	u.ctx, u.pending, u.secured = nil, nil, false
	u.state = Deregistered
	return Result{Event: EventRejected, Cause: cause}, nil
}

// forgetRegistration also releases the PDU sessions locally, without
// signalling: a deregistered UE has none (TS 24.501 §5.5.2), and an
// initial registration starts without any.
func (u *UE) forgetRegistration() {
	u.guti, u.tais, u.allowed, u.t3512, u.initial = nil, nil, nil, 0, nil
	u.releaseSessions()
}
