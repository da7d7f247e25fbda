// Package logtest holds what tests need to read the log of the code they
// test: a Buffer that the code under test writes, from any of its
// goroutines, while the test reads it, and that parses slog's JSON lines
// into records.
//
// Concurrency: a Buffer's methods may be called from any goroutine at
// any time; each Write is appended whole, so a reader sees whole lines
// as long as each log line is one Write (as slog's handlers do). A test
// reads a snapshot: what was written after String or Records returned
// is in the next read. Only tests import logtest.
package logtest

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"
)

// Buffer is a log destination safe for concurrent use. The zero value is
// an empty buffer ready to use; a Buffer must not be copied after first
// use.
type Buffer struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

// Write appends p to the buffer. It never fails.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Records parses the lines written so far as JSON objects, one a line
// (as slog.JSONHandler writes them), skipping empty lines. A line that
// does not parse fails the test at once, naming the line.
func (b *Buffer) Records(tb testing.TB) []map[string]any {
	tb.Helper()
	var recs []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if l == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			tb.Fatalf("log line %q: %v", l, err)
		}
		recs = append(recs, rec)
	}
	return recs
}
