package amf

import (
	"container/heap"
	"sync"
	"time"

	"github.com/keelcore/keel/internal/amf/gmm"
)

// longTimers runs the long timers of the AMF's UEs, those an idle UE
// holds for minutes to hours: the mobile reachable timer and the
// implicit deregistration timer (TS 24.501 §5.3.7). Each UE would
// otherwise hold a runtime timer of its own and the closure it runs
// (some 200 bytes for every idle UE); here a UE holds one deadline in
// its context, queued in one heap by expiry, and one runtime timer
// (AMF.afterFunc) is armed for the earliest.
//
// A deadline that comes hands the UE an expiry event (ueContext.expired)
// exactly as that UE's own runtime timer did: the event finds the UE's
// timer slot only if the timer was not stopped or started again since,
// so the semantics of the timers are those of the runtime timers.
//
// Concurrency: mu guards the heap, the armed timer and the fields of
// every deadline; a UE's executor starts and stops its deadline under
// it, and the armed timer's function (on the runtime's goroutine) takes
// the deadlines due and submits their events after releasing it. close
// stops the armed timer; one firing meanwhile submits to executors that
// the stopped AMF no longer runs.
type longTimers struct {
	afterFunc func(d time.Duration, f func()) (stop func() bool)
	// expire hands u the expiry of its timer t of generation gen.
	expire func(u *ueContext, t gmm.Timer, gen uint64)
	// elapsed is the time since the long timers were made (a
	// deadline's when counts from then), on the monotonic clock.
	elapsed func() time.Duration

	mu    sync.Mutex
	queue deadlineHeap
	armed int64       // when the armed timer fires, from base; 0 when none
	stop  func() bool // stops the armed timer
	// arms counts the timers armed: a timer that fires after another
	// replaced it finds arms moved on and does nothing.
	arms   uint64
	closed bool
}

// newLongTimers returns long timers armed by afterFunc whose expiries
// go to the UEs' executors (ueContext.expired).
func newLongTimers(afterFunc func(d time.Duration, f func()) (stop func() bool)) *longTimers {
	base := time.Now()
	return &longTimers{afterFunc: afterFunc, elapsed: func() time.Duration { return time.Since(base) },
		expire: func(u *ueContext, t gmm.Timer, gen uint64) { u.do(func() { u.expired(t, gen) }) }}
}

// now is the time since the long timers were made.
func (q *longTimers) now() int64 { return int64(q.elapsed()) }

// deadline is a UE's running long timer: which one, its start's
// generation (ueContext.timerGen) and when it expires; index is its
// place in the heap, -1 while not queued. Guarded by longTimers.mu.
type deadline struct {
	u     *ueContext
	when  int64 // longTimers.now at expiry; after 0
	gen   uint64
	index int32
	t     gmm.Timer
}

// start queues u's deadline for timer t of generation gen, d from now,
// in place of the one it had queued.
func (q *longTimers) start(u *ueContext, t gmm.Timer, gen uint64, d time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	dl := &u.deadline
	dl.u, dl.t, dl.gen, dl.when = u, t, gen, max(q.now()+int64(d), 1)
	if dl.index >= 0 && q.queued(dl) {
		heap.Fix(&q.queue, int(dl.index))
	} else {
		heap.Push(&q.queue, dl)
	}
	q.arm()
}

// cancel takes u's deadline out of the queue.
func (q *longTimers) cancel(u *ueContext) {
	q.mu.Lock()
	defer q.mu.Unlock()
	dl := &u.deadline
	if dl.index >= 0 && q.queued(dl) {
		heap.Remove(&q.queue, int(dl.index))
	}
	dl.index = -1
}

// queued reports whether dl is in the heap at its index: a UE context's
// zero deadline has index 0 without being queued.
func (q *longTimers) queued(dl *deadline) bool {
	return int(dl.index) < len(q.queue) && q.queue[dl.index] == dl
}

// arm makes the armed timer fire at the earliest deadline. q.mu is
// held.
func (q *longTimers) arm() {
	if q.closed || len(q.queue) == 0 {
		return
	}
	when := q.queue[0].when
	if q.armed != 0 && when >= q.armed {
		return
	}
	if q.stop != nil {
		q.stop()
	}
	q.armed = when
	q.arms++
	arm := q.arms
	q.stop = q.afterFunc(time.Duration(when-q.now()), func() { q.fire(arm) })
}

// fire takes the deadlines due off the queue, re-arms the timer for
// the next one and submits the expiries of those due.
func (q *longTimers) fire(arm uint64) {
	type due struct {
		u   *ueContext
		t   gmm.Timer
		gen uint64
	}
	var list []due
	q.mu.Lock()
	if arm != q.arms {
		q.mu.Unlock()
		return
	}
	q.armed, q.stop = 0, nil
	now := q.now()
	for len(q.queue) > 0 && q.queue[0].when <= now {
		dl := heap.Pop(&q.queue).(*deadline)
		list = append(list, due{dl.u, dl.t, dl.gen})
	}
	q.arm()
	q.mu.Unlock()
	for _, d := range list {
		q.expire(d.u, d.t, d.gen)
	}
}

// close stops the armed timer; no timer is armed after it.
func (q *longTimers) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	if q.stop != nil {
		q.stop()
		q.armed, q.stop = 0, nil
	}
}

// deadlineHeap is a min-heap of deadlines by expiry (container/heap).
type deadlineHeap []*deadline

func (h deadlineHeap) Len() int           { return len(h) }
func (h deadlineHeap) Less(i, j int) bool { return h[i].when < h[j].when }
func (h deadlineHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = int32(i), int32(j)
}

func (h *deadlineHeap) Push(x any) {
	dl := x.(*deadline)
	dl.index = int32(len(*h))
	*h = append(*h, dl)
}

func (h *deadlineHeap) Pop() any {
	old := *h
	n := len(old)
	dl := old[n-1]
	old[n-1] = nil
	dl.index = -1
	*h = old[:n-1]
	if cap(*h) > 64 && len(*h) < cap(*h)/4 {
		// A queue that drained gives its memory back.
		*h = append(deadlineHeap(nil), *h...)
	}
	return dl
}
