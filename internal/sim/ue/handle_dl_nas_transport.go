package ue

import (
	"errors"
	"fmt"
	"github.com/keelcore/keel/internal/ident"
	"time"
)

// SMStatusError is a 5GSM STATUS message from the network (TS 24.501
// §6.5.2): it reports an error in a 5GSM message of the UE.
type SMStatusError struct {
	PDUSessionID uint8
	Cause        uint8
}

func (e *SMStatusError) Error() string {
	return fmt.Sprintf("ue: 5GSM STATUS from the network for PDU session %d, cause #%d", e.PDUSessionID, e.Cause)
}

// errPTIMismatch is a 5GSM answer whose PTI is not that of the UE's
// procedure (TS 24.501 §7.3.1, which would answer 5GSM STATUS #47).
var errPTIMismatch = fmt.Errorf("ue: PTI mismatch: %w", ErrUnexpected)

type smProcedure struct {
	name   string
	handle func(*UE, *smSession, smMessage) (Result, error)
	states []SMState // states of the PDU session in which the message is accepted
}

// smProcedures is the 5GSM transition table: for each downlink 5GSM
// message type, the handler and the PDU session states that accept it.
// It is never written after initialisation.
var smProcedures = map[uint8]smProcedure{
	smEstablishmentAccept: {"PDU Session Establishment Accept", (*UE).handleEstablishmentAccept,
		[]SMState{SessionActivePending}},
	smEstablishmentReject: {"PDU Session Establishment Reject", (*UE).handleEstablishmentReject,
		[]SMState{SessionActivePending}},
	smReleaseCommand: {"PDU Session Release Command", (*UE).handleReleaseCommand,
		[]SMState{SessionActive, SessionInactivePending}},
	smReleaseReject: {"PDU Session Release Reject", (*UE).handleReleaseReject,
		[]SMState{SessionInactivePending}},
	smModificationCommand: {"PDU Session Modification Command", (*UE).handleModificationCommand,
		[]SMState{SessionActive}},
	smModificationReject: {"PDU Session Modification Reject", (*UE).handleModificationReject,
		[]SMState{SessionActive}},
	smStatus: {"5GSM Status", (*UE).handleSMStatus,
		[]SMState{SessionInactive, SessionActivePending, SessionActive, SessionInactivePending}},
}

func (p smProcedure) accepts(s SMState) bool {
	for _, x := range p.states {
		if x == s {
			return true
		}
	}
	return false
}

// handleDLNASTransport delivers N1 SM information to the 5GSM entity
// (TS 24.501 §5.4.5.3), or reports the 5GMM cause of a 5GSM message the
// network could not forward (§5.4.5.2.5: the payload is the UE's own
// message and the procedure ends). Other payload types are not
// implemented.
func (u *UE) handleDLNASTransport(in *inbound) (Result, error) {
	m := in.msg.DLNASTransport
	if t := m.GetPayloadContainerType(); t != payloadN1SM {
		return Result{}, fmt.Errorf("ue: DL NAS Transport with payload container type %d: %w", t, ErrNotImplemented)
	}
	// §8.2.11.2: the PDU session ID is present with N1 SM information.
	if m.PduSessionID2Value == nil {
		return Result{}, errors.New("ue: DL NAS Transport: N1 SM information without a PDU session ID")
	}
	psi := m.PduSessionID2Value.GetPduSessionID2Value()
	if psi == 0 || psi > maxPSI {
		return Result{}, fmt.Errorf("ue: DL NAS Transport: PDU session ID %d", psi)
	}
	if m.Cause5GMM != nil {
		return u.smNotForwarded(psi, m.Cause5GMM.Octet), nil
	}
	sm, err := parseSM(m.PayloadContainer.GetPayloadContainerContents())
	if err != nil {
		return Result{}, err
	}
	if sm.psi != psi {
		return Result{}, fmt.Errorf("ue: DL NAS Transport for PDU session %d carries a 5GSM message of session %d", psi, sm.psi)
	}
	p, ok := smProcedures[sm.typ]
	if !ok {
		return Result{}, fmt.Errorf("ue: 5GSM message type %#02x: %w", sm.typ, ErrNotImplemented)
	}
	s := u.sm.at(psi)
	if !p.accepts(s.state) {
		return Result{}, fmt.Errorf("ue: %s for PDU session %d in %s: %w", p.name, psi, s.state, ErrUnexpected)
	}
	return p.handle(u, s, sm)
}

// smNotForwarded ends the 5GSM procedure of a message the network could
// not route (5GMM cause #90, #91 ...). A release request that could not
// go anywhere releases the session locally: the network has no context
// for it.
func (u *UE) smNotForwarded(psi, cause uint8) Result {
	s := u.sm.at(psi)
	switch s.state {
	case SessionActivePending, SessionInactivePending:
		*s = smSession{}
	}
	return Result{Event: EventPDUSessionNotForwarded, Cause: cause, PDUSessionID: psi}
}

// handleEstablishmentAccept completes the establishment (TS 24.501
// §6.4.1.3).
func (u *UE) handleEstablishmentAccept(s *smSession, m smMessage) (Result, error) {
	if m.pti != s.pti {
		return Result{}, errPTIMismatch
	}
	info, err := parseAccept(m)
	if err != nil {
		return Result{}, err
	}
	if info.DNN == "" {
		info.DNN = s.dnn
	}
	if info.SNSSAI == (ident.SNSSAI{}) {
		info.SNSSAI = s.snssai
	}
	*s = smSession{state: SessionActive, pduType: s.pduType, dnn: s.dnn, snssai: s.snssai, info: info}
	return Result{Event: EventPDUSessionEstablished, PDUSessionID: m.psi}, nil
}

// handleEstablishmentReject ends the establishment with the network's
// 5GSM cause (TS 24.501 §6.4.1.4).
func (u *UE) handleEstablishmentReject(s *smSession, m smMessage) (Result, error) {
	if m.pti != s.pti {
		return Result{}, errPTIMismatch
	}
	if len(m.body) < 1 {
		return Result{}, errors.New("ue: PDU Session Establishment Reject without a 5GSM cause")
	}
	backOff, err := rejectBackOff(m.body[1:])
	if err != nil {
		return Result{}, err
	}
	*s = smSession{}
	return Result{Event: EventPDUSessionRejected, Cause: m.body[0], PDUSessionID: m.psi, BackOff: backOff}, nil
}

// rejectBackOff finds the Back-off timer value IE (IEI 37, GPRS timer 3)
// among the optional IEs of a PDU SESSION ESTABLISHMENT REJECT (TS 24.501
// §8.3.3): 0 when there is none or it says zero, BackOffDeactivated for
// "deactivated" (TS 24.008 §10.5.7.4a unit 111). The first one counts;
// the other IEs are skipped.
func rejectBackOff(b []byte) (time.Duration, error) {
	var backOff time.Duration
	errFound := errors.New("found")
	err := walkIEsWith(b, nil, func(iei uint8, v []byte) error {
		if iei != ieiBackOffTimer {
			return nil
		}
		if len(v) != 1 {
			return errors.New("ue: Back-off timer value of a length other than 1")
		}
		if backOff = gprsTimer3(v[0]); v[0]>>5 == 7 {
			backOff = BackOffDeactivated
		}
		return errFound
	})
	if err != nil && err != errFound {
		return 0, fmt.Errorf("ue: PDU Session Establishment Reject: %w", err)
	}
	return backOff, nil
}

// handleReleaseCommand releases the session, network-requested (PTI 0,
// TS 24.501 §6.3.3) or answering the UE's request (§6.4.3.3), and
// answers PDU SESSION RELEASE COMPLETE with the same PTI.
func (u *UE) handleReleaseCommand(s *smSession, m smMessage) (Result, error) {
	if m.pti != 0 && m.pti != s.pti {
		return Result{}, errPTIMismatch
	}
	if len(m.body) < 1 {
		return Result{}, errors.New("ue: PDU Session Release Command without a 5GSM cause")
	}
	out, err := u.send(ulNASTransport(m.psi, smHeader(m.psi, m.pti, smReleaseComplete), 0, ident.SNSSAI{}, nil))
	if err != nil {
		return Result{}, err
	}
	*s = smSession{}
	return Result{Uplink: [][]byte{out}, Event: EventPDUSessionReleased, Cause: m.body[0], PDUSessionID: m.psi}, nil
}

// handleReleaseReject keeps the session (TS 24.501 §6.4.3.4).
func (u *UE) handleReleaseReject(s *smSession, m smMessage) (Result, error) {
	if m.pti != s.pti {
		return Result{}, errPTIMismatch
	}
	if len(m.body) < 1 {
		return Result{}, errors.New("ue: PDU Session Release Reject without a 5GSM cause")
	}
	s.state, s.pti = SessionActive, 0
	return Result{Event: EventPDUSessionReleaseRejected, Cause: m.body[0], PDUSessionID: m.psi}, nil
}

func (u *UE) handleSMStatus(_ *smSession, m smMessage) (Result, error) {
	if len(m.body) < 1 {
		return Result{}, errors.New("ue: 5GSM Status without a cause")
	}
	return Result{}, &SMStatusError{PDUSessionID: m.psi, Cause: m.body[0]}
}
