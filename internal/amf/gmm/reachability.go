package gmm

import (
	"context"
	"time"

	"github.com/keelcore/keel/internal/sbi"
)

// Reachability of a registered UE in 5GMM-IDLE (TS 24.501 §5.3.7, TS
// 23.501 §5.4.1.1):
//
//	connected ──release──▶ idle, mobile reachable timer running (reachable: paged)
//	idle ──expiry──▶ implicit deregistration timer running (not reachable: not paged)
//	   ──expiry──▶ implicitly deregistered: SM contexts released, UECM deregistration
//	any idle state ──Initial UE Message (Service Request, registration)──▶ connected
//
// Machine.idleTimer names the timer running, 0 while the UE is connected
// or deregistered. A periodic or mobility registration update comes on a
// new connection, which stops the timers; they start again, from their
// full value, when that connection is released.

// reachable reports whether an idle UE may be paged: its mobile
// reachable timer has not expired.
func (m *Machine) reachable() bool { return m.idleTimer != ImplicitDeregistration }

// mobileReachable is the mobile reachable timer's value: configured, or
// T3512 + 4 minutes (TS 24.501 §5.3.7).
func (m *Machine) mobileReachable() time.Duration {
	if d := m.cfg.Timers.MobileReachable; d > 0 {
		return d
	}
	return m.cfg.T3512 + mobileReachableMargin
}

// wentIdle runs when the UE's N2 connection is released: what still
// waits for it could not be delivered on that connection, and a
// registered UE's mobile reachable timer starts (§5.3.7).
func (m *Machine) wentIdle(ctx context.Context) {
	if m.state != Registered {
		m.stopIdleTimer()
		m.dropDownlink()
		return
	}
	if m.dl.deregister {
		// The UE was connected but the deregistration could not run on
		// that connection: it is done locally.
		m.deregistered(ctx)
		m.sh.Outcome(Outcome{"deregistration", "implicit"})
		return
	}
	if ts := m.dl.transfers; len(ts) > 0 {
		m.dl.transfers = nil
		m.failTransfers(ts, sbi.N1N2UENotReachable)
	}
	m.stopIdleTimer()
	m.idleTimer = MobileReachable
	m.sh.StartTimer(MobileReachable, m.mobileReachable())
}

// connectedAgain runs when a new N2 connection carries the UE: the
// mobile reachable or implicit deregistration timer stops (§5.3.7), and
// a running paging has been answered.
func (m *Machine) connectedAgain() {
	m.stopIdleTimer()
	m.pagingAnswered()
}

func (m *Machine) stopIdleTimer() {
	if m.idleTimer != 0 {
		m.sh.StopTimer(m.idleTimer)
		m.idleTimer = 0
	}
}

// mobileReachableExpired starts the implicit deregistration timer; from
// now on the UE is not paged (TS 23.501 §5.4.1.1: the AMF considers it
// unreachable while it stays in CM-IDLE).
func (m *Machine) mobileReachableExpired() {
	if m.connected || m.idleTimer != MobileReachable {
		return
	}
	m.idleTimer = ImplicitDeregistration
	m.sh.StartTimer(ImplicitDeregistration, m.cfg.Timers.of(ImplicitDeregistration))
}

// implicitDeregistrationExpired implicitly deregisters the UE (§5.3.7,
// TS 23.502 §4.2.2.3.3): its SM contexts are released at the SMF, the
// AMF deregisters at the UDM, and the UE is 5GMM-DEREGISTERED; the AMF
// then forgets its context.
func (m *Machine) implicitDeregistrationExpired(ctx context.Context) {
	if m.connected || m.idleTimer != ImplicitDeregistration {
		return
	}
	m.idleTimer = 0
	m.log.Info("UE implicitly deregistered: no contact since it went idle")
	m.deregistered(ctx)
	m.sh.Outcome(Outcome{"deregistration", "implicit"})
}
