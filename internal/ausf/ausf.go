package ausf

import (
	"container/list"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/lograte"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/secret"
)

// Defaults for Options.
const (
	DefaultContextTTL  = 30 * time.Second
	DefaultMaxContexts = 100_000
)

// Options are what an AUSF is built from.
type Options struct {
	// UDM generates the authentication vectors (required).
	UDM sbi.NudmUEAuthentication
	// ServingNetworks lists the serving network names that may
	// authenticate this network's subscribers (TS 33.501 §6.1.2); empty
	// admits every well-formed name.
	ServingNetworks []string
	// ContextTTL bounds the wait for a confirmation; 0 means
	// DefaultContextTTL.
	ContextTTL time.Duration
	// MaxContexts bounds the contexts awaiting confirmation; 0 means
	// DefaultMaxContexts.
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
	networks map[string]bool
	ttl      time.Duration
	max      int
	now      func() time.Time
	log      *slog.Logger
	metrics  *metrics

	// ctxs holds the contexts awaiting confirmation. order lists them
	// oldest first; since every context lives for the same TTL, that is
	// also expiry order.
	ctxs struct {
		sync.Mutex
		byID  map[string]*list.Element // of *authContext
		order list.List
	}
}

// authContext is what the AUSF keeps between Authenticate and Confirm.
type authContext struct {
	id       string
	supi     string
	snName   string
	xresStar [16]byte
	kausf    secret.Key256
	expires  time.Time
}

var _ sbi.NausfUEAuthentication = (*AUSF)(nil)

// New builds an AUSF and registers its metrics.
func New(opts Options) (*AUSF, error) {
	if opts.UDM == nil {
		return nil, errors.New("ausf: no UDM")
	}
	a := &AUSF{udm: opts.UDM, ttl: opts.ContextTTL, max: opts.MaxContexts, now: opts.Now, log: opts.Logger}
	if a.ttl <= 0 {
		a.ttl = DefaultContextTTL
	}
	if a.max <= 0 {
		a.max = DefaultMaxContexts
	}
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
	a.ctxs.byID = make(map[string]*list.Element)
	return a, nil
}

// keep stores c, dropping expired contexts and, when the table is full,
// the oldest.
func (a *AUSF) keep(c *authContext, now time.Time) {
	a.ctxs.Lock()
	defer a.ctxs.Unlock()
	for e := a.ctxs.order.Front(); e != nil; e = a.ctxs.order.Front() {
		old := e.Value.(*authContext)
		full := a.ctxs.order.Len() >= a.max
		if !full && now.Before(old.expires) {
			break
		}
		a.ctxs.order.Remove(e)
		delete(a.ctxs.byID, old.id)
		if full && now.Before(old.expires) {
			a.metrics.authentications.WithLabelValues("evicted").Inc()
		} else {
			a.metrics.authentications.WithLabelValues("expired").Inc()
		}
	}
	a.ctxs.byID[c.id] = a.ctxs.order.PushBack(c)
}

// take removes and returns the context with this ID, nil if there is none.
func (a *AUSF) take(id string) *authContext {
	a.ctxs.Lock()
	defer a.ctxs.Unlock()
	e, ok := a.ctxs.byID[id]
	if !ok {
		return nil
	}
	a.ctxs.order.Remove(e)
	delete(a.ctxs.byID, id)
	return e.Value.(*authContext)
}

// pending counts the contexts awaiting confirmation.
func (a *AUSF) pending() float64 {
	a.ctxs.Lock()
	defer a.ctxs.Unlock()
	return float64(a.ctxs.order.Len())
}
