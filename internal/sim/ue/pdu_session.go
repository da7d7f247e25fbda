package ue

import (
	"errors"
	"fmt"
	"github.com/keelcore/keel/internal/ident"
)

// msgULNASTransport is the 5GMM message type of UL NAS TRANSPORT
// (TS 24.501 §9.7, table 9.7.1).
const msgULNASTransport = 0x67

// EstablishPDUSession starts a UE-requested PDU session establishment
// (TS 24.501 §6.4.1.2) and returns the UL NAS TRANSPORT to send: the PDU
// SESSION ESTABLISHMENT REQUEST as N1 SM information, with the PDU
// session ID, request type "initial request", the S-NSSAI and the DNN
// (§5.4.5.2.2), integrity protected and ciphered with the current 5G NAS
// security context. A zero s or an empty dnn is left out, so that the
// network picks the subscription's default. The answer comes in a DL NAS
// TRANSPORT: Handle reports EventPDUSessionEstablished, or
// EventPDUSessionRejected or EventPDUSessionNotForwarded with a cause.
func (u *UE) EstablishPDUSession(psi uint8, dnn string, s ident.SNSSAI, pduType uint8) ([]byte, error) {
	if err := u.canSendSM(psi); err != nil {
		return nil, err
	}
	if st := u.sm.stateOf(psi); st != SessionInactive {
		return nil, fmt.Errorf("ue: PDU session %d is in %s", psi, st)
	}
	if pduType < PDUTypeIPv4 || pduType > PDUTypeEthernet {
		return nil, fmt.Errorf("ue: PDU session type %d", pduType)
	}
	if s.SD > 0xFFFFFF {
		return nil, fmt.Errorf("ue: S-NSSAI SD %#x does not fit 24 bits", s.SD)
	}
	d, err := encodeDNN(dnn)
	if err != nil {
		return nil, err
	}
	pti := u.sm.nextPTI()
	out, err := u.ctx.protect(ulNASTransport(psi, establishmentRequest(psi, pti, pduType), requestInitial, s, d), shtIntegrityCiphered)
	if err != nil {
		return nil, err
	}
	*u.sm.at(psi) = smSession{state: SessionActivePending, pti: pti, pduType: pduType, dnn: dnn, snssai: s}
	return out, nil
}

// ReleasePDUSession starts a UE-requested PDU session release (TS 24.501
// §6.4.3.2) with cause #36 "regular deactivation" and returns the UL NAS
// TRANSPORT to send. The network answers with PDU SESSION RELEASE
// COMMAND (Handle answers RELEASE COMPLETE and reports
// EventPDUSessionReleased) or RELEASE REJECT.
func (u *UE) ReleasePDUSession(psi uint8) ([]byte, error) {
	if err := u.canSendSM(psi); err != nil {
		return nil, err
	}
	if st := u.sm.stateOf(psi); st != SessionActive {
		return nil, fmt.Errorf("ue: release of PDU session %d in %s", psi, st)
	}
	pti := u.sm.nextPTI()
	req := append(smHeader(psi, pti, smReleaseRequest), ieiSMCause, causeRegularDeact)
	out, err := u.ctx.protect(ulNASTransport(psi, req, 0, ident.SNSSAI{}, nil), shtIntegrityCiphered)
	if err != nil {
		return nil, err
	}
	s := u.sm.at(psi)
	s.state, s.pti = SessionInactivePending, pti
	return out, nil
}

// canSendSM checks that a 5GSM message can go now: the UE is registered
// and has an N1 connection on which the network established secure
// exchange (TS 24.501 §5.4.5.2.1; from 5GMM-IDLE a Service Request
// comes first).
func (u *UE) canSendSM(psi uint8) error {
	if psi == 0 || psi > maxPSI {
		return fmt.Errorf("ue: PDU session ID %d: want 1 to 15", psi)
	}
	if u.state != Registered {
		return fmt.Errorf("ue: 5GSM procedure in %s", u.state)
	}
	if u.ctx == nil || !u.secured {
		return errors.New("ue: 5GSM procedure without an N1 connection in secure exchange")
	}
	return nil
}

// AbortPDUSessionEstablishment gives up the UE-requested establishment
// of PDU session psi that got no answer, as on the last expiry of T3580
// (TS 24.501 §6.4.1.6 a): the PTI is released and the session is PDU
// SESSION INACTIVE again, so that the UE may request it anew. A session
// in another state is left alone; it reports whether one was aborted.
func (u *UE) AbortPDUSessionEstablishment(psi uint8) bool {
	if psi == 0 || u.sm.stateOf(psi) != SessionActivePending {
		return false
	}
	u.sm.sessions[psi] = smSession{}
	return true
}
