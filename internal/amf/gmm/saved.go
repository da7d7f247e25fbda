package gmm

import (
	"context"
	"log/slog"
	"slices"

	"github.com/keelcore/keel/internal/amf/uerecord"
	"github.com/keelcore/keel/internal/crypto/kdf"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nas"
)

// DLCountMargin is how far past the saved downlink NAS COUNT a restored
// context starts (Restore). The instance that saved the context may have
// sent downlink messages after its last save; none of their COUNTs may
// be used again (TS 33.501 §6.4.3.1: a COUNT is used once per key and
// direction). The AMF saves the context again before it has sent
// DLCountMargin/4 messages past a save (Saving), so the UE's last
// downlink COUNT is below the restored one; and the jump is less than
// 256, so the UE, which rebuilds the COUNT from the 8-bit sequence
// number (TS 24.501 §4.4.3.1), still finds the right overflow counter.
const DLCountMargin = 128

// Snapshot returns the UE's context to save, and whether there is one
// worth saving: a registered UE with a current 5G NAS security context
// and a 5G-GUTI, no procedure waiting for the UE (TS 23.501 §5.21.2:
// contexts are kept at procedure ends) but two that give the UE a new
// 5G-GUTI and wait for its acknowledgement: a REGISTRATION ACCEPT (TS
// 24.501 §5.5.1.2.4, §5.5.1.3.4, T3550) and a CONFIGURATION UPDATE
// COMMAND (§5.4.4.2, T3555). The UE takes the new 5G-GUTI as soon as it
// receives the message, and the network takes the old one as invalid
// only on the COMPLETE, so the context then carries both: the new one
// as its 5G-GUTI and the old one as Former. Saved before the message
// goes (the AMF's write-ahead), it lets another instance of the set
// serve the UE whichever of the two it uses next.
func (m *Machine) Snapshot() (uerecord.UE, bool) {
	accepting := m.proc == procRegistrationAccept && m.reg != nil
	renaming := m.proc == procConfigurationUpdate && m.cu != nil && m.cu.oldGUTI != nil
	// A command giving a new 5G-GUTI may go in the same breath as the
	// SERVICE ACCEPT, before the gNB has set the context up (serving):
	// the UE relies on it all the same.
	if (m.state != Registered && !accepting) || m.sec == nil || m.guti == nil || m.supi == "" || m.service != nil || (m.serving && !renaming) || m.act != nil {
		return uerecord.UE{}, false
	}
	guti := *m.guti
	var former *ident.GUTI
	switch {
	case renaming:
		former = m.cu.oldGUTI
	case accepting:
		former = m.reg.former
	case m.proc != procNone && m.proc != procConfigurationUpdate:
		return uerecord.UE{}, false
	default:
		// A configuration update aborted: the new 5G-GUTI it gave may be
		// the UE's (§5.4.4.6).
		former = m.also
	}
	if former != nil && *former != guti {
		g := *former
		former = &g
	} else {
		former = nil
	}
	u := uerecord.UE{
		SUPI:   m.supi,
		GUTI:   guti,
		Former: former,
		Security: uerecord.Security{NgKSI: m.sec.NgKSI, KAMF: m.sec.KAMF, IntAlg: m.sec.IntAlg, EncAlg: m.sec.EncAlg,
			ULCount: m.sec.ULCount(), ULSeen: m.sec.ULSeen(), DLCount: m.sec.DLCount()},
		Capabilities: slices.Clone(m.caps),
		TAIs:         slices.Clone(m.tais),
		Allowed:      slices.Clone(m.allowed),
		Subscribed:   slices.Clone(m.am.NSSAI),
		Defaults:     slices.Clone(m.am.DefaultNSSAI),
		AMBRUplink:   m.am.UEAMBRUplink,
		AMBRDownlink: m.am.UEAMBRDownlink,
		DNNs:         slices.Clone(m.am.DNNs),
		T3512:        m.cfg.T3512,
	}
	for _, s := range m.sessions {
		u.Sessions = append(u.Sessions, uerecord.Session{ID: s.psi, SNSSAI: s.snssai, DNN: s.dnn, Ref: s.ref})
	}
	return u, true
}

// Restore returns the machine of a registered UE in 5GMM-IDLE from the
// context another AMF instance of the set saved (TS 23.501 §5.21.2.3,
// TS 23.502 §4.2.3.2: the UE's next Service Request or registration
// update reaches this instance), so that it goes on without registering
// or authenticating again:
//
//   - the NAS keys are derived again from KAMF (TS 33.501 Annex A.8);
//   - the uplink COUNT is the saved one: the UE's next message, even if
//     the UE sent others since the save, is checked with the COUNT
//     estimated from its sequence number (TS 24.501 §4.4.3.1, TS 33.501
//     §6.4.3.1), and one the saving instance accepted before the save is
//     refused as a replay;
//   - the downlink COUNT is the saved one plus DLCountMargin, so that no
//     downlink COUNT the other instance used is used again;
//   - the 5G-GUTI names the other instance: the UE gets a new one of
//     this instance, in the REGISTRATION ACCEPT of its next registration
//     or in a CONFIGURATION UPDATE COMMAND once its Service Request is
//     accepted (TS 24.501 §5.4.4.1, §5.5.1.3.4).
//
// The caller connects the machine and hands it the UE's message.
func Restore(cfg *Config, svc Services, sh Shell, log *slog.Logger, u uerecord.UE) *Machine {
	m := New(cfg, svc, sh, log)
	m.connected = false
	m.state = Registered
	m.supi = u.SUPI
	g := u.GUTI
	m.guti = &g
	s := u.Security
	m.sec = &nas.Context{NgKSI: s.NgKSI, KAMF: s.KAMF, IntAlg: s.IntAlg, EncAlg: s.EncAlg,
		KInt: kdf.AlgorithmKey(s.KAMF, kdf.NASIntAlg, s.IntAlg),
		KEnc: kdf.AlgorithmKey(s.KAMF, kdf.NASEncAlg, s.EncAlg)}
	m.sec.SetCounts(s.ULCount, s.ULSeen, s.DLCount+DLCountMargin)
	m.nextKSI = (s.NgKSI + 1) % 7
	m.caps = slices.Clone(u.Capabilities)
	m.tais = slices.Clone(u.TAIs)
	m.allowed = slices.Clone(u.Allowed)
	// m.fetched stays false: the UE's next registration registers this
	// instance with the UDM and fetches the subscription afresh (TS
	// 23.502 §4.2.2.2.2 step 14, a registration at a new AMF).
	m.am.UEAMBRUplink, m.am.UEAMBRDownlink = u.AMBRUplink, u.AMBRDownlink
	m.am.NSSAI, m.am.DefaultNSSAI, m.am.DNNs = slices.Clone(u.Subscribed), slices.Clone(u.Defaults), slices.Clone(u.DNNs)
	m.sessions = nil
	for _, ss := range u.Sessions {
		m.sessions.put(ss.ID, &session{ref: ss.Ref, snssai: ss.SNSSAI, dnn: ss.DNN})
	}
	m.foreign = true
	m.uecm.stale = true
	m.dl.config = &ConfigurationUpdate{NewGUTI: true}
	return m
}

// ForeignGUTI reports whether the UE's 5G-GUTI is still the one another
// instance gave it (Restore).
func (m *Machine) ForeignGUTI() bool { return m.foreign }

// takeGUTI records that the UE was given a 5G-GUTI of this instance: a
// configuration update that waited only to do so is no longer needed.
func (m *Machine) takeGUTI() {
	if !m.foreign {
		return
	}
	m.foreign = false
	if c := m.dl.config; c != nil && c.NewGUTI && len(c.AllowedNSSAI) == 0 {
		m.dl.config = nil
	}
}

// Idle starts the reachability of a restored UE that no message brought
// (an N1N2 transfer for it, TS 23.502 §4.2.3.3): 5GMM-IDLE, its mobile
// reachable timer running (TS 24.501 §5.3.7), so that it can be paged.
func (m *Machine) Idle(ctx context.Context) {
	if !m.connected && m.state == Registered && m.idleTimer == 0 {
		m.wentIdle(ctx)
	}
}

// DeactivateUserPlanes tells the SMF that the user plane of each of a
// restored UE's PDU sessions is down (Nsmf_PDUSession_UpdateSMContext
// upCnxState DEACTIVATED, TS 23.502 §4.2.6 step 5, TS 29.502
// §5.2.2.3.2). The UE is in 5GMM-IDLE here, but the instance that
// saved its context may have died after its N2 connection was released
// and before that release's DEACTIVATED reached the SMF, or while the
// UE was still connected there (the gNB then releases the UE's
// resources with the lost association): the SMF
// would go on forwarding the session's downlink to a tunnel the gNB no
// longer has, and the downlink sent between the UE's Service Request
// and the gNB's answer with its new tunnel would be lost instead of
// buffered and delivered (TS 23.502 §4.2.3.2 steps 5 and 12-13). For a
// session the SMF had deactivated already the call changes nothing.
//
// The AMF calls it on the UE's executor once the machine is restored,
// before the UE's first message: the ACTIVATING of the UE's Service
// Request or registration update then reaches the SMF after it
// (calls.go).
func (m *Machine) DeactivateUserPlanes() {
	if m.connected {
		return
	}
	m.deactivateSessions()
}
