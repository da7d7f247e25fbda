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
// keeps; the user plane of the sessions in the Uplink data status is
// activated (activation.go), and that of those with downlink waiting for
// the UE (a registration in answer to paging) set up with the SMF's
// transfer. The accept goes once the SMF has answered
// (registrationActivated), with the PDU session reactivation result IEs.
// Other transfers that waited for the UE stay for deliverDownlink, once
// the UE is registered.
func (m *Machine) updateSessions(ctx context.Context, st *registrationStep) {
	r := st.r
	if r.hasSessionStatus {
		m.releaseAbsentSessions(r.sessionStatus)
		st.accept.HasSessionStatus = true
		for _, psi := range m.Sessions() {
			st.accept.SessionStatus = st.accept.SessionStatus.Add(psi)
		}
	}
	items, waiting := m.takeSetups()
	st.items = items
	if !r.hasUplinkData {
		m.registrationAccepted(ctx, st)
		return
	}
	m.activate(ctx, &activation{reg: st}, r.uplinkData, waiting)
}

// registrationActivated goes on with the registration update once the
// SMF has answered for the sessions of its Uplink data status.
func (m *Machine) registrationActivated(ctx context.Context, st *registrationStep, activated []SessionResource, failed nas.PSISet, causes []nas.SessionCause) {
	st.items = append(st.items, activated...)
	st.accept.HasReactivation, st.accept.Reactivation, st.accept.ReactivationErrors = true, failed, causes
	m.registrationAccepted(ctx, st)
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
		m.notify(ReleaseSMContext{Ref: m.sessions.get(psi).ref})
		m.sessions.del(psi)
	}
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
		s := m.sessions.get(t.PduSessionID)
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
