package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/changefeed"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Options configures Open. The zero value is ready to use.
type Options struct {
	// Logger receives the store's log records; nil discards them.
	Logger *slog.Logger
	// BusyTimeout bounds how long a statement waits for a lock held by
	// another process; 0 means 5 seconds.
	BusyTimeout time.Duration
	// Registerer receives the store's metrics (metrics.go); nil leaves
	// them unregistered. Close unregisters them.
	Registerer prometheus.Registerer

	// pragmas are run by every new connection (tests: max_page_count
	// makes a full disk).
	pragmas []string
}

const (
	defaultBusyTimeout = 5 * time.Second
	// maxConns bounds the connection pool, the SQN writer's included.
	maxConns = 8
)

// Store is a store.Store backed by one SQLite database file.
type Store struct {
	path    string
	db      *sql.DB
	log     *slog.Logger
	metrics *metrics
	reg     prometheus.Registerer

	// writeLock is a one-slot semaphore held by every write transaction of
	// this process, the SQN writer's batches included.
	writeLock chan struct{}

	// life tracks the calls in flight so that Close can wait for them.
	life struct {
		mu     sync.Mutex
		closed bool
		calls  sync.WaitGroup // Add only while !closed, under mu
	}

	sqn *sqnWriter
	// changes announces subscriber updates and deletes (changes.go).
	changes *changefeed.Feed
	// getStmt is GetSubscriber's query, prepared once: parsing the SQL on
	// every call was a tenth of the core's CPU per registration.
	getStmt *sql.Stmt

	// rec is the connection record writes use (records.go); getRecordStmt
	// is GetRecord's query, prepared once.
	rec           *recordWriter
	getRecordStmt *sql.Stmt
}

var _ store.Store = (*Store)(nil)

// Open opens the database at path, creating it if it does not exist, and
// brings its schema to the current version. A file that is not a usable
// Keel database is refused with an error wrapping store.ErrCorrupt, one
// written by a newer Keel with store.ErrSchemaNewer; either way the file is
// left as it was.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	busy := opts.BusyTimeout
	if busy <= 0 {
		busy = defaultBusyTimeout
	}
	steps := schema()
	if err := inspect(ctx, abs, busy, steps); err != nil {
		return nil, err
	}

	// The file holds K and OPc: only its owner may read it. SQLite gives
	// the -wal and -shm files the database file's mode.
	if f, err := os.OpenFile(abs, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	} else if !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("sqlite: %s: %w", abs, err)
	}

	db, err := sql.Open("sqlite", dsn(abs, busy, opts.pragmas...))
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", abs, err)
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)

	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		db.Close()
		return nil, openError(abs, err)
	}
	if mode != "wal" {
		db.Close()
		return nil, fmt.Errorf("sqlite: %s: journal mode is %q, want wal", abs, mode)
	}
	from, to, err := migrate(ctx, db, steps)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", abs, err)
	}
	if from != to {
		log.Info("sqlite: schema migrated", "path", abs, "from", from, "to", to)
	}

	m, err := newMetrics(opts.Registerer)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", abs, err)
	}
	lock := make(chan struct{}, 1)
	w, err := startSQNWriter(ctx, db, lock, m)
	if err != nil {
		m.unregister(opts.Registerer)
		db.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", abs, err)
	}
	get, err := db.PrepareContext(ctx, `SELECT `+subscriberColumnsS+` FROM subscribers s WHERE s.supi = ?`)
	if err != nil {
		w.stop()
		m.unregister(opts.Registerer)
		db.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", abs, err)
	}
	rec, err := openRecordWriter(ctx, db)
	if err != nil {
		get.Close()
		w.stop()
		m.unregister(opts.Registerer)
		db.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", abs, err)
	}
	getRec, err := db.PrepareContext(ctx, getRecordSQL)
	if err != nil {
		rec.close()
		get.Close()
		w.stop()
		m.unregister(opts.Registerer)
		db.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", abs, err)
	}
	s := &Store{path: abs, db: db, log: log, metrics: m, reg: opts.Registerer, writeLock: lock, sqn: w, getStmt: get,
		rec: rec, getRecordStmt: getRec, changes: changefeed.New()}
	log.Info("sqlite: store opened", "path", abs, "schema_version", to)
	return s, nil
}

// dsn returns the data source name of a read-write connection to path.
// Every connection of the pool applies the same pragmas.
func dsn(path string, busy time.Duration, pragmas ...string) string {
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	q.Set("_busy_timeout", fmt.Sprint(busy.Milliseconds()))
	q.Set("_foreign_keys", "on")
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_txlock", "immediate")
	return fileURI(path, q)
}

// fileURI returns an SQLite URI filename for an absolute path.
func fileURI(path string, q url.Values) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: q.Encode()}
	return u.String()
}

// errClosed is returned by calls made after Close.
var errClosed = errors.New("sqlite: store is closed")

// enter registers a call in flight; the caller must call s.life.calls.Done.
func (s *Store) enter() error {
	s.life.mu.Lock()
	defer s.life.mu.Unlock()
	if s.life.closed {
		return errClosed
	}
	s.life.calls.Add(1)
	return nil
}

// Close waits for the calls in flight, stops the SQN writer and closes the
// database. Calls made after Close fail; Close itself may be called again
// and then returns nil.
func (s *Store) Close() error {
	s.life.mu.Lock()
	if s.life.closed {
		s.life.mu.Unlock()
		return nil
	}
	s.life.closed = true
	s.life.mu.Unlock()

	s.life.calls.Wait()
	s.metrics.unregister(s.reg)
	s.changes.Close()
	werr := s.sqn.stop()
	s.getStmt.Close()
	s.getRecordStmt.Close()
	s.rec.close()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("sqlite: %s: close: %w", s.path, err)
	}
	if werr != nil {
		return fmt.Errorf("sqlite: %s: close: %w", s.path, werr)
	}
	s.log.Info("sqlite: store closed", "path", s.path)
	return nil
}

// Ping checks that the store is open, its database answers and the SQN
// writer runs.
func (s *Store) Ping(ctx context.Context) (err error) {
	defer classify(&err)
	if err := s.enter(); err != nil {
		return err
	}
	defer s.life.calls.Done()
	select {
	case <-s.sqn.done:
		return fmt.Errorf("sqlite: %s: SQN writer stopped", s.path)
	default:
	}
	var one int
	if err := s.db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("sqlite: %s: ping: %w", s.path, err)
	}
	return nil
}
