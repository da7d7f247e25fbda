package gmm

import (
	"context"

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
	s := m.sessions[psi]
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
// Indication (TS 38.413 §8.2.5) to its SMF and returns what the PDU
// Session Resource Modify Confirm lists: the SMF's Modify Confirm
// Transfer, or a Modify Indication Unsuccessful Transfer (Failed) for a
// session the SMF refused, does not know or did not answer.
func (m *Machine) ModifyIndicated(ctx context.Context, items []ngap.SessionResult) []ngap.SessionResult {
	out := make([]ngap.SessionResult, 0, len(items))
	for _, it := range items {
		out = append(out, m.modifyIndicated(ctx, it))
	}
	return out
}

func (m *Machine) modifyIndicated(ctx context.Context, it ngap.SessionResult) ngap.SessionResult {
	res := ngap.SessionResult{PDUSessionID: it.PDUSessionID, Failed: true}
	s := m.sessions[it.PDUSessionID]
	var upd sbi.SmContextUpdatedData
	var err error
	if s != nil {
		upd, err = m.svc.SMF.UpdateSMContext(ctx, s.ref, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2ModifyIndication, N2SmInfo: sbi.N2SM(it.Transfer)})
	}
	switch {
	case s == nil:
		// TS 38.413 §9.3.1.2: the PDU Session ID names no session.
		res.Transfer, err = ngap.ModifyIndicationUnsuccessfulTransfer(ngap.RadioNetworkCause(26)) // unknown-PDU-session-ID
	case err != nil:
		m.log.Warn("Nsmf_PDUSession_UpdateSMContext failed", "pdu_session_id", it.PDUSessionID, "error", err)
		res.Transfer, err = ngap.ModifyIndicationUnsuccessfulTransfer(ngap.MiscCause(5)) // unspecified
	case upd.N2SmInfoType == sbi.N2ModifyConfirm:
		res.Transfer, res.Failed = upd.N2SmInfo.Bytes(), false
	case upd.N2SmInfoType == sbi.N2ModifyIndicationFailure:
		res.Transfer = upd.N2SmInfo.Bytes()
	default:
		res.Transfer, err = ngap.ModifyIndicationUnsuccessfulTransfer(ngap.MiscCause(5))
	}
	if err != nil || len(res.Transfer) == 0 {
		m.log.Error("building a Modify Indication Unsuccessful Transfer", "error", err)
		res.Transfer = nil
	}
	return res
}
