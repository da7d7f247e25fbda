package pcf

import (
	"context"
	"errors"
	"fmt"

	"github.com/keelcore/keel/internal/store"
)

// Associations of an SMF that is gone (TS 29.512 §4.2.5: the SMF deletes
// an SM policy association when its PDU session ends). An SMF that dies
// deletes none: its associations would stay in the store its PCFs share
// for ever. Each association keeps the smfId its SMF gave at Create
// (TS 29.512 §5.6.2.3); an SMF process takes a new NF instance ID each
// time it starts, so the associations of one that died, restarted or
// not, name an SMF instance the NRF no longer lists.
//
// OrphanSweep releases them: each Run reads the SMF instances the NRF
// lists now (alive) and goes through the associations; one whose SMF is
// not listed is deleted if its SMF was not listed at the previous Run
// either — an SMF that missed its heartbeats and registered again
// meanwhile is not swept for a moment's absence — at the revision read,
// so a change made meanwhile by another PCF instance keeps it. An
// association without an smfId is kept. A Run whose alive fails
// releases nothing and remembers nothing.
//
// Concurrency: a sweep is used by one goroutine at a time; several PCF
// instances may sweep the same store at once (each deletion is
// conditional on the revision read).
type OrphanSweep struct {
	p     *PCF
	alive func(ctx context.Context) (map[string]bool, error)
	// absent are the SMF instances the last Run found associations of
	// and the NRF did not list.
	absent map[string]bool
}

// NewOrphanSweep returns a sweep of p's associations; alive returns the
// NF instance IDs of the SMFs registered at the NRF.
func (p *PCF) NewOrphanSweep(alive func(ctx context.Context) (map[string]bool, error)) *OrphanSweep {
	return &OrphanSweep{p: p, alive: alive, absent: map[string]bool{}}
}

// Run sweeps once and returns how many associations it released.
func (s *OrphanSweep) Run(ctx context.Context) (int, error) {
	alive, err := s.alive(ctx)
	if err != nil {
		return 0, fmt.Errorf("pcf: sweep: the SMFs registered: %w", err)
	}
	absent := map[string]bool{}
	released := 0
	after := ""
	for {
		recs, err := s.p.records.ListRecords(ctx, RecordKind, "", after, store.MaxPageSize)
		if err != nil {
			return released, fmt.Errorf("pcf: sweep: %w", storeError(err))
		}
		for _, r := range recs {
			a, err := decodeAssociation(r.Value)
			if err != nil || a.SMFID == "" || alive[a.SMFID] {
				continue
			}
			absent[a.SMFID] = true
			if !s.absent[a.SMFID] {
				continue
			}
			err = s.p.records.DeleteRecord(ctx, RecordKind, r.Key, r.Revision)
			switch {
			case err == nil:
				released++
				s.p.metrics.orphans.Inc()
				s.p.log.Info("SM policy association released: its SMF is no longer registered at the NRF",
					"supi", a.SUPI, "pdu_session_id", a.PDUSessionID, "smf", a.SMFID)
			case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrConflict):
				// Deleted or changed meanwhile by another instance.
			default:
				return released, fmt.Errorf("pcf: sweep: %w", storeError(err))
			}
		}
		if len(recs) < store.MaxPageSize {
			break
		}
		after = recs[len(recs)-1].Key
	}
	s.absent = absent
	return released, nil
}
