// Package panics is the boundary at which Keel contains a panic to the
// unit of work that raised it — one UE's event, one gNB association's
// message — instead of letting it end the process and every other UE
// with it. The boundary does not hide the bug: the panic is logged once
// at error level with its stack, counted in keel_panics_total{component},
// handed to an observer that tests set to fail, and the caller ends the
// unit with a protocol cause.
//
// # Concurrency
//
// A Recorder is safe for concurrent use; one is shared by every component
// of a process (its counter can be registered only once).
package panics

import (
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/prometheus/client_golang/prometheus"
)

// Panic is one recovered panic.
type Panic struct {
	// Component is the boundary that recovered it, the metric's label.
	Component string
	// Value is what was passed to panic.
	Value any
	// Stack is the panicking goroutine's stack (runtime/debug.Stack).
	Stack []byte
}

func (p *Panic) Error() string { return fmt.Sprintf("panics: %s: %v", p.Component, p.Value) }

// Options configure a Recorder.
type Options struct {
	// Registry receives keel_panics_total; nil leaves it unregistered.
	Registry prometheus.Registerer
	// Observe, when set, is told of every recovered panic after it is
	// logged and counted. Tests set it to fail the test: a recovered
	// panic is still a bug.
	Observe func(Panic)
}

// Recorder logs, counts and reports the panics its boundaries recover.
type Recorder struct {
	total   *prometheus.CounterVec
	observe func(Panic)
}

// New builds a Recorder and registers its counter.
func New(opts Options) (*Recorder, error) {
	r := &Recorder{
		total: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_panics_total",
			Help: "Panics recovered at a boundary (a UE's executor, an N2 association's reader), by component; each is a bug.",
		}, []string{"component"}),
		observe: opts.Observe,
	}
	if opts.Registry != nil {
		if err := opts.Registry.Register(r.total); err != nil {
			return nil, fmt.Errorf("panics: %w", err)
		}
	}
	return r, nil
}

// Declare makes the components' series of keel_panics_total exist at
// zero, so that an alert on their increase sees the first panic.
func (r *Recorder) Declare(components ...string) {
	for _, c := range components {
		r.total.WithLabelValues(c)
	}
}

// Run calls f. If f panics, Run recovers, logs the panic once on log at
// error level with the stack, counts it under component, tells the
// observer, and returns it; the caller then ends the unit of work that
// panicked. Run returns nil when f returns normally.
//
// runtime.Goexit (t.FailNow in a test) is not a panic and is not
// stopped.
func (r *Recorder) Run(component string, log *slog.Logger, f func()) (p *Panic) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		p = &Panic{Component: component, Value: v, Stack: debug.Stack()}
		log.Error("panic recovered: a bug; the unit that raised it is ended, the rest goes on",
			"boundary", component, "panic", fmt.Sprint(v), "stack", string(p.Stack))
		r.total.WithLabelValues(component).Inc()
		if r.observe != nil {
			r.observe(*p)
		}
	}()
	f()
	return nil
}
