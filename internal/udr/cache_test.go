package udr

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/store"
	"github.com/prometheus/client_golang/prometheus"
)

// countingStore counts GetSubscriber calls; nothing else is used.
type countingStore struct {
	store.Store
	gets int
}

func (s *countingStore) GetSubscriber(_ context.Context, supi string) (*store.Subscriber, error) {
	s.gets++
	if supi == "imsi-001019999999999" {
		return nil, store.ErrNotFound
	}
	return &store.Subscriber{SUPI: supi}, nil
}

// Reads within cacheTTL share one store read; later ones read again;
// misses are not cached.
func TestSubscriptionCache(t *testing.T) {
	now := time.Unix(1000, 0)
	st := &countingStore{}
	u := &UDR{store: st, cache: newSubCache(func() time.Time { return now }, cacheTTL, maxCached), metrics: &metrics{}}
	ctx := context.Background()
	for range 3 {
		if _, err := u.cache.get(ctx, st, "imsi-001010000000001"); err != nil {
			t.Fatal(err)
		}
	}
	if st.gets != 1 {
		t.Errorf("3 reads within the TTL = %d store reads, want 1", st.gets)
	}
	now = now.Add(cacheTTL)
	u.cache.get(ctx, st, "imsi-001010000000001")
	if st.gets != 2 {
		t.Errorf("a read after the TTL = %d store reads in all, want 2", st.gets)
	}
	for range 2 {
		if _, err := u.cache.get(ctx, st, "imsi-001019999999999"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown SUPI = %v, want ErrNotFound", err)
		}
	}
	if st.gets != 4 {
		t.Errorf("misses were cached: %d store reads, want 4", st.gets)
	}
	now = now.Add(2 * cacheTTL)
	u.cache.get(ctx, st, "imsi-001010000000002")
	u.cache.mu.Lock()
	n := len(u.cache.mu.m)
	u.cache.mu.Unlock()
	if n != 1 {
		t.Errorf("cache holds %d entries after a sweep, want 1", n)
	}
}

// A full cache holds no more than its bound: a new read replaces an
// entry, the expired ones first, and is served from the cache after.
func TestSubscriptionCacheBound(t *testing.T) {
	now := time.Unix(1000, 0)
	st := &countingStore{}
	c := newSubCache(func() time.Time { return now }, cacheTTL, 3)
	ctx := context.Background()
	read := func(supi string) {
		t.Helper()
		if _, err := c.get(ctx, st, supi); err != nil {
			t.Fatal(err)
		}
	}
	size := func() int {
		c.mu.Lock()
		defer c.mu.Unlock()
		return len(c.mu.m)
	}
	for i := range 10 {
		read(fmt.Sprintf("imsi-00101000000%04d", i))
		if n := size(); n > 3 {
			t.Fatalf("after %d reads the cache holds %d entries, want at most 3", i+1, n)
		}
	}
	gets := st.gets
	read("imsi-001010000000009")
	if st.gets != gets {
		t.Errorf("the last read was not kept: %d store reads, want %d", st.gets, gets)
	}
	// Once the entries expired, the next sweep removes them rather than
	// new reads evicting at random: all three new ones stay.
	now = now.Add(2 * cacheTTL)
	for i := range 3 {
		read(fmt.Sprintf("imsi-00101000001%04d", i))
	}
	gets = st.gets
	for i := range 3 {
		read(fmt.Sprintf("imsi-00101000001%04d", i))
	}
	if st.gets != gets || size() != 3 {
		t.Errorf("after expiry: %d more store reads and %d entries, want 0 and 3", st.gets-gets, size())
	}
}

// The authentication subscription is read from the store every time,
// its SQN the store's current one, and the read serves the access and
// mobility data asked next from the cache.
func TestAuthenticationSubscriptionPrimesCache(t *testing.T) {
	now := time.Unix(1000, 0)
	st := &countingStore{}
	m, err := newMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	u := &UDR{store: st, cache: newSubCache(func() time.Time { return now }, cacheTTL, maxCached), metrics: m}
	ctx := context.Background()
	const supi = "imsi-001010000000001"
	for i := range 2 {
		if _, err := u.AuthenticationSubscription(ctx, supi); err != nil {
			t.Fatal(err)
		}
		if st.gets != i+1 {
			t.Fatalf("authentication subscription read %d times = %d store reads, want %d (never from the cache)", i+1, st.gets, i+1)
		}
	}
	if _, err := u.AccessAndMobilitySubscription(ctx, supi); err != nil {
		t.Fatal(err)
	}
	if st.gets != 2 {
		t.Errorf("access and mobility data after the authentication subscription = %d store reads in all, want 2 (from the cache)", st.gets)
	}
	// A read that began before an invalidation is not kept.
	u.cache.forget(supi)
	if _, err := u.AccessAndMobilitySubscription(ctx, supi); err != nil {
		t.Fatal(err)
	}
	if st.gets != 3 {
		t.Errorf("access and mobility data after a change = %d store reads in all, want 3", st.gets)
	}
}
