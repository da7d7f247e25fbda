package smf_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/keelcore/keel/internal/lograte"
)

// A UE that registers again and again without deregistering (its gNB
// dropping the association under it) asks for a session with the ID of
// its old one each time: the SMF replaces it, and logs that a burst of
// times per interval, then a count of the rest — not a line per session.
func TestReplacedSessionLogBounded(t *testing.T) {
	const n = 3 * lograte.DefaultBurst
	var buf syncBuffer
	w := newWorld(t, worldOptions{log: slog.New(slog.NewJSONHandler(&buf, nil))})
	for range n + 1 {
		w.establish(supi1, 1, "ims", slice1)
	}
	w.smf.Close() // flushes the summaries

	var passed, suppressed int
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		const msg = "PDU session replaced by a new one with its ID"
		switch {
		case rec["msg"] == msg:
			passed++
		case rec["like"] == msg:
			v, _ := rec["suppressed"].(float64)
			suppressed += int(v)
		}
	}
	if passed > lograte.DefaultBurst || passed+suppressed != n {
		t.Errorf("%d replaced sessions: %d lines and %d suppressed, want at most %d lines and %d in all",
			n, passed, suppressed, lograte.DefaultBurst, n)
	}
}

// syncBuffer is a bytes.Buffer that the SMF's goroutines may write while
// the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
