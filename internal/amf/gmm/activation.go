package gmm

import (
	"context"
	"errors"

	"github.com/keelcore/keel/internal/nas"
	"github.com/keelcore/keel/internal/sbi"
)

// The user plane of the sessions a UE names in its Uplink data status is
// activated again with Nsmf_PDUSession_UpdateSMContext, upCnxState
// ACTIVATING (TS 23.502 §4.2.3.2 step 5 for a SERVICE REQUEST, §4.2.2.2.2
// steps 17-18 for a mobility or periodic registration update; TS 29.502
// §5.2.2.3.2.2). Each ACTIVATING is a call issued through Shell.Call,
// one per session, performed off the UE's executor after the UE's Nsmf
// calls issued before it: the SMF never sees it overtake the DEACTIVATED
// of the AN release before it (calls.go). The procedure waits in
// Machine.act until every call is answered or the ActivationDeadline
// timer (Deadlines.Reactivation) expires, and goes on then (activationDone):
// the SERVICE ACCEPT or REGISTRATION ACCEPT carries the PDU session
// reactivation result and error cause of the sessions whose user plane
// the SMF did not set up (TS 24.501 §5.6.1.4.1, §5.5.1.3.4, §9.11.3.42,
// §9.11.3.43): #43 for a session the network does not have (or the SMF no
// longer knows), #92 for one the SMF refused or did not answer in time.
//
// While it waits the UE's other events run. A release of the connection,
// a new SERVICE REQUEST or REGISTRATION REQUEST, a deregistration end the
// wait (dropActivation); the answers still to come are then discarded
// (the release's DEACTIVATED, issued after them, leaves the SMF
// deactivated). Nothing goes to the gNB for the UE before the Initial
// Context Setup: N1N2 transfers, a network-initiated deregistration and a
// configuration update wait for the procedure's end.

// activation is the user-plane activation a procedure waits for.
type activation struct {
	// calls are the ACTIVATING calls not yet answered, by call ID.
	calls map[CallID]activating
	// psis are the sessions asked for, in increasing order, and results
	// what became of each.
	psis    []uint8
	results map[uint8]activationResult
	// Exactly one of service and reg is set: the procedure that goes on
	// once the activation is done.
	service *serviceStep
	reg     *registrationStep
}

// activating is session s (PDU session ID psi) waiting for its ACTIVATING.
type activating struct {
	psi uint8
	s   *session
}

// activationResult is a session's part of the procedure: its item for
// the Initial Context Setup (nil when the SMF has nothing for the gNB),
// or the 5GMM cause of its PDU session reactivation result error cause.
type activationResult struct {
	item  *SessionResource
	cause uint8
}

// activate asks the SMF to set up again the user plane of the sessions
// in uplink but not in skip (their setup already waits for the gNB), then
// goes on with act's procedure: at once when no call is needed,
// otherwise when the answers are in (activationAnswered) or the deadline
// passes (activationExpired).
func (m *Machine) activate(ctx context.Context, act *activation, uplink, skip nas.PSISet) {
	act.calls = map[CallID]activating{}
	act.results = map[uint8]activationResult{}
	for _, psi := range uplink.IDs() {
		if skip.Has(psi) {
			continue
		}
		act.psis = append(act.psis, psi)
		s := m.sessions.get(psi)
		if s == nil {
			// §5.6.1.4.1: a session the network does not have.
			act.results[psi] = activationResult{cause: nas.CauseInvalidPDUSessionIdentity}
			continue
		}
		m.notify(UpdateSMContext{Ref: s.ref, Data: sbi.SmContextUpdateData{UpCnxState: sbi.UpCnxActivating}})
		act.calls[m.lastCall] = activating{psi: psi, s: s}
	}
	if len(act.calls) == 0 {
		m.activationDone(ctx, act)
		return
	}
	m.act = act
	m.sh.StartTimer(ActivationDeadline, m.cfg.Deadlines.of(UpdateSMContext{Data: sbi.SmContextUpdateData{UpCnxState: sbi.UpCnxActivating}}))
}

// activationAnswered takes the SMF's answer to the ACTIVATING of call
// id. It reports false when no activation waits for it.
func (m *Machine) activationAnswered(ctx context.Context, id CallID, a UpdateSMContextAnswer) bool {
	act := m.act
	if act == nil {
		return false
	}
	x, ok := act.calls[id]
	if !ok {
		return false
	}
	delete(act.calls, id)
	var res activationResult
	switch {
	case a.Err != nil && errors.Is(a.Err, sbi.ErrSMContextNotFound):
		m.log.Warn("Nsmf_PDUSession_UpdateSMContext (activating): the SMF no longer has the session", "pdu_session_id", x.psi, "error", a.Err)
		if m.sessions.get(x.psi) == x.s {
			m.sessions.del(x.psi)
		}
		res.cause = nas.CauseInvalidPDUSessionIdentity
	case a.Err != nil:
		m.log.Warn("Nsmf_PDUSession_UpdateSMContext (activating) failed", "pdu_session_id", x.psi, "error", a.Err)
		res.cause = nas.CauseInsufficientUserPlane
	case a.Updated.N2SmInfoType == sbi.N2SetupRequest && len(a.Updated.N2SmInfo.Bytes()) > 0:
		res.item = &SessionResource{PDUSessionID: x.psi, SNSSAI: x.s.snssai, Transfer: a.Updated.N2SmInfo.Bytes()}
	}
	act.results[x.psi] = res
	if len(act.calls) == 0 {
		m.sh.StopTimer(ActivationDeadline)
		m.act = nil
		m.activationDone(ctx, act)
	}
	return true
}

// activationExpired ends the activation at its deadline: the sessions
// the SMF has not answered for are reported as not reactivated (#92).
func (m *Machine) activationExpired(ctx context.Context) {
	act := m.act
	if act == nil {
		return
	}
	m.act = nil
	for _, x := range act.calls {
		m.log.Info("Nsmf_PDUSession_UpdateSMContext (activating) unanswered within its deadline", "pdu_session_id", x.psi)
		act.results[x.psi] = activationResult{cause: nas.CauseInsufficientUserPlane}
	}
	act.calls = nil
	m.activationDone(ctx, act)
}

// activationDone goes on with the procedure that waited: the items for
// the Initial Context Setup, and the sessions not reactivated with their
// causes.
func (m *Machine) activationDone(ctx context.Context, act *activation) {
	var (
		items  []SessionResource
		failed nas.PSISet
		causes []nas.SessionCause
	)
	for _, psi := range act.psis {
		r := act.results[psi]
		if r.cause == 0 && r.item != nil && m.sessions.get(psi) == nil {
			// Released while the SMF was asked.
			r = activationResult{cause: nas.CauseInvalidPDUSessionIdentity}
		}
		switch {
		case r.cause != 0:
			failed = failed.Add(psi)
			causes = append(causes, nas.SessionCause{PSI: psi, Cause: r.cause})
		case r.item != nil:
			items = append(items, *r.item)
		}
	}
	if act.service != nil {
		m.serviceActivated(ctx, act.service, items, failed, causes)
		return
	}
	m.registrationActivated(ctx, act.reg, items, failed, causes)
}

// activating reports whether a procedure waits for the SMF to activate
// the UE's user plane.
func (m *Machine) activating() bool { return m.act != nil }

// contextPending reports whether the gNB has yet to be given the UE's
// context: a SERVICE REQUEST of a UE in 5GMM-IDLE, or a registration
// update, waits for the SMF before its Initial Context Setup. Nothing
// UE-associated but that goes to the gNB meanwhile.
func (m *Machine) contextPending() bool {
	return m.act != nil && (m.act.reg != nil || !m.act.service.connected)
}

// dropActivation ends the wait for the SMF without going on with its
// procedure (the answers to come are discarded), and returns the
// procedure that waited.
func (m *Machine) dropActivation() *activation {
	act := m.act
	if act == nil {
		return nil
	}
	m.sh.StopTimer(ActivationDeadline)
	m.act = nil
	return act
}
