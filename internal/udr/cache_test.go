package udr

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/store"
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
	u := &UDR{store: st, cache: newSubCache(func() time.Time { return now }, cacheTTL), metrics: &metrics{}}
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
