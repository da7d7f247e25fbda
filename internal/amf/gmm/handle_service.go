package gmm

import (
	"context"
	"slices"
	"time"

	"github.com/keelcore/keel/internal/nas"
	"github.com/keelcore/keel/internal/sbi"
)

// Results of the service request procedure, as Outcome reports them
// (Procedure "service-request"). The set is bounded: a reject is named by
// its 5GMM cause among those handleServiceRequest sends.
const (
	ServiceAccepted           = "accepted"
	ServiceIgnored            = "ignored"
	ServiceContextSetupFailed = "context-setup-failed"
	// The results of a SERVICE REQUEST whose authentication and security
	// mode control (service_security.go) did not complete: a wrong RES*
	// or the UE's AUTHENTICATION FAILURE, its SECURITY MODE REJECT, no
	// answer (T3560), or the connection lost on the way.
	ServiceAuthenticationFailed = "authentication-failed"
	ServiceSecurityModeRejected = "security-mode-rejected"
	ServiceTimeout              = "timeout"
	ServiceLowerLayerFailure    = "lower-layer-failure"
	// ServiceAborted: a REGISTRATION REQUEST or a deregistration came
	// while the SMF was activating the user plane of the accepted
	// SERVICE REQUEST (activation.go).
	ServiceAborted = "aborted"
)

// serviceRejected names the result of a SERVICE REJECT with cause.
func serviceRejected(cause uint8) string {
	switch cause {
	case nas.CauseUEIdentityCannotBeDerived:
		return "rejected-9"
	case nas.CauseImplicitlyDeregistered:
		return "rejected-10"
	case nas.CauseCongestion:
		return "rejected-22"
	case nas.CauseInvalidMandatoryInfo:
		return "rejected-96"
	case nas.CauseProtocolErrorUnspecified:
		return "rejected-111"
	}
	return "rejected-other"
}

// handleServiceRequest serves the UE-triggered service request (TS
// 24.501 §5.6.1, TS 23.502 §4.2.3.2): a registered UE in 5GMM-IDLE,
// found by the 5G-S-TMSI of the Initial UE Message, comes back to
// 5GMM-CONNECTED, and the user plane of the PDU sessions it has uplink
// data for, and of those with downlink waiting for it (paging), is set
// up again with the Initial Context Setup that carries the SERVICE
// ACCEPT. verified says whether the message passed the integrity check
// with the UE's current 5G NAS security context.
func (m *Machine) handleServiceRequest(ctx context.Context, h nas.Header, plain []byte, verified bool) {
	// A UE in 5GMM-CONNECTED (its context already set up in the gNB)
	// asks for user-plane resources only (§5.6.1.1).
	connected := m.secured
	if act := m.dropActivation(); act != nil {
		// A new SERVICE REQUEST replaces the one (or the registration
		// update) waiting for the SMF; the answers still to come are
		// discarded. A UE whose context the gNB has not been given yet
		// gets it with this one's accept.
		m.log.Info("SERVICE REQUEST while the SMF activates the user plane of another: restarting")
		if act.service != nil {
			connected = act.service.connected
		} else {
			m.reg = nil
			m.sh.Outcome(Outcome{"registration", "aborted"})
			connected = false
		}
	}
	sr, err := nas.ParseServiceRequest(plain)
	if err != nil {
		// TS 24.501 §7.5.1: a request with a missing or malformed
		// mandatory IE is rejected with #96.
		m.serviceReject(nas.CauseInvalidMandatoryInfo, 0, "reason", "malformed SERVICE REQUEST", "error", err)
		return
	}
	if m.service != nil {
		// A new SERVICE REQUEST replaces the one being authenticated:
		// that procedure stops, its keys never taken into use.
		m.log.Info("SERVICE REQUEST during the authentication of another: restarting")
		m.stopTimer()
		m.service, m.pending = nil, nil
	}
	if verified && sr.Container != nil {
		// §4.4.6: a UE with IEs that may not go in clear sends the whole
		// message ciphered in the NAS message container; the AMF serves
		// that one.
		inner, err := m.sec.DecipherContainer(sr.Container)
		if err == nil {
			sr, err = nas.ParseServiceRequest(inner)
		}
		if err != nil || sr.Container != nil {
			m.serviceReject(nas.CauseInvalidMandatoryInfo, 0, "reason", "malformed NAS message container", "error", err)
			return
		}
	}
	switch {
	case m.proc == procDeregistration:
		// TS 24.501 §5.5.2.3.5 e: a SERVICE REQUEST during the
		// network-initiated deregistration does not stop it; the
		// DEREGISTRATION REQUEST goes on over the new connection.
		m.log.Info("SERVICE REQUEST during network-initiated deregistration: ignored")
		m.sh.Outcome(Outcome{"service-request", ServiceIgnored})
		if verified && m.retransmit != nil {
			// The integrity-checked message established the secure
			// exchange on the new connection (§4.4.4.3).
			m.secured = true
			m.retransmit()
		}
		return
	case m.proc == procRegistrationAccept && verified:
		// A SERVICE REQUEST protected with the new context and naming
		// the new 5G-GUTI shows the UE took the REGISTRATION ACCEPT
		// whose REGISTRATION COMPLETE was lost with its connection: the
		// registration is complete (§5.5.1.2.8 c).
		m.stopTimer()
		m.registered(ctx, "accepted")
	case m.state == CommonProcedureInitiated:
		// The registration under way lost its connection to this new
		// one: it is aborted (§5.5.1.2.8 a, lower layer failure), what
		// the UE held in the network goes (its PDU sessions at the SMF,
		// its registration at the UDM), and the UE, registered nowhere,
		// is told so below (#10).
		m.log.Info("SERVICE REQUEST during a registration: registration aborted", "procedure", int(m.proc))
		m.stopTimer()
		m.sh.Outcome(Outcome{"registration", "aborted"})
		m.deregistered(ctx)
	}
	switch {
	case m.state == Deregistered && m.supi == "" && !m.formerly:
		// §5.6.1.5: the 5G-S-TMSI names no UE this AMF knows.
		m.serviceReject(nas.CauseUEIdentityCannotBeDerived, 0, "reason", "no UE context for the 5G-S-TMSI", "tmsi", sr.STMSI.TMSI)
		return
	case m.state != Registered:
		// §5.6.1.5: the UE is known but deregistered (implicitly, or its
		// registration was aborted); it registers again.
		m.serviceReject(nas.CauseImplicitlyDeregistered, 0, "reason", "the UE is not registered")
		return
	case m.sh.Congested() && !congestionExempt(sr.Type):
		// TS 24.501 §5.3.9.2, §5.6.1.5: #22 with T3346; requests for
		// emergency, high priority access and the answer to paging are
		// not refused for congestion. Nor is a UE authenticated while
		// the AMF refuses it service.
		m.serviceReject(nas.CauseCongestion, m.t3346(), "reason", "congestion", "t3346", m.t3346())
		return
	case sr.Type == nas.ServiceEmergencyFallback:
		// Keel offers no emergency services fallback (TS 23.502
		// §4.13.4.2): the UE tries its emergency call in another way
		// (§5.6.1.6A).
		m.serviceReject(nas.CauseProtocolErrorUnspecified, 0, "reason", "emergency services fallback not offered")
		return
	case connected && sr.NgKSI&0x07 != m.sec.NgKSI:
		// A UE in 5GMM-CONNECTED names another key set than the one
		// its message was checked with: the network cannot validate its
		// identity (TS 24.501 Annex A #9).
		m.serviceReject(nas.CauseUEIdentityCannotBeDerived, 0, "reason", "ngKSI of another key set")
		return
	case !verified || sr.NgKSI&0x07 != m.sec.NgKSI:
		// The message came unprotected, failed the integrity check (a
		// wrong MAC, a replayed COUNT) or names another key set: TS
		// 23.502 §4.2.3.2 step 4 has the AMF authenticate the UE and
		// take a new security context into use first
		// (service_security.go); the UE's context stays as it is until
		// then, as the message may not be the UE's.
		m.log.Info("SERVICE REQUEST failed the integrity check: authenticating the UE", "supi", m.supi, "sqn", h.SQN)
		m.authenticateService(ctx, sr)
		return
	}
	m.secured = true
	m.serve(ctx, sr, connected)
}

// congestionExempt lists the service types TS 24.501 §5.3.9.2 keeps from
// 5GMM congestion control.
func congestionExempt(t nas.ServiceType) bool {
	switch t {
	case nas.ServiceEmergency, nas.ServiceEmergencyFallback, nas.ServiceHighPriorityAccess, nas.ServiceMobileTerminated:
		return true
	}
	return false
}

func (m *Machine) t3346() time.Duration {
	if m.cfg.T3346 > 0 {
		return m.cfg.T3346
	}
	return DefaultT3346
}

// serve accepts a SERVICE REQUEST (TS 24.501 §5.6.1.4.1, TS 23.502
// §4.2.3.2 steps 4-12): sessions the UE no longer has are released at
// the network; the user plane of the sessions in the Uplink data status
// is activated (activation.go) and that of those with downlink waiting
// (paging) set up with the SMF's transfer; then (serviceActivated) the
// Initial Context Setup carries their N2 SM information, KgNB from the
// context and the SERVICE ACCEPT's uplink COUNT, and the SERVICE ACCEPT.
//
// A UE already in 5GMM-CONNECTED (connected) has its context in the gNB:
// the SERVICE ACCEPT goes as DL NAS TRANSPORT and the sessions in a PDU
// Session Resource Setup Request (TS 23.502 §4.2.3.2 step 12).
func (m *Machine) serve(ctx context.Context, sr nas.ServiceRequest, connected bool) {
	if sr.HasSessionStatus {
		// §5.6.1.4.1: the AMF releases locally the sessions the UE says
		// are inactive.
		m.releaseAbsentSessions(sr.SessionStatus)
	}
	m.registerTakenOver()
	st := &serviceStep{connected: connected, sessionStatus: sr.HasSessionStatus, reactivation: sr.HasUplinkData}
	pending := st.take(m, m.takeDownlink())
	if !sr.HasUplinkData {
		m.serviceActivated(ctx, st, nil, 0, nil)
		return
	}
	m.activate(ctx, &activation{service: st}, sr.UplinkData, pending)
}

// serviceStep is an accepted SERVICE REQUEST waiting for the SMF to
// activate its user planes.
type serviceStep struct {
	// connected: the UE was in 5GMM-CONNECTED, its context in the gNB.
	connected bool
	// sessionStatus and reactivation say whether the request had a PDU
	// session status and an Uplink data status: the accept answers each
	// (§5.6.1.4.1).
	sessionStatus, reactivation bool
	// items are the sessions whose setup waited for the UE (the SMF's
	// transfers), later the transfers to deliver after the accept.
	items []SessionResource
	later []sbi.N1N2MessageTransferReqData
}

// take sorts the transfers that waited for the UE: those that set a
// session's user plane up become items (TS 23.502 §4.2.3.3 step 4b, the
// SMF's PDU Session Resource Setup Request Transfer with its 5GSM
// message as the item's NAS-PDU), the others wait for the accept, and
// one for a session the UE no longer has fails. It returns the sessions
// of the items.
func (st *serviceStep) take(m *Machine, waiting []sbi.N1N2MessageTransferReqData) nas.PSISet {
	var set nas.PSISet
	for _, it := range st.items {
		set = set.Add(it.PDUSessionID)
	}
	for _, t := range waiting {
		s := m.sessions.get(t.PduSessionID)
		switch {
		case s == nil:
			m.failTransfers([]sbi.N1N2MessageTransferReqData{t}, sbi.N1N2UENotResponding)
		case len(t.N2Of(sbi.NgapPduResSetupReq)) > 0 && !set.Has(t.PduSessionID):
			item, err := m.setupItem(t, s)
			if err != nil {
				continue
			}
			st.items = append(st.items, item)
			set = set.Add(t.PduSessionID)
		default:
			st.later = append(st.later, t)
		}
	}
	return set
}

// serviceActivated ends an accepted SERVICE REQUEST once the SMF has
// answered for the sessions of its Uplink data status (activation.go):
// activated are their items, failed and causes the sessions whose user
// plane could not be set up.
func (m *Machine) serviceActivated(ctx context.Context, st *serviceStep, activated []SessionResource, failed nas.PSISet, causes []nas.SessionCause) {
	// Transfers that came for the UE while the SMF was asked.
	st.take(m, m.takeDownlink())
	items := st.items
	for _, it := range activated {
		if !slices.ContainsFunc(items, func(x SessionResource) bool { return x.PDUSessionID == it.PDUSessionID }) {
			items = append(items, it)
		}
	}
	a := nas.Accepted{}
	if st.sessionStatus {
		a.HasSessionStatus = true
		for _, s := range m.sessions {
			a.SessionStatus = a.SessionStatus.Add(s.psi)
		}
	}
	if st.reactivation {
		// §5.6.1.4.1: with an Uplink data status the AMF tells which
		// user planes could not be set up, and why.
		a.HasReactivation, a.Reactivation, a.ReactivationErrors = true, failed, causes
	}
	if st.connected {
		m.send(nas.ServiceAccept(nil, a))
		if len(items) > 0 {
			m.sh.SetupSessions(items)
		}
		m.sh.Outcome(Outcome{"service-request", ServiceAccepted})
		m.deliverLater(ctx, st.later)
		return
	}
	pdu, err := m.sec.Protect(nas.ServiceAccept(nil, a), nas.IntegrityCiphered)
	if err != nil {
		m.log.Error("protecting Service Accept", "error", err)
		m.release(ReleaseUnspecified)
		return
	}
	m.serving = true
	// §5.6.1.4.1: even for signalling only the UE's context is set up
	// in the gNB (AS security), so NAS can flow ciphered.
	m.sh.SetupContext(m.contextSetup(pdu, items))
	m.deliverLater(ctx, st.later)
}

// deliverLater carries out, after the SERVICE ACCEPT, the transfers that
// waited for the UE without setting a user plane up, and the signalling
// that waited (a network-initiated deregistration).
func (m *Machine) deliverLater(ctx context.Context, later []sbi.N1N2MessageTransferReqData) {
	for _, t := range later {
		if err := m.deliverTransfer(t); err != nil {
			m.failTransfers([]sbi.N1N2MessageTransferReqData{t}, sbi.N1N2UENotResponding)
		}
	}
	m.resumeSignalling(ctx)
}

// serviceReject ends the service request with SERVICE REJECT (TS 24.501
// §5.6.1.5), sent without protection unless the secure exchange is
// established on the connection, and releases the connection.
func (m *Machine) serviceReject(cause uint8, t3346 time.Duration, reason ...any) {
	m.logReject("service rejected", cause, reason...)
	m.sendServiceReject(cause, t3346)
}

// sendServiceReject is serviceReject for a caller that logged the reject.
func (m *Machine) sendServiceReject(cause uint8, t3346 time.Duration) {
	m.send(nas.ServiceReject(nil, nas.Rejected{Cause: cause, T3346: t3346}))
	m.rejectCause = cause
	m.sh.Outcome(Outcome{"service-request", serviceRejected(cause)})
	m.release(ReleaseNormal)
}
