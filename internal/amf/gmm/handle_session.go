package gmm

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/free5gc/nas/nasMessage"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nas"
	"github.com/keelcore/keel/internal/sbi"
)

// session is one PDU session the AMF relays for (TS 23.502 §4.3.2.2.1):
// the SM context at the SMF and the slice it lives in.
type session struct {
	ref    string
	snssai ident.SNSSAI
	psi    uint8 // the PDU session ID
	dnn    string
}

// sessionSet is a UE's PDU sessions in increasing order of PDU session
// ID: a UE has one or a few (at most 15, TS 24.501 §9.4), which a slice
// holds in a few bytes where a map took some 180.
type sessionSet []*session

// get returns the session psi, nil when there is none.
func (ss sessionSet) get(psi uint8) *session {
	for _, s := range ss {
		if s.psi == psi {
			return s
		}
	}
	return nil
}

// put makes s the session psi, in place of any it had.
func (ss *sessionSet) put(psi uint8, s *session) {
	s.psi = psi
	i, found := slices.BinarySearchFunc(*ss, psi, func(x *session, psi uint8) int { return cmp.Compare(x.psi, psi) })
	if found {
		(*ss)[i] = s
		return
	}
	*ss = slices.Insert(*ss, i, s)
}

// del removes the session psi, if there is one; an empty set is nil.
func (ss *sessionSet) del(psi uint8) {
	*ss = slices.DeleteFunc(*ss, func(s *session) bool { return s.psi == psi })
	if len(*ss) == 0 {
		*ss = nil
	}
}

// SessionResource is one PDU session's part of a PDU Session Resource
// Setup or Release Command (TS 38.413 §9.2.1.1, §9.2.1.5).
type SessionResource struct {
	PDUSessionID uint8
	SNSSAI       ident.SNSSAI
	NASPDU       []byte // the protected DL NAS TRANSPORT for the UE
	Transfer     []byte // the SMF's N2 SM information
}

// handleULNASTransport relays 5GSM (TS 24.501 §5.4.5.2): a new PDU
// session goes to the SMF with Nsmf_PDUSession_CreateSMContext, a
// message for an existing one with UpdateSMContext.
func (m *Machine) handleULNASTransport(ctx context.Context, msg *nasMessage.ULNASTransport) {
	t, err := nas.ParseULTransport(msg)
	if err != nil {
		m.sendStatus(nas.CauseInvalidMandatoryInfo, "reason", "malformed UL NAS TRANSPORT", "error", err)
		return
	}
	if t.PayloadType != nas.PayloadN1SM || !t.HasPSI {
		// §5.4.5.2.5: a payload the AMF cannot route is returned.
		m.notForwarded(t, nas.CausePayloadNotForwarded, slog.LevelInfo, "reason", "payload other than 5GSM, or no PDU session ID",
			"payload_type", int(t.PayloadType))
		return
	}
	if !m.smf {
		m.notForwarded(t, nas.CausePayloadNotForwarded, slog.LevelInfo, "reason", "no SMF")
		return
	}
	s := m.sessions.get(t.PDUSessionID)
	if s == nil || t.RequestType == nas.RequestInitial {
		m.createSession(t, s)
		return
	}
	m.updateSM(t.PDUSessionID, s, sbi.SmContextUpdateData{N1SmMsg: sbi.N1SM(t.Payload)}, relayed{t: t, kind: relayNAS})
}

// updateSM issues Nsmf_PDUSession_UpdateSMContext for session psi
// (calls.go) and keeps r, completed with the session, until the SMF's
// answer comes back (smContextUpdated).
func (m *Machine) updateSM(psi uint8, s *session, data sbi.SmContextUpdateData, r relayed) {
	m.notify(UpdateSMContext{Ref: s.ref, Data: data})
	if m.relaying == nil {
		m.relaying = map[CallID]relayed{}
	}
	r.psi, r.s = psi, s
	m.relaying[m.lastCall] = r
}

// relayKind says what an UpdateSMContext carries, and so what its
// answer does.
type relayKind uint8

const (
	// relayNAS: a 5GSM message of the UE; a failure is returned to the
	// UE (TS 24.501 §5.4.5.2.5).
	relayNAS relayKind = iota
	// relayN2: the gNB's answer or notification for the session (TS
	// 23.502 §4.3.2.2.1 step 15, §4.3.3.2 steps 1e and 6, §4.3.4.2
	// step 7); what the SMF answers goes on (smfAnswer).
	relayN2
	// relayDeactivate: upCnxState DEACTIVATED after an AN release (TS
	// 23.502 §4.2.6 step 5); nothing waits for the answer.
	relayDeactivate
	// relayModifyIndication: a session of the gNB's PDU Session
	// Resource Modify Indication (TS 23.502 §4.3.3.2 step 1a); the
	// answer is item index of the indication's confirm
	// (handle_session_notify.go).
	relayModifyIndication
)

// relayed is an UpdateSMContext of session psi waiting for the SMF's
// answer (calls.go): t is the UE's 5GSM message of a relayNAS.
type relayed struct {
	kind relayKind
	t    nas.ULTransport
	psi  uint8
	s    *session
	// ind and index: the Modify Indication of a relayModifyIndication
	// and the session's item in it.
	ind   *modifyIndication
	index int
}

// smContextUpdated goes on with the UpdateSMContext of call id once the
// SMF has answered. It reports false when its session is gone meanwhile
// (released, replaced, the UE deregistered): the answer is discarded.
func (m *Machine) smContextUpdated(id CallID, a UpdateSMContextAnswer) bool {
	r, ok := m.relaying[id]
	delete(m.relaying, id)
	if len(m.relaying) == 0 {
		// An emptied map keeps its table: an idle UE holds none.
		m.relaying = nil
	}
	if ok && r.kind == relayModifyIndication {
		// The gNB waits for the confirm whatever became of the session.
		m.modifyAnswered(r.ind, r.index, a)
		return true
	}
	if !ok || m.sessions.get(r.psi) != r.s || (r.kind == relayNAS && m.state != Registered) {
		return false
	}
	switch {
	case a.Err != nil && r.kind == relayNAS:
		m.notForwarded(r.t, nas.CausePayloadNotForwarded, slog.LevelWarn, "reason", "Nsmf_PDUSession_UpdateSMContext failed", "error", a.Err)
	case a.Err != nil:
		m.log.Warn("Nsmf_PDUSession_UpdateSMContext failed", "pdu_session_id", r.psi, "error", a.Err)
	case r.kind != relayDeactivate:
		m.smfAnswer(r.psi, r.s, a.Updated)
	}
	return true
}

// createSession selects the DNN and slice and asks the SMF for an SM
// context (TS 23.502 §4.3.2.2.1 steps 2-3), an event away (calls.go).
func (m *Machine) createSession(t nas.ULTransport, old *session) {
	snssai, dnn := m.selectSlice(t)
	if snssai == nil {
		// §5.4.5.2.5: the S-NSSAI is not in the allowed NSSAI.
		m.notForwarded(t, nas.CausePayloadNotForwarded, slog.LevelInfo, "reason", "S-NSSAI not in the allowed NSSAI",
			"allowed", fmt.Sprint(m.allowed))
		return
	}
	if old != nil {
		// A new establishment for an identity in use replaces the old
		// session (TS 24.501 §6.4.1.2: the network releases it locally).
		m.notify(ReleaseSMContext{Ref: old.ref})
		m.sessions.del(t.PDUSessionID)
	}
	req := CreateSMContext{Data: sbi.SmContextCreateData{
		Supi: m.supi, PduSessionID: t.PDUSessionID, Dnn: dnn,
		SNssai:         *snssai,
		ServingNetwork: m.cfg.PLMN,
		AnType:         sbi.AccessType3GPP, RatType: sbi.RatNR,
		N1SmMsg: sbi.N1SM(t.Payload),
	}}
	m.notify(req)
	if m.establishing == nil {
		m.establishing = map[CallID]establishment{}
	}
	m.establishing[m.lastCall] = establishment{t: t, snssai: *snssai, dnn: dnn}
}

// establishment is a PDU session establishment waiting for the SMF's
// answer to CreateSMContext (calls.go).
type establishment struct {
	t      nas.ULTransport
	snssai ident.SNSSAI
	dnn    string
}

// smContextCreated goes on with the establishment of call id once the
// SMF has answered (TS 23.502 §4.3.2.2.1 steps 3-11). It reports false
// when the establishment is gone.
func (m *Machine) smContextCreated(id CallID, a CreateSMContextAnswer) bool {
	e, ok := m.establishing[id]
	delete(m.establishing, id)
	if len(m.establishing) == 0 {
		// An emptied map keeps its table: an idle UE holds none.
		m.establishing = nil
	}
	if !ok || !m.connected || m.state != Registered {
		if a.Err == nil && a.Created.SmContextRef != "" {
			m.notify(ReleaseSMContext{Ref: a.Created.SmContextRef})
		}
		return false
	}
	t, res, err := e.t, a.Created, a.Err
	var refused *sbi.SmContextCreateError
	if errors.As(err, &refused) && refused.N1SmMsg != nil {
		// TS 29.502 §5.2.2.2.1: the SMF refused the SM context; its PDU
		// SESSION ESTABLISHMENT REJECT goes to the UE.
		m.sh.Outcome(Outcome{"pdu-session", "rejected"})
		m.send(nas.DLTransport(nil, nas.PayloadN1SM, refused.N1SmMsg.Bytes(), t.PDUSessionID, 0))
		return true
	}
	if err != nil {
		cause, level := nas.CausePayloadNotForwarded, slog.LevelWarn
		if errors.Is(err, sbi.ErrUserNotFound) {
			cause, level = nas.CauseDNNNotSupportedInSlice, slog.LevelInfo
		}
		m.notForwarded(t, cause, level, "reason", "Nsmf_PDUSession_CreateSMContext failed", "dnn", e.dnn, "error", err)
		return true
	}
	m.sh.Outcome(Outcome{"pdu-session", "accepted"})
	if len(res.N2SmInfo.Bytes()) == 0 {
		m.send(nas.DLTransport(nil, nas.PayloadN1SM, res.N1SmMsg.Bytes(), t.PDUSessionID, 0))
		return true
	}
	if old := m.sessions.get(t.PDUSessionID); old != nil {
		// Another establishment with this ID was answered first.
		m.notify(ReleaseSMContext{Ref: old.ref})
	}
	m.sessions.put(t.PDUSessionID, &session{ref: res.SmContextRef, snssai: e.snssai, dnn: e.dnn})
	pdu, err := m.sec.Protect(nas.DLTransport(nil, nas.PayloadN1SM, res.N1SmMsg.Bytes(), t.PDUSessionID, 0), nas.IntegrityCiphered)
	if err != nil {
		m.log.Error("protecting DL NAS Transport", "error", err)
		return true
	}
	m.sh.SetupSessions([]SessionResource{{PDUSessionID: t.PDUSessionID, SNSSAI: e.snssai, NASPDU: pdu, Transfer: res.N2SmInfo.Bytes()}})
	return true
}

// selectSlice picks the S-NSSAI (the UE's, if allowed, else the first
// allowed) and the DNN (the UE's, else the subscription's first), TS
// 23.502 §4.3.2.2.1 step 2.
func (m *Machine) selectSlice(t nas.ULTransport) (*ident.SNSSAI, string) {
	var s *ident.SNSSAI
	switch {
	case t.SNSSAI != nil:
		// TS 23.003 §28.4.2: SD ffffff and no SD are the same slice; the
		// SMF is given the allowed NSSAI's form.
		for i := range m.allowed {
			if m.allowed[i].Same(*t.SNSSAI) {
				s = &m.allowed[i]
				break
			}
		}
	case len(m.allowed) > 0:
		s = &m.allowed[0]
	}
	dnn := t.DNN
	if dnn == "" && len(m.am.DNNs) > 0 {
		dnn = m.am.DNNs[0]
	}
	return s, dnn
}

// smfAnswer forwards what the SMF returned for a session.
func (m *Machine) smfAnswer(psi uint8, s *session, upd sbi.SmContextUpdatedData) {
	var nasPDU []byte
	if len(upd.N1SmMsg.Bytes()) > 0 {
		var err error
		nasPDU, err = m.sec.Protect(nas.DLTransport(nil, nas.PayloadN1SM, upd.N1SmMsg.Bytes(), psi, 0), nas.IntegrityCiphered)
		if err != nil {
			m.log.Error("protecting DL NAS Transport", "error", err)
			return
		}
	}
	switch {
	case upd.N2SmInfoType == sbi.N2ReleaseCommand && m.connected:
		m.sh.ReleaseSessions(nasPDU, []SessionResource{{PDUSessionID: psi, SNSSAI: s.snssai, Transfer: upd.N2SmInfo.Bytes()}})
	case upd.N2SmInfoType == sbi.N2SetupRequest && m.connected:
		// The user plane of an existing session set up again (TS
		// 23.502 §4.2.3.3 step 4b for a connected UE, TS 38.413 §8.2.1).
		m.sh.SetupSessions([]SessionResource{{PDUSessionID: psi, SNSSAI: s.snssai, NASPDU: nasPDU, Transfer: upd.N2SmInfo.Bytes()}})
	case upd.N2SmInfoType == sbi.N2ModifyRequest && m.connected:
		// A PDU SESSION MODIFICATION COMMAND goes to the UE inside the
		// PDU Session Resource Modify Request (TS 23.502 §4.3.3.2 step
		// 4, TS 38.413 §8.2.3).
		m.sh.ModifySessions([]SessionResource{{PDUSessionID: psi, SNSSAI: s.snssai, NASPDU: nasPDU, Transfer: upd.N2SmInfo.Bytes()}})
	case nasPDU != nil && m.connected:
		m.sh.SendNAS(nasPDU)
	}
	if upd.Released {
		m.sessions.del(psi)
	}
}

// SessionSetUp reports the gNB's answer for one PDU session of a PDU
// Session Resource Setup (TS 38.413 §8.2.1): the N2 SM information goes
// to the SMF (TS 23.502 §4.3.2.2.1 steps 14-15).
//
// The N2 SM information goes in an UpdateSMContext issued off the UE's
// executor (calls.go); the SMF's answer goes on when it comes back, if
// the session is still there.
func (m *Machine) SessionSetUp(psi uint8, transfer []byte, failed bool) {
	s := m.sessions.get(psi)
	if s == nil {
		return
	}
	typ := sbi.N2SetupResponse
	if failed {
		typ = sbi.N2SetupFailure
	}
	m.updateSM(psi, s, sbi.SmContextUpdateData{N2SmInfoType: typ, N2SmInfo: sbi.N2SM(transfer)}, relayed{kind: relayN2})
}

// SessionReleased reports the gNB's PDU Session Resource Release Response
// (TS 38.413 §8.2.2.2) to the SMF (TS 23.502 §4.3.4.2 step 7), an
// UpdateSMContext issued off the UE's executor.
func (m *Machine) SessionReleased(psi uint8, transfer []byte) {
	s := m.sessions.get(psi)
	if s == nil {
		return
	}
	m.updateSM(psi, s, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2ReleaseResponse, N2SmInfo: sbi.N2SM(transfer)}, relayed{kind: relayN2})
}

// Errors of N1N2Transfer (TS 29.518 §5.2.2.3.1: CONTEXT_NOT_FOUND, UE_NOT_REACHABLE).
var (
	ErrNoSession    = errors.New("gmm: no such PDU session")
	ErrNotReachable = errors.New("gmm: UE not reachable")
)

// releaseSessions drops every SM context (the UE deregistered, TS 23.502
// §4.2.2.3.2 step 2, §4.2.2.3.3 step 3): each release is a notification
// (Nsmf_PDUSession_ReleaseSMContext, TS 29.502 §5.2.2.4) issued through
// Shell.Call, off the UE's executor, after the UE's SMF calls before it
// (calls.go).
func (m *Machine) releaseSessions() {
	for _, psi := range m.Sessions() {
		m.notify(ReleaseSMContext{Ref: m.sessions.get(psi).ref})
		m.sessions.del(psi)
	}
}

// deactivateSessions tells the SMF the UE's user plane is down (the N2
// connection was released, TS 23.502 §4.2.6): an UpdateSMContext per
// session, issued off the UE's executor after the UE's Nsmf calls
// before it (calls.go), so that it never overtakes a gNB's answer still
// on its way to the SMF.
func (m *Machine) deactivateSessions() {
	for _, psi := range m.Sessions() {
		m.updateSM(psi, m.sessions.get(psi), sbi.SmContextUpdateData{UpCnxState: sbi.UpCnxDeactivated}, relayed{kind: relayDeactivate})
	}
}

// Sessions lists the UE's PDU session IDs in increasing order.
func (m *Machine) Sessions() []uint8 {
	out := make([]uint8, 0, len(m.sessions))
	for _, s := range m.sessions {
		out = append(out, s.psi)
	}
	return out
}

// SMContexts returns the SM context reference at the SMF of each of the
// UE's PDU sessions, by PDU session ID. It only reads the machine: the
// AMF calls it after an event of the machine panicked, to release the
// sessions without running the machine again.
func (m *Machine) SMContexts() map[uint8]string {
	out := make(map[uint8]string, len(m.sessions))
	for _, s := range m.sessions {
		out[s.psi] = s.ref
	}
	return out
}
