package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/keelcore/keel/internal/store"
)

var _ store.Records = (*Store)(nil)

// Operation labels of keel_store_operation_duration_seconds for records.
const (
	opPutRecord    = "put_record"
	opGetRecord    = "get_record"
	opDeleteRecord = "delete_record"
	opListRecords  = "list_records"
)

// Record writes are one statement each. Every write also removes up to
// eight lapsed records of any kind (sweptSQL), skipping rows another
// instance holds, so that the table does not keep what has expired and
// the sweep's cost per write stays constant. Expiry compares with the
// writing or reading process's clock ($now), as the SQLite engine does:
// instances sharing a database need synchronised clocks.
const (
	sweepSQL = `WITH swept AS (
	DELETE FROM records WHERE (kind, key) IN (
		SELECT kind, key FROM records
		WHERE expires <= $5 AND NOT (kind = $1 AND key = $2)
		ORDER BY expires LIMIT 8 FOR UPDATE SKIP LOCKED))
`
	// upsertSQL creates or replaces (Expect 0).
	upsertSQL = sweepSQL + `INSERT INTO records AS r (kind, key, value, revision, expires)
VALUES ($1, $2, $3, nextval('record_revisions'), $4)
ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value, revision = excluded.revision, expires = excluded.expires
RETURNING r.revision`
	// createSQL creates only (MustCreate): a lapsed record counts as
	// absent and is replaced; a live one returns no row.
	createSQL = sweepSQL + `INSERT INTO records AS r (kind, key, value, revision, expires)
VALUES ($1, $2, $3, nextval('record_revisions'), $4)
ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value, revision = excluded.revision, expires = excluded.expires
WHERE r.expires <= $5
RETURNING r.revision`
	// replaceSQL replaces the live record at revision $6 (Expect > 0).
	// A concurrent writer holds the row until it commits; then the
	// condition is checked again on its version (READ COMMITTED), so
	// of two writers expecting one revision only the first wins.
	replaceSQL = sweepSQL + `UPDATE records SET value = $3, revision = nextval('record_revisions'), expires = $4
WHERE kind = $1 AND key = $2 AND revision = $6 AND (expires IS NULL OR expires > $5)
RETURNING revision`

	getRecordSQL = `SELECT value, revision, expires FROM records
WHERE kind = $1 AND key = $2 AND (expires IS NULL OR expires > $3)`
	deleteRecordSQL = `DELETE FROM records
WHERE kind = $1 AND key = $2 AND (expires IS NULL OR expires > $3) AND ($4 <= 0 OR revision = $4)`
	liveRevisionSQL = `SELECT revision FROM records WHERE kind = $1 AND key = $2 AND (expires IS NULL OR expires > $3)`
)

// expiresArg is Record.Expires as the column holds it: NULL for never.
func expiresArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// PutRecord writes a record (store.Records).
func (s *Store) PutRecord(ctx context.Context, r store.Record) (rev int64, err error) {
	defer classify(&err)
	if err := store.CheckRecord(r); err != nil {
		return 0, fmt.Errorf("postgres: PutRecord: %w", err)
	}
	if err := s.enter(); err != nil {
		return 0, err
	}
	defer s.life.calls.Done()
	defer s.metrics.observe(opPutRecord, time.Now())
	value := r.Value
	if value == nil {
		value = []byte{}
	}
	args := []any{string(r.Kind), r.Key, value, expiresArg(r.Expires), time.Now()}
	q := upsertSQL
	switch {
	case r.Expect == store.MustCreate:
		q = createSQL
	case r.Expect > 0:
		q, args = replaceSQL, append(args, r.Expect)
	}
	err = s.pool.QueryRow(ctx, q, args...).Scan(&rev)
	if errors.Is(err, pgx.ErrNoRows) {
		err = store.ErrConflict
	}
	if err != nil {
		return 0, fmt.Errorf("postgres: PutRecord %s %q: %w", r.Kind, r.Key, err)
	}
	return rev, nil
}

// GetRecord reads a live record (store.Records).
func (s *Store) GetRecord(ctx context.Context, kind store.RecordKind, key string) (_ store.Record, err error) {
	defer classify(&err)
	if err := store.CheckRecordKey(kind, key); err != nil {
		return store.Record{}, fmt.Errorf("postgres: GetRecord: %w", err)
	}
	if err := s.enter(); err != nil {
		return store.Record{}, err
	}
	defer s.life.calls.Done()
	defer s.metrics.observe(opGetRecord, time.Now())
	r := store.Record{Kind: kind, Key: key}
	var exp *time.Time
	err = s.pool.QueryRow(ctx, getRecordSQL, string(kind), key, time.Now()).Scan(&r.Value, &r.Revision, &exp)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Record{}, fmt.Errorf("postgres: GetRecord %s %q: %w", kind, key, store.ErrNotFound)
	}
	if err != nil {
		return store.Record{}, fmt.Errorf("postgres: GetRecord %s %q: %w", kind, key, err)
	}
	if exp != nil {
		r.Expires = *exp
	}
	return r, nil
}

// DeleteRecord removes a live record (store.Records).
func (s *Store) DeleteRecord(ctx context.Context, kind store.RecordKind, key string, expect int64) (err error) {
	defer classify(&err)
	if err := store.CheckRecordKey(kind, key); err != nil {
		return fmt.Errorf("postgres: DeleteRecord: %w", err)
	}
	if err := s.enter(); err != nil {
		return err
	}
	defer s.life.calls.Done()
	defer s.metrics.observe(opDeleteRecord, time.Now())
	now := time.Now()
	tag, err := s.pool.Exec(ctx, deleteRecordSQL, string(kind), key, now, expect)
	if err == nil && tag.RowsAffected() == 0 {
		// Absent, lapsed, or at another revision: which decides the
		// answer.
		var rev int64
		err = s.pool.QueryRow(ctx, liveRevisionSQL, string(kind), key, now).Scan(&rev)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			err = store.ErrNotFound
		case err == nil:
			err = store.ErrConflict
		}
	}
	if err != nil {
		return fmt.Errorf("postgres: DeleteRecord %s %q: %w", kind, key, err)
	}
	return nil
}

// ListRecords lists live records in key order (store.Records).
func (s *Store) ListRecords(ctx context.Context, kind store.RecordKind, prefix, after string, limit int) (_ []store.Record, err error) {
	defer classify(&err)
	if err := store.CheckRecordKey(kind, "-"); err != nil {
		return nil, fmt.Errorf("postgres: ListRecords: %w", err)
	}
	if !utf8.ValidString(prefix) || !utf8.ValidString(after) {
		return nil, fmt.Errorf("postgres: ListRecords: %w: prefix or after is not UTF-8", store.ErrInvalidRecord)
	}
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.life.calls.Done()
	defer s.metrics.observe(opListRecords, time.Now())
	if limit <= 0 || limit > store.MaxPageSize {
		limit = store.MaxPageSize
	}
	q := `SELECT key, value, revision, expires FROM records
WHERE kind = $1 AND key >= $2 AND key > $3 AND (expires IS NULL OR expires > $4)`
	args := []any{string(kind), prefix, after, time.Now()}
	if end, ok := runeSuccessor(prefix); ok {
		q += ` AND key < $6`
		args = append(args, limit, end)
	} else {
		args = append(args, limit)
	}
	q += ` ORDER BY key LIMIT $5`
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: ListRecords %s: %w", kind, err)
	}
	defer rows.Close()
	var list []store.Record
	for rows.Next() {
		r := store.Record{Kind: kind}
		var exp *time.Time
		if err := rows.Scan(&r.Key, &r.Value, &r.Revision, &exp); err != nil {
			return nil, fmt.Errorf("postgres: ListRecords %s: %w", kind, err)
		}
		if exp != nil {
			r.Expires = *exp
		}
		list = append(list, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: ListRecords %s: %w", kind, err)
	}
	return list, nil
}

// runeSuccessor returns the least UTF-8 string greater than every string
// starting with prefix, and false if there is none (prefix empty, or all
// U+10FFFF). UTF-8's byte order is code point order, so it is prefix with
// its last code point below U+10FFFF raised by one (past the surrogates)
// and what follows it dropped.
func runeSuccessor(prefix string) (string, bool) {
	rs := []rune(prefix)
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i] >= utf8.MaxRune {
			continue
		}
		r := rs[i] + 1
		if r == 0xd800 {
			r = 0xe000
		}
		return string(rs[:i]) + string(r), true
	}
	return "", false
}
