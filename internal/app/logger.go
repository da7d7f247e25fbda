package app

import (
	"fmt"
	"io"
	"log/slog"
)

// NewLogger returns Keel's structured logger writing to w in the given
// format ("text" or "json") at the given level. Secrets reach it only as
// internal/secret types, which render as REDACTED.
func NewLogger(w io.Writer, format string, level slog.Level) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: level}
	switch format {
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log format %q: want text or json", format)
}
