package logattrs

import (
	"context"
	"log/slog"
	"slices"
)

// With returns a logger that logs through l with the attributes of args
// (key-value pairs or slog.Attr values, as slog.Logger.With takes them)
// before each record's own, as l.With(args...) does, but adds them to
// each record when it is handled instead of encoding them now.
func With(l *slog.Logger, args ...any) *slog.Logger {
	if len(args) == 0 {
		return l
	}
	attrs := slog.Group("", args...).Value.Group()
	if h, ok := l.Handler().(*handler); ok {
		return slog.New(&handler{base: h.base, attrs: append(slices.Clip(h.attrs), attrs...)})
	}
	return slog.New(&handler{base: l.Handler(), attrs: attrs})
}

// handler adds attrs to each record it passes to base.
type handler struct {
	base  slog.Handler
	attrs []slog.Attr
}

func (h *handler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.base.Enabled(ctx, level)
}

// Handle passes base a record with h's attributes before r's own.
func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	out.AddAttrs(h.attrs...)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(a)
		return true
	})
	return h.base.Handle(ctx, out)
}

// WithAttrs keeps attrs unencoded after h's own.
func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	return &handler{base: h.base, attrs: append(slices.Clip(h.attrs), attrs...)}
}

// WithGroup encodes h's attributes into base, outside the group, and
// opens the group there.
func (h *handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return h.base.WithAttrs(h.attrs).WithGroup(name)
}

// Source gives the attributes of a logger made by From. It is called
// for each record the logger handles, from the goroutine logging: the
// attributes it gives must be safe to read there (fields that do not
// change, typically).
type Source interface {
	AppendLogAttrs(dst []slog.Attr) []slog.Attr
}

// From returns a logger that logs through l with the attributes src
// gives before each record's own, as With(l, src's attributes...) does,
// but keeps only src: a UE's or a session's logger is then a few words,
// however many attributes it carries, and they are made only for the
// records that are logged.
func From(l *slog.Logger, src Source) *slog.Logger {
	return slog.New(&sourceHandler{base: l.Handler(), src: src})
}

// sourceHandler adds src's attributes to each record it passes to base.
type sourceHandler struct {
	base slog.Handler
	src  Source
}

func (h *sourceHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.base.Enabled(ctx, level)
}

func (h *sourceHandler) Handle(ctx context.Context, r slog.Record) error {
	var buf [8]slog.Attr
	return (&handler{base: h.base, attrs: h.src.AppendLogAttrs(buf[:0])}).Handle(ctx, r)
}

func (h *sourceHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	return &handler{base: h.base, attrs: append(h.src.AppendLogAttrs(nil), attrs...)}
}

func (h *sourceHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return h.base.WithAttrs(h.src.AppendLogAttrs(nil)).WithGroup(name)
}
