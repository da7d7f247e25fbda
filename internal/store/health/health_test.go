package health_test

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/logtest"
	"github.com/keelcore/keel/internal/metrictest"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/health"
	"github.com/keelcore/keel/internal/store/sqlite"
	"github.com/keelcore/keel/internal/store/storetest"
)

func open(t *testing.T) (*storetest.Faulty, []string) {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "keel.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var supis []string
	for i := range 3 {
		s := &store.Subscriber{SUPI: fmt.Sprintf("imsi-00101%010d", i), Auth: store.AuthData{K: secret.RandomKey128(), OPc: secret.RandomKey128()}}
		if err := st.CreateSubscriber(t.Context(), s); err != nil {
			t.Fatal(err)
		}
		supis = append(supis, s.SUPI)
	}
	return storetest.NewFaulty(st), supis
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// A full disk: every SQN advance fails. The store turns unhealthy with
// the first failure (Ready names it, keel_store_healthy is 0, errors are
// counted by operation), the log has one line for a hundred failures;
// reads do not make it look healthy. Once writes succeed again the probe
// notices without any traffic: Ready is nil, the gauge 1, and the log
// says how many failure lines it held back.
func TestDiskFullAndRecovery(t *testing.T) {
	f, supis := open(t)
	reg := prometheus.NewRegistry()
	var logs logtest.Buffer
	h, err := health.New(f, health.Options{
		Logger: slog.New(slog.NewJSONHandler(&logs, nil)), Registerer: reg,
		ProbeInterval: 20 * time.Millisecond, LogInterval: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Ready(); err != nil {
		t.Fatalf("Ready() of a new store = %v, want nil", err)
	}
	if _, err := h.AdvanceSQN(t.Context(), supis[0]); err != nil {
		t.Fatalf("AdvanceSQN() = %v", err)
	}

	f.FailWrites(storetest.ErrDiskFull)
	const n = 100
	for range n {
		_, err := h.AdvanceSQN(t.Context(), supis[1])
		if !errors.Is(err, store.ErrUnavailable) {
			t.Fatalf("AdvanceSQN() on a full disk = %v, want store.ErrUnavailable", err)
		}
	}
	if _, err := h.GetSubscriber(t.Context(), supis[2]); err != nil {
		t.Fatalf("GetSubscriber() on a full disk = %v, want nil", err)
	}
	err = h.Ready()
	if err == nil || !strings.Contains(err.Error(), "disk is full") {
		t.Fatalf("Ready() on a full disk = %v, want the failure named", err)
	}
	if g := metrictest.Value(t, reg, "keel_store_healthy"); g != 0 {
		t.Errorf("keel_store_healthy = %v on a full disk, want 0", g)
	}
	if c := metrictest.Value(t, reg, "keel_store_errors_total", "op", "advance_sqn"); c != n {
		t.Errorf("keel_store_errors_total{op=advance_sqn} = %v, want %d", c, n)
	}
	if got := strings.Count(logs.String(), "store failure"); got != 1 {
		t.Errorf("%d failures wrote %d failure lines, want 1:\n%s", n, got, logs.String())
	}

	h.Start()
	defer h.Stop()
	f.FailWrites(nil)
	waitFor(t, "the probe to find the store healthy", func() bool { return h.Ready() == nil })
	waitFor(t, "keel_store_healthy = 1", func() bool { return metrictest.Value(t, reg, "keel_store_healthy") == 1 })
	if out := logs.String(); !strings.Contains(out, `"msg":"store serves again"`) || !strings.Contains(out, `"failures":100`) {
		t.Errorf("log after recovery:\n%s\nwant the recovery, counting the 100 failures", out)
	}
	h.Stop()
	if out := logs.String(); !strings.Contains(out, "suppressed 99 similar lines") {
		t.Errorf("log after Stop:\n%s\nwant the 99 suppressed failure lines counted", out)
	}
	if _, err := h.AdvanceSQN(t.Context(), supis[1]); err != nil {
		t.Errorf("AdvanceSQN() after recovery = %v", err)
	}
}

// Without traffic, the probe alone finds a store that stopped taking
// writes; an answer about the request (not found) is no store failure.
func TestProbeFindsFailure(t *testing.T) {
	f, _ := open(t)
	reg := prometheus.NewRegistry()
	h, err := health.New(f, health.Options{Registerer: reg, ProbeInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.AdvanceSQN(t.Context(), "imsi-001019999999999"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("AdvanceSQN(absent) = %v, want ErrNotFound", err)
	}
	if err := h.Ready(); err != nil {
		t.Fatalf("Ready() after a not-found = %v, want nil", err)
	}
	h.Start()
	defer h.Stop()
	f.FailWrites(storetest.ErrDiskFull)
	waitFor(t, "the probe to find the failure", func() bool { return h.Ready() != nil })
	if c := metrictest.Value(t, reg, "keel_store_errors_total", "op", "probe"); c < 1 {
		t.Errorf("keel_store_errors_total{op=probe} = %v, want at least 1", c)
	}
}

// A streamed import that fails on a full disk counts as a store failure,
// as the other writes do.
func TestImportStreamObserved(t *testing.T) {
	f, _ := open(t)
	reg := prometheus.NewRegistry()
	h, err := health.New(f, health.Options{Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	f.FailWrites(storetest.ErrDiskFull)
	sub := &store.Subscriber{SUPI: "imsi-001019999999999", Auth: store.AuthData{K: secret.RandomKey128(), OPc: secret.RandomKey128()}}
	src := func(yield func(store.ImportEntry, error) bool) {
		yield(store.ImportEntry{Row: 1, Subscriber: sub}, nil)
	}
	if _, err := h.ImportStream(t.Context(), src); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("ImportStream() on a full disk = %v, want store.ErrUnavailable", err)
	}
	if h.Ready() == nil {
		t.Errorf("Ready() after a failed import = nil, want the failure named")
	}
	if c := metrictest.Value(t, reg, "keel_store_errors_total", "op", "import"); c != 1 {
		t.Errorf("keel_store_errors_total{op=import} = %v, want 1", c)
	}
}
