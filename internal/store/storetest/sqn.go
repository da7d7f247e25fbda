package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/store"
)

func mustSQN(t *testing.T, s store.Store, supi string, want uint64) {
	t.Helper()
	if got := mustGet(t, s, supi).Auth.SQN; got != want {
		t.Errorf("GetSubscriber(%s).Auth.SQN = %d, want %d", supi, got, want)
	}
}

func testAdvanceSQN(t *testing.T, s store.Store) {
	ctx := t.Context()
	sub := newSubscriber(1)
	sub.Auth.SQN = 41
	other := newSubscriber(2)
	mustCreate(t, s, sub, other)
	for i := range uint64(3) {
		got, err := s.AdvanceSQN(ctx, sub.SUPI)
		if err != nil {
			t.Fatalf("AdvanceSQN(%s) = %v", sub.SUPI, err)
		}
		want := sub.Auth
		want.SQN = 42 + i
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("AdvanceSQN(%s) mismatch (-want +got):\n%s", sub.SUPI, diff)
		}
	}
	mustSQN(t, s, sub.SUPI, 44)
	mustSQN(t, s, other.SUPI, other.Auth.SQN)
}

// testAdvanceSQNConcurrent runs 32 goroutines × 200 AdvanceSQN calls, most
// on one subscriber, and checks that every value is handed out once, in
// increasing order to each caller, and that none is lost.
func testAdvanceSQNConcurrent(t *testing.T, s store.Store) {
	const (
		workers = 32
		calls   = 200
	)
	ctx := t.Context()
	hot, cold := newSubscriber(1), newSubscriber(2)
	hot.Auth.SQN, cold.Auth.SQN = 1000, 5000
	mustCreate(t, s, hot, cold)

	got := make([][]uint64, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		target := hot
		if w%4 == 0 {
			target = cold
		}
		wg.Go(func() {
			for range calls {
				auth, err := s.AdvanceSQN(ctx, target.SUPI)
				if err != nil {
					errs[w] = err
					return
				}
				if !auth.K.Equal(target.Auth.K) {
					errs[w] = errors.New("AdvanceSQN returned another subscriber's K")
					return
				}
				got[w] = append(got[w], auth.SQN)
			}
		})
	}
	wg.Wait()
	for w, err := range errs {
		if err != nil {
			t.Fatalf("worker %d: AdvanceSQN = %v", w, err)
		}
	}

	seen := map[*store.Subscriber]map[uint64]int{hot: {}, cold: {}}
	for w, vals := range got {
		target := hot
		if w%4 == 0 {
			target = cold
		}
		for i, v := range vals {
			if i > 0 && v <= vals[i-1] {
				t.Errorf("worker %d: AdvanceSQN(%s) = %d after %d, want increasing", w, target.SUPI, v, vals[i-1])
			}
			if v <= target.Auth.SQN {
				t.Errorf("worker %d: AdvanceSQN(%s) = %d, want above the initial %d", w, target.SUPI, v, target.Auth.SQN)
			}
			if prev, dup := seen[target][v]; dup {
				t.Errorf("AdvanceSQN(%s) = %d to workers %d and %d, want each value once", target.SUPI, v, prev, w)
			}
			seen[target][v] = w
		}
	}
	for _, target := range []*store.Subscriber{hot, cold} {
		n := uint64(len(seen[target]))
		mustSQN(t, s, target.SUPI, target.Auth.SQN+n)
	}
	if n := len(seen[hot]) + len(seen[cold]); n != workers*calls {
		t.Errorf("distinct SQNs handed out = %d, want %d", n, workers*calls)
	}
}

func testAdvanceSQNExhausted(t *testing.T, s store.Store) {
	ctx := t.Context()
	sub := newSubscriber(1)
	sub.Auth.SQN = store.MaxSQN - 1
	mustCreate(t, s, sub)
	auth, err := s.AdvanceSQN(ctx, sub.SUPI)
	if err != nil || auth.SQN != store.MaxSQN {
		t.Fatalf("AdvanceSQN(%s) at MaxSQN-1 = %d, %v, want %d, nil", sub.SUPI, auth.SQN, err, uint64(store.MaxSQN))
	}
	for range 2 {
		if auth, err := s.AdvanceSQN(ctx, sub.SUPI); err == nil {
			t.Errorf("AdvanceSQN(%s) at MaxSQN = %d, nil, want an error", sub.SUPI, auth.SQN)
		}
	}
	mustSQN(t, s, sub.SUPI, store.MaxSQN)
}

func testAdvanceSQNCanceled(t *testing.T, s store.Store) {
	sub := newSubscriber(1)
	mustCreate(t, s, sub)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.AdvanceSQN(ctx, sub.SUPI); !errors.Is(err, context.Canceled) {
		t.Errorf("AdvanceSQN(cancelled context, %s) = %v, want context.Canceled", sub.SUPI, err)
	}
	if err := s.ResyncSQN(ctx, sub.SUPI, 1<<40); !errors.Is(err, context.Canceled) {
		t.Errorf("ResyncSQN(cancelled context, %s) = %v, want context.Canceled", sub.SUPI, err)
	}
	auth, err := s.AdvanceSQN(t.Context(), sub.SUPI)
	if err != nil {
		t.Fatalf("AdvanceSQN(%s) = %v", sub.SUPI, err)
	}
	if auth.SQN <= sub.Auth.SQN {
		t.Errorf("AdvanceSQN(%s) = %d, want above %d", sub.SUPI, auth.SQN, sub.Auth.SQN)
	}
}

func testResyncSQN(t *testing.T, s store.Store) {
	ctx := t.Context()
	sub := newSubscriber(1)
	sub.Auth.SQN = 500
	mustCreate(t, s, sub)

	steps := []struct {
		resync uint64 // 0: advance instead
		want   uint64
	}{
		{resync: 1000, want: 1000},
		{want: 1001},
		{resync: 10, want: 1001},
		{resync: 1001, want: 1001},
		{want: 1002},
		{resync: store.MaxSQN - 1, want: store.MaxSQN - 1},
		{want: store.MaxSQN},
	}
	for _, st := range steps {
		if st.resync == 0 {
			auth, err := s.AdvanceSQN(ctx, sub.SUPI)
			if err != nil || auth.SQN != st.want {
				t.Fatalf("AdvanceSQN(%s) = %d, %v, want %d, nil", sub.SUPI, auth.SQN, err, st.want)
			}
		} else if err := s.ResyncSQN(ctx, sub.SUPI, st.resync); err != nil {
			t.Fatalf("ResyncSQN(%s, %d) = %v, want nil", sub.SUPI, st.resync, err)
		}
		mustSQN(t, s, sub.SUPI, st.want)
	}
	if err := s.ResyncSQN(ctx, sub.SUPI, store.MaxSQN+1); err == nil {
		t.Errorf("ResyncSQN(%s, MaxSQN+1) = nil, want an error", sub.SUPI)
	}
	mustSQN(t, s, sub.SUPI, store.MaxSQN)
}
