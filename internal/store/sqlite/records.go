package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/keelcore/keel/internal/store"
)

var _ store.Records = (*Store)(nil)

// sweepBatch bounds the lapsed records one write removes: the sweep rides
// on writes, so its cost per write stays constant.
const sweepBatch = 8

const (
	getRecordSQL = `SELECT value, revision, expires FROM records
WHERE kind = ? AND key = ? AND (expires = 0 OR expires > ?)`
	recordStateSQL  = `SELECT revision, expires FROM records WHERE kind = ? AND key = ?`
	nextRevisionSQL = `UPDATE record_revision SET n = n + 1 WHERE id = 1 RETURNING n`
	putRecordSQL    = `INSERT INTO records (kind, key, value, revision, expires) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value, revision = excluded.revision, expires = excluded.expires`
	sweepRecordsSQL = `DELETE FROM records WHERE (kind, key) IN
(SELECT kind, key FROM records WHERE expires > 0 AND expires <= ? ORDER BY expires LIMIT ?)`
	listRecordsSQL = `SELECT key, value, revision, expires FROM records
WHERE kind = ? AND key >= ? AND key < ? AND key > ? AND (expires = 0 OR expires > ?)
ORDER BY key LIMIT ?`
)

// recordWriter is the connection record writes use, with the write
// transaction's statements prepared on it. It runs at synchronous=NORMAL:
// a committed record survives the process's crash (the write-ahead log is
// written before the commit returns) but not necessarily a power loss,
// which takes every instance on the machine down with the records they
// shared; the next FULL commit (a subscriber write, an SQN advance) makes
// the earlier records durable too. Guarded by Store.writeLock.
//
// The transaction is begun and ended by statements prepared on the
// connection, not by database/sql's Tx: Tx.StmtContext prepares a
// connection's statement again for every transaction, and parsing the SQL
// was a third of a record write's CPU.
type recordWriter struct {
	conn                    *sql.Conn
	begin, commit, rollback *sql.Stmt
	state, next, put, sweep *sql.Stmt
	deleteStmt              *sql.Stmt
}

func openRecordWriter(ctx context.Context, db *sql.DB) (_ *recordWriter, err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	w := &recordWriter{conn: conn}
	defer func() {
		if err != nil {
			w.close()
		}
	}()
	if _, err := conn.ExecContext(ctx, "PRAGMA synchronous = NORMAL"); err != nil {
		return nil, err
	}
	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&w.begin, "BEGIN IMMEDIATE"},
		{&w.commit, "COMMIT"},
		{&w.rollback, "ROLLBACK"},
		{&w.state, recordStateSQL},
		{&w.next, nextRevisionSQL},
		{&w.put, putRecordSQL},
		{&w.sweep, sweepRecordsSQL},
		{&w.deleteStmt, `DELETE FROM records WHERE kind = ? AND key = ?`},
	} {
		if *p.stmt, err = conn.PrepareContext(ctx, p.sql); err != nil {
			return nil, err
		}
	}
	return w, nil
}

func (w *recordWriter) close() {
	for _, s := range []*sql.Stmt{w.begin, w.commit, w.rollback, w.state, w.next, w.put, w.sweep, w.deleteStmt} {
		if s != nil {
			s.Close()
		}
	}
	w.conn.Close()
}

// recordTx runs fn in a write transaction on the record writer's
// connection, holding the store's write lock, and commits if fn returns
// nil. The commit or rollback runs whatever ctx says, so that the
// connection never stays in a transaction.
func (s *Store) recordTx(ctx context.Context, fn func() error) error {
	select {
	case s.writeLock <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.writeLock }()
	if _, err := s.rec.begin.ExecContext(ctx); err != nil {
		return err
	}
	end := context.WithoutCancel(ctx)
	if err := fn(); err != nil {
		s.rec.rollback.ExecContext(end)
		return err
	}
	if _, err := s.rec.commit.ExecContext(end); err != nil {
		s.rec.rollback.ExecContext(end)
		return err
	}
	return nil
}

// unixNano is t as the expires column holds it: 0 for the zero time.
func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// liveRevision returns the revision of the record under (kind, key),
// 0 if it is absent or lapsed at now.
func (s *Store) liveRevision(ctx context.Context, kind store.RecordKind, key string, now int64) (int64, error) {
	var rev, exp int64
	err := s.rec.state.QueryRowContext(ctx, string(kind), key).Scan(&rev, &exp)
	if errors.Is(err, sql.ErrNoRows) || err == nil && exp != 0 && exp <= now {
		return 0, nil
	}
	return rev, err
}

// PutRecord writes a record (store.Records).
func (s *Store) PutRecord(ctx context.Context, r store.Record) (rev int64, err error) {
	defer classify(&err)
	if err := store.CheckRecord(r); err != nil {
		return 0, fmt.Errorf("sqlite: PutRecord: %w", err)
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
	err = s.recordTx(ctx, func() error {
		now := time.Now().UnixNano()
		cur, err := s.liveRevision(ctx, r.Kind, r.Key, now)
		if err != nil {
			return err
		}
		switch {
		case r.Expect == store.MustCreate && cur != 0,
			r.Expect > 0 && cur != r.Expect:
			return store.ErrConflict
		}
		if err := s.rec.next.QueryRowContext(ctx).Scan(&rev); err != nil {
			return err
		}
		if _, err := s.rec.put.ExecContext(ctx, string(r.Kind), r.Key, value, rev, unixNano(r.Expires)); err != nil {
			return err
		}
		_, err = s.rec.sweep.ExecContext(ctx, now, sweepBatch)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: PutRecord %s %q: %w", r.Kind, r.Key, err)
	}
	return rev, nil
}

// GetRecord reads a live record (store.Records).
func (s *Store) GetRecord(ctx context.Context, kind store.RecordKind, key string) (_ store.Record, err error) {
	defer classify(&err)
	if err := store.CheckRecordKey(kind, key); err != nil {
		return store.Record{}, fmt.Errorf("sqlite: GetRecord: %w", err)
	}
	if err := s.enter(); err != nil {
		return store.Record{}, err
	}
	defer s.life.calls.Done()
	defer s.metrics.observe(opGetRecord, time.Now())
	r := store.Record{Kind: kind, Key: key}
	var exp int64
	err = s.getRecordStmt.QueryRowContext(ctx, string(kind), key, time.Now().UnixNano()).Scan(&r.Value, &r.Revision, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Record{}, fmt.Errorf("sqlite: GetRecord %s %q: %w", kind, key, store.ErrNotFound)
	}
	if err != nil {
		return store.Record{}, fmt.Errorf("sqlite: GetRecord %s %q: %w", kind, key, err)
	}
	r.Expires = fromUnixNano(exp)
	return r, nil
}

// DeleteRecord removes a live record (store.Records).
func (s *Store) DeleteRecord(ctx context.Context, kind store.RecordKind, key string, expect int64) (err error) {
	defer classify(&err)
	if err := store.CheckRecordKey(kind, key); err != nil {
		return fmt.Errorf("sqlite: DeleteRecord: %w", err)
	}
	if err := s.enter(); err != nil {
		return err
	}
	defer s.life.calls.Done()
	defer s.metrics.observe(opDeleteRecord, time.Now())
	err = s.recordTx(ctx, func() error {
		cur, err := s.liveRevision(ctx, kind, key, time.Now().UnixNano())
		switch {
		case err != nil:
			return err
		case cur == 0:
			return store.ErrNotFound
		case expect > 0 && cur != expect:
			return store.ErrConflict
		}
		_, err = s.rec.deleteStmt.ExecContext(ctx, string(kind), key)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: DeleteRecord %s %q: %w", kind, key, err)
	}
	return nil
}

// ListRecords lists live records in key order (store.Records). Keys are
// UTF-8, which never holds the byte 0xff, so the keys starting with prefix
// are those from prefix up to prefix+"\xff".
func (s *Store) ListRecords(ctx context.Context, kind store.RecordKind, prefix, after string, limit int) (_ []store.Record, err error) {
	defer classify(&err)
	if err := store.CheckRecordKey(kind, "-"); err != nil {
		return nil, fmt.Errorf("sqlite: ListRecords: %w", err)
	}
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.life.calls.Done()
	defer s.metrics.observe(opListRecords, time.Now())
	if limit <= 0 || limit > store.MaxPageSize {
		limit = store.MaxPageSize
	}
	rows, err := s.db.QueryContext(ctx, listRecordsSQL, string(kind), prefix, prefix+"\xff", after, time.Now().UnixNano(), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: ListRecords %s: %w", kind, err)
	}
	defer rows.Close()
	var list []store.Record
	for rows.Next() {
		r := store.Record{Kind: kind}
		var exp int64
		if err := rows.Scan(&r.Key, &r.Value, &r.Revision, &exp); err != nil {
			return nil, fmt.Errorf("sqlite: ListRecords %s: %w", kind, err)
		}
		r.Expires = fromUnixNano(exp)
		list = append(list, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: ListRecords %s: %w", kind, err)
	}
	return list, nil
}
