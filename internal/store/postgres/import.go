package postgres

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/subcodec"
)

// errRefused makes writeTx roll an import back once an entry was refused.
var errRefused = errors.New("import refused")

// The rows of the import in progress, so that a SUPI or address met twice
// names the row that took it first: a temporary table of the import's
// transaction, dropped at its end.
const (
	createImportRowsSQL = `CREATE TEMP TABLE import_rows (supi text COLLATE "C" NOT NULL PRIMARY KEY, row integer NOT NULL) ON COMMIT DROP`
	insertImportRowSQL  = `INSERT INTO import_rows (supi, row) VALUES ($1, $2)`
	importRowSQL        = `SELECT row FROM import_rows WHERE supi = $1`
)

// ImportSubscribers stores all of subs in one transaction or none of them,
// as ImportStream does; refusals name entries by their index in subs.
func (s *Store) ImportSubscribers(ctx context.Context, subs []*store.Subscriber) error {
	_, err := s.ImportStream(ctx, func(yield func(store.ImportEntry, error) bool) {
		for i, sub := range subs {
			if !yield(store.ImportEntry{Row: i, Subscriber: sub}, nil) {
				return
			}
		}
	})
	return err
}

// ImportStream stores the entries of src in one transaction or none of
// them, inserting each as it reads it: the server holds the transaction's
// rows, so memory here does not grow with the import. Refusals are those
// of the SQLite engine (see store.Store.ImportStream).
func (s *Store) ImportStream(ctx context.Context, src iter.Seq2[store.ImportEntry, error]) (_ int, err error) {
	defer classify(&err)
	if err := s.enter(); err != nil {
		return 0, err
	}
	defer s.life.calls.Done()
	defer s.metrics.observe(opImport, time.Now())
	start := time.Now()

	var (
		refused store.ImportError
		read    int
		stored  int
	)
	// An import reads src once: it is not retried.
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, createImportRowsSQL); err != nil {
			return err
		}
		for e, err := range src {
			if err != nil {
				return err
			}
			read++
			if e.Refusal != nil {
				r := *e.Refusal
				r.Row = e.Row
				refused.Add(r)
				continue
			}
			ok, err := importOne(ctx, tx, e, &refused)
			if err != nil {
				return fmt.Errorf("entry %d: %w", e.Row, err)
			}
			if ok {
				stored++
			}
		}
		if refused.Refused > 0 {
			return errRefused
		}
		return nil
	})
	if errors.Is(err, errRefused) {
		return 0, fmt.Errorf("postgres: import of %d subscribers: %w", read, &refused)
	}
	if err != nil {
		return 0, fmt.Errorf("postgres: import after %d subscribers: %w", read, err)
	}
	if stored > 0 {
		s.log.Info("postgres: subscribers imported", "count", stored, "duration", time.Since(start))
	}
	return stored, nil
}

// importOne stores one entry, or adds its refusal to refused and reports
// false. Once anything was refused nothing will be committed, so only what
// finds further refusals is still written.
func importOne(ctx context.Context, tx pgx.Tx, e store.ImportEntry, refused *store.ImportError) (bool, error) {
	sub := e.Subscriber
	if err := subcodec.Validate(sub); err != nil {
		refused.Add(store.RowError{Row: e.Row, Reason: err.Error()})
		return false, nil
	}
	r, err := subcodec.Encode(sub)
	if err != nil {
		refused.Add(store.RowError{Row: e.Row, Reason: err.Error()})
		return false, nil
	}
	tag, err := tx.Exec(ctx, insertSubscriberSQL, rowArgs(&r)...)
	if err != nil {
		return false, err
	}
	if tag.RowsAffected() == 0 {
		reason := fmt.Sprintf("SUPI %s already exists", r.SUPI)
		if first, ok, err := rowOfSUPI(ctx, tx, r.SUPI); err != nil {
			return false, err
		} else if ok {
			reason = fmt.Sprintf("SUPI %s repeats row %d", r.SUPI, first)
		}
		refused.Add(store.RowError{Row: e.Row, Field: "supi", Reason: reason})
		return false, nil
	}
	if _, err := tx.Exec(ctx, insertImportRowSQL, r.SUPI, e.Row); err != nil {
		return false, err
	}
	var inUse *store.AddressInUseError
	if err := claimAddresses(ctx, tx, &r, false); errors.As(err, &inUse) {
		reason := fmt.Sprintf("static address %s is held by %s", inUse.Addr, inUse.Holder)
		if first, ok, err := rowOfSUPI(ctx, tx, inUse.Holder); err != nil {
			return false, err
		} else if ok {
			reason = fmt.Sprintf("static address %s repeats row %d (%s)", inUse.Addr, first, inUse.Holder)
		}
		refused.Add(store.RowError{Row: e.Row, Field: inUse.Field, Reason: reason})
		return false, nil
	} else if err != nil {
		return false, err
	}
	if refused.Refused > 0 {
		return false, nil
	}
	if err := insertDNNs(ctx, tx, r.SUPI, r.DNNNames); err != nil {
		return false, err
	}
	return true, nil
}

// rowOfSUPI returns the row of this import that stored supi, and false if
// none did.
func rowOfSUPI(ctx context.Context, tx pgx.Tx, supi string) (int, bool, error) {
	var row int
	err := tx.QueryRow(ctx, importRowSQL, supi).Scan(&row)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	return row, err == nil, err
}
