package logattrs_test

import (
	"bytes"
	"context"
	"log/slog"
	"regexp"
	"runtime"
	"runtime/metrics"
	"testing"

	"github.com/keelcore/keel/internal/logattrs"
)

// textLogger logs to b in the text format without the time.
func textLogger(b *bytes.Buffer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: level, ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if len(groups) == 0 && a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}))
}

// A logger of With writes what l.With writes, whatever is logged through
// it: the same attributes in the same order, groups included.
func TestSameOutputAsWith(t *testing.T) {
	for _, tc := range []struct {
		name string
		log  func(l *slog.Logger)
	}{
		{"plain", func(l *slog.Logger) { l.Info("registered", "cause", 7) }},
		{"more attributes", func(l *slog.Logger) { l.With("seid", 9).Warn("n4 timeout", slog.Int("attempt", 3)) }},
		{"a group", func(l *slog.Logger) { l.WithGroup("pfcp").Error("refused", "cause", "no-resources") }},
		{"attributes in the group", func(l *slog.Logger) { l.WithGroup("g").With("x", 1).Info("m", "y", 2) }},
		{"no attributes", func(l *slog.Logger) { l.Info("idle") }},
	} {
		var want, got bytes.Buffer
		base := textLogger(&want, slog.LevelInfo).With("component", "amf")
		tc.log(base.With("supi", "imsi-001010000000001", "pdu_session_id", 1))
		lazyBase := textLogger(&got, slog.LevelInfo).With("component", "amf")
		tc.log(logattrs.With(lazyBase, "supi", "imsi-001010000000001", slog.Int("pdu_session_id", 1)))
		if got.String() != want.String() {
			t.Errorf("%s: logged %q, want %q as With logs it", tc.name, got.String(), want.String())
		}
		var from bytes.Buffer
		fromBase := textLogger(&from, slog.LevelInfo).With("component", "amf")
		tc.log(logattrs.From(fromBase, testSource{"imsi-001010000000001", 1}))
		if from.String() != want.String() {
			t.Errorf("%s: a logger of From logged %q, want %q as With logs it", tc.name, from.String(), want.String())
		}
	}
}

// testSource is a session's attributes for From.
type testSource struct {
	supi string
	psi  int
}

func (s testSource) AppendLogAttrs(dst []slog.Attr) []slog.Attr {
	return append(dst, slog.String("supi", s.supi), slog.Int("pdu_session_id", s.psi))
}

// With over a logger of From, and From over a logger of With, keep both
// sets in order.
func TestNestedFrom(t *testing.T) {
	var b bytes.Buffer
	l := logattrs.With(logattrs.From(logattrs.With(textLogger(&b, slog.LevelInfo), "gnb_id", 7), testSource{"imsi-1", 5}), "seid", 9)
	l.Info("x", "cause", 3)
	if want := "level=INFO msg=x gnb_id=7 supi=imsi-1 pdu_session_id=5 seid=9 cause=3\n"; b.String() != want {
		t.Errorf("logged %q, want %q", b.String(), want)
	}
}

// With over a logger of With keeps both sets, in order.
func TestNested(t *testing.T) {
	var b bytes.Buffer
	l := logattrs.With(logattrs.With(textLogger(&b, slog.LevelInfo), "supi", "imsi-1"), "seid", 5)
	l.Info("x")
	if want := "level=INFO msg=x supi=imsi-1 seid=5\n"; b.String() != want {
		t.Errorf("logged %q, want %q", b.String(), want)
	}
	if logattrs.With(l) != l {
		t.Errorf("With without attributes made a new logger")
	}
}

// Records below the base handler's level are dropped without being
// built.
func TestEnabled(t *testing.T) {
	var b bytes.Buffer
	l := logattrs.With(textLogger(&b, slog.LevelWarn), "supi", "imsi-1")
	l.Info("hidden")
	if l.Enabled(context.Background(), slog.LevelInfo) || b.Len() != 0 {
		t.Errorf("an info record passed a warn-level handler: %q", b.String())
	}
	l.Warn("shown")
	if ok, _ := regexp.MatchString(`msg=shown supi=imsi-1`, b.String()); !ok {
		t.Errorf("logged %q, want the warning with its supi", b.String())
	}
}

// A logger of With holds less than the handler copy l.With makes: the
// reason the package exists.
func TestSmallerThanWith(t *testing.T) {
	var b bytes.Buffer
	base := textLogger(&b, slog.LevelInfo).With("component", "amf")
	const n = 10000
	held := func(newLogger func() *slog.Logger) int64 {
		keep := make([]*slog.Logger, n)
		before := liveHeap()
		for i := range keep {
			keep[i] = newLogger()
		}
		after := liveHeap()
		runtime.KeepAlive(keep)
		return (after - before) / n
	}
	supi := "imsi-001010000000001"
	with := held(func() *slog.Logger { return base.With("supi", supi) })
	lazy := held(func() *slog.Logger { return logattrs.With(base, "supi", supi) })
	t.Logf("bytes per logger: logattrs.With %d, slog's With %d", lazy, with)
	if lazy >= with {
		t.Errorf("a logger of With holds %d bytes, one of slog's With %d: want fewer", lazy, with)
	}
	// From keeps the source, which the session holds anyway.
	src := &testSource{supi, 1}
	from := held(func() *slog.Logger { return logattrs.From(base, src) })
	t.Logf("bytes per logger: logattrs.From %d", from)
	if from >= lazy {
		t.Errorf("a logger of From holds %d bytes, one of With %d: want fewer", from, lazy)
	}
}

func liveHeap() int64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}
