package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/keelcore/keel/internal/store"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqliteMagic opens every SQLite database file (https://sqlite.org/fileformat.html §1.3).
const sqliteMagic = "SQLite format 3\x00"

// inspect checks, without writing to it, that the file at path is absent,
// empty, or a Keel database that this code can open: an SQLite database
// that passes quick_check, at a schema version no newer than len(steps),
// with the tables its version implies.
func inspect(ctx context.Context, path string, busy time.Duration, steps []migration) error {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("sqlite: %s: not a regular file", path)
	}
	if fi.Size() == 0 {
		// SQLite takes an empty file for an empty database.
		return nil
	}
	if err := checkMagic(path); err != nil {
		return err
	}

	q := url.Values{}
	q.Set("mode", "ro")
	q.Set("_busy_timeout", fmt.Sprint(busy.Milliseconds()))
	if !exists(path+"-wal") && !exists(path+"-journal") {
		// The file alone holds the database: read it without locks, so
		// that SQLite creates no -wal or -shm beside a file it may refuse.
		q.Set("immutable", "1")
	}
	db, err := sql.Open("sqlite", fileURI(path, q))
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)

	var version int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return openError(path, err)
	}
	if version > len(steps) {
		return fmt.Errorf("sqlite: %s: schema version %d, this keel knows up to %d: %w",
			path, version, len(steps), store.ErrSchemaNewer)
	}
	if err := quickCheck(ctx, db); err != nil {
		return openError(path, err)
	}
	tables, err := tableNames(ctx, db)
	if err != nil {
		return openError(path, err)
	}
	if version == 0 && len(tables) > 0 {
		return fmt.Errorf("sqlite: %s: %w: has tables but no keel schema version", path, store.ErrCorrupt)
	}
	for _, step := range steps[:version] {
		for _, t := range step.tables {
			if !tables[t] {
				return fmt.Errorf("sqlite: %s: %w: schema version %d but no table %s",
					path, store.ErrCorrupt, version, t)
			}
		}
	}
	return nil
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// checkMagic refuses a file that does not start with the SQLite header, so
// that SQLite never opens it.
func checkMagic(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	defer f.Close()
	head := make([]byte, len(sqliteMagic))
	if _, err := io.ReadFull(f, head); err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("sqlite: %w", err)
	}
	if !bytes.Equal(head, []byte(sqliteMagic)) {
		return fmt.Errorf("sqlite: %s: %w: not an SQLite database", path, store.ErrCorrupt)
	}
	return nil
}

// errQuickCheck is what a failed PRAGMA quick_check is reported as.
type errQuickCheck []string

func (e errQuickCheck) Error() string {
	return "quick_check: " + strings.Join(e, "; ")
}

func quickCheck(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, "PRAGMA quick_check(10)")
	if err != nil {
		return err
	}
	defer rows.Close()
	var msgs []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return err
		}
		msgs = append(msgs, m)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(msgs) == 1 && msgs[0] == "ok" {
		return nil
	}
	return errQuickCheck(msgs)
}

func tableNames(ctx context.Context, db *sql.DB) (map[string]bool, error) {
	rows, err := db.QueryContext(ctx,
		`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	names := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names[n] = true
	}
	return names, rows.Err()
}

// openError wraps store.ErrCorrupt around the errors that mean the file is
// damaged or not a database at all.
func openError(path string, err error) error {
	var qc errQuickCheck
	if errors.As(err, &qc) {
		return fmt.Errorf("sqlite: %s: %w: %w", path, store.ErrCorrupt, err)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return fmt.Errorf("sqlite: %s: %w: %w", path, store.ErrCorrupt, err)
		}
	}
	return fmt.Errorf("sqlite: %s: %w", path, err)
}
