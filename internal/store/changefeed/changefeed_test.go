package changefeed

import (
	"context"
	"errors"
	"testing"

	"github.com/keelcore/keel/internal/store"
)

func TestWatch(t *testing.T) {
	f := New()
	got := make(chan store.Change, 10)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- f.Watch(ctx, func(c store.Change) { got <- c }) }()
	if c := <-got; !c.Missed {
		t.Fatalf("first change = %+v, want Missed", c)
	}
	f.Publish("imsi-001010000000001")
	if c := <-got; c != (store.Change{SUPI: "imsi-001010000000001"}) {
		t.Errorf("change = %+v, want the SUPI published", c)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Watch() after cancel = %v, want context.Canceled", err)
	}
	f.Close()
	if err := f.Watch(t.Context(), func(store.Change) {}); !errors.Is(err, ErrClosed) {
		t.Errorf("Watch() on a closed feed = %v, want ErrClosed", err)
	}
}

// TestWatchFallsBehind: a watcher that does not keep up loses changes and
// is told so, and Publish never blocks.
func TestWatchFallsBehind(t *testing.T) {
	f := New()
	defer f.Close()
	release := make(chan struct{})
	got := make(chan store.Change, 2*queueSize+10)
	first := true
	go f.Watch(t.Context(), func(c store.Change) {
		if first {
			first = false
			got <- c
			<-release
			return
		}
		got <- c
	})
	if c := <-got; !c.Missed {
		t.Fatalf("first change = %+v, want Missed", c)
	}
	for range queueSize + 5 {
		f.Publish("imsi-001010000000001")
	}
	close(release)
	// The queued changes and the signal of those lost come in either
	// order.
	supis, missed := 0, false
	for supis < queueSize || !missed {
		if c := <-got; c.Missed {
			missed = true
		} else {
			supis++
		}
	}
	select {
	case c := <-got:
		t.Errorf("change %+v after the %d queued and the Missed one", c, queueSize)
	default:
	}
}
