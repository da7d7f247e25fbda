package userspace

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/pion/logging"
)

// pionLogs routes pion's log output to slog at Debug level: what pion
// reports (a chunk it refused, a write that failed) is a diagnostic of one
// association, not an event for the operator. Trace output is dropped.
type pionLogs struct{ log *slog.Logger }

// pionLogs is the factory of pion's loggers: the transport's logger with
// Options.SCTPDebug, else one that discards everything (pion's default
// factory would write its errors to standard error, outside slog).
func (t *Transport) pionLogs() pionLogs {
	if !t.opts.SCTPDebug {
		return pionLogs{log: slog.New(slog.DiscardHandler)}
	}
	return pionLogs{log: t.log}
}

func (f pionLogs) NewLogger(scope string) logging.LeveledLogger {
	return pionLogger{log: f.log.With("pion", scope)}
}

type pionLogger struct{ log *slog.Logger }

func (l pionLogger) emit(level, msg string) {
	l.log.Debug(msg, "pion_level", level)
}

func (l pionLogger) emitf(level, format string, args []any) {
	if l.log.Enabled(context.Background(), slog.LevelDebug) {
		l.emit(level, fmt.Sprintf(format, args...))
	}
}

func (pionLogger) Trace(string)                     {}
func (pionLogger) Tracef(string, ...any)            {}
func (l pionLogger) Debug(msg string)               { l.emit("debug", msg) }
func (l pionLogger) Debugf(format string, a ...any) { l.emitf("debug", format, a) }
func (l pionLogger) Info(msg string)                { l.emit("info", msg) }
func (l pionLogger) Infof(format string, a ...any)  { l.emitf("info", format, a) }
func (l pionLogger) Warn(msg string)                { l.emit("warn", msg) }
func (l pionLogger) Warnf(format string, a ...any)  { l.emitf("warn", format, a) }
func (l pionLogger) Error(msg string)               { l.emit("error", msg) }
func (l pionLogger) Errorf(format string, a ...any) { l.emitf("error", format, a) }
