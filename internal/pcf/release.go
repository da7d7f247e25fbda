package pcf

import (
	"context"
	"errors"
	"fmt"

	"github.com/keelcore/keel/internal/store"
)

// ReleaseLocal removes the SM policy associations of an SMF called
// directly in the process (those without a notificationUri), which a
// restart of the process ended with its sessions: that SMF's PDU
// session contexts lived in memory, so no Npcf_SMPolicyControl_Delete
// (TS 29.512 §4.2.4) will ever come for them. It is the PCF's side of
// the restoration after a restart of TS 23.527: a peer whose restart lost its
// contexts has its associated resources released locally. The caller
// runs it once at start, before the SMF of the process creates any
// association, and only on records this process alone uses (an SQLite
// store held by its data directory): on records shared by processes,
// another process's SMF's associations also have no notificationUri.
// Associations of an SMF elsewhere (with a notificationUri) are never
// touched. It returns how many it removed; each is counted in
// keel_pcf_sm_policy_associations_released_total{reason="smf_restarted"}.
func (p *PCF) ReleaseLocal(ctx context.Context) (int, error) {
	released := 0
	after := ""
	for {
		page, err := p.records.ListRecords(ctx, RecordKind, "", after, store.MaxPageSize)
		if err != nil {
			return released, fmt.Errorf("pcf: release local associations: %w", storeError(err))
		}
		for _, rec := range page {
			a, err := decodeAssociation(rec.Value)
			if err != nil || a.NotificationURI != "" {
				// A record that does not decode is answered
				// SYSTEM_FAILURE where it is used; it names no SMF.
				continue
			}
			err = p.records.DeleteRecord(ctx, RecordKind, rec.Key, rec.Revision)
			switch {
			case err == nil:
				released++
				p.metrics.released.WithLabelValues("smf_restarted").Inc()
			case errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict):
			default:
				return released, fmt.Errorf("pcf: release local associations: %w", storeError(err))
			}
		}
		if len(page) < store.MaxPageSize {
			return released, nil
		}
		after = page[len(page)-1].Key
	}
}
