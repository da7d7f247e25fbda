package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	sqlite3 "modernc.org/sqlite"

	"github.com/keelcore/keel/internal/store"
)

// Primary SQLite result codes (https://sqlite.org/rescode.html) that mean
// the database cannot serve now, whatever the request: the request may
// succeed once the operator has acted (freed disk space, fixed the file's
// permissions) or the lock holder has gone.
const (
	sqliteBusy     = 5
	sqliteLocked   = 6
	sqliteNoMem    = 7
	sqliteReadOnly = 8
	sqliteIOErr    = 10
	sqliteCorrupt  = 11
	sqliteFull     = 13
	sqliteCantOpen = 14
	sqliteProtocol = 15
	sqliteNotADB   = 26
)

// classify marks a failure of the database itself as store.ErrUnavailable,
// so that callers tell it from an answer about the request (ErrNotFound, a
// refused value). Exported methods defer it on their error result.
func classify(err *error) {
	if *err == nil || errors.Is(*err, store.ErrUnavailable) || !unavailable(*err) {
		return
	}
	*err = fmt.Errorf("%w: %w", store.ErrUnavailable, *err)
}

func unavailable(err error) bool {
	if errors.Is(err, errClosed) || errors.Is(err, sql.ErrConnDone) {
		return true
	}
	var e *sqlite3.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code() & 0xff {
	case sqliteBusy, sqliteLocked, sqliteNoMem, sqliteReadOnly, sqliteIOErr, sqliteCorrupt,
		sqliteFull, sqliteCantOpen, sqliteProtocol, sqliteNotADB:
		return true
	}
	return false
}

// Probe writes to the database and commits durably, as AdvanceSQN does: a
// store whose disk is full, or whose file became read-only, fails it with
// an error wrapping store.ErrUnavailable, though reads still succeed. It
// lets a health check notice a failure, and its end, without traffic.
func (s *Store) Probe(ctx context.Context) (err error) {
	defer classify(&err)
	if err := s.enter(); err != nil {
		return err
	}
	defer s.life.calls.Done()
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO health_probe (id, probed_at) VALUES (1, ?)
ON CONFLICT (id) DO UPDATE SET probed_at = excluded.probed_at`, time.Now().UnixNano())
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: %s: probe: %w", s.path, err)
	}
	return nil
}
