package procevent

import (
	"cmp"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Event is one procedure failure.
type Event struct {
	Time time.Time
	// Procedure is "registration", "service-request" or
	// "pdu-session-establishment".
	Procedure string
	// Result is the outcome: "rejected", "timeout", ...
	Result string
	// Cause is the cause in words with its number ("Congestion (5GMM
	// #22)"), or what ended the procedure when no cause was sent
	// ("authentication rejected").
	Cause string
	// SUPI is the UE's, "" when it was not identified.
	SUPI string
	// Detail adds what the operator needs to place the failure (the DNN
	// of a session).
	Detail string
}

// Recorder takes procedure failures; a network function calls it on its
// failure paths.
type Recorder interface {
	Record(Event)
}

// FiveGMMCause renders a 5GMM cause for Event.Cause, given its TS 24.501
// §9.11.3.2 name.
func FiveGMMCause(c uint8, name string) string { return fmt.Sprintf("%s (5GMM #%d)", name, c) }

// FiveGSMCause renders a 5GSM cause for Event.Cause, given its TS 24.501
// §9.11.4.2 name.
func FiveGSMCause(c uint8, name string) string { return fmt.Sprintf("%s (5GSM #%d)", name, c) }

// DefaultSize is the number of events a Ring of size 0 keeps.
const DefaultSize = 1000

// maxCauses bounds the causes counted apart; others count as "other".
const maxCauses = 256

// Ring keeps the latest events and counts all of them by cause.
type Ring struct {
	mu     sync.Mutex // guards the fields below
	events []Event    // a ring: next is the oldest once full
	next   int
	full   bool
	counts map[string]uint64 // by Event.Cause, or Result when it has none
}

// NewRing returns a Ring keeping the latest size events (0: DefaultSize).
func NewRing(size int) *Ring {
	if size <= 0 {
		size = DefaultSize
	}
	return &Ring{events: make([]Event, size), counts: make(map[string]uint64)}
}

// Record adds e, stamped now if it has no time, dropping the oldest
// event when the ring is full.
func (r *Ring) Record(e Event) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	key := e.Cause
	if key == "" {
		key = e.Result
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events[r.next] = e
	r.next++
	if r.next == len(r.events) {
		r.next, r.full = 0, true
	}
	if _, ok := r.counts[key]; !ok && len(r.counts) >= maxCauses {
		key = "other"
	}
	r.counts[key]++
}

// Recent returns up to limit events that keep accepts (nil: all), newest
// first.
func (r *Ring) Recent(limit int, keep func(*Event) bool) []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.next
	if r.full {
		n = len(r.events)
	}
	out := make([]Event, 0, min(limit, n))
	for i := 0; i < n && len(out) < limit; i++ {
		j := (r.next - 1 - i + len(r.events)) % len(r.events)
		if keep == nil || keep(&r.events[j]) {
			out = append(out, r.events[j])
		}
	}
	return out
}

// CauseCount is the number of failures with one cause.
type CauseCount struct {
	Cause string
	Count uint64
}

// Counts returns the number of failures by cause since the Ring was
// made, the most frequent first.
func (r *Ring) Counts() []CauseCount {
	r.mu.Lock()
	out := make([]CauseCount, 0, len(r.counts))
	for c, n := range r.counts {
		out = append(out, CauseCount{c, n})
	}
	r.mu.Unlock()
	slices.SortFunc(out, func(a, b CauseCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Cause, b.Cause))
	})
	return out
}
