package ausf_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/keelcore/keel/internal/ausf"
	"github.com/keelcore/keel/internal/metrictest"
	"github.com/keelcore/keel/internal/sbi"
)

// TestMaxContexts floods an AUSF with authentications never confirmed:
// past Options.MaxContexts it answers 503 NF_CONGESTION without asking
// the UDM for a vector; a confirmation or an expiry frees a slot.
func TestMaxContexts(t *testing.T) {
	ctx := context.Background()
	a, udm, clk, reg := newAUSF(t, ausf.Options{MaxContexts: 3})
	req := sbi.AuthRequest{SUPI: "imsi-001010000000001", ServingNetworkName: sn}
	var ids []string
	for range 3 {
		ch, err := a.Authenticate(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ch.AuthCtxID)
	}
	_, err := a.Authenticate(ctx, req)
	if !errors.Is(err, sbi.ErrUnavailable) {
		t.Fatalf("Authenticate beyond MaxContexts = %v, want %v", err, sbi.ErrUnavailable)
	}
	if p := sbi.ProblemOf(err); p == nil || p.Status != http.StatusServiceUnavailable || p.Cause != "NF_CONGESTION" {
		t.Errorf("Authenticate beyond MaxContexts: problem %+v, want 503 NF_CONGESTION", p)
	}
	if udm.calls != 3 {
		t.Errorf("UDM asked for %d vectors, want 3 (none for the refused request)", udm.calls)
	}
	if got := metrictest.Value(t, reg, "keel_ausf_authentications_total", "result", "overloaded"); got != 1 {
		t.Errorf("keel_ausf_authentications_total{result=overloaded} = %v, want 1", got)
	}
	if got := metrictest.Value(t, reg, "keel_ausf_auth_contexts"); got != 3 {
		t.Errorf("keel_ausf_auth_contexts = %v, want 3", got)
	}

	// A confirmation frees its slot.
	if _, err := a.Confirm(ctx, ids[0], vector("", 1).XRESStar); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(ctx, req); err != nil {
		t.Errorf("Authenticate after a confirmation: %v", err)
	}
	if _, err := a.Authenticate(ctx, req); !errors.Is(err, sbi.ErrUnavailable) {
		t.Errorf("Authenticate beyond MaxContexts again = %v, want %v", err, sbi.ErrUnavailable)
	}
	// Expired contexts free theirs.
	clk.advance(ausf.DefaultContextTTL)
	for i := range 3 {
		if _, err := a.Authenticate(ctx, req); err != nil {
			t.Errorf("Authenticate %d after the contexts expired: %v", i, err)
		}
	}
	if got := metrictest.Value(t, reg, "keel_ausf_auth_contexts"); got != 3 {
		t.Errorf("keel_ausf_auth_contexts = %v, want 3", got)
	}
}

// TestMaxContextsUDMFails: a request the UDM refuses keeps no slot.
func TestMaxContextsUDMFails(t *testing.T) {
	ctx := context.Background()
	a, udm, _, _ := newAUSF(t, ausf.Options{MaxContexts: 1})
	req := sbi.AuthRequest{SUPI: "imsi-001010000000001", ServingNetworkName: sn}
	udm.err = sbi.ErrUserNotFound
	for range 3 {
		if _, err := a.Authenticate(ctx, req); !errors.Is(err, sbi.ErrUserNotFound) {
			t.Fatalf("Authenticate = %v, want %v", err, sbi.ErrUserNotFound)
		}
	}
	udm.err = nil
	if _, err := a.Authenticate(ctx, req); err != nil {
		t.Errorf("Authenticate after refusals: %v", err)
	}
}
