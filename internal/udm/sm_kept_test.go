package udm_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/metrictest"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/udm"
)

// provisionedUDR is fakeUDR reading several data sets in one request
// (sbi.NudrProvisionedData), counting the requests of each kind; with
// refuse set it answers QueryProvisionedData with that error.
type provisionedUDR struct {
	*fakeUDR
	provisioned, sm atomic.Int64
	refuse          error
}

func (p *provisionedUDR) AccessAndMobilityWithSessionManagement(ctx context.Context, supi string) (sbi.AMData, []sbi.SMData, error) {
	p.provisioned.Add(1)
	if p.refuse != nil {
		return sbi.AMData{}, nil, p.refuse
	}
	am, err := p.fakeUDR.AccessAndMobilitySubscription(ctx, supi)
	if err != nil {
		return sbi.AMData{}, nil, err
	}
	sm, err := p.fakeUDR.SessionManagementSubscription(ctx, supi)
	return am, sm, err
}

func (p *provisionedUDR) SessionManagementSubscription(ctx context.Context, supi string) ([]sbi.SMData, error) {
	p.sm.Add(1)
	return p.fakeUDR.SessionManagementSubscription(ctx, supi)
}

// TS 29.505 §5.2.26, TS 23.502 §4.3.2.2.1 step 4: with
// KeepSessionManagement a registration's am-data Get reads the session
// management data in the same UDR request, and the sm-data Get that
// follows is answered from it once; past its lifetime, after a data
// change the UDR notified, or a second time, the sm-data Get reads the
// UDR.
func TestSessionManagementKept(t *testing.T) {
	const supi = "imsi-001010000000001"
	r := &provisionedUDR{fakeUDR: &fakeUDR{subs: map[string]store.AuthData{supi: {}}}}
	var now atomic.Int64
	now.Store(time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	reg := prometheus.NewRegistry()
	u, err := udm.New(udm.Options{UDR: r, Registry: reg, KeepSessionManagement: true, SMKeptFor: 5 * time.Second, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	want, _ := r.fakeUDR.SessionManagementSubscription(ctx, supi)
	sm := func(wantUDR int64, what string) {
		t.Helper()
		got, err := u.SessionManagement(ctx, supi)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) || got[0].DNN != want[0].DNN || got[0].SessionAMBRDownlink != want[0].SessionAMBRDownlink {
			t.Errorf("%s: SessionManagement = %+v, want %+v", what, got, want)
		}
		if n := r.sm.Load(); n != wantUDR {
			t.Errorf("%s: %d sm-data reads at the UDR, want %d", what, n, wantUDR)
		}
	}
	am := func() {
		t.Helper()
		if _, err := u.AccessAndMobility(ctx, supi); err != nil {
			t.Fatal(err)
		}
	}
	am()
	if r.provisioned.Load() != 1 {
		t.Fatalf("%d QueryProvisionedData, want 1", r.provisioned.Load())
	}
	sm(0, "after the am-data Get")
	sm(1, "a second time")
	am()
	now.Add(int64(5 * time.Second))
	sm(2, "past the lifetime")
	am()
	u.SubscriptionDataChanged(ctx, supi)
	sm(3, "after a data change")
	if got := metrictest.Value(t, reg, "keel_udm_sm_data_reads_total", "source", "kept"); got != 1 {
		t.Errorf("keel_udm_sm_data_reads_total{source=kept} = %v, want 1", got)
	}
	if _, err := u.AccessAndMobility(ctx, "imsi-001019999999999"); err == nil {
		t.Error("AccessAndMobility of an unknown SUPI succeeded")
	}
}

// Without KeepSessionManagement, or with a UDR that cannot read several
// data sets at once, every Get reads its own data set.
func TestSessionManagementNotKept(t *testing.T) {
	const supi = "imsi-001010000000001"
	r := &provisionedUDR{fakeUDR: &fakeUDR{subs: map[string]store.AuthData{supi: {}}}}
	plain, err := udm.New(udm.Options{UDR: r})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := plain.AccessAndMobility(ctx, supi); err != nil {
		t.Fatal(err)
	}
	if _, err := plain.SessionManagement(ctx, supi); err != nil {
		t.Fatal(err)
	}
	if r.provisioned.Load() != 0 || r.sm.Load() != 1 {
		t.Errorf("%d QueryProvisionedData and %d sm-data reads, want 0 and 1", r.provisioned.Load(), r.sm.Load())
	}
	u, err := udm.New(udm.Options{UDR: &fakeUDR{subs: map[string]store.AuthData{supi: {}}}, KeepSessionManagement: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.AccessAndMobility(context.Background(), supi); err != nil {
		t.Errorf("AccessAndMobility over a UDR without QueryProvisionedData: %v", err)
	}
}

// A UDR that does not serve QueryProvisionedData (404
// RESOURCE_URI_STRUCTURE_NOT_FOUND) is asked once; the UDM then reads
// the data sets one by one. A refusal for the UE (USER_NOT_FOUND) is the
// Get's answer, and the next Get asks QueryProvisionedData again.
func TestSessionManagementUDRWithoutProvisionedData(t *testing.T) {
	const supi = "imsi-001010000000001"
	r := &provisionedUDR{fakeUDR: &fakeUDR{subs: map[string]store.AuthData{supi: {}}}, refuse: sbi.ErrUserNotFound}
	u, err := udm.New(udm.Options{UDR: r, KeepSessionManagement: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := u.AccessAndMobility(ctx, supi); !errors.Is(err, sbi.ErrUserNotFound) {
		t.Errorf("AccessAndMobility with the UDR answering USER_NOT_FOUND = %v, want it", err)
	}
	r.refuse = sbi.ErrResourceNotFound
	for range 2 {
		if _, err := u.AccessAndMobility(ctx, supi); err != nil {
			t.Fatalf("AccessAndMobility over a UDR without provisioned-data: %v", err)
		}
		if _, err := u.SessionManagement(ctx, supi); err != nil {
			t.Fatal(err)
		}
	}
	if r.provisioned.Load() != 2 || r.sm.Load() != 2 {
		t.Errorf("%d QueryProvisionedData and %d sm-data reads, want 2 (the refusal for the UE, then the one not served) and 2", r.provisioned.Load(), r.sm.Load())
	}
}
