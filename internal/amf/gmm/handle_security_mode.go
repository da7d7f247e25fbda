package gmm

import (
	"context"
	"fmt"

	"github.com/free5gc/nas/nasMessage"

	"github.com/keelcore/keel/internal/crypto/kdf"
	"github.com/keelcore/keel/internal/nas"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/secret"
)

// securityMode takes a new 5G NAS security context into use with
// SECURITY MODE COMMAND (TS 24.501 §5.4.2.2).
func (m *Machine) securityMode(ctx context.Context, kamf secret.Key256, ngKSI uint8) {
	var caps []byte
	if m.reg != nil {
		caps = m.reg.caps
	}
	if len(caps) < 2 {
		// A SERVICE REQUEST carries no UE security capability: those of
		// the registration are replayed.
		caps = m.caps
	}
	ia, iok := choose(m.cfg.Integrity, capsByte(caps, 1))
	ea, eok := choose(m.cfg.Ciphering, capsByte(caps, 0))
	if !iok || !eok {
		// §5.4.2.2: NIA0 is not used outside emergency services, so a
		// UE with no other common integrity algorithm cannot be served.
		if m.service != nil {
			m.log.Warn("SERVICE REQUEST: no NAS security algorithm in common with the UE")
			m.serviceAborted(ServiceSecurityModeRejected, ReleaseUnspecified)
			return
		}
		m.reject(nas.CauseUESecurityCapabilitiesMismatch, "reason", "no NAS algorithm in common with the UE",
			"ue_security_capability", fmt.Sprintf("%x", caps), "integrity", fmt.Sprint(m.cfg.Integrity), "ciphering", fmt.Sprint(m.cfg.Ciphering))
		return
	}
	c := &nas.Context{
		NgKSI:  ngKSI,
		KAMF:   kamf,
		IntAlg: ia,
		EncAlg: ea,
		KInt:   kdf.AlgorithmKey(kamf, kdf.NASIntAlg, ia),
		KEnc:   kdf.AlgorithmKey(kamf, kdf.NASEncAlg, ea),
	}
	m.pending = c
	smc := nas.SecurityModeCommand(nil, nas.SecurityMode{
		IntAlg:               ia,
		EncAlg:               ea,
		NgKSI:                ngKSI,
		ReplayedCapabilities: caps,
		// §5.4.2.2: the initial message was not integrity checked, so
		// the UE sends it again, whole, inside the protected complete.
		RetransmitInitial: true,
	})
	m.start(procSecurityMode, T3560, func() {
		pdu, err := c.Protect(smc, nas.IntegrityNewContext)
		if err != nil {
			m.log.Error("protecting Security Mode Command", "error", err)
			return
		}
		m.sh.SendNAS(pdu)
	})
}

// choose returns the first algorithm of the preference order the UE
// supports; supported has bit 8 for algorithm 0 (TS 24.501 §9.11.3.54).
func choose(preference []uint8, supported byte) (uint8, bool) {
	for _, a := range preference {
		if a < 8 && supported&(0x80>>a) != 0 {
			return a, true
		}
	}
	return 0, false
}

func capsByte(caps []byte, i int) byte {
	if i < len(caps) {
		return caps[i]
	}
	return 0
}

// ngapCapabilities maps the UE security capability IE (bit 8 = EA0/IA0)
// to NGAP's 16-bit bitmaps, whose first bit is 128-NEA1/NIA1 (TS 38.413
// §9.3.1.86).
func ngapCapabilities(caps []byte) ngap.UESecurityCapabilities {
	b := func(i int) uint16 { return uint16(capsByte(caps, i)&0x7f) << 9 }
	return ngap.UESecurityCapabilities{
		NREncryption:    b(0),
		NRIntegrity:     b(1),
		EUTRAEncryption: b(2),
		EUTRAIntegrity:  b(3),
	}
}

// handleSecurityModeComplete takes the new context into use (§5.4.2.3)
// and, with the whole REGISTRATION REQUEST the UE sent back, finishes
// the registration, or, with the whole SERVICE REQUEST, the service
// request (service_security.go).
func (m *Machine) handleSecurityModeComplete(ctx context.Context, msg *nasMessage.SecurityModeComplete) {
	if m.proc != procSecurityMode {
		return
	}
	m.stopTimer()
	m.sec, m.pending = m.pending, nil
	m.secured = true
	if m.service != nil {
		m.serviceSecured(ctx, msg.NASMessageContainer)
		return
	}
	if c := msg.NASMessageContainer; c != nil {
		inner := c.GetNASMessageContainerContents()
		if gm, err := nas.Decode(inner); err == nil && gm.RegistrationRequest != nil {
			r, cause := parseRegistration(gm.RegistrationRequest, inner)
			if cause != 0 {
				m.reject(cause, "reason", "malformed REGISTRATION REQUEST in the NAS message container of SECURITY MODE COMPLETE")
				return
			}
			// §5.4.2.2 bidding-down check: the capabilities in the
			// protected copy must be those the AMF replayed.
			if len(r.caps) >= 2 && string(r.caps) != string(m.reg.caps) && len(m.reg.caps) >= 2 {
				m.reject(nas.CauseUESecurityCapabilitiesMismatch, "reason", "UE security capabilities changed between requests")
				return
			}
			r.raw = m.reg.raw
			m.reg = r
		}
	}
	m.accept(ctx)
}

// handleSecurityModeReject aborts the registration or service request
// (§5.4.2.5).
func (m *Machine) handleSecurityModeReject(msg *nasMessage.SecurityModeReject) {
	if m.proc != procSecurityMode {
		return
	}
	m.log.Info("security mode rejected by UE", append([]any{m.identity()}, causeArgs(msg.Cause5GMM.GetCauseValue())...)...)
	if m.service != nil {
		m.serviceAborted(ServiceSecurityModeRejected, ReleaseUnspecified)
		return
	}
	m.sh.Outcome(Outcome{"registration", "security-mode-rejected"})
	m.abort(ReleaseUnspecified)
}

// kgnb derives KgNB from the uplink COUNT of the last message the UE
// protected (TS 33.501 §6.9.2.1.1, Annex A.9).
func (m *Machine) kgnb() secret.Key256 {
	return kdf.KgNB(m.sec.KAMF, m.sec.LastULCount(), kdf.Access3GPP)
}

// contextSetup is the Initial Context Setup of the UE's context in the
// gNB (TS 38.413 §8.3.1) with the NAS-PDU pdu and the PDU sessions
// sessions: KgNB from the current context (kgnb), the UE's security
// capabilities, allowed NSSAI and UE-AMBR.
func (m *Machine) contextSetup(pdu []byte, sessions []SessionResource) ContextSetup {
	kgnb := m.kgnb()
	// TS 33.501 §6.9.2.1.1: the KgNB of an initial setup goes with a
	// virtual NH of NCC 0; the AMF derives the first NH from it, NCC 1,
	// the start of the chain a handover takes the next hop of (NextHop).
	m.hop = nextHop{nh: kdf.NH(m.sec.KAMF, kgnb), ncc: 1, valid: true}
	return ContextSetup{
		KgNB:           kgnb,
		Capabilities:   ngapCapabilities(m.caps),
		AllowedNSSAI:   m.allowed,
		UEAMBRUplink:   m.am.UEAMBRUplink,
		UEAMBRDownlink: m.am.UEAMBRDownlink,
		NASPDU:         pdu,
		Sessions:       sessions,
	}
}
