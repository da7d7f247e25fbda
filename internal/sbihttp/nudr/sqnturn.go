package nudr

import (
	"context"
	"sync"
)

// sqnTurns queue one client's SQN advances per subscriber: the advances
// of one UDM process for one SUPI take turns instead of racing each
// other through the UDR's compare-and-set, where under load the one that
// just won started its next round ahead of the losers, and a loser could
// lose every round until its contention limit (TS 33.102 §6.3.2 asks only
// that no SQN is given twice, which the compare-and-set keeps ensuring
// against other UDM processes).
//
// Concurrency: safe for concurrent use; mu guards m. A turn is a
// one-slot channel, so a caller waiting for it leaves when its context
// ends; an entry lives while a caller holds or waits for its turn.
type sqnTurns struct {
	mu sync.Mutex
	m  map[string]*sqnTurn
}

type sqnTurn struct {
	slot  chan struct{}
	users int // callers holding or waiting, under sqnTurns.mu
}

// take waits for supi's turn; the returned func ends it. It fails only
// with ctx's error.
func (t *sqnTurns) take(ctx context.Context, supi string) (func(), error) {
	t.mu.Lock()
	if t.m == nil {
		t.m = make(map[string]*sqnTurn)
	}
	e := t.m[supi]
	if e == nil {
		e = &sqnTurn{slot: make(chan struct{}, 1)}
		t.m[supi] = e
	}
	e.users++
	t.mu.Unlock()
	leave := func() {
		t.mu.Lock()
		if e.users--; e.users == 0 {
			delete(t.m, supi)
		}
		t.mu.Unlock()
	}
	select {
	case e.slot <- struct{}{}:
		return func() { <-e.slot; leave() }, nil
	case <-ctx.Done():
		leave()
		return nil, ctx.Err()
	}
}
