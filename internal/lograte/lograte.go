// Package lograte limits repetitive log lines. A Limiter is a slog.Handler
// in front of another: records are grouped by key — their message plus
// the values of a few attributes (such as a cause) — and each key may pass
// Burst records per Interval. The rest of the interval's records of that
// key are counted, not written; when the key is next logged after the
// interval, or on Flush, one summary line "suppressed N similar lines"
// says how many were dropped and which message they carried.
//
// It exists for the lines one misbehaving peer can multiply: a gNB that
// sends 20,000 Initial UE Messages for unknown SUPIs writes a few dozen
// lines and a count, not 40,000 lines.
//
// # Concurrency
//
// A Limiter and the handlers derived from it (WithAttrs, WithGroup) share
// one table of keys guarded by Limiter.mu, held only to update a key's
// counters, never while writing. Safe for concurrent use.
package lograte

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"
)

// Defaults of Options.
const (
	DefaultBurst    = 20
	DefaultInterval = 10 * time.Second
	// maxKeys bounds the table; beyond it, records of new keys share one
	// overflow key, so that attribute values an attacker chooses cannot
	// grow it.
	maxKeys = 4096
)

// burstKey is the attribute key of Burst.
const burstKey = "lograte.burst"

// Burst is an attribute that sets the burst of its record's key, in place
// of Options.Burst: Burst(1) makes a line appear once per interval. The
// limiter removes it from the record.
func Burst(n int) slog.Attr { return slog.Int(burstKey, n) }

// Options configure a Limiter. The zero value takes the defaults.
type Options struct {
	// Burst is how many records of one key pass per Interval.
	Burst int
	// Interval is the length of a key's window.
	Interval time.Duration
	// Keys are the attribute keys whose values are part of a record's key
	// besides its message, e.g. "cause". Their values must come from a
	// small set.
	Keys []string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Limiter is a slog.Handler that passes at most Burst records per key per
// Interval to the handler it wraps.
type Limiter struct {
	opts Options
	base slog.Handler // where summaries go: no attributes of one record

	mu   sync.Mutex
	keys map[string]*window
}

// window is one key's current interval.
type window struct {
	start      time.Time
	passed     int
	suppressed int
	level      slog.Level
	msg        string
}

// New returns a Limiter writing to h.
func New(h slog.Handler, opts Options) *Limiter {
	if opts.Burst <= 0 {
		opts.Burst = DefaultBurst
	}
	if opts.Interval <= 0 {
		opts.Interval = DefaultInterval
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Limiter{opts: opts, base: h, keys: map[string]*window{}}
}

// Enabled implements slog.Handler.
func (l *Limiter) Enabled(ctx context.Context, level slog.Level) bool {
	return l.base.Enabled(ctx, level)
}

// Handle implements slog.Handler.
func (l *Limiter) Handle(ctx context.Context, r slog.Record) error {
	return (&handler{l: l, h: l.base}).Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (l *Limiter) WithAttrs(attrs []slog.Attr) slog.Handler {
	return (&handler{l: l, h: l.base}).WithAttrs(attrs)
}

// WithGroup implements slog.Handler.
func (l *Limiter) WithGroup(name string) slog.Handler {
	return (&handler{l: l, h: l.base}).WithGroup(name)
}

// Flush writes the summary of every key that suppressed records in its
// current window, and starts those keys afresh.
func (l *Limiter) Flush(ctx context.Context) {
	now := l.opts.Now()
	l.mu.Lock()
	var out []window
	for _, w := range l.keys {
		if w.suppressed > 0 {
			out = append(out, *w)
		}
		w.start, w.passed, w.suppressed = now, 0, 0
	}
	l.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].msg < out[j].msg })
	for _, w := range out {
		l.summary(ctx, now, w)
	}
}

// admit counts a record of key, burst of which may pass per interval; it
// returns whether the record passes and the window that ended, if it
// suppressed records.
func (l *Limiter) admit(key string, burst int, r *slog.Record, now time.Time) (bool, *window) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.keys[key]
	if w == nil {
		if len(l.keys) >= maxKeys {
			key = "\x00overflow"
			w = l.keys[key]
		}
		if w == nil {
			w = &window{start: now}
			l.keys[key] = w
		}
	}
	var ended *window
	if now.Sub(w.start) >= l.opts.Interval {
		if w.suppressed > 0 {
			e := *w
			ended = &e
		}
		w.start, w.passed, w.suppressed = now, 0, 0
	}
	w.level, w.msg = r.Level, r.Message
	if w.passed < burst {
		w.passed++
		return true, ended
	}
	w.suppressed++
	return false, ended
}

func (l *Limiter) summary(ctx context.Context, now time.Time, w window) {
	r := slog.NewRecord(now, w.level, fmt.Sprintf("suppressed %d similar lines", w.suppressed), 0)
	r.AddAttrs(slog.String("like", w.msg), slog.Int("suppressed", w.suppressed),
		slog.Duration("interval", l.opts.Interval))
	if l.base.Enabled(ctx, w.level) {
		l.base.Handle(ctx, r)
	}
}

// handler is the Limiter seen through WithAttrs and WithGroup: records
// go to h, counted in the Limiter's table. keyed holds the values of
// key attributes added by WithAttrs.
type handler struct {
	l     *Limiter
	h     slog.Handler
	keyed []slog.Attr
	group bool
}

func (h *handler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.h.Enabled(ctx, level)
}

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	now := h.l.opts.Now()
	burst := h.l.opts.Burst
	var marked bool
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == burstKey {
			burst, marked = int(a.Value.Int64()), true
		}
		return true
	})
	if marked {
		clean := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
		r.Attrs(func(a slog.Attr) bool {
			if a.Key != burstKey {
				clean.AddAttrs(a)
			}
			return true
		})
		r = clean
	}
	pass, ended := h.l.admit(h.key(&r), burst, &r, now)
	if ended != nil {
		h.l.summary(ctx, now, *ended)
	}
	if !pass {
		return nil
	}
	return h.h.Handle(ctx, r)
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.h = h.h.WithAttrs(attrs)
	if !h.group {
		for _, a := range attrs {
			if h.isKey(a.Key) {
				c.keyed = append(c.keyed[:len(c.keyed):len(c.keyed)], a)
			}
		}
	}
	return &c
}

func (h *handler) WithGroup(name string) slog.Handler {
	c := *h
	c.h = h.h.WithGroup(name)
	c.group = c.group || name != ""
	return &c
}

func (h *handler) isKey(k string) bool {
	for _, x := range h.l.opts.Keys {
		if x == k {
			return true
		}
	}
	return false
}

// key is the record's message and the values of the key attributes, in
// the order Options.Keys lists them.
func (h *handler) key(r *slog.Record) string {
	if len(h.l.opts.Keys) == 0 {
		return r.Message
	}
	var b strings.Builder
	b.WriteString(r.Message)
	for _, k := range h.l.opts.Keys {
		for _, a := range h.keyed {
			if a.Key == k {
				fmt.Fprintf(&b, "\x00%s=%s", k, a.Value.String())
			}
		}
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == k {
				fmt.Fprintf(&b, "\x00%s=%s", k, a.Value.String())
			}
			return true
		})
	}
	return b.String()
}
