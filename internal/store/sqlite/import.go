package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/subcodec"
)

// errRefused makes writeTx roll an import back once an entry was refused.
var errRefused = errors.New("import refused")

// importCheckEvery is how many entries an import inserts between checks of
// its context.
const importCheckEvery = 1024

// The rows of the import in progress, so that a SUPI or address met twice
// names the row that took it first. A TEMP table lives in the import's own
// connection, outside the database file, and spills to a temporary file
// rather than grow in memory.
const (
	createImportRowsSQL = `CREATE TEMP TABLE import_rows (supi TEXT NOT NULL PRIMARY KEY, row INTEGER NOT NULL) WITHOUT ROWID`
	dropImportRowsSQL   = `DROP TABLE IF EXISTS temp.import_rows`
	insertImportRowSQL  = `INSERT INTO temp.import_rows (supi, row) VALUES (?, ?)`
	importRowSQL        = `SELECT row FROM temp.import_rows WHERE supi = ?`
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
// them. It inserts each entry as it reads it; the transaction's pages
// beyond SQLite's page cache go to the write-ahead log, so memory does not
// grow with the import. Every refused entry is counted in a
// *store.ImportError, the first store.MaxImportErrors listed: the caller's
// refusals, invalid entries, SUPIs already stored, SUPIs and static
// addresses repeating an earlier entry (reported at the later one, naming
// the earlier) and static addresses another subscriber holds.
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
	// Statements run under a context that is never cancelled: database/sql
	// and the driver would otherwise watch ctx once per statement. ctx is
	// polled every importCheckEvery entries instead.
	stmtCtx := context.WithoutCancel(ctx)
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		im, err := prepareImport(stmtCtx, tx)
		if err != nil {
			return err
		}
		defer im.close(stmtCtx, tx)
		for e, err := range src {
			if err != nil {
				return err
			}
			if read%importCheckEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			read++
			if e.Refusal != nil {
				r := *e.Refusal
				r.Row = e.Row
				refused.Add(r)
				continue
			}
			ok, err := im.insert(stmtCtx, e, &refused)
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
		_, err = tx.ExecContext(stmtCtx, addCountSQL, stored)
		return err
	})
	if errors.Is(err, errRefused) {
		return 0, fmt.Errorf("sqlite: import of %d subscribers: %w", read, &refused)
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: import after %d subscribers: %w", read, err)
	}
	if stored > 0 {
		s.log.Info("sqlite: subscribers imported", "count", stored, "duration", time.Since(start))
	}
	return stored, nil
}

// importer holds the statements of one import's transaction.
type importer struct {
	ins, insDNN, insRow, rowOf *sql.Stmt
	addrs                      addressStmts
}

func prepareImport(ctx context.Context, tx *sql.Tx) (*importer, error) {
	if _, err := tx.ExecContext(ctx, createImportRowsSQL); err != nil {
		return nil, err
	}
	im := &importer{}
	var err error
	prepare := func(q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var st *sql.Stmt
		st, err = tx.PrepareContext(ctx, q)
		return st
	}
	im.ins = prepare(insertSubscriberSQL)
	im.insDNN = prepare(insertDNNSQL)
	im.insRow = prepare(insertImportRowSQL)
	im.rowOf = prepare(importRowSQL)
	if err == nil {
		im.addrs, err = prepareAddressStmts(ctx, tx)
	}
	if err != nil {
		im.close(ctx, tx)
		return nil, err
	}
	return im, nil
}

// close releases the statements and drops the row table, which would
// otherwise outlive a committed transaction in its connection.
func (im *importer) close(ctx context.Context, tx *sql.Tx) {
	for _, st := range []*sql.Stmt{im.ins, im.insDNN, im.insRow, im.rowOf, im.addrs.insert, im.addrs.holder} {
		if st != nil {
			st.Close()
		}
	}
	tx.ExecContext(ctx, dropImportRowsSQL) // Gone with the transaction's rollback otherwise.
}

// insert stores one entry, or adds its refusal to refused and reports
// false. Once anything was refused nothing will be committed, so only what
// finds further refusals is still written.
func (im *importer) insert(ctx context.Context, e store.ImportEntry, refused *store.ImportError) (bool, error) {
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
	res, err := im.ins.ExecContext(ctx, rowArgs(&r)...)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return false, err
	} else if n == 0 {
		reason := fmt.Sprintf("SUPI %s already exists", r.SUPI)
		if first, ok, err := im.rowOfSUPI(ctx, r.SUPI); err != nil {
			return false, err
		} else if ok {
			reason = fmt.Sprintf("SUPI %s repeats row %d", r.SUPI, first)
		}
		refused.Add(store.RowError{Row: e.Row, Field: "supi", Reason: reason})
		return false, nil
	}
	if _, err := im.insRow.ExecContext(ctx, r.SUPI, e.Row); err != nil {
		return false, err
	}
	var inUse *store.AddressInUseError
	if err := im.addrs.claim(ctx, &r); errors.As(err, &inUse) {
		reason := fmt.Sprintf("static address %s is held by %s", inUse.Addr, inUse.Holder)
		if first, ok, err := im.rowOfSUPI(ctx, inUse.Holder); err != nil {
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
	if err := insertDNNs(ctx, im.insDNN, r.SUPI, r.DNNNames); err != nil {
		return false, err
	}
	return true, nil
}

// rowOfSUPI returns the row of this import that stored supi, and false if
// none did.
func (im *importer) rowOfSUPI(ctx context.Context, supi string) (int, bool, error) {
	var row int
	err := im.rowOf.QueryRowContext(ctx, supi).Scan(&row)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return row, err == nil, err
}
