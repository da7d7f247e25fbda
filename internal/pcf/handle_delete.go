package pcf

import (
	"context"
	"errors"
	"fmt"

	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/store"
)

// Delete is Npcf_SMPolicyControl_Delete (TS 29.512 §4.2.4): the SMF ends
// the policy association of a released PDU session, whichever instance
// created it. One record write.
func (p *PCF) Delete(ctx context.Context, id string) error {
	err := p.records.DeleteRecord(ctx, RecordKind, id, 0)
	switch {
	case errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalidRecord):
		err = fmt.Errorf("pcf: Delete %q: %w", id, sbi.ErrPolicyNotFound)
	case err != nil:
		err = fmt.Errorf("pcf: Delete %q: %w", id, storeError(err))
	default:
		p.log.Debug("SM policy association deleted", "policy", id)
	}
	p.metrics.deletes.WithLabelValues(sbi.Outcome(err)).Inc()
	return err
}
