package udr

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/store"
)

// Options are what a UDR is built from.
type Options struct {
	// Logger receives the UDR's records; nil discards them.
	Logger *slog.Logger
	// Registry receives the UDR's metrics; nil leaves them unregistered.
	Registry prometheus.Registerer
	// Changes, when set, is the store's announcement of changes (the
	// engine under any wrapper given to New): Start watches it, and a
	// change announced by any UDR instance sharing the store drops the
	// cached copy and notifies the subscribers (notify.go). Without it,
	// only changes reported through Changed are.
	Changes store.ChangeNotifier
}

// UDR implements sbi.NudrDataRepository over a store.Store.
type UDR struct {
	store   store.Store
	cache   *subCache
	log     *slog.Logger
	metrics *metrics

	// subs are the NFs notified of changes (Subscribe, Changed).
	subs struct {
		sync.Mutex
		list []sbi.NudrDataChangeNotifier
	}

	changes   store.ChangeNotifier
	watchOnce sync.Once // makes watch.established
	// watch is the goroutine Start runs over changes, cancelled and
	// joined by Stop.
	watch struct {
		cancel context.CancelFunc
		done   chan struct{}
		// established is closed once the watch first is in place.
		established chan struct{}
	}
}

var _ sbi.NudrDataRepository = (*UDR)(nil)

// New builds a UDR over st and registers its metrics. It starts nothing:
// every call runs on its caller's goroutine.
func New(st store.Store, opts Options) (*UDR, error) {
	if st == nil {
		return nil, errors.New("udr: no store")
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m, err := newMetrics(opts.Registry)
	if err != nil {
		return nil, err
	}
	ttl := cacheTTL
	if opts.Changes != nil {
		ttl = watchedCacheTTL
	}
	return &UDR{store: st, cache: newSubCache(time.Now, ttl, maxCached), log: log, metrics: m, changes: opts.Changes}, nil
}

// storeError gives a store error its protocol meaning.
func storeError(op, supi string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("udr: %s %s: %w", op, supi, sbi.ErrUserNotFound)
	}
	if errors.Is(err, store.ErrUnavailable) {
		// The store failed, not the request: answered 503, to be retried.
		return fmt.Errorf("udr: %s %s: %w: %w", op, supi, sbi.ErrUnavailable, err)
	}
	return fmt.Errorf("udr: %s %s: %w", op, supi, err)
}
