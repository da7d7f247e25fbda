package gmm

import (
	"context"

	"github.com/free5gc/nas/nasMessage"

	"github.com/keelcore/keel/internal/nas"
)

// handleDeregistrationRequest serves UE-initiated deregistration (TS
// 24.501 §5.5.2.2): DEREGISTRATION ACCEPT unless switched off, then the
// N2 connection is released.
func (m *Machine) handleDeregistrationRequest(ctx context.Context, msg *nasMessage.DeregistrationRequestUEOriginatingDeregistration) {
	switchOff := msg.NgksiAndDeregistrationType.GetSwitchOff() == 1
	m.stopTimer()
	if !switchOff {
		m.send(nas.DeregistrationAcceptUEOriginating(nil))
	}
	m.deregistered(ctx)
	m.sh.Outcome(Outcome{"deregistration", "ue-initiated"})
	m.release(ReleaseDeregister)
}

// ignoreUnprotectedDeregistration drops a DEREGISTRATION REQUEST that
// was not integrity checked for a UE holding a 5G NAS security context.
// Such a UE protects the message (TS 24.501 §4.4.4.2), and the 5G-S-TMSI
// that names it is no secret (paging carries it): TS 24.501 §4.4.4.3
// admits the message unprotected only for a UE without a context, and
// a switch-off deregistration that is not integrity checked may be
// ignored, as in EPS (TS 24.301 §4.4.4.3). The UE stays registered with
// its sessions; a connection opened for the message alone (no secure
// exchange on it) is released.
func (m *Machine) ignoreUnprotectedDeregistration() {
	m.log.Info("unprotected DEREGISTRATION REQUEST ignored: the UE holds a security context", "supi", m.supi)
	m.sh.Outcome(Outcome{"deregistration", "unprotected-ignored"})
	if !m.secured && m.state == Registered && m.proc == procNone {
		m.release(ReleaseUnspecified)
	}
}

// Deregister starts network-initiated deregistration (§5.5.2.3). An idle
// UE is paged first (§5.6.2.2.1: downlink signalling waits) and the
// DEREGISTRATION REQUEST goes once it is connected again (paging.go);
// one that cannot be paged (its mobile reachable timer expired) or is
// in the middle of a procedure is deregistered locally (implicit
// deregistration, §5.3.7).
func (m *Machine) Deregister(ctx context.Context) {
	if m.state == Deregistered || m.dl.deregister {
		return
	}
	if m.activating() {
		// The SERVICE ACCEPT or REGISTRATION ACCEPT waits for the SMF:
		// the DEREGISTRATION REQUEST follows it (resumeSignalling,
		// deliverDownlink).
		m.dl.deregister = true
		return
	}
	if !m.connected && m.state == Registered && m.reachable() && m.guti != nil {
		m.dl.deregister = true
		m.page()
		return
	}
	if !m.connected || !m.secured {
		m.deregistered(ctx)
		m.sh.Outcome(Outcome{"deregistration", "implicit"})
		m.release(ReleaseDeregister)
		return
	}
	m.state = DeregisteredInitiated
	msg := nas.DeregistrationRequestUETerminated(nil, false, 0)
	m.start(procDeregistration, T3522, func() { m.send(msg) })
}

// handleDeregistrationAccept ends network-initiated deregistration.
func (m *Machine) handleDeregistrationAccept(ctx context.Context) {
	if m.proc != procDeregistration {
		return
	}
	m.stopTimer()
	m.deregistered(ctx)
	m.sh.Outcome(Outcome{"deregistration", "network-initiated"})
	m.release(ReleaseDeregister)
}

// deregistered forgets the registration: Nudm_UECM_Deregistration, and
// the 5G-GUTI and security context go (§5.5.2.2.2, §5.5.2.3.2).
func (m *Machine) deregistered(ctx context.Context) {
	if act := m.dropActivation(); act != nil && act.service != nil {
		m.sh.Outcome(Outcome{"service-request", ServiceAborted})
	}
	m.stopIdleTimer()
	m.dropDownlink()
	m.releaseSessions()
	m.establishing, m.relaying = nil, nil
	if m.supi != "" && m.state != Deregistered {
		m.notify(DeregisterAMF{SUPI: m.supi})
	}
	m.state = Deregistered
	m.reg = nil
	m.sec, m.pending, m.service = nil, nil, nil
	m.secured = false
}
