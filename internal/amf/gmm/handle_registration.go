package gmm

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/free5gc/nas/nasMessage"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/lograte"
	"github.com/keelcore/keel/internal/nas"
	"github.com/keelcore/keel/internal/sbi"
)

// handleRegistrationRequest serves TS 24.501 §5.5.1.2 (initial) and
// §5.5.1.3 (mobility and periodic update).
func (m *Machine) handleRegistrationRequest(ctx context.Context, req *nasMessage.RegistrationRequest, plain []byte, verified bool) {
	if c := req.NASMessageContainer; verified && c != nil && m.sec != nil {
		// §4.4.6: a UE with IEs that may not go in clear (requested
		// NSSAI, Uplink data status, PDU session status) sends the
		// whole message ciphered in the NAS message container, with the
		// carrying message's COUNT; the AMF serves that one.
		inner, innerPlain, err := m.containedRegistration(c.GetNASMessageContainerContents())
		if err != nil {
			m.reject(nas.CauseInvalidMandatoryInfo, "reason", "malformed NAS message container", "error", err)
			return
		}
		req, plain = inner, innerPlain
	}
	r, cause := parseRegistration(req, plain)
	if cause != 0 {
		m.reject(cause, "reason", "malformed REGISTRATION REQUEST")
		return
	}
	// §5.5.1.2.8 f, g: a repeat of the request being served restarts
	// nothing; a changed one aborts the running procedure.
	if m.reg != nil && m.proc == procRegistrationAccept && bytes.Equal(m.reg.raw, r.raw) {
		m.retransmit()
		return
	}
	if m.proc == procConfigurationUpdate {
		// §5.4.4.4 d: the registration goes on, the configuration
		// update is aborted.
		m.abortConfigurationUpdate("registration")
	}
	if m.proc != procNone {
		m.log.Info("registration request during a procedure: restarting", "procedure", int(m.proc))
		m.stopTimer()
		m.pending = nil
	}
	if act := m.dropActivation(); act != nil {
		// The SERVICE REQUEST or registration update waiting for the SMF
		// is replaced by this registration; the answers still to come
		// are discarded.
		m.log.Info("registration request while the SMF activates the user plane: restarting")
		if act.service != nil {
			m.sh.Outcome(Outcome{"service-request", ServiceAborted})
		}
	}
	m.service = nil
	m.reg = r
	if r.kind == regEmergency {
		// Keel offers no emergency services (TS 24.501 §5.5.1.2.5).
		m.reject(nas.Cause5GSServicesNotAllowed, "reason", "emergency registration: no emergency services")
		return
	}
	if verified && m.supi != "" && m.state == Registered && r.identity.Type == nas.IdentityGUTI {
		// §5.5.1.3.2: a registered UE with a valid security context
		// needs neither identification nor authentication.
		m.secured = true
		m.accept(ctx)
		return
	}
	if m.state != Registered && m.sh.Congested() {
		// TS 24.501 §5.3.9.2, §5.5.1.2.5: a congested AMF rejects a new
		// registration with #22 and a back-off (T3346) instead of
		// queueing it.
		m.logReject("registration rejected", nas.CauseCongestion, "reason", "congestion", "t3346", m.t3346())
		m.backOff("congestion")
		return
	}
	m.sec = nil
	m.secured = false
	m.state = CommonProcedureInitiated
	switch r.identity.Type {
	case nas.IdentitySUCI:
		m.authenticate(sbi.AuthRequest{SUCI: r.identity.SUCI, ServingNetworkName: m.cfg.ServingNetworkName})
	case nas.IdentityGUTI:
		if m.supi != "" {
			m.authenticate(sbi.AuthRequest{SUPI: m.supi, ServingNetworkName: m.cfg.ServingNetworkName})
			return
		}
		// §5.5.1.2.2: the 5G-GUTI is unknown here; ask for the SUCI.
		m.identify()
	default:
		m.reject(nas.CauseSemanticallyIncorrect, "reason", "identity neither SUCI nor 5G-GUTI")
	}
}

// parseRegistration reads the parts of a REGISTRATION REQUEST the AMF
// uses; a non-zero cause rejects it.
func parseRegistration(req *nasMessage.RegistrationRequest, plain []byte) (*registration, uint8) {
	r := &registration{
		kind:   req.NgksiAndRegistrationType5GS.GetRegistrationType5GS(),
		follow: req.NgksiAndRegistrationType5GS.GetFOR() == 1,
		ngKSI:  req.NgksiAndRegistrationType5GS.GetTSC()<<3 | req.NgksiAndRegistrationType5GS.GetNasKeySetIdentifiler(),
		raw:    append([]byte(nil), plain...),
	}
	id, err := nas.ParseIdentity(req.MobileIdentity5GS.GetMobileIdentity5GSContents())
	if err != nil {
		return nil, nas.CauseInvalidMandatoryInfo
	}
	r.identity = id
	if c := req.UESecurityCapability; c != nil {
		r.caps = append([]byte(nil), c.Buffer...)
	}
	if n := req.RequestedNSSAI; n != nil {
		s, err := nas.ParseNSSAI(n.GetSNSSAIValue())
		if err != nil {
			return nil, nas.CauseInvalidMandatoryInfo
		}
		r.nssai = s
	}
	if u := req.UplinkDataStatus; u != nil {
		r.uplinkData, r.hasUplinkData = nas.ParsePSISet(u.Buffer)
	}
	if s := req.PDUSessionStatus; s != nil {
		r.sessionStatus, r.hasSessionStatus = nas.ParsePSISet(s.Buffer)
	}
	if u := req.UpdateType5GS; u != nil {
		r.radioCapabilityUpdate = u.GetNGRanRcu() == 1
	}
	switch r.kind {
	case regInitial, regMobility, regPeriodic, regEmergency:
	default:
		return nil, nas.CauseSemanticallyIncorrect
	}
	// §5.5.1.2.2: the UE security capability is mandatory in an initial
	// registration; without it no algorithm can be chosen.
	if r.kind == regInitial && len(r.caps) < 2 {
		return nil, nas.CauseInvalidMandatoryInfo
	}
	return r, 0
}

// reject ends the registration with REGISTRATION REJECT (§5.5.1.2.5) and
// releases the N2 connection; the log line carries the reason attrs.
func (m *Machine) reject(cause uint8, reason ...any) {
	m.logReject("registration rejected", cause, reason...)
	m.rejectCause = cause
	m.rejectWith(nas.RegistrationReject(nil, cause))
}

// rejectNSSAI rejects with #62 "no network slices available" and the
// rejected NSSAI (§5.5.1.2.5, §8.2.9.5).
func (m *Machine) rejectNSSAI(rejected []nas.RejectedSNSSAI) {
	m.rejectCause = nas.CauseNoNetworkSlicesAvailable
	m.rejectWith(nas.RegistrationRejectNSSAI(nil, nas.CauseNoNetworkSlicesAvailable, rejected))
}

func (m *Machine) rejectWith(msg []byte) {
	m.stopTimer()
	m.send(msg)
	m.sh.Outcome(Outcome{"registration", "rejected"})
	if m.state != Registered {
		m.state = Deregistered
	}
	m.reg = nil
	m.release(ReleaseNormal)
}

// backOff ends the registration with REGISTRATION REJECT #22 and T3346
// (TS 24.501 §5.5.1.2.5, §5.3.9.2): the network cannot serve it now — the
// AMF is congested, or a service it needs (the home network, its store)
// failed for a while — and the UE is to retry after the back-off, not
// conclude it may not use the network as #111 would have it do. The
// caller logs the reject.
func (m *Machine) backOff(result string) {
	m.stopTimer()
	m.send(nas.RegistrationRejectBackoff(nil, nas.CauseCongestion, m.t3346()))
	m.rejectCause = nas.CauseCongestion
	m.sh.Outcome(Outcome{"registration", result})
	if m.state != Registered {
		m.state = Deregistered
	}
	m.reg = nil
	m.release(ReleaseNormal)
}

// serviceFailed ends a registration whose service call failed: #22 with
// a back-off when the failure is temporary, else cause.
func (m *Machine) serviceFailed(err error, cause uint8) {
	if sbi.Temporary(err) {
		// Once per interval (through the AMF's limiter), not per UE: while
		// the store's disk is full every UE meets the same failure.
		// This line is the reject's: one warning for the outage rather
		// than a line per UE.
		m.log.Warn("registration refused for now: a service the AMF needs is unavailable",
			append([]any{lograte.Burst(1), m.identity(), "error", err}, causeArgs(nas.CauseCongestion)...)...)
		m.backOff("unavailable")
		return
	}
	m.reject(cause, "error", err)
}

// accept finishes a registration once the UE is authenticated and the
// secure exchange established (TS 23.502 §4.2.2.2.2 steps 14-21): an
// initial registration, or a UE whose subscription the AMF has not
// fetched, first registers with the UDM (Nudm_UECM_Registration, step
// 14d) and gets its access and mobility subscription (Nudm_SDM_Get, step
// 14b), each call an event away (calls.go).
func (m *Machine) accept(ctx context.Context) {
	if m.reg.kind == regInitial || !m.fetched {
		m.call(RegisterAMF{SUPI: m.supi, Registration: sbi.AMFRegistration{RATType: "NR"}})
		return
	}
	m.acceptRegistration(ctx)
}

// amfRegistered goes on once the UDM has answered Nudm_UECM_Registration.
func (m *Machine) amfRegistered(err error) {
	if err != nil {
		if !sbi.Temporary(err) {
			m.log.Error("Nudm_UECM_Registration failed", "error", err)
		}
		m.serviceFailed(err, nas.CauseProtocolErrorUnspecified)
		return
	}
	m.uecm = uecmState{}
	m.call(GetAMData{SUPI: m.supi})
}

// subscriptionFetched goes on once the UDM has answered Nudm_SDM_Get.
func (m *Machine) subscriptionFetched(ctx context.Context, a GetAMDataAnswer) {
	if err := a.Err; err != nil {
		cause := nas.CauseProtocolErrorUnspecified
		if errors.Is(err, sbi.ErrUserNotFound) {
			cause = nas.Cause5GSServicesNotAllowed
		} else if !sbi.Temporary(err) {
			m.log.Error("Nudm_SDM_Get failed", "error", err)
		}
		m.serviceFailed(err, cause)
		return
	}
	m.am, m.fetched = a.Data, true
	m.acceptRegistration(ctx)
}

// acceptRegistration asks the NSSF for the registration's slices
// (TS 23.502 §4.2.2.2.3 step 3), an event away (calls.go).
func (m *Machine) acceptRegistration(ctx context.Context) {
	r := m.reg
	if len(r.caps) >= 2 {
		m.caps = r.caps
	}
	var previous []ident.SNSSAI
	if r.kind != regInitial {
		previous = m.allowed
	}
	m.call(SelectSlices{Query: m.nssaiQuery(r.nssai, previous)})
}

// slicesSelected goes on once the NSSF has answered
// Nnssf_NSSelection_Get: the allowed NSSAI, and the REGISTRATION ACCEPT
// with the UE's context (TS 23.502 §4.2.2.2.2 step 21).
func (m *Machine) slicesSelected(ctx context.Context, ans SelectSlicesAnswer) {
	if err := ans.Err; err != nil {
		if !sbi.Temporary(err) {
			m.log.Error("Nnssf_NSSelection_Get failed", "error", err)
		}
		m.serviceFailed(fmt.Errorf("Nnssf_NSSelection_Get: %w", err), nas.CauseProtocolErrorUnspecified)
		return
	}
	r := m.reg
	slices := nssaiDecided(r.nssai, ans.Info)
	if len(slices.allowed) == 0 {
		// TS 24.501 §5.5.1.2.5: no slice the UE may use here: #62 with
		// the rejected NSSAI.
		m.logReject("registration rejected", nas.CauseNoNetworkSlicesAvailable, "reason", "no network slice can be allowed",
			"requested", fmt.Sprint(r.nssai), "subscribed", fmt.Sprint(m.am.NSSAI), "rejected", fmt.Sprint(slices.rejected))
		m.rejectNSSAI(slices.rejected)
		return
	}
	m.allowed = slices.allowed
	newGUTI := m.guti == nil || r.kind == regInitial || m.foreign
	if newGUTI {
		if m.guti != nil {
			old := *m.guti
			r.former = &old
		}
		m.also = nil
		g := m.sh.AllocateGUTI()
		m.guti = &g
		m.takeGUTI()
	}
	m.tais = m.cfg.TAIs
	a := nas.Accept{AllowedNSSAI: m.allowed, RejectedNSSAI: slices.rejected, ConfiguredNSSAI: slices.configured,
		TAIs: m.tais, T3512: m.cfg.T3512}
	m.cfg.Accept.fill(&a)
	if newGUTI {
		a.GUTI = m.guti
	}
	st := &registrationStep{r: r, accept: a, newGUTI: newGUTI}
	if (r.kind == regMobility || r.kind == regPeriodic) && m.smf {
		m.updateSessions(ctx, st)
		return
	}
	m.registrationAccepted(ctx, st)
}

// registrationStep is a registration whose REGISTRATION ACCEPT is being
// built: the accept, the sessions for its Initial Context Setup, and
// whether it gives the UE a new 5G-GUTI.
type registrationStep struct {
	r       *registration
	accept  nas.Accept
	items   []SessionResource
	newGUTI bool
}

// registrationAccepted sends the REGISTRATION ACCEPT in the Initial
// Context Setup (TS 23.502 §4.2.2.2.2 step 21), with the sessions whose
// user plane it sets up.
func (m *Machine) registrationAccepted(ctx context.Context, st *registrationStep) {
	r := st.r
	accept, err := nas.RegistrationAccept(nil, st.accept)
	if err != nil {
		m.log.Error("encoding Registration Accept", "error", err)
		m.abort(ReleaseUnspecified)
		return
	}
	pdu, err := m.sec.Protect(accept, nas.IntegrityCiphered)
	if err != nil {
		m.log.Error("protecting Registration Accept", "error", err)
		m.abort(ReleaseUnspecified)
		return
	}
	setup := m.contextSetup(pdu, st.items)
	// TS 23.502 §4.2.2.2.2, TS 24.501 §5.5.1.3.4: the stored UE radio
	// capability does not survive an initial registration or the UE's
	// word that it changed.
	setup.ForgetRadioCapability = r.kind == regInitial || r.radioCapabilityUpdate
	m.sh.SetupContext(setup)
	if !st.newGUTI {
		// §5.5.1.3.4: without a new 5G-GUTI the UE sends no
		// REGISTRATION COMPLETE; the update is done. The connection is
		// kept for a follow-on request and for downlink that waited
		// for the UE (§5.5.1.3.4: the AMF may keep it when it has
		// pending downlink).
		keep := r.follow || m.dl.pending() || len(st.items) > 0 || m.cfg.AfterRegistration == KeepAfterRegistration
		m.registered(ctx, "accepted")
		if !keep {
			m.release(ReleaseNormal)
		}
		return
	}
	m.proc = procRegistrationAccept
	m.expiries = 0
	m.retransmit = func() { m.send(accept) }
	m.sh.StartTimer(T3550, m.cfg.Timers.T3550)
}

// handleRegistrationComplete ends the registration (§5.5.1.2.4). After an
// initial registration the UE is sent the network's NITZ, and the N2
// connection is released when the UE has no follow-on request and
// nothing else needs the connection (§5.5.1.2.4; TS 23.502 §4.2.2.2.2,
// AN release of §4.2.6), as Config.AfterRegistration allows.
func (m *Machine) handleRegistrationComplete() {
	if m.proc != procRegistrationAccept {
		return
	}
	r := m.reg
	m.stopTimer()
	waiting := m.dl.pending()
	m.registered(context.Background(), "accepted")
	if r == nil || r.kind != regInitial {
		return
	}
	m.sendNITZ()
	if m.cfg.AfterRegistration == ReleaseAfterRegistration && !r.follow && !waiting &&
		m.proc == procNone && !m.dl.pending() && len(m.sessions) == 0 {
		m.release(ReleaseNormal)
	}
}

func (m *Machine) registered(ctx context.Context, result string) {
	m.state = Registered
	m.reg = nil
	m.sh.Outcome(Outcome{"registration", result})
	if m.connected && m.secured && m.dl.pending() {
		m.deliverDownlink(ctx)
	}
}
