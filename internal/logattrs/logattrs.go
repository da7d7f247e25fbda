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
