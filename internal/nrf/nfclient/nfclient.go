package nfclient

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/nrf/nnrf"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
)

// Defaults for Options.
const (
	DefaultRetryInterval  = 2 * time.Second
	DefaultHeartBeatTimer = 10 * time.Second
)

// Options are what a Client is built from.
type Options struct {
	// NRF is the NRF's apiRoot, "http://10.0.0.1:8000" (required).
	NRF string
	// Profile is this NF's profile (required), from Profile.
	Profile nnrf.Profile
	// Transport carries the requests to the NRF; nil means
	// sbihttp.NewTransport(nil) (h2c; https apiRoots use TLS).
	Transport http.RoundTripper
	// Timeout bounds each request to the NRF; 0 means
	// sbihttp.DefaultTimeout.
	Timeout time.Duration
	// RetryInterval is the wait between failed registrations; 0 means
	// DefaultRetryInterval.
	RetryInterval time.Duration
	// Now is the clock of the caches; nil means time.Now.
	Now func() time.Time
	// Logger receives the client's records; nil discards them.
	Logger *slog.Logger
	// Registry receives the client's metrics, labelled with the NF
	// type; nil leaves them unregistered.
	Registry prometheus.Registerer
}

// Client is an NF's side of the NRF: it keeps the NF registered
// (register, heartbeat, register again, deregister), discovers peers
// with a cache, fetches access tokens with a cache, and resolves
// services for sbihttp clients.
type Client struct {
	opts    Options
	sbi     *sbihttp.Client
	hc      *http.Client
	now     func() time.Time
	log     *slog.Logger
	metrics *metrics

	// reg is the registration: whether the NRF holds the profile, the
	// heartbeat period it gave, and the subscriptions to make again
	// after registering again.
	reg struct {
		sync.Mutex
		registered bool
		// sent is whether a registration was ever sent: the NRF may
		// hold the profile although no answer said so.
		sent      bool
		heartbeat time.Duration
		subs      []*subscription
		// ready is closed at the first successful registration.
		ready chan struct{}
	}

	// cache holds discovery answers until their validityPeriod ends.
	cache struct {
		sync.Mutex
		m map[string]cached
	}

	// tokens holds access tokens per scope until shortly before expiry.
	tokens struct {
		sync.Mutex
		m map[string]token
	}

	// run is the registration keeper goroutine.
	run struct {
		sync.Mutex
		cancel context.CancelFunc
		done   chan struct{}
	}
}

type subscription struct {
	data nnrf.SubscriptionData
	id   string // the NRF's subscriptionId, "" until made
	// expires is the validityTime the NRF answered; zero when it gave
	// none (the subscription lasts while the NRF does).
	expires time.Time
}

// New builds a Client.
func New(opts Options) (*Client, error) {
	if opts.NRF == "" {
		return nil, errors.New("nfclient: no NRF apiRoot")
	}
	if err := opts.Profile.Validate(); err != nil {
		return nil, fmt.Errorf("nfclient: profile: %w", err)
	}
	if opts.RetryInterval <= 0 {
		opts.RetryInterval = DefaultRetryInterval
	}
	if opts.Transport == nil {
		opts.Transport = sbihttp.NewTransport(nil)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = sbihttp.DefaultTimeout
	}
	c := &Client{
		opts: opts, now: opts.Now, log: opts.Logger,
		sbi: sbihttp.NewClient(sbihttp.ClientConfig{Transport: opts.Transport, Timeout: opts.Timeout, MaxAttempts: 1,
			UserAgent: sbihttp.UserAgent(string(opts.Profile.NFType), opts.Profile.NFInstanceID)}),
		hc: &http.Client{Transport: opts.Transport, Timeout: opts.Timeout},
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.log = c.log.With("nf_instance_id", opts.Profile.NFInstanceID, "nf_type", opts.Profile.NFType)
	var err error
	if c.metrics, err = newMetrics(opts.Registry, opts.Profile.NFType); err != nil {
		return nil, err
	}
	c.reg.ready = make(chan struct{})
	c.cache.m = make(map[string]cached)
	c.tokens.m = make(map[string]token)
	return c, nil
}

// InstanceID is this NF's instance ID.
func (c *Client) InstanceID() string { return c.opts.Profile.NFInstanceID }

// UserAgent is the User-Agent of the NF's SBI requests (TS 29.500
// §5.2.2.2): its NF type and instance ID.
func (c *Client) UserAgent() string {
	return sbihttp.UserAgent(string(c.opts.Profile.NFType), c.opts.Profile.NFInstanceID)
}

// Start runs the registration keeper until Stop: it registers (retrying
// every RetryInterval while the NRF cannot be reached), heartbeats at
// the period the NRF gave, and registers again when a heartbeat answers
// 404 Not Found, as after an NRF restart (TS 29.510 §5.2.2.3.2).
func (c *Client) Start() {
	c.run.Lock()
	defer c.run.Unlock()
	if c.run.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.run.cancel, c.run.done = cancel, make(chan struct{})
	go func() {
		defer close(c.run.done)
		c.keep(ctx)
	}()
}

// WaitRegistered waits until the first registration succeeded.
func (c *Client) WaitRegistered(ctx context.Context) error {
	select {
	case <-c.reg.ready:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("nfclient: not registered at the NRF: %w", ctx.Err())
	}
}

// Registered reports whether the NRF holds the profile, as far as the
// client knows.
func (c *Client) Registered() bool {
	c.reg.Lock()
	defer c.reg.Unlock()
	return c.reg.registered
}

// Stop ends the keeper, removes the subscriptions and deregisters the NF
// (TS 29.510 §5.2.2.4), within ctx.
func (c *Client) Stop(ctx context.Context) error {
	c.run.Lock()
	cancel, done := c.run.cancel, c.run.done
	c.run.cancel = nil
	c.run.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	<-done
	return c.deregister(ctx)
}

// deregister removes the subscriptions and the registration.
func (c *Client) deregister(ctx context.Context) error {
	c.reg.Lock()
	// A registration whose answer never came (Stop cancelled it, or it
	// timed out) may have reached the NRF: the NF is deregistered then
	// too, and a 404 says the NRF did not have it.
	registered := c.reg.registered || c.reg.sent
	c.reg.registered, c.reg.sent = false, false
	var ids []string
	for _, s := range c.reg.subs {
		if s.id != "" {
			ids = append(ids, s.id)
		}
	}
	c.reg.Unlock()
	for _, id := range ids {
		c.do(ctx, "unsubscribe", sbihttp.Request{Method: http.MethodDelete, URI: c.opts.NRF, Path: "/nnrf-nfm/v1" + sbihttp.Path("subscriptions", id)}, nil)
	}
	if !registered {
		return nil
	}
	_, err := c.do(ctx, "deregister", sbihttp.Request{Method: http.MethodDelete, URI: c.opts.NRF, Path: c.instancePath()}, nil)
	if notFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("nfclient: deregister: %w", err)
	}
	c.log.Info("nfclient: deregistered from the NRF")
	return nil
}

func (c *Client) instancePath() string {
	return "/nnrf-nfm/v1" + sbihttp.Path("nf-instances", c.opts.Profile.NFInstanceID)
}

// do sends one request to the NRF and counts it.
func (c *Client) do(ctx context.Context, op string, req sbihttp.Request, out any) (sbihttp.Response, error) {
	resp, err := c.sbi.Do(ctx, req, out)
	c.metrics.requests.WithLabelValues(op, sbi.Outcome(err)).Inc()
	return resp, err
}

// notFound reports whether err is a 404 answer.
func notFound(err error) bool {
	p := sbi.ProblemOf(err)
	return p != nil && p.Status == http.StatusNotFound
}
