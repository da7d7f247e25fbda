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
// store read. Over a store that does not announce changes, a change made
// by another writer is seen by new procedures within this time.
const cacheTTL = 5 * time.Second

// watchedCacheTTL is cacheTTL over a store that announces its changes
// (store.ChangeNotifier): an entry goes when its subscriber changes, and
// the TTL only bounds the memory of subscribers no longer read.
const watchedCacheTTL = 10 * time.Minute

// maxCached bounds the subscriptions the cache holds (some 450 bytes
// each), whatever the TTL: about 16 s of registrations at 1,000 per
// second, each read again by its PDU session moments later, in at most
// some 7 MiB instead of one entry per UE registered within the TTL. An
// entry survives the next 1,000 reads into a full cache with odds of
// 94%.
const maxCached = 16384

// subCache holds recent subscription reads, at most max of them: a read
// into a full cache replaces an entry taken at random. Expired entries
// are swept once per TTL. Safe for concurrent use.
type subCache struct {
	now func() time.Time
	ttl time.Duration
	max int
	mu  struct {
		sync.Mutex
		m         map[string]cached
		lastSweep time.Time
		// gen counts invalidations: a read that began before one is
		// not kept, since it may hold what the change replaced.
		gen uint64
	}
}

type cached struct {
	sub *store.Subscriber
	at  time.Time
}

func newSubCache(now func() time.Time, ttl time.Duration, max int) *subCache {
	c := &subCache{now: now, ttl: ttl, max: max}
	c.mu.m = map[string]cached{}
	return c
}

// get returns supi's subscription from the cache or the store. The
// subscriber it returns is shared: callers only read it.
func (c *subCache) get(ctx context.Context, st store.Store, supi string) (*store.Subscriber, error) {
	now := c.now()
	c.mu.Lock()
	e, ok := c.mu.m[supi]
	gen := c.mu.gen
	c.mu.Unlock()
	if ok && now.Sub(e.at) < c.ttl {
		return e.sub, nil
	}
	return c.keep(ctx, st, supi, now, gen)
}

// read returns supi's subscription from the store, never from the
// cache, and keeps it for later gets: the authentication subscription a
// UDM reads before it advances the SQN (which must be the store's
// current one) is the read that serves the access and mobility data
// asked moments later. Those readers take nothing of it but what the
// SQN's advance leaves as it was.
func (c *subCache) read(ctx context.Context, st store.Store, supi string) (*store.Subscriber, error) {
	now := c.now()
	c.mu.Lock()
	gen := c.mu.gen
	c.mu.Unlock()
	return c.keep(ctx, st, supi, now, gen)
}

// keep reads supi's subscription from the store and keeps it, unless the
// cache was invalidated since gen.
func (c *subCache) keep(ctx context.Context, st store.Store, supi string, now time.Time, gen uint64) (*store.Subscriber, error) {
	sub, err := st.GetSubscriber(ctx, supi)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if now.Sub(c.mu.lastSweep) > c.ttl {
		for k, e := range c.mu.m {
			if now.Sub(e.at) >= c.ttl {
				delete(c.mu.m, k)
			}
		}
		c.mu.lastSweep = now
	}
	if c.mu.gen == gen {
		if _, ok := c.mu.m[supi]; !ok && len(c.mu.m) >= c.max {
			for k := range c.mu.m {
				// Map order: an entry taken at random.
				delete(c.mu.m, k)
				break
			}
		}
		c.mu.m[supi] = cached{sub: sub, at: now}
	}
	c.mu.Unlock()
	return sub, nil
}

// forget drops supi's cached subscription: it changed.
func (c *subCache) forget(supi string) {
	c.mu.Lock()
	delete(c.mu.m, supi)
	c.mu.gen++
	c.mu.Unlock()
}

// forgetAll drops every cached subscription: any may have changed.
func (c *subCache) forgetAll() {
	c.mu.Lock()
	clear(c.mu.m)
	c.mu.gen++
	c.mu.Unlock()
}
