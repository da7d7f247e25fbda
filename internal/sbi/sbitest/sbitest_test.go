package sbitest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbi/sbitest"
)

// sdm answers every call at once.
type sdm struct{}

func (sdm) AccessAndMobility(context.Context, string) (sbi.AMData, error) {
	return sbi.AMData{DNNs: []string{"internet"}}, nil
}

func (sdm) SessionManagement(context.Context, string) ([]sbi.SMData, error) { return nil, nil }

func TestFaults(t *testing.T) {
	f := &sbitest.Faults{}
	s := sbitest.SDM(sdm{}, f)
	ctx := context.Background()
	if am, err := s.AccessAndMobility(ctx, "imsi-001010000000001"); err != nil || len(am.DNNs) != 1 {
		t.Fatalf("AccessAndMobility without faults = %+v, %v", am, err)
	}

	f.Set("AccessAndMobility", sbitest.Fault{Err: sbi.ErrUnavailable, Times: 2})
	for i := range 3 {
		_, err := s.AccessAndMobility(ctx, "imsi-001010000000001")
		if want := i < 2; errors.Is(err, sbi.ErrUnavailable) != want || !want && err != nil {
			t.Errorf("call %d = %v, want the injected error only on the first two", i, err)
		}
	}
	if _, err := s.SessionManagement(ctx, "imsi-001010000000001"); err != nil {
		t.Errorf("SessionManagement = %v: a fault of another operation leaked", err)
	}

	f.Set("", sbitest.Fault{Latency: 50 * time.Millisecond})
	start := time.Now()
	if _, err := s.SessionManagement(ctx, "imsi-001010000000001"); err != nil || time.Since(start) < 50*time.Millisecond {
		t.Errorf("SessionManagement with 50 ms latency = %v after %v", err, time.Since(start))
	}

	f.Set("", sbitest.Fault{Hang: true})
	dctx, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel()
	if _, err := s.SessionManagement(dctx, "imsi-001010000000001"); !errors.Is(err, context.DeadlineExceeded) || !sbi.Temporary(err) {
		t.Errorf("a hung call at its deadline = %v, want context.DeadlineExceeded (temporary)", err)
	}
	f.Set("", sbitest.Fault{Latency: time.Hour})
	dctx2, cancel2 := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel2()
	if _, err := s.SessionManagement(dctx2, "imsi-001010000000001"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a slow call at its deadline = %v, want context.DeadlineExceeded", err)
	}
	if got := f.Calls("AccessAndMobility"); got != 4 {
		t.Errorf("Calls(AccessAndMobility) = %d, want 4", got)
	}
	if got := f.Calls(""); got != 8 {
		t.Errorf("Calls() = %d, want 8", got)
	}
	f.Clear()
	if _, err := s.SessionManagement(ctx, "imsi-001010000000001"); err != nil {
		t.Errorf("after Clear = %v", err)
	}
}
