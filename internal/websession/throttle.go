package websession

import (
	"sync"
	"time"
)

// Defaults of ThrottleOptions.
const (
	DefaultFailures = 10
	DefaultWindow   = time.Minute
	DefaultClients  = 1024
)

// ThrottleOptions configure a Throttle; zero values take the defaults.
type ThrottleOptions struct {
	// Failures is how many failed sign-ins a client may make in a window.
	Failures int
	// Window is the period failures are counted over, from the first.
	Window time.Duration
	// Clients bounds the number of clients counted apart; beyond it,
	// the clients not yet counted share one count.
	Clients int
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// Throttle limits failed sign-ins per client address.
type Throttle struct {
	opts ThrottleOptions

	mu     sync.Mutex // guards counts and shared
	counts map[string]*window
	shared window
}

type window struct {
	start    time.Time
	failures int
}

// NewThrottle returns a Throttle that has seen no failure.
func NewThrottle(opts ThrottleOptions) *Throttle {
	if opts.Failures <= 0 {
		opts.Failures = DefaultFailures
	}
	if opts.Window <= 0 {
		opts.Window = DefaultWindow
	}
	if opts.Clients <= 0 {
		opts.Clients = DefaultClients
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Throttle{opts: opts, counts: make(map[string]*window)}
}

// Allow reports whether client may try to sign in now, and if not, how
// long until it may.
func (t *Throttle) Allow(client string) (bool, time.Duration) {
	now := t.opts.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	w := t.lookupLocked(client, now, false)
	if w == nil || w.failures < t.opts.Failures {
		return true, 0
	}
	return false, w.start.Add(t.opts.Window).Sub(now)
}

// Fail counts a failed sign-in of client.
func (t *Throttle) Fail(client string) {
	now := t.opts.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lookupLocked(client, now, true).failures++
}

// lookupLocked returns client's current window, restarting an ended one;
// with add, a client not counted yet gets a window of its own, or the
// shared one when Clients are counted already.
func (t *Throttle) lookupLocked(client string, now time.Time, add bool) *window {
	w, ok := t.counts[client]
	if !ok {
		if t.shared.failures > 0 && t.ended(&t.shared, now) {
			t.shared = window{}
		}
		if !add {
			if t.shared.failures > 0 {
				return &t.shared
			}
			return nil
		}
		if len(t.counts) >= t.opts.Clients {
			for k, v := range t.counts {
				if t.ended(v, now) {
					delete(t.counts, k)
				}
			}
		}
		if len(t.counts) >= t.opts.Clients {
			if t.shared.failures == 0 {
				t.shared.start = now
			}
			return &t.shared
		}
		w = &window{start: now}
		t.counts[client] = w
		return w
	}
	if t.ended(w, now) {
		*w = window{start: now}
	}
	return w
}

func (t *Throttle) ended(w *window, now time.Time) bool {
	return !now.Before(w.start.Add(t.opts.Window))
}
