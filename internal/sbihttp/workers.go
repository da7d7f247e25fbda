package sbihttp

import (
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"sync"
)

// maxWorkers bounds the goroutines a server keeps to run handlers on;
// a request that finds none idle and the bound reached runs on its
// stream's own goroutine.
const maxWorkers = 128

// workers run a server's handlers on goroutines kept from one request to
// the next: for an h2c server (package h2server), which reads every
// frame of a connection on one goroutine, each whole request is spawned
// on one; for net/http's server (TLS), each stream's goroutine runs its
// handler on one and waits. net/http runs each HTTP/2 stream's handler on a goroutine of
// its own, which starts with a small stack and grows it, copying it each
// time, through JSON decoding, the NF's work and its own calls out: a
// worker's stack has grown already. The stream's goroutine waits for its
// handler; a handler's panic is not swallowed but raised again on it,
// where net/http expects it, with the worker's stack.
//
// Concurrency: run is called from the streams' goroutines, spawn from an
// h2c connection's reading goroutine. Between open and stop (the
// server's Start and Stop), a worker is started by run or spawn when
// no worker is idle and fewer than maxWorkers exist, and takes requests
// from jobs until stop closes quit; stop joins them. Outside that window
// (a caller serving Server.Handler itself) handlers run on the streams'
// goroutines. mu guards started, opened and stopped, so that no worker
// starts after stop.
type workers struct {
	jobs chan *job
	quit chan struct{}
	pool sync.Pool // of *job, kept for the next request

	mu      sync.Mutex
	started int
	opened  bool
	stopped bool
	wg      sync.WaitGroup
}

type job struct {
	fn    func()
	done  chan struct{}
	panic any
	async bool // spawned: nobody waits for it
}

func newWorkers() *workers {
	w := &workers{jobs: make(chan *job), quit: make(chan struct{})}
	w.pool.New = func() any { return &job{done: make(chan struct{}, 1)} }
	return w
}

// run runs fn on an idle worker, a new one, or, when neither can be had,
// on the calling goroutine, and returns once fn has.
func (w *workers) run(fn func()) {
	j := w.pool.Get().(*job)
	j.fn = fn
	select {
	case w.jobs <- j:
	default:
		if !w.start(j) {
			w.pool.Put(j)
			fn()
			return
		}
	}
	<-j.done
	p := j.panic
	j.fn, j.panic = nil, nil
	w.pool.Put(j)
	if p != nil {
		panic(p)
	}
}

// spawn runs fn on an idle worker, a new one, or, when neither can be
// had, on a goroutine of its own, and returns at once, never running fn
// on the caller. The caller joins fn itself (the h2c server waits for
// its handlers); fn must not panic (the h2c server recovers a handler's
// panic itself, as net/http does).
func (w *workers) spawn(fn func()) {
	j := w.pool.Get().(*job)
	j.fn, j.async = fn, true
	select {
	case w.jobs <- j:
		return
	default:
	}
	if w.start(j) {
		return
	}
	j.fn, j.async = nil, false
	w.pool.Put(j)
	go fn()
}

// handlerPanic is a handler's panic raised again on its stream's
// goroutine: the value and the worker's stack where it was raised.
type handlerPanic struct {
	value any
	stack []byte
}

func (p *handlerPanic) String() string { return fmt.Sprintf("%v\n%s", p.value, p.stack) }

// start starts a worker whose first job is j, unless the workers are
// stopped or as many as maxWorkers.
func (w *workers) start(j *job) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.opened || w.stopped || w.started >= maxWorkers {
		return false
	}
	w.started++
	w.wg.Add(1)
	go w.work(j)
	return true
}

func (w *workers) work(j *job) {
	defer w.wg.Done()
	for {
		if j.async {
			fn := j.fn
			j.fn, j.async = nil, false
			w.pool.Put(j)
			fn()
		} else {
			j.do()
		}
		select {
		case j = <-w.jobs:
		case <-w.quit:
			return
		}
	}
}

// do runs the job's function and hands its end, or its panic, back to
// the goroutine waiting for it.
func (j *job) do() {
	defer func() {
		if p := recover(); p != nil {
			if err, ok := p.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				j.panic = p // net/http's own signal, raised as it was
			} else {
				j.panic = &handlerPanic{value: p, stack: debug.Stack()}
			}
		}
		j.done <- struct{}{}
	}()
	j.fn()
}

// open lets run start workers.
func (w *workers) open() {
	w.mu.Lock()
	w.opened = true
	w.mu.Unlock()
}

// stop ends the workers once the requests they run have returned. Call
// it after the server has stopped serving.
func (w *workers) stop() {
	w.mu.Lock()
	if !w.stopped {
		w.stopped = true
		close(w.quit)
	}
	w.mu.Unlock()
	w.wg.Wait()
}
