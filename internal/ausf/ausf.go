package ausf

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/lograte"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/memrecords"
)

// DefaultContextTTL is the default of Options.ContextTTL.
const DefaultContextTTL = 30 * time.Second

// RecordKind is the kind of the AUSF's authentication contexts in
// store.Records, keyed by authCtxId.
const RecordKind store.RecordKind = "ausf.auth-ctx"

// Options are what an AUSF is built from.
type Options struct {
	// UDM generates the authentication vectors (required).
	UDM sbi.NudmUEAuthentication
	// Records keeps the authentication contexts between Authenticate and
	// Confirm; AUSF instances sharing one confirm each other's. Nil
	// means records of this AUSF's own (memrecords).
	Records store.Records
	// ServingNetworks lists the serving network names that may
	// authenticate this network's subscribers (TS 33.501 §6.1.2); empty
	// admits every well-formed name.
	ServingNetworks []string
	// ContextTTL bounds the wait for a confirmation; 0 means
	// DefaultContextTTL.
	ContextTTL time.Duration
	// MaxContexts bounds the contexts this instance made that await
	// their confirmation (pending.go): beyond it Authenticate answers
	// sbi.ErrUnavailable (503 NF_CONGESTION, TS 29.500 §5.2.7.2) before
	// asking the UDM for a vector. 0 means DefaultMaxContexts.
	MaxContexts int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives the AUSF's records; nil discards them.
	Logger *slog.Logger
	// LogRate limits the AUSF's repetitive log lines (lograte): per
	// message and cause, Burst lines per Interval, then a count of the
	// suppressed ones. The zero value takes lograte's defaults; Keys is
	// always "cause" and Now defaults to Options.Now.
	LogRate lograte.Options
	// Registry receives the AUSF's metrics; nil leaves them unregistered.
	Registry prometheus.Registerer
}

// AUSF implements sbi.NausfUEAuthentication.
type AUSF struct {
	udm      sbi.NudmUEAuthentication
	records  store.Records
	networks map[string]bool
	ttl      time.Duration
	now      func() time.Time
	log      *slog.Logger
	metrics  *metrics
	pending  *pending
}

var _ sbi.NausfUEAuthentication = (*AUSF)(nil)

// New builds an AUSF and registers its metrics.
func New(opts Options) (*AUSF, error) {
	if opts.UDM == nil {
		return nil, errors.New("ausf: no UDM")
	}
	a := &AUSF{udm: opts.UDM, records: opts.Records, ttl: opts.ContextTTL, now: opts.Now, log: opts.Logger}
	if a.records == nil {
		a.records = memrecords.New()
	}
	if a.ttl <= 0 {
		a.ttl = DefaultContextTTL
	}
	if opts.MaxContexts <= 0 {
		opts.MaxContexts = DefaultMaxContexts
	}
	a.pending = newPending(opts.MaxContexts)
	if a.now == nil {
		a.now = time.Now
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	// Every line goes through the limiter, as the AMF's do: a batch of
	// SIMs with a wrong K, or one UE retrying, must not write a line per
	// attempt.
	rate := opts.LogRate
	rate.Keys = []string{"cause"}
	if rate.Now == nil {
		rate.Now = a.now
	}
	a.log = slog.New(lograte.New(a.log.Handler(), rate))
	if len(opts.ServingNetworks) > 0 {
		a.networks = make(map[string]bool, len(opts.ServingNetworks))
		for _, sn := range opts.ServingNetworks {
			if _, _, err := sbi.ParseServingNetworkName(sn); err != nil {
				return nil, err
			}
			a.networks[sn] = true
		}
	}
	var err error
	if a.metrics, err = newMetrics(opts.Registry, a.pending); err != nil {
		return nil, err
	}
	return a, nil
}

// keep stores a new context: one record write, which expires by the
// store's clock a TTL from now, whatever Options.Now says; take checks
// the context's own expiry by Options.Now.
func (a *AUSF) keep(ctx context.Context, c *authContext) error {
	_, err := a.records.PutRecord(ctx, store.Record{Kind: RecordKind, Key: c.id, Value: c.appendBinary(nil),
		Expect: store.MustCreate, Expires: time.Now().Add(a.ttl)})
	if err != nil {
		return storeError(err)
	}
	return nil
}

// take removes and returns the context with this ID: nil if there is
// none, it has expired, or another instance took it first. Removing it
// at the revision read makes each context confirmed at most once across
// every instance sharing the records.
func (a *AUSF) take(ctx context.Context, id string) (*authContext, error) {
	rec, err := a.records.GetRecord(ctx, RecordKind, id)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalidRecord) {
		return nil, nil
	}
	if err != nil {
		return nil, storeError(err)
	}
	err = a.records.DeleteRecord(ctx, RecordKind, id, rec.Revision)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
		return nil, nil
	}
	if err != nil {
		return nil, storeError(err)
	}
	a.pending.release(id)
	c, err := decodeAuthContext(rec.Value)
	if err != nil {
		return nil, fmt.Errorf("%w: authentication context %q: %w", sbi.ErrSystemFailure, id, err)
	}
	c.id = id
	if !a.now().Before(c.expires) {
		return nil, nil
	}
	return c, nil
}

// storeError is a failure of the records as the AUSF answers it: a store
// that cannot serve now (store.ErrUnavailable, a deadline) is
// sbi.ErrUnavailable, which the AMF answers with a back-off; anything
// else is sbi.ErrSystemFailure.
func storeError(err error) error {
	if errors.Is(err, store.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return fmt.Errorf("%w: authentication context: %w", sbi.ErrUnavailable, err)
	}
	return fmt.Errorf("%w: authentication context: %w", sbi.ErrSystemFailure, err)
}
