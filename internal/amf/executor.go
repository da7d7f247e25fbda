package amf

import "sync"

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
type runs struct {
	mu     sync.RWMutex
	closed bool
	wg     sync.WaitGroup
}

func (r *runs) admit() bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		return false
	}
	r.wg.Add(1)
	return true
}

// close stops admitting runs and waits for the running ones.
func (r *runs) close() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.wg.Wait()
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
	go e.run()
	return true
}

func (e *executor) run() {
	defer e.runs.wg.Done()
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
