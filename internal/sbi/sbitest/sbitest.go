// Package sbitest wraps any of the service interfaces of package sbi with
// injectable faults — latency, errors, no answer at all — as storetest
// does for the store and sctptest for the N2 transport, so that tests see
// how an NF behaves when a peer is slow or failing.
//
// A Faults value holds what to inject, per operation (the method name,
// e.g. "Authenticate") or for every operation, and counts the calls. The
// wrappers (AUSF, UDMAuth, SDM, UECM, UDR, SMF, AMF, PCF) consult it
// before each call. Every injected wait honours the caller's context: a
// call whose deadline expires returns at once with an error wrapping
// context.DeadlineExceeded, and no goroutine is left behind.
//
// # Concurrency
//
// Faults and the wrappers are safe for concurrent use; faults may change
// while calls are in flight (a call takes the fault in force when it
// starts).
package sbitest

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Fault is what one call meets.
type Fault struct {
	// Latency delays the call (and the injected error, if any).
	Latency time.Duration
	// Err is returned instead of calling the wrapped service.
	Err error
	// Hang makes the call never answer: it returns when its context is
	// done, with the context's error.
	Hang bool
	// Times limits the fault to the next Times calls of its operation
	// (with Set(op)) or of any operation (with Set("")); 0 means every
	// call until the fault is changed.
	Times int
}

// Faults are the faults of one or more wrappers. The zero value injects
// nothing.
type Faults struct {
	mu    sync.Mutex
	all   Fault            // guarded by mu
	ops   map[string]Fault // guarded by mu; overrides all
	calls map[string]int   // guarded by mu
}

// Set injects x into the calls of op; op "" means every operation that
// has no fault of its own.
func (f *Faults) Set(op string, x Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if op == "" {
		f.all = x
		return
	}
	if f.ops == nil {
		f.ops = map[string]Fault{}
	}
	f.ops[op] = x
}

// Clear removes every fault; calls go through unchanged again.
func (f *Faults) Clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.all, f.ops = Fault{}, nil
}

// Calls returns how many calls of op were made, faulty or not; op ""
// counts every operation.
func (f *Faults) Calls(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if op != "" {
		return f.calls[op]
	}
	n := 0
	for _, c := range f.calls {
		n += c
	}
	return n
}

// inject applies the fault of op: it waits as told (or until ctx is done)
// and returns the error the call must return instead of going through,
// or nil to go through.
func (f *Faults) inject(ctx context.Context, op string) error {
	f.mu.Lock()
	x, ok := f.ops[op]
	switch {
	case ok && x.Times > 0:
		if x.Times--; x.Times == 0 {
			delete(f.ops, op)
		} else {
			f.ops[op] = x
		}
	case !ok:
		x = f.all
		if x.Times > 0 {
			if f.all.Times--; f.all.Times == 0 {
				f.all = Fault{}
			}
		}
	}
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[op]++
	f.mu.Unlock()
	if x.Hang {
		<-ctx.Done()
		return fmt.Errorf("sbitest: %s: no answer: %w", op, ctx.Err())
	}
	if x.Latency > 0 {
		t := time.NewTimer(x.Latency)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("sbitest: %s: answer after %v: %w", op, x.Latency, ctx.Err())
		}
	}
	if x.Err != nil {
		return fmt.Errorf("sbitest: %s: %w", op, x.Err)
	}
	return nil
}
