package ausf_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/ausf"
	"github.com/keelcore/keel/internal/crypto/kdf"
	"github.com/keelcore/keel/internal/metrictest"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/store/memrecords"
)

const sn = "5G:mnc001.mcc001.3gppnetwork.org"

// fakeUDM hands out vectors derived from a counter and records results.
type fakeUDM struct {
	mu      sync.Mutex
	n       int
	err     error
	calls   int
	results []bool
}

func (f *fakeUDM) GenerateAuthData(_ context.Context, req sbi.AuthRequest) (sbi.AuthVector, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.err != nil {
		return sbi.AuthVector{}, f.err
	}
	f.n++
	return vector(req.SUPI, f.n), nil
}

func (f *fakeUDM) ConfirmAuth(_ context.Context, _ string, event sbi.AuthEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.results = append(f.results, event.Success)
	return nil
}

func vector(supi string, n int) sbi.AuthVector {
	v := sbi.AuthVector{SUPI: supi}
	for i := range 16 {
		v.RAND[i] = byte(n + i)
		v.AUTN[i] = byte(2*n + i)
		v.XRESStar[i] = byte(3*n + i)
	}
	for i := range 32 {
		v.KAUSF[i] = byte(5*n + i)
	}
	return v
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newAUSF(t *testing.T, opts ausf.Options) (*ausf.AUSF, *fakeUDM, *clock, *prometheus.Registry) {
	t.Helper()
	udm := &fakeUDM{}
	clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	reg := prometheus.NewRegistry()
	opts.UDM, opts.Now, opts.Registry = udm, clk.now, reg
	a, err := ausf.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return a, udm, clk, reg
}

func TestConfirm(t *testing.T) {
	ctx := context.Background()
	a, udm, _, reg := newAUSF(t, ausf.Options{})
	const supi = "imsi-001010000000001"
	ch, err := a.Authenticate(ctx, sbi.AuthRequest{SUPI: supi, ServingNetworkName: sn})
	if err != nil {
		t.Fatal(err)
	}
	v := vector(supi, 1)
	if ch.RAND != v.RAND || ch.AUTN != v.AUTN || ch.HXRESStar != kdf.HXRESStar(v.RAND, v.XRESStar) || ch.AuthCtxID == "" {
		t.Fatalf("Authenticate = %+v, want RAND and AUTN of the vector and HXRES* = HXRESStar(RAND, XRES*)", ch)
	}
	conf, err := a.Confirm(ctx, ch.AuthCtxID, v.XRESStar)
	if err != nil {
		t.Fatalf("Confirm with RES* = XRES*: %v", err)
	}
	if conf.SUPI != supi || !conf.KSEAF.Equal(kdf.KSEAF(v.KAUSF, sn)) {
		t.Errorf("Confirm = SUPI %s and a KSEAF other than KSEAF(KAUSF, %s)", conf.SUPI, sn)
	}
	if _, err := a.Confirm(ctx, ch.AuthCtxID, v.XRESStar); !errors.Is(err, sbi.ErrAuthContextNotFound) {
		t.Errorf("second Confirm of one context = %v, want ErrAuthContextNotFound", err)
	}

	ch, _ = a.Authenticate(ctx, sbi.AuthRequest{SUPI: supi, ServingNetworkName: sn})
	wrong := vector(supi, 2).XRESStar
	wrong[15] ^= 1
	if _, err := a.Confirm(ctx, ch.AuthCtxID, wrong); !errors.Is(err, sbi.ErrAuthRejected) {
		t.Errorf("Confirm with a wrong RES* = %v, want ErrAuthRejected", err)
	}
	if _, err := a.Confirm(ctx, ch.AuthCtxID, vector(supi, 2).XRESStar); !errors.Is(err, sbi.ErrAuthContextNotFound) {
		t.Errorf("Confirm after a rejected one = %v, want ErrAuthContextNotFound (one attempt per context)", err)
	}
	if _, err := a.Confirm(ctx, "no-such-context", wrong); !errors.Is(err, sbi.ErrAuthContextNotFound) {
		t.Errorf("Confirm of an unknown context = %v, want ErrAuthContextNotFound", err)
	}
	if fmt.Sprint(udm.results) != "[true false]" {
		t.Errorf("results reported to the UDM = %v, want [true false]", udm.results)
	}
	for result, want := range map[string]float64{"success": 1, "rejected": 1, "context_not_found": 3} {
		if got := metric(t, reg, "keel_ausf_authentications_total", result); got != want {
			t.Errorf("keel_ausf_authentications_total{result=%q} = %v, want %v", result, got, want)
		}
	}
	if got := metric(t, reg, "keel_ausf_auth_contexts", ""); got != 0 {
		t.Errorf("keel_ausf_auth_contexts = %v, want 0", got)
	}
}

func TestExpiry(t *testing.T) {
	ctx := context.Background()
	a, _, clk, _ := newAUSF(t, ausf.Options{})
	ch1, _ := a.Authenticate(ctx, sbi.AuthRequest{SUPI: "imsi-001010000000001", ServingNetworkName: sn})
	clk.advance(ausf.DefaultContextTTL - time.Second)
	ch2, _ := a.Authenticate(ctx, sbi.AuthRequest{SUPI: "imsi-001010000000002", ServingNetworkName: sn})
	clk.advance(time.Second)
	if _, err := a.Confirm(ctx, ch1.AuthCtxID, vector("", 1).XRESStar); !errors.Is(err, sbi.ErrAuthContextNotFound) {
		t.Errorf("Confirm after %v = %v, want ErrAuthContextNotFound", ausf.DefaultContextTTL, err)
	}
	if _, err := a.Confirm(ctx, ch2.AuthCtxID, vector("", 2).XRESStar); err != nil {
		t.Errorf("Confirm of a context 1 s old: %v", err)
	}
}

// TestSharedRecords runs two AUSFs on one store.Records, as two instances
// behind one NRF: a context made at one is confirmed at the other, once.
func TestSharedRecords(t *testing.T) {
	ctx := context.Background()
	recs := memrecords.New()
	a, udm, clk, _ := newAUSF(t, ausf.Options{Records: recs})
	b, err := ausf.New(ausf.Options{UDM: udm, Records: recs, Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := a.Authenticate(ctx, sbi.AuthRequest{SUPI: "imsi-001010000000001", ServingNetworkName: sn})
	if err != nil {
		t.Fatal(err)
	}
	conf, err := b.Confirm(ctx, ch.AuthCtxID, vector("", 1).XRESStar)
	if err != nil || conf.SUPI != "imsi-001010000000001" {
		t.Fatalf("Confirm at the other instance = %+v, %v, want the SUPI", conf, err)
	}
	if want := kdf.KSEAF(vector("", 1).KAUSF, sn); !conf.KSEAF.Equal(want) {
		t.Errorf("Confirm at the other instance: KSEAF differs from the one KAUSF gives")
	}
	if _, err := a.Confirm(ctx, ch.AuthCtxID, vector("", 1).XRESStar); !errors.Is(err, sbi.ErrAuthContextNotFound) {
		t.Errorf("second Confirm, at the first instance = %v, want ErrAuthContextNotFound", err)
	}
	ch2, _ := b.Authenticate(ctx, sbi.AuthRequest{SUPI: "imsi-001010000000002", ServingNetworkName: sn})
	if err := a.DeleteConfirmation(ctx, ch2.AuthCtxID, 21); err != nil {
		t.Errorf("DeleteConfirmation at the other instance = %v", err)
	}
	if _, err := b.Confirm(ctx, ch2.AuthCtxID, vector("", 2).XRESStar); !errors.Is(err, sbi.ErrAuthContextNotFound) {
		t.Errorf("Confirm after DeleteConfirmation = %v, want ErrAuthContextNotFound", err)
	}
}

// TestRecordsFail checks that a failing store answers a temporary
// failure, not a refusal.
func TestRecordsFail(t *testing.T) {
	recs := memrecords.New()
	a, _, _, reg := newAUSF(t, ausf.Options{Records: recs})
	ch, err := a.Authenticate(t.Context(), sbi.AuthRequest{SUPI: "imsi-001010000000001", ServingNetworkName: sn})
	if err != nil {
		t.Fatal(err)
	}
	recs.Close()
	if _, err := a.Authenticate(t.Context(), sbi.AuthRequest{SUPI: "imsi-001010000000002", ServingNetworkName: sn}); !errors.Is(err, sbi.ErrUnavailable) {
		t.Errorf("Authenticate with the records closed = %v, want ErrUnavailable", err)
	}
	if _, err := a.Confirm(t.Context(), ch.AuthCtxID, vector("", 1).XRESStar); !errors.Is(err, sbi.ErrUnavailable) {
		t.Errorf("Confirm with the records closed = %v, want ErrUnavailable", err)
	}
	if got := metric(t, reg, "keel_ausf_authentications_total", "unavailable"); got != 2 {
		t.Errorf("keel_ausf_authentications_total{result=unavailable} = %v, want 2", got)
	}
}

func TestServingNetwork(t *testing.T) {
	ctx := context.Background()
	a, udm, _, reg := newAUSF(t, ausf.Options{ServingNetworks: []string{sn}})
	for _, name := range []string{"", "5G:mnc01.mcc001.3gppnetwork.org", "5G:mnc001.mcc001.example.org", "5G:mnc002.mcc001.3gppnetwork.org"} {
		if _, err := a.Authenticate(ctx, sbi.AuthRequest{SUPI: "imsi-001010000000001", ServingNetworkName: name}); !errors.Is(err, sbi.ErrServingNetworkNotAuthorized) {
			t.Errorf("Authenticate for serving network %q = %v, want ErrServingNetworkNotAuthorized", name, err)
		}
	}
	if udm.calls != 0 {
		t.Errorf("the UDM was asked %d times for vectors for unauthorised serving networks", udm.calls)
	}
	if got := metric(t, reg, "keel_ausf_authentications_total", "serving_network_not_authorized"); got != 4 {
		t.Errorf("keel_ausf_authentications_total{result=serving_network_not_authorized} = %v, want 4", got)
	}
	if _, err := ausf.New(ausf.Options{UDM: udm, ServingNetworks: []string{"internet"}}); err == nil {
		t.Error("New with a malformed serving network name succeeded")
	}
}

func TestUDMErrors(t *testing.T) {
	ctx := context.Background()
	a, udm, _, reg := newAUSF(t, ausf.Options{})
	udm.err = fmt.Errorf("udm: %w", sbi.ErrUserNotFound)
	if _, err := a.Authenticate(ctx, sbi.AuthRequest{SUPI: "imsi-001010000000001", ServingNetworkName: sn}); !errors.Is(err, sbi.ErrUserNotFound) {
		t.Errorf("Authenticate = %v, want the UDM's ErrUserNotFound", err)
	}
	if got := metric(t, reg, "keel_ausf_authentications_total", "user_not_found"); got != 1 {
		t.Errorf("keel_ausf_authentications_total{result=user_not_found} = %v, want 1", got)
	}
}

// TestConcurrent runs authentications from many goroutines; run with -race.
func TestConcurrent(t *testing.T) {
	ctx := context.Background()
	a, _, _, reg := newAUSF(t, ausf.Options{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	xres := map[[16]byte][16]byte{} // RAND → XRES*
	for i := range 200 {
		mu.Lock()
		v := vector("", i+1)
		xres[v.RAND] = v.XRESStar
		mu.Unlock()
	}
	for range 8 {
		wg.Go(func() {
			for range 25 {
				ch, err := a.Authenticate(ctx, sbi.AuthRequest{SUPI: "imsi-001010000000001", ServingNetworkName: sn})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				x := xres[ch.RAND]
				mu.Unlock()
				if _, err := a.Confirm(ctx, ch.AuthCtxID, x); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if got := metric(t, reg, "keel_ausf_authentications_total", "success"); got != 200 {
		t.Errorf("keel_ausf_authentications_total{result=success} = %v, want 200", got)
	}
}

func TestNoUDM(t *testing.T) {
	if _, err := ausf.New(ausf.Options{}); err == nil {
		t.Error("New without a UDM succeeded")
	}
}

// metric reads a counter or gauge; result "" matches a series without a
// result label.
func metric(t *testing.T, reg *prometheus.Registry, name, result string) float64 {
	t.Helper()
	return metrictest.Value(t, reg, name, "result", result)
}
