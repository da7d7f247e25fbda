package gmm

import (
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sbi"
)

// SessionNotified passes one session of a PDU Session Resource Notify
// (TS 38.413 §8.2.4) to its SMF (TS 23.502 §4.3.3.2 step 1e): the
// Notify Transfer of a session whose QoS flows the gNB notifies, or the
// Notify Released Transfer (released) of one whose resources it
// released. The procedure has no answer to the gNB.
//
// The UpdateSMContext is issued off the UE's executor (calls.go).
func (m *Machine) SessionNotified(psi uint8, transfer []byte, released bool) {
	s := m.sessions.get(psi)
	if s == nil {
		m.log.Info("PDU Session Resource Notify for an unknown PDU session", "pdu_session_id", psi)
		return
	}
	typ := sbi.N2NotifyTransfer
	if released {
		typ = sbi.N2NotifyReleasedTransfer
	}
	m.updateSM(psi, s, sbi.SmContextUpdateData{N2SmInfoType: typ, N2SmInfo: sbi.N2SM(transfer)}, relayed{kind: relayN2})
}

// ModifyIndicated passes each session of a PDU Session Resource Modify
// Indication (TS 38.413 §8.2.5) to its SMF (TS 23.502 §4.3.3.2 step 1a,
// an UpdateSMContext with the Modify Indication Transfer), each a call
// issued off the UE's executor (calls.go). Once the SMF has answered for
// every session, the PDU Session Resource Modify Confirm
// (Shell.ConfirmModification) lists the SMF's Modify Confirm Transfer, or
// a Modify Indication Unsuccessful Transfer (Failed) for a session the
// SMF refused, does not know or did not answer within the call's
// deadline. A confirm whose connection was released meanwhile is not
// sent.
func (m *Machine) ModifyIndicated(items []ngap.SessionResult) {
	ind := &modifyIndication{results: make([]ngap.SessionResult, len(items)), releases: m.releases}
	for i, it := range items {
		ind.results[i] = ngap.SessionResult{PDUSessionID: it.PDUSessionID, Failed: true}
		s := m.sessions.get(it.PDUSessionID)
		if s == nil {
			ind.fail(m, i, true)
			continue
		}
		ind.pending++
		m.updateSM(it.PDUSessionID, s, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2ModifyIndication, N2SmInfo: sbi.N2SM(it.Transfer)},
			relayed{kind: relayModifyIndication, ind: ind, index: i})
	}
	if ind.pending == 0 {
		m.confirmModification(ind)
	}
}

// modifyIndication is a PDU Session Resource Modify Indication waiting
// for the SMF's answers: the confirm's items, in the indication's order,
// how many wait for an answer, and the connection's release count when it
// came (Machine.releases).
type modifyIndication struct {
	results  []ngap.SessionResult
	pending  int
	releases uint64
}

// fail makes item i of the confirm a Modify Indication Unsuccessful
// Transfer (TS 38.413 §9.3.1.2 causes): unknown-PDU-session-ID for a
// session the AMF does not have (unknown), else misc unspecified.
func (ind *modifyIndication) fail(m *Machine, i int, unknown bool) {
	cause := ngap.MiscCause(5) // unspecified
	if unknown {
		cause = ngap.RadioNetworkCause(26) // unknown-PDU-session-ID
	}
	t, err := ngap.ModifyIndicationUnsuccessfulTransfer(cause)
	if err != nil {
		m.log.Error("building a Modify Indication Unsuccessful Transfer", "error", err)
		t = nil
	}
	ind.results[i].Transfer, ind.results[i].Failed = t, true
}

// modifyAnswered takes the SMF's answer for item i of ind.
func (m *Machine) modifyAnswered(ind *modifyIndication, i int, a UpdateSMContextAnswer) {
	upd := a.Updated
	switch {
	case a.Err != nil:
		m.log.Warn("Nsmf_PDUSession_UpdateSMContext failed", "pdu_session_id", ind.results[i].PDUSessionID, "error", a.Err)
		ind.fail(m, i, false)
	case upd.N2SmInfoType == sbi.N2ModifyConfirm && len(upd.N2SmInfo.Bytes()) > 0:
		ind.results[i].Transfer, ind.results[i].Failed = upd.N2SmInfo.Bytes(), false
	case upd.N2SmInfoType == sbi.N2ModifyIndicationFailure && len(upd.N2SmInfo.Bytes()) > 0:
		ind.results[i].Transfer = upd.N2SmInfo.Bytes()
	default:
		ind.fail(m, i, false)
	}
	ind.pending--
	if ind.pending == 0 {
		m.confirmModification(ind)
	}
}

// confirmModification sends ind's confirm on the connection that carried
// the indication, if it is still there.
func (m *Machine) confirmModification(ind *modifyIndication) {
	if !m.connected || m.releases != ind.releases {
		m.log.Info("PDU Session Resource Modify Confirm not sent: the indication's connection is gone")
		return
	}
	kept := make([]ngap.SessionResult, 0, len(ind.results))
	for _, r := range ind.results {
		if len(r.Transfer) > 0 {
			kept = append(kept, r)
		}
	}
	m.sh.ConfirmModification(kept)
}
