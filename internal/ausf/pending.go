package ausf

import (
	"errors"
	"sync"
	"time"
)

// DefaultMaxContexts is the default of Options.MaxContexts.
const DefaultMaxContexts = 100_000

// errOverloaded marks an Authenticate refused because this instance
// awaits Options.MaxContexts confirmations already.
var errOverloaded = errors.New("ausf: too many authentication contexts awaiting confirmation")

// pending counts the contexts this instance made that await their
// confirmation, so that a flood of authentications never confirmed
// (UEs that do not answer, a misbehaving AMF) holds at most max contexts
// of this instance in the records, whichever instances share them. A
// context leaves the count when this instance takes it (Confirm,
// DeleteConfirmation) or when it expires; one another instance took
// stays counted here until its expiry, which errs on the safe side.
//
// Concurrency: the methods are safe for concurrent use; mu guards the
// fields. No goroutine: expired entries are dropped by reserve.
type pending struct {
	max int
	mu  sync.Mutex
	// live holds the IDs counted now; order the IDs in reservation
	// order with their expiry, which grows with it (one TTL), so that the
	// expired ones are a prefix. An ID taken early stays in order until
	// that prefix or a compaction drops it.
	live  map[string]struct{}
	order []pendingEntry
}

type pendingEntry struct {
	id      string
	expires time.Time
}

func newPending(max int) *pending {
	return &pending{max: max, live: make(map[string]struct{})}
}

// reserve counts a new context that expires at expires, unless max are
// counted already at now (false).
func (p *pending) reserve(id string, now, expires time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	i := 0
	for ; i < len(p.order) && !now.Before(p.order[i].expires); i++ {
		delete(p.live, p.order[i].id)
	}
	p.order = p.order[i:]
	if len(p.order) > 2*len(p.live)+64 {
		kept := p.order[:0:0]
		for _, e := range p.order {
			if _, ok := p.live[e.id]; ok {
				kept = append(kept, e)
			}
		}
		p.order = kept
	}
	if len(p.live) >= p.max {
		return false
	}
	p.live[id] = struct{}{}
	p.order = append(p.order, pendingEntry{id, expires})
	return true
}

// release stops counting a context: taken, or never written.
func (p *pending) release(id string) {
	p.mu.Lock()
	delete(p.live, id)
	p.mu.Unlock()
}

// count is the contexts counted, expired ones included until the next
// reserve drops them.
func (p *pending) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.live)
}
