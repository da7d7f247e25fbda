package nrf

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/accesstoken"
	"github.com/keelcore/keel/internal/nrf/nnrf"
)

// Defaults for Options.
const (
	DefaultHeartBeatTimer       = 10 * time.Second
	MinHeartBeatTimer           = 1 * time.Second
	MaxHeartBeatTimer           = 300 * time.Second
	DefaultValidityPeriod       = 30 * time.Second
	DefaultSubscriptionValidity = time.Hour
	DefaultTokenLifetime        = time.Hour
	DefaultPurgeAfter           = 5 * time.Minute
	DefaultMaxInstances         = 10_000
	DefaultMaxSubscriptions     = 10_000
	// heartbeatGrace is how many heartbeat periods may pass before an NF
	// is suspended: one lost heartbeat is tolerated.
	heartbeatGrace = 2
)

// Notifier delivers an NF status notification to a subscriber's
// nfStatusNotificationUri (TS 29.510 §5.2.2.6). The HTTP binding's
// posts it; tests record it.
type Notifier interface {
	Notify(ctx context.Context, uri string, n nnrf.NotificationData) error
}

// Options are what an NRF is built from.
type Options struct {
	// InstanceID is the NRF's NF instance ID, the iss of its tokens
	// (required, a UUID).
	InstanceID string
	// APIRoot is the NRF's apiRoot ("http://10.0.0.1:8000"), the base of
	// the nfInstanceUri of notifications and of Location headers.
	APIRoot string
	// SigningKey signs access tokens; zero disables Nnrf_AccessToken.
	SigningKey accesstoken.SigningKey
	// HeartBeatTimer is given to NFs that propose none or one outside
	// [MinHeartBeatTimer, MaxHeartBeatTimer]; 0 means
	// DefaultHeartBeatTimer.
	HeartBeatTimer time.Duration
	// ValidityPeriod is the validityPeriod of discovery answers; 0 means
	// DefaultValidityPeriod.
	ValidityPeriod time.Duration
	// SubscriptionValidity bounds a subscription's validityTime; 0
	// means DefaultSubscriptionValidity.
	SubscriptionValidity time.Duration
	// TokenLifetime is an access token's lifetime; 0 means
	// DefaultTokenLifetime.
	TokenLifetime time.Duration
	// PurgeAfter is how long a SUSPENDED NF (heartbeats missed) stays
	// listed before the NRF forgets it; 0 means DefaultPurgeAfter.
	PurgeAfter time.Duration
	// MaxInstances and MaxSubscriptions bound the registry, so that a
	// faulty or hostile peer cannot exhaust the NRF's memory: past them
	// a new registration or subscription is answered 503 NF_CONGESTION.
	// 0 means DefaultMaxInstances, DefaultMaxSubscriptions.
	MaxInstances, MaxSubscriptions int
	// Notifier delivers status notifications; nil drops them.
	Notifier Notifier
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives the NRF's records; nil discards them.
	Logger *slog.Logger
	// Registry receives the NRF's metrics; nil leaves them unregistered.
	Registry prometheus.Registerer
}

// NRF is the Network Repository Function.
type NRF struct {
	opts    Options
	now     func() time.Time
	log     *slog.Logger
	metrics *metrics

	// state is the registry: every registered NF and every subscription.
	// One mutex guards both; it is held for map operations and profile
	// checks only, never across a notification or any I/O.
	state struct {
		sync.Mutex
		nfs  map[string]*entry
		subs map[string]*subscription
	}

	// notifications queue the notifications for the sender goroutines,
	// so that no request waits for a subscriber's answer: one queue and
	// one sender per shard, a subscriber's URI always in the same shard,
	// so its notifications arrive in order and a subscriber that does
	// not answer delays only the others of its shard.
	notifications [notifySenders]chan notification

	// run is the background work: the expiry ticker and the sender.
	run struct {
		sync.Mutex
		cancel context.CancelFunc
		wg     sync.WaitGroup
	}
}

// entry is one registered NF instance.
type entry struct {
	doc      map[string]any
	profile  nnrf.Profile
	lastSeen time.Time
	// suspendedAt is when heartbeats stopped counting, zero while the NF
	// keeps its status.
	suspendedAt time.Time
}

type subscription struct {
	data    nnrf.SubscriptionData
	expires time.Time
}

type notification struct {
	uri  string
	data nnrf.NotificationData
}

// notificationQueue bounds the notifications waiting in each shard;
// past it they are dropped and counted.
const (
	notificationQueue = 256
	notifySenders     = 4
)

// New builds an NRF and registers its metrics.
func New(opts Options) (*NRF, error) {
	if !nnrf.ValidInstanceID(opts.InstanceID) {
		return nil, fmt.Errorf("nrf: instance ID %q is not a UUID", opts.InstanceID)
	}
	if opts.APIRoot == "" {
		return nil, errors.New("nrf: no apiRoot")
	}
	setDefault(&opts.HeartBeatTimer, DefaultHeartBeatTimer)
	setDefault(&opts.ValidityPeriod, DefaultValidityPeriod)
	setDefault(&opts.SubscriptionValidity, DefaultSubscriptionValidity)
	setDefault(&opts.TokenLifetime, DefaultTokenLifetime)
	setDefault(&opts.PurgeAfter, DefaultPurgeAfter)
	if opts.MaxInstances <= 0 {
		opts.MaxInstances = DefaultMaxInstances
	}
	if opts.MaxSubscriptions <= 0 {
		opts.MaxSubscriptions = DefaultMaxSubscriptions
	}
	n := &NRF{opts: opts, now: opts.Now, log: opts.Logger}
	for i := range n.notifications {
		n.notifications[i] = make(chan notification, notificationQueue)
	}
	if n.now == nil {
		n.now = time.Now
	}
	if n.log == nil {
		n.log = slog.New(slog.DiscardHandler)
	}
	n.state.nfs = make(map[string]*entry)
	n.state.subs = make(map[string]*subscription)
	var err error
	if n.metrics, err = newMetrics(opts.Registry, n.countByType); err != nil {
		return nil, err
	}
	return n, nil
}

func setDefault(d *time.Duration, def time.Duration) {
	if *d <= 0 {
		*d = def
	}
}

// Start runs the heartbeat expiry (every second) and the notification
// senders until Stop.
func (n *NRF) Start() {
	n.run.Lock()
	defer n.run.Unlock()
	if n.run.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	n.run.cancel = cancel
	n.run.wg.Add(1 + notifySenders)
	go func() {
		defer n.run.wg.Done()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				n.Expire()
			}
		}
	}()
	for _, q := range n.notifications {
		go func() {
			defer n.run.wg.Done()
			n.send(ctx, q)
		}()
	}
}

// Stop ends the background work and waits for it. Notifications still
// queued are dropped.
func (n *NRF) Stop() {
	n.run.Lock()
	cancel := n.run.cancel
	n.run.cancel = nil
	n.run.Unlock()
	if cancel != nil {
		cancel()
		n.run.wg.Wait()
	}
}

func (n *NRF) send(ctx context.Context, queue <-chan notification) {
	for {
		select {
		case <-ctx.Done():
			return
		case nt := <-queue:
			if n.opts.Notifier == nil {
				continue
			}
			err := n.opts.Notifier.Notify(ctx, nt.uri, nt.data)
			n.metrics.notifications.WithLabelValues(nt.data.Event, outcome(err)).Inc()
			if err != nil {
				n.log.Info("nrf: notification not delivered", "event", nt.data.Event, "uri", nt.uri, "err", err)
			}
		}
	}
}

func outcome(err error) string {
	if err != nil {
		return "error"
	}
	return "ok"
}

// countByType counts the registered NF instances per type and status,
// for the gauge.
func (n *NRF) countByType() map[[2]string]int {
	n.state.Lock()
	defer n.state.Unlock()
	m := make(map[[2]string]int)
	for _, e := range n.state.nfs {
		m[[2]string{string(e.profile.NFType), string(e.profile.NFStatus)}]++
	}
	return m
}

// instanceURI is the nfInstanceUri of an NF (TS 29.510 §6.1.3.3.2).
func (n *NRF) instanceURI(id string) string {
	return n.opts.APIRoot + "/nnrf-nfm/v1/nf-instances/" + id
}
