package ue

import (
	"fmt"

	"github.com/free5gc/nas"
)

// deregAccess3GPP is the access type of the de-registration type IE
// (TS 24.501 §9.11.3.20).
const deregAccess3GPP = 0x01

// DeregistrationRequest builds a UE-originating Deregistration Request
// (TS 24.501 §5.5.2.2.1) over 3GPP access with the 5G-GUTI (the SUCI when
// the UE has none). With a current 5G NAS security context it is
// integrity protected, and also ciphered when the network established
// secure exchange on the connection; without one it goes plain. With
// switchOff the UE is deregistered at once, as no answer comes.
func (u *UE) DeregistrationRequest(switchOff bool) ([]byte, error) {
	if u.state != Registered && u.state != RegisteredInitiated {
		return nil, fmt.Errorf("ue: deregistration in %s", u.state)
	}
	var id []byte
	if u.guti != nil {
		id = appendGUTI(nil, *u.guti)
	} else {
		var err error
		if id, err = u.suciIdentity(); err != nil {
			return nil, err
		}
	}
	ksi := uint8(ngKSINoKeyAvailable)
	if u.ctx != nil {
		ksi = u.ctx.ngKSI
	}
	var off uint8
	if switchOff {
		off = 1
	}
	msg := gmmHeader(nas.MsgTypeDeregistrationRequestUEOriginatingDeregistration)
	msg = append(msg, ksi<<4|off<<3|deregAccess3GPP)
	msg = appendLVE(msg, id)
	out := msg
	if u.ctx != nil {
		sht := uint8(shtIntegrity)
		if u.secured {
			sht = shtIntegrityCiphered
		}
		var err error
		if out, err = u.ctx.protect(msg, sht); err != nil {
			return nil, err
		}
	}
	u.initial = nil
	if switchOff {
		u.deregistered()
	} else {
		u.state = DeregisteredInitiated
	}
	return out, nil
}

// handleDeregistrationAccept completes a UE-originating deregistration
// (TS 24.501 §5.5.2.2.2).
func (u *UE) handleDeregistrationAccept(*inbound) (Result, error) {
	u.deregistered()
	return Result{Event: EventDeregistered}, nil
}

// handleDeregistrationRequest answers a network-initiated deregistration
// (TS 24.501 §5.5.2.3.2) with Deregistration Accept.
func (u *UE) handleDeregistrationRequest(in *inbound) (Result, error) {
	m := in.msg.DeregistrationRequestUETerminatedDeregistration
	var cause uint8
	if m.Cause5GMM != nil {
		cause = m.Cause5GMM.Octet
	}
	out, err := u.send(gmmHeader(nas.MsgTypeDeregistrationAcceptUETerminatedDeregistration))
	if err != nil {
		return Result{}, err
	}
	u.deregistered()
	return Result{Uplink: [][]byte{out}, Event: EventDeregistered, Cause: cause}, nil
}

// deregistered enters 5GMM-DEREGISTERED. The network releases the N1
// connection after a deregistration (TS 24.501 §5.5.2.2.2, §5.5.2.3.2).
// Simplified: the UE also forgets its 5G-GUTI and registration area, so the
// next registration is an initial one with the SUCI.
func (u *UE) deregistered() {
	u.forgetRegistration()
	u.state, u.secured = Deregistered, false
}
