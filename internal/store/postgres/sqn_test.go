package postgres

import (
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/postgres/pgtest"
)

func newSubscriber(supi string, sqn uint64) *store.Subscriber {
	return &store.Subscriber{
		SUPI: supi,
		Auth: store.AuthData{K: secret.RandomKey128(), OPc: secret.RandomKey128(), AMF: [2]byte{0x80}, SQN: sqn},
	}
}

// TestAdvanceSQNManyUDRs hammers one subscriber's SQN from several stores,
// each with a pool of its own as separate UDR processes have: no SQN is
// handed out twice, none is skipped, and the stored SQN counts every
// advance (TS 33.102 Annex C).
func TestAdvanceSQNManyUDRs(t *testing.T) {
	t.Parallel()
	const (
		udrs     = 4
		callers  = 8 // per UDR
		advances = 25
		start    = 1000
	)
	url := pgtest.NewDatabase(t)
	stores := make([]*Store, udrs)
	for i := range stores {
		stores[i] = openTest(t, url, Options{MaxConns: 4})
	}
	sub := newSubscriber("imsi-001010000000001", start)
	if err := stores[0].CreateSubscriber(t.Context(), sub); err != nil {
		t.Fatal(err)
	}
	var (
		mu   sync.Mutex
		got  []uint64
		wg   sync.WaitGroup
		errs = make(chan error, udrs*callers)
	)
	for _, s := range stores {
		for range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var last uint64
				for range advances {
					a, err := s.AdvanceSQN(t.Context(), sub.SUPI)
					if err != nil {
						errs <- err
						return
					}
					if a.SQN <= last {
						errs <- errors.New("SQN went down for one caller")
						return
					}
					last = a.SQN
					mu.Lock()
					got = append(got, a.SQN)
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("AdvanceSQN: %v", err)
	}
	slices.Sort(got)
	const total = udrs * callers * advances
	if len(got) != total {
		t.Fatalf("got %d SQNs, want %d", len(got), total)
	}
	for i, v := range got {
		if v != start+1+uint64(i) {
			t.Fatalf("SQNs sorted [%d] = %d, want %d: a value repeated or was skipped", i, v, start+1+uint64(i))
		}
	}
	stored, err := stores[udrs-1].GetSubscriber(t.Context(), sub.SUPI)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Auth.SQN != start+total {
		t.Errorf("stored SQN = %d, want %d", stored.Auth.SQN, start+total)
	}
}

// TestResyncSQNNeverLowers: a resync to a lower SQN leaves the stored one.
func TestResyncSQNNeverLowers(t *testing.T) {
	t.Parallel()
	s := openTest(t, pgtest.NewDatabase(t), Options{})
	sub := newSubscriber("imsi-001010000000002", 500)
	if err := s.CreateSubscriber(t.Context(), sub); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ resync, want uint64 }{{100, 500}, {700, 700}, {600, 700}} {
		if err := s.ResyncSQN(t.Context(), sub.SUPI, tt.resync); err != nil {
			t.Fatalf("ResyncSQN(%d) = %v", tt.resync, err)
		}
		got, err := s.GetSubscriber(t.Context(), sub.SUPI)
		if err != nil {
			t.Fatal(err)
		}
		if got.Auth.SQN != tt.want {
			t.Errorf("after ResyncSQN(%d): SQN = %d, want %d", tt.resync, got.Auth.SQN, tt.want)
		}
	}
}

// TestAdvanceSQNNearEndConcurrent: concurrent advances of a subscriber two
// short of store.MaxSQN, batched or not, hand out the two values left
// once each and refuse the others.
func TestAdvanceSQNNearEndConcurrent(t *testing.T) {
	t.Parallel()
	s := openTest(t, pgtest.NewDatabase(t), Options{})
	sub := newSubscriber("imsi-001010000000004", store.MaxSQN-2)
	other := newSubscriber("imsi-001010000000005", 0)
	for _, x := range []*store.Subscriber{sub, other} {
		if err := s.CreateSubscriber(t.Context(), x); err != nil {
			t.Fatal(err)
		}
	}
	const callers = 16
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		got  []uint64
		errs int
	)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			supi := sub.SUPI
			if i%4 == 0 {
				supi = other.SUPI
			}
			a, err := s.AdvanceSQN(t.Context(), supi)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case supi == other.SUPI && err != nil:
				t.Errorf("AdvanceSQN(%s) = %v", supi, err)
			case supi == other.SUPI:
			case err != nil:
				errs++
			default:
				got = append(got, a.SQN)
			}
		}()
	}
	wg.Wait()
	slices.Sort(got)
	if want := []uint64{store.MaxSQN - 1, store.MaxSQN}; !slices.Equal(got, want) || errs != callers-callers/4-2 {
		t.Errorf("advances near the end = %v and %d refusals, want %v and %d", got, errs, want, callers-callers/4-2)
	}
}
