package udr

import (
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
	return &UDR{store: st, cache: newSubCache(time.Now), log: log, metrics: m}, nil
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
