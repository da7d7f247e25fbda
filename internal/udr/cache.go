package udr

import (
	"context"
	"sync"
	"time"

	"github.com/keelcore/keel/internal/store"
)

// cacheTTL is how long a subscription read serves later reads: the access
// and mobility data at registration and the session management data the
// PCF and the SMF read at the PDU session that follows come from one
// store read. A change made through the management API is seen by new
// procedures within this time.
const cacheTTL = 5 * time.Second

// subCache holds recent subscription reads. Safe for concurrent use.
type subCache struct {
	now func() time.Time
	mu  struct {
		sync.Mutex
		m         map[string]cached
		lastSweep time.Time
	}
}

type cached struct {
	sub *store.Subscriber
	at  time.Time
}

func newSubCache(now func() time.Time) *subCache {
	c := &subCache{now: now}
	c.mu.m = map[string]cached{}
	return c
}

// get returns supi's subscription from the cache or the store. The
// subscriber it returns is shared: callers only read it.
func (c *subCache) get(ctx context.Context, st store.Store, supi string) (*store.Subscriber, error) {
	now := c.now()
	c.mu.Lock()
	e, ok := c.mu.m[supi]
	c.mu.Unlock()
	if ok && now.Sub(e.at) < cacheTTL {
		return e.sub, nil
	}
	sub, err := st.GetSubscriber(ctx, supi)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.mu.m[supi] = cached{sub: sub, at: now}
	if now.Sub(c.mu.lastSweep) > cacheTTL {
		for k, e := range c.mu.m {
			if now.Sub(e.at) >= cacheTTL {
				delete(c.mu.m, k)
			}
		}
		c.mu.lastSweep = now
	}
	c.mu.Unlock()
	return sub, nil
}

// forget drops supi's cached subscription: it changed.
func (c *subCache) forget(supi string) {
	c.mu.Lock()
	delete(c.mu.m, supi)
	c.mu.Unlock()
}
