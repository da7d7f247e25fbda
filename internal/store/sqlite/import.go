package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/keelcore/keel/internal/store"
)

// errRefused makes writeTx roll an import back once an entry was refused.
var errRefused = errors.New("import refused")

// importCheckEvery is how many entries an import inserts between checks of
// its context.
const importCheckEvery = 1024

// ImportSubscribers stores all of subs in one transaction or none of them.
// Every refused entry is reported in a *store.ImportError: invalid entries,
// SUPIs already stored, and SUPIs repeated within subs (reported at the
// later index).
func (s *Store) ImportSubscribers(ctx context.Context, subs []*store.Subscriber) (err error) {
	defer classify(&err)
	if err := s.enter(); err != nil {
		return err
	}
	defer s.life.calls.Done()
	defer s.metrics.observe(opImport, time.Now())
	if len(subs) == 0 {
		return nil
	}
	start := time.Now()

	var refused []store.RowError
	rows := make([]row, len(subs))
	ok := make([]bool, len(subs))
	first := make(map[string]int, len(subs))
	for i, sub := range subs {
		if err := validate(sub); err != nil {
			refused = append(refused, store.RowError{Index: i, Reason: err.Error()})
			continue
		}
		if j, dup := first[sub.SUPI]; dup {
			refused = append(refused, store.RowError{Index: i, Reason: fmt.Sprintf("SUPI %s repeats entry %d", sub.SUPI, j)})
			continue
		}
		first[sub.SUPI] = i
		r, err := encode(sub)
		if err != nil {
			refused = append(refused, store.RowError{Index: i, Reason: err.Error()})
			continue
		}
		rows[i], ok[i] = r, true
	}

	// Statements run under a context that is never cancelled: database/sql
	// and the driver would otherwise watch ctx once per statement. ctx is
	// polled every importCheckEvery entries instead.
	stmtCtx := context.WithoutCancel(ctx)
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		ins, err := tx.PrepareContext(stmtCtx, insertSubscriberSQL)
		if err != nil {
			return err
		}
		defer ins.Close()
		insDNN, err := tx.PrepareContext(stmtCtx, insertDNNSQL)
		if err != nil {
			return err
		}
		defer insDNN.Close()
		for i := range rows {
			if i%importCheckEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if !ok[i] {
				continue
			}
			r := &rows[i]
			res, err := ins.ExecContext(stmtCtx, r.args()...)
			if err != nil {
				return fmt.Errorf("entry %d: %w", i, err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return fmt.Errorf("entry %d: %w", i, err)
			} else if n == 0 {
				refused = append(refused, store.RowError{Index: i, Reason: fmt.Sprintf("SUPI %s already exists", r.supi)})
				continue
			}
			if len(refused) > 0 {
				continue
			}
			if err := insertDNNs(stmtCtx, insDNN, r.supi, r.dnnNames); err != nil {
				return fmt.Errorf("entry %d: %w", i, err)
			}
		}
		if len(refused) > 0 {
			return errRefused
		}
		return nil
	})
	if errors.Is(err, errRefused) {
		slices.SortFunc(refused, func(a, b store.RowError) int { return cmp.Compare(a.Index, b.Index) })
		return fmt.Errorf("sqlite: import of %d subscribers: %w", len(subs), &store.ImportError{Rows: refused})
	}
	if err != nil {
		return fmt.Errorf("sqlite: import of %d subscribers: %w", len(subs), err)
	}
	s.log.Info("sqlite: subscribers imported", "count", len(subs), "duration", time.Since(start))
	return nil
}
