package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/keelcore/keel/internal/store"
)

const (
	// advanceSQL is the whole of an SQN advance: the row lock orders
	// concurrent advances from every process, and RETURNING gives each
	// the value its own update wrote (TS 33.102 Annex C: never twice).
	advanceSQL = `UPDATE subscribers SET sqn = sqn + 1 WHERE supi = $1 AND sqn < $2
RETURNING k, opc, op_is_op, amf, sqn`
	// resyncSQL raises, never lowers (TS 33.102 §6.3.5).
	resyncSQL    = `UPDATE subscribers SET sqn = greatest(sqn, $1) WHERE supi = $2 RETURNING sqn`
	lookupSQNSQL = `SELECT sqn FROM subscribers WHERE supi = $1`
)

// AdvanceSQN increments the subscriber's SQN and returns the authentication
// data with the new value, once the increment is committed. Calls made at
// one moment in this process share one statement and one commit
// (sqnBatcher); a call the batch cannot serve runs alone.
func (s *Store) AdvanceSQN(ctx context.Context, supi string) (_ store.AuthData, err error) {
	defer classify(&err)
	if err := s.enter(); err != nil {
		return store.AuthData{}, err
	}
	defer s.life.calls.Done()
	defer s.metrics.observe(opAdvanceSQN, time.Now())
	res := s.sqn.advance(ctx, supi)
	if res.single {
		res.auth, res.err = s.advanceOne(ctx, supi)
	}
	if res.err != nil {
		return store.AuthData{}, fmt.Errorf("postgres: AdvanceSQN %s: %w", supi, res.err)
	}
	return res.auth, nil
}

// ResyncSQN raises the stored SQN to sqnMS if it is lower.
func (s *Store) ResyncSQN(ctx context.Context, supi string, sqnMS uint64) (err error) {
	defer classify(&err)
	if err := s.enter(); err != nil {
		return err
	}
	defer s.life.calls.Done()
	defer s.metrics.observe(opResyncSQN, time.Now())
	if sqnMS > store.MaxSQN {
		return fmt.Errorf("postgres: ResyncSQN %s: SQN %d exceeds 48 bits", supi, sqnMS)
	}
	var sqn int64
	err = s.pool.QueryRow(ctx, resyncSQL, int64(sqnMS), supi).Scan(&sqn)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: ResyncSQN %s: %w", supi, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("postgres: ResyncSQN %s: %w", supi, err)
	}
	return nil
}
