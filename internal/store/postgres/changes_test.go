package postgres

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/postgres/pgtest"
	"github.com/keelcore/keel/internal/store/subcodec"
)

// watch runs s.WatchChanges until the test ends and returns its changes,
// once the first (Missed) one says the watch is in place.
func watch(t *testing.T, s *Store) <-chan store.Change {
	t.Helper()
	ch := make(chan store.Change, 64)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.WatchChanges(ctx, func(c store.Change) { ch <- c }) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) && !errors.Is(err, store.ErrUnavailable) && !errors.Is(err, errClosed) {
			t.Errorf("WatchChanges() = %v, want context.Canceled", err)
		}
	})
	if c := next(t, ch); !c.Missed {
		t.Fatalf("first change = %+v, want Missed", c)
	}
	return ch
}

func next(t *testing.T, ch <-chan store.Change) store.Change {
	t.Helper()
	select {
	case c := <-ch:
		return c
	case <-time.After(30 * time.Second):
		t.Fatal("no change announced within 30 s")
		return store.Change{}
	}
}

// TestChangesAcrossStores: a change made through one store (one UDR
// instance) is announced to the watch of another; an SQN advance is not
// a change of subscription data and is not announced.
func TestChangesAcrossStores(t *testing.T) {
	t.Parallel()
	url := pgtest.NewDatabase(t)
	a, b := openTest(t, url, Options{}), openTest(t, url, Options{})
	one, two := newSubscriber("imsi-001010000000011", 0), newSubscriber("imsi-001010000000012", 0)
	for _, sub := range []*store.Subscriber{one, two} {
		if err := a.CreateSubscriber(t.Context(), sub); err != nil {
			t.Fatal(err)
		}
	}
	changes := watch(t, b)
	if _, err := a.AdvanceSQN(t.Context(), one.SUPI); err != nil {
		t.Fatal(err)
	}
	if err := a.ResyncSQN(t.Context(), one.SUPI, 100); err != nil {
		t.Fatal(err)
	}
	two.UEAMBR.Uplink = 5
	if err := a.UpdateSubscriber(t.Context(), two); err != nil {
		t.Fatal(err)
	}
	if c := next(t, changes); c != (store.Change{SUPI: two.SUPI}) {
		t.Errorf("after SQN changes of %s and an update of %s: change %+v, want the update", one.SUPI, two.SUPI, c)
	}
	if err := a.DeleteSubscriber(t.Context(), one.SUPI); err != nil {
		t.Fatal(err)
	}
	if c := next(t, changes); c != (store.Change{SUPI: one.SUPI}) {
		t.Errorf("after a delete: change %+v, want %s", c, one.SUPI)
	}
}

// TestChangesAfterRestart: the watch reconnects after the server
// restarts, says changes may have been missed, and announces later ones.
func TestChangesAfterRestart(t *testing.T) {
	t.Parallel()
	srv := pgtest.Start(t, pgtest.Options{})
	s := openTest(t, srv.NewDatabase(t), Options{})
	sub := newSubscriber("imsi-001010000000013", 0)
	if err := s.CreateSubscriber(t.Context(), sub); err != nil {
		t.Fatal(err)
	}
	changes := watch(t, s)
	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	if c := next(t, changes); !c.Missed {
		t.Fatalf("change after a restart = %+v, want Missed", c)
	}
	sub.UEAMBR.Downlink = 7
	for {
		err := s.UpdateSubscriber(t.Context(), sub)
		if err == nil {
			break
		}
		if !errors.Is(err, store.ErrUnavailable) {
			t.Fatalf("UpdateSubscriber() after restart = %v", err)
		}
	}
	if c := next(t, changes); c != (store.Change{SUPI: sub.SUPI}) {
		t.Errorf("change = %+v, want %s", c, sub.SUPI)
	}
}

// TestWatchEndsAtClose: Close ends a watch in progress.
func TestWatchEndsAtClose(t *testing.T) {
	t.Parallel()
	s, err := Open(t.Context(), pgtest.NewDatabase(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan store.Change, 1)
	done := make(chan error, 1)
	go func() { done <- s.WatchChanges(context.Background(), func(c store.Change) { ch <- c }) }()
	next(t, ch)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, errClosed) {
		t.Errorf("WatchChanges() after Close = %v, want the store closed", err)
	}
}

// FuzzParseChange: any payload is a SUPI or news of unknown changes.
func FuzzParseChange(f *testing.F) {
	f.Add("imsi-001010000000001")
	f.Add("")
	f.Add("imsi-0010100000000011234")
	f.Add("imsi-00101\x00")
	f.Fuzz(func(t *testing.T, payload string) {
		c := ParseChange(payload)
		if c.Missed == (c.SUPI != "") {
			t.Fatalf("ParseChange(%q) = %+v: want exactly one of a SUPI and Missed", payload, c)
		}
		if c.SUPI != "" && (c.SUPI != payload || !subcodec.ValidSUPI(c.SUPI)) {
			t.Fatalf("ParseChange(%q) = %+v, want a valid SUPI, the payload", payload, c)
		}
	})
}
