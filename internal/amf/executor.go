package amf

import (
	"sync"
	"sync/atomic"
	"time"
)

// executor runs one UE's events one at a time, in arrival order, on a
// goroutine that exists only while events are waiting: an idle UE costs
// no goroutine. The mailbox is bounded; a full mailbox refuses the event
// (overload), it never blocks the SCTP reader.
type executor struct {
	runs *runs // the AMF's: Stop joins running executors

	mu      sync.Mutex
	queue   []func()
	running bool
}

// runs counts the executors running so that Stop can wait for them; once
// closed it admits no new run (a timer firing after Stop is dropped).
// Admission and Close take the lock, so every Add happens before Wait.
//
// It also keeps up to maxWarm goroutines between runs (spawn): a UE's
// events and its SBI calls each ran on a goroutine of their own, which
// started with the smallest stack and grew it, copying it each time,
// through NAS handling or an SBI call's HTTP/2 and JSON (runtime.newstack,
// 11% of a split AMF's CPU in a profile of keel bench --split); a warm
// goroutine's stack has grown already. close ends them once the runs
// have returned and joins them; one idle for warmIdle ends by itself.
type runs struct {
	mu     sync.RWMutex
	closed bool
	wg     sync.WaitGroup

	warm    chan func() // to an idle warm goroutine
	quit    chan struct{}
	idle    atomic.Int32 // warm goroutines waiting on warm
	workers sync.WaitGroup
	once    sync.Once

	// active counts the runs admitted and not yet done; pace waits on
	// it. paceMu guards paced, the channel done closes for the waiters
	// once active is below the limit (paceLimit, or limit when a test
	// sets one); waiting says one may be open.
	active  atomic.Int64
	limit   atomic.Int64
	waiting atomic.Bool
	paceMu  sync.Mutex
	paced   chan struct{}
}

// paceLimit is the number of active runs above which pace holds a mass
// release back. Every run is a goroutine, and the runtime keeps the
// record of each goroutine it ever ran at once (some 450 bytes) for the
// process's life, with its stack's spans as free heap; releasing every
// UE of a departed gNB at once ran an executor and then an Nsmf call for
// each of them together, 100,000 goroutines for 100,000 UEs. Far above
// the runs a busy AMF has at once (a few hundred at keel bench's 256
// registrations in flight), so that only a mass release waits.
const paceLimit = 1024

// maxWarm bounds the warm goroutines kept idle: enough for the runs a
// busy AMF has at once, few enough that an idle AMF keeps a few MiB of
// stacks at most.
const maxWarm = 64

func (r *runs) init() {
	r.once.Do(func() {
		r.warm = make(chan func())
		r.quit = make(chan struct{})
	})
}

func (r *runs) admit() bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		return false
	}
	r.wg.Add(1)
	r.active.Add(1)
	return true
}

// done ends a run admit admitted: each run defers it.
func (r *runs) done() {
	if r.active.Add(-1) < r.paceAt() && r.waiting.Load() {
		r.paceMu.Lock()
		if r.paced != nil {
			close(r.paced)
			r.paced = nil
		}
		r.waiting.Store(false)
		r.paceMu.Unlock()
	}
	r.wg.Done()
}

// paceAt is the number of active runs pace waits below.
func (r *runs) paceAt() int64 {
	if n := r.limit.Load(); n > 0 {
		return n
	}
	return paceLimit
}

// pace waits until fewer than paceLimit runs are active, or stop is
// closed; it reports whether to go on. A waiter registers (waiting)
// before it reads active again, and done decrements active before it
// reads waiting, so a run ending meanwhile either sees the waiter or
// is seen by it: no wake-up is lost.
func (r *runs) pace(stop <-chan struct{}) bool {
	for r.active.Load() >= r.paceAt() {
		r.paceMu.Lock()
		if r.paced == nil {
			r.paced = make(chan struct{})
		}
		ch := r.paced
		r.waiting.Store(true)
		r.paceMu.Unlock()
		if r.active.Load() < r.paceAt() {
			return true
		}
		select {
		case <-ch:
		case <-stop:
			return false
		}
	}
	return true
}

// spawn runs fn, a run admit admitted, on an idle warm goroutine or a new
// one, and returns at once. fn calls r.wg.Done when it ends, as before.
func (r *runs) spawn(fn func()) {
	r.init()
	select {
	case r.warm <- fn:
		return
	default:
	}
	r.workers.Add(1)
	go r.work(fn)
}

// warmIdle is how long a warm goroutine waits for another run before it
// ends: a busy AMF keeps its warm goroutines, one gone quiet is back to
// the goroutines it started with within warmIdle.
const warmIdle = 2 * time.Second

// work runs fn, then, while fewer than maxWarm others wait, the runs
// handed to it, until none comes for warmIdle or close.
func (r *runs) work(fn func()) {
	defer r.workers.Done()
	var wait *time.Timer
	defer func() {
		if wait != nil {
			wait.Stop()
		}
	}()
	for {
		fn()
		if r.idle.Add(1) > maxWarm {
			r.idle.Add(-1)
			return
		}
		if wait == nil {
			wait = time.NewTimer(warmIdle)
		} else {
			wait.Reset(warmIdle)
		}
		select {
		case fn = <-r.warm:
			r.idle.Add(-1)
		case <-wait.C:
			r.idle.Add(-1)
			return
		case <-r.quit:
			r.idle.Add(-1)
			return
		}
	}
}

// close stops admitting runs, waits for the running ones and ends the
// warm goroutines.
func (r *runs) close() {
	r.init()
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.wg.Wait()
	r.mu.Lock()
	select {
	case <-r.quit:
	default:
		close(r.quit)
	}
	r.mu.Unlock()
	r.workers.Wait()
}

// mailboxSize bounds the events one UE may have waiting.
const mailboxSize = 64

// submit queues f; it reports false when the mailbox is full.
func (e *executor) submit(f func()) bool {
	e.mu.Lock()
	if len(e.queue) >= mailboxSize {
		e.mu.Unlock()
		return false
	}
	if !e.running && !e.runs.admit() {
		// The AMF has stopped.
		e.mu.Unlock()
		return true
	}
	e.queue = append(e.queue, f)
	if e.running {
		e.mu.Unlock()
		return true
	}
	e.running = true
	e.mu.Unlock()
	e.runs.spawn(e.run)
	return true
}

func (e *executor) run() {
	defer e.runs.done()
	for {
		e.mu.Lock()
		if len(e.queue) == 0 {
			e.running = false
			e.queue = nil
			e.mu.Unlock()
			return
		}
		f := e.queue[0]
		e.queue[0] = nil
		e.queue = e.queue[1:]
		e.mu.Unlock()
		f()
	}
}
