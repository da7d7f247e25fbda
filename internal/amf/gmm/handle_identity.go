package gmm

import (
	"context"

	"github.com/free5gc/nas/nasMessage"

	"github.com/keelcore/keel/internal/nas"
	"github.com/keelcore/keel/internal/sbi"
)

// identify asks the UE for its SUCI (TS 24.501 §5.4.3.2).
func (m *Machine) identify() {
	msg := nas.IdentityRequest(nil, nas.IdentitySUCI)
	m.start(procIdentification, T3570, func() { m.send(msg) })
}

// handleIdentityResponse authenticates the UE by the SUCI it gave
// (§5.4.3.4).
func (m *Machine) handleIdentityResponse(ctx context.Context, msg *nasMessage.IdentityResponse) {
	if m.proc != procIdentification {
		return
	}
	m.stopTimer()
	id, err := nas.ParseIdentity(msg.MobileIdentity.GetMobileIdentityContents())
	if err != nil || id.Type != nas.IdentitySUCI {
		m.reject(nas.CauseUEIdentityCannotBeDerived, "reason", "IDENTITY RESPONSE without a SUCI")
		return
	}
	if m.reg != nil {
		m.reg.identity = id
	}
	m.authenticate(sbi.AuthRequest{SUCI: id.SUCI, ServingNetworkName: m.cfg.ServingNetworkName})
}
