package pcf

import (
	"context"
	"fmt"

	"github.com/keelcore/keel/internal/sbi"
)

// Delete is Npcf_SMPolicyControl_Delete (TS 29.512 §4.2.4): the SMF ends
// the policy association of a released PDU session.
func (p *PCF) Delete(_ context.Context, id string) error {
	p.associations.Lock()
	a, ok := p.associations.byID[id]
	delete(p.associations.byID, id)
	p.associations.Unlock()
	if !ok {
		p.metrics.deletes.WithLabelValues(sbi.Outcome(sbi.ErrPolicyNotFound)).Inc()
		return fmt.Errorf("pcf: Delete %q: %w", id, sbi.ErrPolicyNotFound)
	}
	p.metrics.deletes.WithLabelValues("ok").Inc()
	p.log.Debug("SM policy association deleted", "supi", a.supi, "pdu_session_id", a.pduSessionID, "dnn", a.dnn, "policy", id)
	return nil
}
