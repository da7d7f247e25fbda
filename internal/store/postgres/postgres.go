package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/store"
)

// Options configures Open. The zero value is ready to use.
type Options struct {
	// Logger receives the store's log records; nil discards them.
	Logger *slog.Logger
	// Registerer receives the store's metrics (metrics.go); nil leaves
	// them unregistered. Close unregisters them.
	Registerer prometheus.Registerer
	// MaxConns bounds the connection pool; 0 means the URL's
	// pool_max_conns or else defaultMaxConns.
	MaxConns int32
}

// defaultMaxConns is the pool size when neither Options nor the URL set
// one: enough for a UDR's concurrent SQN advances to overlap their commits.
const defaultMaxConns = 16

// Store is a store.Store in a PostgreSQL database.
type Store struct {
	// name is the database as logs and errors name it: host and database,
	// never the password.
	name    string
	pool    *pgxpool.Pool
	log     *slog.Logger
	metrics *metrics
	reg     prometheus.Registerer

	// sqn batches the AdvanceSQN calls (sqnbatch.go).
	sqn *sqnBatcher
	// closing is cancelled by Close, which ends the WatchChanges calls
	// before it waits for the calls in flight.
	closing     context.Context
	stopWatches context.CancelFunc

	// life tracks the calls in flight so that Close can wait for them.
	life struct {
		mu     sync.Mutex
		closed bool
		calls  sync.WaitGroup // Add only while !closed, under mu
	}
}

var (
	_ store.Store  = (*Store)(nil)
	_ store.Prober = (*Store)(nil)
)

// Open connects to the database at connString (a postgres:// URL or a
// key=value string, as libpq takes them) and brings its schema to the
// current version. A database written by a newer Keel is refused with
// store.ErrSchemaNewer and left as it was. An unreachable server is an
// error wrapping store.ErrUnavailable.
func Open(ctx context.Context, connString string, opts Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		// pgx's message quotes the string, password included when it
		// cannot tell where the password is.
		return nil, errors.New("postgres: store URL cannot be parsed as a PostgreSQL connection string")
	}
	name := Describe(cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database)
	switch {
	case opts.MaxConns > 0:
		cfg.MaxConns = opts.MaxConns
	case !hasParam(connString, "pool_max_conns"):
		cfg.MaxConns = defaultMaxConns
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", name, err)
	}
	from, to, err := migrate(ctx, pool, schema())
	if err != nil {
		pool.Close()
		err = fmt.Errorf("postgres: %s: %w", name, err)
		classify(&err)
		return nil, err
	}
	if from != to {
		log.Info("postgres: schema migrated", "database", name, "from", from, "to", to)
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %s: %w", name, err)
	}
	s := &Store{name: name, pool: pool, log: log, metrics: m, reg: opts.Registerer}
	s.closing, s.stopWatches = context.WithCancel(context.Background())
	s.sqn = startSQNBatcher(s)
	log.Info("postgres: store opened", "database", name, "schema_version", to, "max_conns", cfg.MaxConns)
	return s, nil
}

// Describe names a database for logs and errors: host, port and database,
// without user or password.
func Describe(host string, port uint16, database string) string {
	return fmt.Sprintf("%s:%d/%s", host, port, database)
}

// hasParam reports whether the connection string sets key, as a URL query
// parameter or a key=value pair.
func hasParam(connString, key string) bool {
	if u, err := url.Parse(connString); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		return u.Query().Has(key)
	}
	return containsWord(connString, key+"=")
}

func containsWord(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		if s[i:i+len(w)] == w && (i == 0 || s[i-1] == ' ') {
			return true
		}
	}
	return false
}

// errClosed is returned by calls made after Close.
var errClosed = errors.New("postgres: store is closed")

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

// Close waits for the calls in flight and closes the pool. Calls made
// after Close fail; Close itself may be called again and then returns nil.
func (s *Store) Close() error {
	s.life.mu.Lock()
	if s.life.closed {
		s.life.mu.Unlock()
		return nil
	}
	s.life.closed = true
	s.life.mu.Unlock()

	s.stopWatches()
	s.life.calls.Wait()
	s.sqn.stop()
	s.metrics.unregister(s.reg)
	s.pool.Close()
	s.log.Info("postgres: store closed", "database", s.name)
	return nil
}

// Ping checks that the store is open and the database answers.
func (s *Store) Ping(ctx context.Context) (err error) {
	defer classify(&err)
	if err := s.enter(); err != nil {
		return err
	}
	defer s.life.calls.Done()
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: %s: ping: %w", s.name, err)
	}
	return nil
}

// Probe writes to the database and commits, as AdvanceSQN does: a server
// whose disk is full, or that became a read-only standby, fails it with an
// error wrapping store.ErrUnavailable though reads may still succeed.
func (s *Store) Probe(ctx context.Context) (err error) {
	defer classify(&err)
	if err := s.enter(); err != nil {
		return err
	}
	defer s.life.calls.Done()
	_, err = s.pool.Exec(ctx, `INSERT INTO health_probe (id, probed_at) VALUES (1, $1)
ON CONFLICT (id) DO UPDATE SET probed_at = excluded.probed_at`, time.Now())
	if err != nil {
		return fmt.Errorf("postgres: %s: probe: %w", s.name, err)
	}
	return nil
}
