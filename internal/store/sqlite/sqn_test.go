package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/store"
)

func testSubscriber(i int, sqn uint64) *store.Subscriber {
	return &store.Subscriber{
		SUPI: fmt.Sprintf("imsi-00101%010d", i),
		Auth: store.AuthData{K: secret.RandomKey128(), OPc: secret.RandomKey128(), SQN: sqn},
	}
}

// TestSQNBatchFails makes one request of a batch fail in the database and
// checks that the whole batch fails: no waiter gets an SQN, no SQN moves,
// and the writer serves the next batch.
func TestSQNBatchFails(t *testing.T) {
	for _, tt := range []struct {
		name string
		trap []string // SQL that makes any SQN change of subscriber 2 fail
	}{
		{"statement", []string{
			`CREATE TRIGGER trap BEFORE UPDATE OF sqn ON subscribers
			 WHEN NEW.supi = 'imsi-001010000000002' BEGIN SELECT RAISE(ABORT, 'trap'); END`,
		}},
		{"commit", []string{
			// A deferred foreign key: the UPDATE succeeds, the COMMIT fails.
			`CREATE TABLE trap_parent (supi TEXT PRIMARY KEY)`,
			`CREATE TABLE trap (supi TEXT REFERENCES trap_parent (supi) DEFERRABLE INITIALLY DEFERRED)`,
			`CREATE TRIGGER trap AFTER UPDATE OF sqn ON subscribers
			 WHEN NEW.supi = 'imsi-001010000000002' BEGIN INSERT INTO trap VALUES (NEW.supi); END`,
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			s := openTest(t, filepath.Join(t.TempDir(), "keel.db"), Options{})
			first, good, bad := testSubscriber(1, 100), testSubscriber(3, 300), testSubscriber(2, 200)
			for _, sub := range []*store.Subscriber{first, good, bad} {
				if err := s.CreateSubscriber(ctx, sub); err != nil {
					t.Fatalf("CreateSubscriber(%s) = %v", sub.SUPI, err)
				}
			}
			for _, q := range tt.trap {
				if _, err := s.db.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s = %v", q, err)
				}
			}

			// Holding the write lock stalls the writer on a batch holding
			// the first request, so the next two queue up and are taken
			// together. Should the writer still be filling that batch when
			// they arrive, all three share it; the checks hold either way.
			req := func(supi string) sqnRequest {
				return sqnRequest{ctx: ctx, op: opAdvance, supi: supi, reply: make(chan sqnResult, 1)}
			}
			rFirst, rGood, rBad := req(first.SUPI), req(good.SUPI), req(bad.SUPI)
			s.writeLock <- struct{}{}
			s.sqn.reqs <- rFirst
			for len(s.sqn.reqs) > 0 {
				time.Sleep(time.Millisecond)
			}
			time.Sleep(20 * time.Millisecond)
			s.sqn.reqs <- rGood
			s.sqn.reqs <- rBad
			<-s.writeLock

			resFirst, resGood, resBad := <-rFirst.reply, <-rGood.reply, <-rBad.reply
			if resBad.err == nil {
				t.Errorf("AdvanceSQN(%s) in a failing batch = %d, nil, want an error", bad.SUPI, resBad.auth.SQN)
			}
			if resGood.err == nil {
				t.Errorf("AdvanceSQN(%s) in a failing batch = %d, nil, want an error", good.SUPI, resGood.auth.SQN)
			}
			wantFirst := first.Auth.SQN
			if resFirst.err == nil {
				wantFirst = resFirst.auth.SQN
			}
			for supi, want := range map[string]uint64{first.SUPI: wantFirst, good.SUPI: good.Auth.SQN, bad.SUPI: bad.Auth.SQN} {
				got, err := s.GetSubscriber(ctx, supi)
				if err != nil {
					t.Fatalf("GetSubscriber(%s) = %v", supi, err)
				}
				if got.Auth.SQN != want {
					t.Errorf("GetSubscriber(%s).Auth.SQN after failed batch = %d, want %d", supi, got.Auth.SQN, want)
				}
			}

			auth, err := s.AdvanceSQN(ctx, good.SUPI)
			if err != nil || auth.SQN != good.Auth.SQN+1 {
				t.Errorf("AdvanceSQN(%s) after failed batch = %d, %v, want %d, nil", good.SUPI, auth.SQN, err, good.Auth.SQN+1)
			}
		})
	}
}

// TestCloseWhileBusy closes the store under a stream of AdvanceSQN calls:
// each call either returns an SQN that is durable or fails, and Close
// returns once the writer has stopped.
func TestCloseWhileBusy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keel.db")
	s := openTest(t, path, Options{})
	sub := testSubscriber(1, 0)
	if err := s.CreateSubscriber(t.Context(), sub); err != nil {
		t.Fatalf("CreateSubscriber = %v", err)
	}

	var (
		mu      sync.Mutex
		highest uint64
		wg      sync.WaitGroup
	)
	for range 16 {
		wg.Go(func() {
			for {
				auth, err := s.AdvanceSQN(context.Background(), sub.SUPI)
				if err != nil {
					if !errors.Is(err, errClosed) {
						t.Errorf("AdvanceSQN during Close = %v, want errClosed", err)
					}
					return
				}
				mu.Lock()
				highest = max(highest, auth.SQN)
				mu.Unlock()
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	if err := s.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	select {
	case <-s.sqn.done:
	default:
		t.Errorf("SQN writer still running after Close returned")
	}
	wg.Wait()

	s = openTest(t, path, Options{})
	got, err := s.GetSubscriber(t.Context(), sub.SUPI)
	if err != nil {
		t.Fatalf("GetSubscriber after reopen = %v", err)
	}
	if highest == 0 || got.Auth.SQN < highest {
		t.Errorf("stored SQN after Close = %d, want at least %d, the highest handed out (and above 0)", got.Auth.SQN, highest)
	}
}
