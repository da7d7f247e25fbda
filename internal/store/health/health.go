// Package health watches a subscriber store and says whether it serves.
// A Store wraps any store.Store: every call goes through to it, and the
// outcome is recorded. A failure of the store itself (an error wrapping
// store.ErrUnavailable: a full disk, an I/O error) makes it unhealthy; a
// write that succeeds makes it healthy again. Reads do not make it healthy,
// because on a full disk reads still succeed while every write fails. A
// probe write every ProbeInterval (store.Prober) notices a failure, and its
// end, when no traffic does.
//
// The health is published three ways: Ready (an error naming the failure,
// for /readyz), the gauge keel_store_healthy (1 or 0) and the counter
// keel_store_errors_total{op}. Failures are logged at most once per
// LogInterval (internal/lograte), however many operations fail; the
// recovery line counts them, and the next failure line after the
// interval (or Stop) reports how many failure lines were held back.
//
// # Concurrency
//
// A Store is safe for concurrent use. The health state is guarded by
// Store.mu, held only to read or update it, never across a call or a log
// write. Start runs the prober goroutine, which Stop ends and joins.
package health

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/lograte"
	"github.com/keelcore/keel/internal/store"
)

// Defaults of Options.
const (
	DefaultProbeInterval = 5 * time.Second
	DefaultLogInterval   = 10 * time.Second
)

// Operation labels of keel_store_errors_total.
const (
	opCreate     = "create"
	opGet        = "get"
	opUpdate     = "update"
	opDelete     = "delete"
	opList       = "list"
	opCount      = "count"
	opImport     = "import"
	opAdvanceSQN = "advance_sqn"
	opResyncSQN  = "resync_sqn"
	opProbe      = "probe"
)

// Options configure a Store. The zero value is ready to use.
type Options struct {
	// Logger receives the failure and recovery lines; nil discards them.
	Logger *slog.Logger
	// Registerer receives keel_store_healthy and keel_store_errors_total;
	// nil leaves them unregistered.
	Registerer prometheus.Registerer
	// ProbeInterval is the time between probe writes.
	ProbeInterval time.Duration
	// LogInterval is the time between two failure lines.
	LogInterval time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Store is a store.Store whose health is watched.
type Store struct {
	store.Store
	log     *slog.Logger // through limiter
	limiter *lograte.Limiter
	now     func() time.Time
	every   time.Duration
	healthy prometheus.Gauge
	errs    *prometheus.CounterVec

	mu    sync.Mutex
	state struct {
		failing  bool
		since    time.Time // when the current failure began
		failures int       // operations failed since then
		op       string    // the operation that last failed
		err      error     // its error
	}

	stop chan struct{}
	done chan struct{}
}

// New wraps s. It registers the metrics on opts.Registerer.
func New(s store.Store, opts Options) (*Store, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.ProbeInterval <= 0 {
		opts.ProbeInterval = DefaultProbeInterval
	}
	if opts.LogInterval <= 0 {
		opts.LogInterval = DefaultLogInterval
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	lim := lograte.New(opts.Logger.Handler(), lograte.Options{Burst: 1, Interval: opts.LogInterval, Now: opts.Now})
	h := &Store{
		Store: s, log: slog.New(lim), limiter: lim, now: opts.Now, every: opts.ProbeInterval,
		healthy: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "keel_store_healthy",
			Help: "1 while the subscriber store serves writes, 0 while it fails (disk full, I/O error).",
		}),
		errs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_store_errors_total",
			Help: "Subscriber store operations that failed because the store could not serve, by operation.",
		}, []string{"op"}),
	}
	h.healthy.Set(1)
	// Every operation is listed from the start, at 0, so that a rate or
	// an alert over the errors has a series before the first.
	for _, op := range []string{opCreate, opGet, opUpdate, opDelete, opList, opCount, opImport, opAdvanceSQN, opResyncSQN, opProbe} {
		h.errs.WithLabelValues(op)
	}
	if opts.Registerer != nil {
		if err := opts.Registerer.Register(h.healthy); err != nil {
			return nil, fmt.Errorf("store health: metrics: %w", err)
		}
		if err := opts.Registerer.Register(h.errs); err != nil {
			opts.Registerer.Unregister(h.healthy)
			return nil, fmt.Errorf("store health: metrics: %w", err)
		}
	}
	return h, nil
}

// Start begins the probe writes when the wrapped store is a store.Prober.
// Stop ends them.
func (h *Store) Start() {
	p, ok := h.Store.(store.Prober)
	if !ok || h.stop != nil {
		return
	}
	h.stop, h.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(h.done)
		t := time.NewTicker(h.every)
		defer t.Stop()
		for {
			select {
			case <-h.stop:
				return
			case <-t.C:
			}
			ctx, cancel := context.WithTimeout(context.Background(), h.every)
			h.observe(opProbe, true, p.Probe(ctx))
			cancel()
		}
	}()
}

// Stop ends the probe writes and waits for the prober to return; it
// writes the count of suppressed failure lines, if any.
func (h *Store) Stop() {
	if h.stop != nil {
		close(h.stop)
		<-h.done
		h.stop = nil
	}
	h.limiter.Flush(context.Background())
}

// Ready returns nil while the store serves, else an error saying since
// when it fails and why.
func (h *Store) Ready() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.state.failing {
		return nil
	}
	return fmt.Errorf("unavailable since %s: %s: %w", h.state.since.UTC().Format(time.RFC3339), h.state.op, h.state.err)
}

// observe records the outcome of an operation.
func (h *Store) observe(op string, write bool, err error) {
	switch {
	case errors.Is(err, store.ErrUnavailable):
		h.errs.WithLabelValues(op).Inc()
		h.mu.Lock()
		if !h.state.failing {
			h.state.failing, h.state.since, h.state.failures = true, h.now(), 0
		}
		h.state.failures++
		h.state.op, h.state.err = op, err
		h.mu.Unlock()
		h.healthy.Set(0)
		h.log.Error("store failure: requests that need it are refused until it recovers", "op", op, "err", err)
	case err == nil && write:
		h.mu.Lock()
		was, since, failures := h.state.failing, h.state.since, h.state.failures
		h.state.failing, h.state.err = false, nil
		h.mu.Unlock()
		if was {
			h.healthy.Set(1)
			// Through the limiter too: a store that flaps writes two
			// lines per interval, not two per flap.
			h.log.Info("store serves again", "op", op, "failures", failures,
				"unavailable_for", h.now().Sub(since).Round(time.Millisecond))
		}
	}
}

func (h *Store) CreateSubscriber(ctx context.Context, s *store.Subscriber) error {
	err := h.Store.CreateSubscriber(ctx, s)
	h.observe(opCreate, true, err)
	return err
}

func (h *Store) GetSubscriber(ctx context.Context, supi string) (*store.Subscriber, error) {
	s, err := h.Store.GetSubscriber(ctx, supi)
	h.observe(opGet, false, err)
	return s, err
}

func (h *Store) UpdateSubscriber(ctx context.Context, s *store.Subscriber) error {
	err := h.Store.UpdateSubscriber(ctx, s)
	h.observe(opUpdate, true, err)
	return err
}

func (h *Store) DeleteSubscriber(ctx context.Context, supi string) error {
	err := h.Store.DeleteSubscriber(ctx, supi)
	h.observe(opDelete, true, err)
	return err
}

func (h *Store) ListSubscribers(ctx context.Context, q store.ListQuery) (store.ListPage, error) {
	p, err := h.Store.ListSubscribers(ctx, q)
	h.observe(opList, false, err)
	return p, err
}

func (h *Store) CountSubscribers(ctx context.Context) (int, error) {
	n, err := h.Store.CountSubscribers(ctx)
	h.observe(opCount, false, err)
	return n, err
}

func (h *Store) ImportSubscribers(ctx context.Context, subs []*store.Subscriber) error {
	err := h.Store.ImportSubscribers(ctx, subs)
	h.observe(opImport, true, err)
	return err
}

func (h *Store) ImportStream(ctx context.Context, src iter.Seq2[store.ImportEntry, error]) (int, error) {
	n, err := h.Store.ImportStream(ctx, src)
	h.observe(opImport, true, err)
	return n, err
}

func (h *Store) AdvanceSQN(ctx context.Context, supi string) (store.AuthData, error) {
	a, err := h.Store.AdvanceSQN(ctx, supi)
	h.observe(opAdvanceSQN, true, err)
	return a, err
}

func (h *Store) ResyncSQN(ctx context.Context, supi string, sqnMS uint64) error {
	err := h.Store.ResyncSQN(ctx, supi, sqnMS)
	h.observe(opResyncSQN, true, err)
	return err
}
