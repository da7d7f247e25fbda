package gmm

import (
	"context"
	"errors"
	"time"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nas"
)

// DefaultT3555 is the value of T3555 (TS 24.501 table 10.2.2): 6 s.
const DefaultT3555 = 6 * time.Second

// NITZ is what the AMF tells every UE of the network's identity and time
// in a CONFIGURATION UPDATE COMMAND after its initial registration (TS
// 24.501 §5.4.4.2, TS 22.042): the full and short network names
// (§9.11.3.35), the local time zone (§9.11.3.52), the universal time and
// local time zone (§9.11.3.53) and the network daylight saving time
// (§9.11.3.19).
type NITZ struct {
	FullName, ShortName string
	// Zone is the local time zone; nil means UTC.
	Zone *time.Location
	// Now is the clock of the universal time; nil means time.Now.
	Now func() time.Time
}

// ConfigurationUpdate is a change of the UE's configuration the network
// makes after its registration, such as after a change of its
// subscription (TS 24.501 §5.4.4.1, TS 23.502 §4.2.4.2): the UE is sent
// a CONFIGURATION UPDATE COMMAND with "acknowledgement requested" and the
// AMF waits for the CONFIGURATION UPDATE COMPLETE under T3555.
type ConfigurationUpdate struct {
	// NewGUTI allocates the UE a new 5G-GUTI.
	NewGUTI bool
	// AllowedNSSAI, when not empty, is the UE's new allowed NSSAI.
	AllowedNSSAI []ident.SNSSAI
}

// ErrNotRegistered answers a configuration update for a UE that is not
// registered.
var ErrNotRegistered = errors.New("gmm: the UE is not registered")

// configUpdate is the running generic UE configuration update procedure.
type configUpdate struct {
	// oldGUTI is the 5G-GUTI the UE held before the command gave it a
	// new one; nil when the command gives none.
	oldGUTI *ident.GUTI
	// foreign: the old 5G-GUTI was another AMF instance's (Restore).
	foreign bool
}

// UpdateConfiguration runs the generic UE configuration update procedure
// (TS 24.501 §5.4.4) for u. A connected UE with no procedure running gets
// the command at once; otherwise it waits: for the running procedure,
// or, for an idle UE, for the UE to answer the paging that starts (TS
// 23.502 §4.2.4.2: a UE in CM-IDLE is paged first). A later update
// replaces one still waiting. An idle UE that cannot be paged (its mobile
// reachable timer has expired) is answered ErrNotReachable, one that is
// not registered ErrNotRegistered.
func (m *Machine) UpdateConfiguration(ctx context.Context, u ConfigurationUpdate) error {
	if m.state != Registered {
		return ErrNotRegistered
	}
	if m.connected && m.secured && m.proc == procNone && !m.serving && !m.activating() {
		m.sendConfigurationUpdate(u)
		return nil
	}
	if !m.connected && (m.guti == nil || !m.reachable()) {
		return ErrNotReachable
	}
	m.dl.config = &u
	if !m.connected {
		m.page()
	}
	return nil
}

// sendConfigurationUpdate sends the CONFIGURATION UPDATE COMMAND of u
// with "acknowledgement requested" and starts T3555 (§5.4.4.2). A new
// allowed NSSAI is in force from now; a new 5G-GUTI names the UE from now
// on, the old one again if the procedure is aborted.
func (m *Machine) sendConfigurationUpdate(u ConfigurationUpdate) {
	c := nas.ConfigurationUpdate{Acknowledge: true}
	run := &configUpdate{}
	if u.NewGUTI {
		old := *m.guti
		m.also = nil
		g := m.sh.AllocateGUTI()
		m.guti = &g
		run.oldGUTI = &old
		run.foreign, m.foreign = m.foreign, false
		c.GUTI = &g
	}
	if len(u.AllowedNSSAI) > 0 {
		m.allowed = u.AllowedNSSAI
		c.AllowedNSSAI = u.AllowedNSSAI
	}
	cmd, err := nas.ConfigurationUpdateCommand(nil, c)
	if err != nil {
		m.log.Error("encoding Configuration Update Command", "error", err)
		m.restoreGUTI(run)
		return
	}
	m.cu = run
	m.start(procConfigurationUpdate, T3555, func() { m.send(cmd) })
}

// sendNITZ sends the network's names and time in a CONFIGURATION UPDATE
// COMMAND without acknowledgement (§5.4.4.2: the UE answers only when
// asked; no timer runs).
func (m *Machine) sendNITZ() {
	n := m.cfg.NITZ
	if n == nil || !m.connected || !m.secured {
		return
	}
	now := time.Now
	if n.Now != nil {
		now = n.Now
	}
	cmd, err := nas.ConfigurationUpdateCommand(nil, nas.ConfigurationUpdate{NITZ: nas.NITZ{
		FullName: n.FullName, ShortName: n.ShortName, Time: now(), Zone: n.Zone}})
	if err != nil {
		m.log.Error("encoding Configuration Update Command", "error", err)
		return
	}
	m.send(cmd)
	m.sh.Outcome(Outcome{"configuration-update", "nitz"})
}

// handleConfigurationUpdateComplete ends the procedure (§5.4.4.3): T3555
// stops and a new 5G-GUTI is the UE's only one. An update that waited
// for this one goes next.
func (m *Machine) handleConfigurationUpdateComplete() {
	if m.proc != procConfigurationUpdate {
		return
	}
	m.stopTimer()
	m.cu = nil
	m.sh.Outcome(Outcome{"configuration-update", "completed"})
	m.sendWaitingConfigurationUpdate()
}

// sendWaitingConfigurationUpdate sends the configuration update that
// waited (for the UE to be connected, for the running procedure or for
// the Initial Context Setup of a Service Request to end), once the secure
// exchange is established on the connection and no procedure runs.
func (m *Machine) sendWaitingConfigurationUpdate() {
	u := m.dl.config
	if u == nil || m.proc != procNone || !m.connected || !m.secured || m.activating() {
		return
	}
	m.dl.config = nil
	m.sendConfigurationUpdate(*u)
}

// abortConfigurationUpdate ends the procedure without the UE's answer:
// on the fifth expiry of T3555 (§5.4.4.4 c), a lower layer failure or
// release (§5.4.4.4 a), or a registration that collides with it
// (§5.4.4.4 d). The UE keeps its registration; the AMF names it by its
// old 5G-GUTI again, which it may still hold.
func (m *Machine) abortConfigurationUpdate(result string) {
	if m.proc == procConfigurationUpdate {
		if t := m.timer(); t != 0 {
			m.sh.StopTimer(t)
		}
		m.proc, m.retransmit = procNone, nil
	}
	if m.cu == nil {
		return
	}
	m.restoreGUTI(m.cu)
	m.cu = nil
	m.log.Info("configuration update aborted", "result", result)
	m.sh.Outcome(Outcome{"configuration-update", result})
}

func (m *Machine) restoreGUTI(run *configUpdate) {
	if run.oldGUTI != nil {
		g := *run.oldGUTI
		if m.guti != nil && *m.guti != g {
			// The UE may have taken the new one: it stays valid beside
			// the old one until the UE is given another (§5.4.4.6).
			also := *m.guti
			m.also = &also
		}
		m.guti = &g
		m.foreign = run.foreign
		m.sh.RestoreGUTI(g)
	}
}
