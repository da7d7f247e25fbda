package smf_test

import (
	"log/slog"
	"testing"

	"github.com/keelcore/keel/internal/lograte"
	"github.com/keelcore/keel/internal/logtest"
)

// A UE that registers again and again without deregistering (its gNB
// dropping the association under it) asks for a session with the ID of
// its old one each time: the SMF replaces it, and logs that a burst of
// times per interval, then a count of the rest — not a line per session.
func TestReplacedSessionLogBounded(t *testing.T) {
	const n = 3 * lograte.DefaultBurst
	var buf logtest.Buffer
	w := newWorld(t, worldOptions{log: slog.New(slog.NewJSONHandler(&buf, nil))})
	for range n + 1 {
		w.establish(supi1, 1, "ims", slice1)
	}
	w.smf.Close() // flushes the summaries

	var passed, suppressed int
	for _, rec := range buf.Records(t) {
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
