package ausf_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/keelcore/keel/internal/ausf"
	"github.com/keelcore/keel/internal/logtest"
	"github.com/keelcore/keel/internal/sbi"
)

// The UE refused the challenge: the AUSF tells the UDM the authentication
// failed, writes one line naming the SUPI and the UE's cause, and the
// context can be neither confirmed nor deleted again.
func TestDeleteConfirmation(t *testing.T) {
	ctx := context.Background()
	var buf logtest.Buffer
	a, udm, _, reg := newAUSF(t, ausf.Options{Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
	const supi = "imsi-001010000000001"
	ch, err := a.Authenticate(ctx, sbi.AuthRequest{SUPI: supi, ServingNetworkName: sn})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteConfirmation(ctx, ch.AuthCtxID, 20); err != nil {
		t.Fatalf("DeleteConfirmation: %v", err)
	}
	if _, err := a.Confirm(ctx, ch.AuthCtxID, vector(supi, 1).XRESStar); !errors.Is(err, sbi.ErrAuthContextNotFound) {
		t.Errorf("Confirm after DeleteConfirmation = %v, want ErrAuthContextNotFound", err)
	}
	if err := a.DeleteConfirmation(ctx, ch.AuthCtxID, 20); !errors.Is(err, sbi.ErrAuthContextNotFound) {
		t.Errorf("second DeleteConfirmation = %v, want ErrAuthContextNotFound", err)
	}
	if err := a.DeleteConfirmation(ctx, "no-such-context", 20); !errors.Is(err, sbi.ErrAuthContextNotFound) || strings.Contains(err.Error(), supi) {
		t.Errorf("DeleteConfirmation of an unknown context = %v, want ErrAuthContextNotFound", err)
	}
	if fmt.Sprint(udm.results) != "[false]" {
		t.Errorf("results reported to the UDM = %v, want [false]", udm.results)
	}
	var n int
	for _, rec := range buf.Records(t) {
		if rec["msg"] != "authentication failed: the UE refused the challenge" {
			continue
		}
		n++
		if rec["supi"] != supi || rec["cause"] != float64(20) || rec["cause_name"] != "MAC failure" || rec["serving_network"] != sn {
			t.Errorf("log line %v: want supi %s, cause 20 (MAC failure), serving network %s", rec, supi, sn)
		}
	}
	if n != 1 {
		t.Errorf("%d lines about the refused challenge, want 1", n)
	}
	for result, want := range map[string]float64{"ue_failure": 1, "context_not_found": 3} {
		if got := metric(t, reg, "keel_ausf_authentications_total", result); got != want {
			t.Errorf("keel_ausf_authentications_total{result=%q} = %v, want %v", result, got, want)
		}
	}
	if got := metric(t, reg, "keel_ausf_auth_contexts", ""); got != 0 {
		t.Errorf("keel_ausf_auth_contexts = %v, want 0", got)
	}
}

// The lines pass the AUSF's lograte limiter, keyed by cause: a batch of
// SIMs with a wrong K writes a burst and a count, not a line each; another
// cause has its own burst.
func TestDeleteConfirmationLogBounded(t *testing.T) {
	ctx := context.Background()
	var buf logtest.Buffer
	a, _, _, _ := newAUSF(t, ausf.Options{Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
	refuse := func(i int, cause uint8) {
		ch, err := a.Authenticate(ctx, sbi.AuthRequest{SUPI: fmt.Sprintf("imsi-00101%010d", i), ServingNetworkName: sn})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.DeleteConfirmation(ctx, ch.AuthCtxID, cause); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 100 {
		refuse(i, 20)
	}
	refuse(100, 26)
	byCause := map[float64]int{}
	for _, rec := range buf.Records(t) {
		if rec["msg"] == "authentication failed: the UE refused the challenge" {
			byCause[rec["cause"].(float64)]++
		}
	}
	if byCause[20] == 0 || byCause[20] >= 100 || byCause[26] != 1 {
		t.Errorf("lines by cause = %v, want a burst (not 100) for #20 and one for #26", byCause)
	}
}
