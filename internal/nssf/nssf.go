package nssf

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
)

// Config is the operator's network slice configuration.
type Config struct {
	// TAs lists the S-NSSAIs of each tracking area (TS 23.501 §5.15.8):
	// those the NSSF authorizes an AMF to support there. A TA listed
	// twice takes the union.
	TAs []TASlices
}

// TASlices are the S-NSSAIs of one tracking area.
type TASlices struct {
	TAI    ident.TAI
	Slices []ident.SNSSAI
}

// Options are the NSSF's collaborators.
type Options struct {
	// Logger receives the NSSF's records; nil discards them.
	Logger *slog.Logger
	// Registry receives the NSSF's metrics; nil leaves them unregistered.
	Registry prometheus.Registerer
	// Notifier delivers the notifications of NSSAI availability
	// subscriptions (TS 29.531 §5.3.2.5); nil refuses subscriptions.
	Notifier sbi.NSSAIAvailabilityNotifier
	// Now is the clock of subscription expiries; nil means time.Now.
	Now func() time.Time
	// SubscriptionLifetime is the longest subscription granted; 0 means
	// DefaultSubscriptionLifetime.
	SubscriptionLifetime time.Duration
	// MaxSubscriptions bounds the subscriptions held; 0 means
	// DefaultMaxSubscriptions.
	MaxSubscriptions int
}

// NSSF implements sbi.NnssfNSSelection and sbi.NnssfNSSAIAvailability.
type NSSF struct {
	log     *slog.Logger
	metrics *metrics
	// configured holds the S-NSSAIs of each TA of Config, canonical and
	// each once; fixed after New.
	configured map[ident.TAI][]ident.SNSSAI
	notifier   sbi.NSSAIAvailabilityNotifier
	// subPrefix starts every subscription ID: random at New, so that an
	// ID a consumer kept from before a restart of the NSSF names no
	// subscription made since (a renewal's Unsubscribe of it must not
	// delete another consumer's).
	subPrefix string
	now       func() time.Time
	lifetime  time.Duration
	maxSubs   int
	// wg joins the goroutines delivering notifications
	// (notifyChangedLocked), whose context is mu.notifyCtx.
	wg sync.WaitGroup

	mu struct {
		sync.RWMutex
		// stopped is set by Stop and cleared by Start: requests are
		// refused while it is set.
		stopped bool
		// byNF holds, per NF instance ID, the S-NSSAIs authorized in
		// each TA it reported (possibly none), as its last update left
		// them (only TAs the configuration has).
		byNF map[string]map[ident.TAI][]ident.SNSSAI
		// view is derived from configured and byNF (rebuild).
		view view
		// subs are the NSSAI availability subscriptions by ID; nextSub
		// numbers them.
		subs    map[string]*subscription
		nextSub uint64
		// notifyCtx is the context of notification deliveries, from
		// New or Start until Stop cancels it (cancelNotify); nil while
		// stopped.
		notifyCtx    context.Context
		cancelNotify context.CancelFunc
	}
}

var (
	_ sbi.NnssfNSSelection       = (*NSSF)(nil)
	_ sbi.NnssfNSSAIAvailability = (*NSSF)(nil)
)

// New builds an NSSF from the operator's configuration, serving at once.
func New(cfg Config, opts Options) (*NSSF, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SubscriptionLifetime <= 0 {
		opts.SubscriptionLifetime = DefaultSubscriptionLifetime
	}
	if opts.MaxSubscriptions <= 0 {
		opts.MaxSubscriptions = DefaultMaxSubscriptions
	}
	var nonce [6]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, fmt.Errorf("nssf: %w", err)
	}
	n := &NSSF{log: opts.Logger, configured: map[ident.TAI][]ident.SNSSAI{}, notifier: opts.Notifier, subPrefix: hex.EncodeToString(nonce[:]) + "-",
		now: opts.Now, lifetime: opts.SubscriptionLifetime, maxSubs: opts.MaxSubscriptions}
	for _, ta := range cfg.TAs {
		if err := ta.TAI.Validate(); err != nil {
			return nil, fmt.Errorf("nssf: configuration: %w", err)
		}
		list := n.configured[ta.TAI]
		for _, s := range ta.Slices {
			if err := s.Validate(); err != nil {
				return nil, fmt.Errorf("nssf: configuration: TA %s: %w", ta.TAI, err)
			}
			list = add(list, s)
		}
		n.configured[ta.TAI] = list
	}
	n.mu.byNF = map[string]map[ident.TAI][]ident.SNSSAI{}
	n.mu.subs = map[string]*subscription{}
	n.mu.notifyCtx, n.mu.cancelNotify = context.WithCancel(context.Background())
	n.rebuild()
	m, err := newMetrics(opts.Registry, n.reporting, n.subscriptions)
	if err != nil {
		return nil, fmt.Errorf("nssf: %w", err)
	}
	n.metrics = m
	return n, nil
}

// Start lets the NSSF serve requests again after Stop. Its services run
// on their callers' goroutines; the NSSF's own deliver notifications.
func (n *NSSF) Start(ctx context.Context) error {
	n.mu.Lock()
	n.mu.stopped = false
	if n.mu.notifyCtx == nil {
		n.mu.notifyCtx, n.mu.cancelNotify = context.WithCancel(context.Background())
	}
	n.mu.Unlock()
	return nil
}

// Stop makes every further request answer sbi.ErrUnavailable, as an NSSF
// that is going away does (TS 29.500 §5.2.7.2: 503), cancels the
// notifications under way and waits for their goroutines. The reported
// availability and the subscriptions are kept for a Start that follows.
func (n *NSSF) Stop(ctx context.Context) error {
	n.mu.Lock()
	n.mu.stopped = true
	if n.mu.cancelNotify != nil {
		n.mu.cancelNotify()
	}
	n.mu.notifyCtx, n.mu.cancelNotify = nil, nil
	n.mu.Unlock()
	n.wg.Wait()
	return nil
}

// reporting counts the NF instances whose availability the NSSF holds.
func (n *NSSF) reporting() float64 {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return float64(len(n.mu.byNF))
}

// supported returns the S-NSSAIs supported in tai and in its PLMN (all
// PLMNs when tai is nil), canonical and each once, from the view. The
// slices returned are the view's: read them, never change them. It fails
// only when the NSSF is stopped.
func (n *NSSF) supported(tai *ident.TAI) (inTA, inPLMN []ident.SNSSAI, err error) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	if n.mu.stopped {
		return nil, nil, fmt.Errorf("nssf: stopped: %w", sbi.ErrUnavailable)
	}
	v := &n.mu.view
	if tai == nil {
		return v.all, v.all, nil
	}
	inPLMN = v.inPLMN[tai.PLMN]
	inTA, known := v.inTA[*tai]
	if !known {
		inTA = inPLMN
	}
	return inTA, inPLMN, nil
}

// view is what the configuration and the reports make of each TA and
// PLMN: the S-NSSAIs supported in each, canonical and each once.
type view struct {
	// inTA holds every TA the NSSF knows (its configured ones): those
	// some AMF reported support what the NSSF authorized for the AMFs
	// there, the others what the configuration lists.
	inTA map[ident.TAI][]ident.SNSSAI
	// inPLMN and all are the unions of inTA per PLMN and over all.
	inPLMN map[ident.PLMN][]ident.SNSSAI
	all    []ident.SNSSAI
}

// rebuild makes the view anew from the configuration and the reports,
// and notifies the subscriptions to the TAs whose S-NSSAIs changed; the
// caller holds mu for writing. Reports change rarely (an AMF's start
// and stop), selections often: the work is done here, once per report.
func (n *NSSF) rebuild() {
	v := view{inTA: map[ident.TAI][]ident.SNSSAI{}, inPLMN: map[ident.PLMN][]ident.SNSSAI{}}
	for t, configured := range n.configured {
		var list []ident.SNSSAI
		reported := false
		for _, tas := range n.mu.byNF {
			if l, ok := tas[t]; ok {
				reported = true
				for _, s := range l {
					list = add(list, s)
				}
			}
		}
		if !reported {
			list = configured
		}
		v.inTA[t] = list
		for _, s := range list {
			v.inPLMN[t.PLMN] = add(v.inPLMN[t.PLMN], s)
			v.all = add(v.all, s)
		}
	}
	old := n.mu.view
	n.mu.view = v
	n.notifyChangedLocked(old)
}

// add appends s, canonical, to list unless list holds it.
func add(list []ident.SNSSAI, s ident.SNSSAI) []ident.SNSSAI {
	if contains(list, s) {
		return list
	}
	return append(list, s.Canonical())
}

// contains reports whether list holds the slice s, with SD ffffff and no
// SD the same (TS 23.003 §28.4.2).
func contains(list []ident.SNSSAI, s ident.SNSSAI) bool {
	for _, x := range list {
		if x.Same(s) {
			return true
		}
	}
	return false
}
