package gmm

import (
	"context"
	"errors"

	"github.com/free5gc/nas/nasMessage"

	"github.com/keelcore/keel/internal/nas"
	"github.com/keelcore/keel/internal/sbi"
)

// updateSessions applies a mobility or periodic registration update's
// PDU session status and Uplink data status (TS 24.501 §5.5.1.3.4, TS
// 23.502 §4.2.2.2.2 steps 17-18): the sessions the UE no longer has are
// released locally at the SMF and the accept says which ones the network
// keeps; the user plane of the sessions in the Uplink data status, and of
// those with downlink waiting for the UE (a registration in answer to
// paging), is activated. It returns the sessions for the Initial Context
// Setup and fills a's PDU session status and reactivation result IEs.
// Other transfers that waited for the UE stay for deliverDownlink, once
// the UE is registered.
func (m *Machine) updateSessions(ctx context.Context, r *registration, a *nas.Accept) []SessionResource {
	if m.svc.SMF == nil {
		return nil
	}
	if r.hasSessionStatus {
		m.releaseAbsentSessions(r.sessionStatus)
		a.HasSessionStatus = true
		for _, psi := range m.Sessions() {
			a.SessionStatus = a.SessionStatus.Add(psi)
		}
	}
	items, waiting := m.takeSetups()
	if r.hasUplinkData {
		var activated []SessionResource
		activated, a.Reactivation, a.ReactivationErrors = m.activateUplink(ctx, r.uplinkData, waiting)
		items = append(items, activated...)
		a.HasReactivation = true
	}
	return items
}

// releaseAbsentSessions releases locally, at the SMF, the UE's PDU
// sessions that the PDU session status it sent says it no longer has
// (Nsmf_PDUSession_ReleaseSMContext, TS 24.501 §5.5.1.3.4, §5.6.1.4.1),
// each a notification issued off the UE's executor (calls.go).
func (m *Machine) releaseAbsentSessions(status nas.PSISet) {
	for _, psi := range m.Sessions() {
		if status.Has(psi) {
			continue
		}
		m.log.Info("PDU session released: the UE no longer has it", "pdu_session_id", psi)
		m.notify(ReleaseSMContext{Ref: m.sessions[psi].ref})
		delete(m.sessions, psi)
	}
}

// activateUplink activates the user plane of the sessions in the Uplink
// data status uplink but not in skip (their setup already waits for the
// gNB): the items for the Initial Context Setup, and the sessions that
// could not be activated with their causes for the PDU session
// reactivation result and its error cause IEs (TS 24.501 §5.5.1.3.4,
// §5.6.1.4.1, §9.11.3.42, §9.11.3.43).
func (m *Machine) activateUplink(ctx context.Context, uplink, skip nas.PSISet) ([]SessionResource, nas.PSISet, []nas.SessionCause) {
	var (
		items  []SessionResource
		failed nas.PSISet
		causes []nas.SessionCause
	)
	for _, psi := range uplink.IDs() {
		if skip.Has(psi) {
			continue
		}
		item, cause := m.activate(ctx, psi)
		switch {
		case cause != 0:
			failed = failed.Add(psi)
			causes = append(causes, nas.SessionCause{PSI: psi, Cause: cause})
		case item != nil:
			items = append(items, *item)
		}
	}
	return items, failed, causes
}

// takeSetups removes from what waits for the UE the transfers that set a
// session's user plane up (the SMF's PDU Session Resource Setup Request
// Transfer, TS 23.502 §4.2.3.3 step 4b) and returns them as items of the
// Initial Context Setup, each with its 5GSM message, if any, as the
// item's NAS-PDU, and the set of their sessions. A transfer for a
// session the UE no longer has fails.
func (m *Machine) takeSetups() ([]SessionResource, nas.PSISet) {
	var (
		items []SessionResource
		set   nas.PSISet
		rest  []sbi.N1N2MessageTransferReqData
		gone  []sbi.N1N2MessageTransferReqData
	)
	for _, t := range m.dl.transfers {
		s := m.sessions[t.PduSessionID]
		switch {
		case s == nil:
			gone = append(gone, t)
		case len(t.N2Of(sbi.NgapPduResSetupReq)) > 0:
			item, err := m.setupItem(t, s)
			if err != nil {
				gone = append(gone, t)
				continue
			}
			items = append(items, item)
			set = set.Add(t.PduSessionID)
		default:
			rest = append(rest, t)
		}
	}
	m.dl.transfers = rest
	m.failTransfers(gone, sbi.N1N2UENotReachable)
	return items, set
}

// setupItem is the Initial Context Setup item of a transfer that waited
// for the UE to set session s's user plane up: the SMF's PDU Session
// Resource Setup Request Transfer, and its 5GSM message, if any, as the
// item's NAS-PDU (TS 23.502 §4.2.3.3 step 4b, §4.2.3.2 step 12).
func (m *Machine) setupItem(t sbi.N1N2MessageTransferReqData, s *session) (SessionResource, error) {
	item := SessionResource{PDUSessionID: t.PduSessionID, SNSSAI: s.snssai, Transfer: t.N2Of(sbi.NgapPduResSetupReq)}
	if len(t.N1()) > 0 {
		pdu, err := m.sec.Protect(nas.DLTransport(nil, nas.PayloadN1SM, t.N1(), t.PduSessionID, 0), nas.IntegrityCiphered)
		if err != nil {
			m.log.Error("protecting DL NAS Transport", "error", err)
			return SessionResource{}, err
		}
		item.NASPDU = pdu
	}
	return item, nil
}

// containedRegistration deciphers the NAS message container of an
// integrity-checked REGISTRATION REQUEST (TS 24.501 §4.4.6) and returns
// the entire message it holds, which must be a REGISTRATION REQUEST
// without a container of its own.
func (m *Machine) containedRegistration(v []byte) (*nasMessage.RegistrationRequest, []byte, error) {
	inner, err := m.sec.DecipherContainer(v)
	if err != nil {
		return nil, nil, err
	}
	msg, err := nas.Decode(inner)
	if err != nil {
		return nil, nil, err
	}
	if msg.RegistrationRequest == nil || msg.RegistrationRequest.NASMessageContainer != nil {
		return nil, nil, errors.New("gmm: the NAS message container holds no REGISTRATION REQUEST without a container")
	}
	return msg.RegistrationRequest, inner, nil
}
