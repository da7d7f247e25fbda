package gmm

import (
	"github.com/keelcore/keel/internal/crypto/kdf"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/secret"
)

// nextHop is the AMF's {NH, NCC} pair of the UE's AS security context
// (TS 33.501 §6.9.2.1.1). NH is a key: never logged.
type nextHop struct {
	nh    secret.Key256
	ncc   uint8
	valid bool
}

// HandoverContext is what a handover needs of the UE's 5GMM context:
// the UE security capabilities the AMF holds (TS 33.501 §6.7.3.1 checks
// the target gNB's against them), the allowed NSSAI and the UE's SM
// contexts by PDU session ID.
type HandoverContext struct {
	Capabilities ngap.UESecurityCapabilities
	AllowedNSSAI []ident.SNSSAI
	Sessions     map[uint8]string
}

// Handover returns the UE's handover context, false when the UE cannot
// be handed over: not registered, not connected, or without the AS
// security context an Initial Context Setup gives (no next hop to send).
func (m *Machine) Handover() (HandoverContext, bool) {
	if m.state != Registered || !m.connected || m.sec == nil || !m.hop.valid {
		return HandoverContext{}, false
	}
	return HandoverContext{Capabilities: ngapCapabilities(m.caps), AllowedNSSAI: m.allowed, Sessions: m.SMContexts()}, true
}

// NextHop advances the UE's NH chain for a handover and returns the new
// pair (TS 33.501 §6.9.2.3.3 for Xn, §6.9.2.3.4 for N2): NCC goes up by
// one, modulo 8 (a 3-bit count, TS 38.413 §9.3.1.85), and NH is derived
// from KAMF and the previous NH (Annex A.10). ok is false without a
// chain (Handover would have said so).
func (m *Machine) NextHop() (nh secret.Key256, ncc uint8, ok bool) {
	if !m.hop.valid || m.sec == nil {
		return secret.Key256{}, 0, false
	}
	m.hop.nh = kdf.NH(m.sec.KAMF, m.hop.nh)
	m.hop.ncc = (m.hop.ncc + 1) % 8
	return m.hop.nh, m.hop.ncc, true
}

// SessionGone forgets a PDU session the SMF released (a handover's
// target could not set it up, or its path was not switched).
func (m *Machine) SessionGone(psi uint8) { m.sessions.del(psi) }
