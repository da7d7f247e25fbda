package pcf_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/metrictest"
	"github.com/keelcore/keel/internal/pcf"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/store/memrecords"
)

// TestOrphanSweep: the associations of an SMF the NRF no longer lists
// are released at the second sweep that finds it gone, not the first
// (an SMF re-registering after missed heartbeats keeps them); those of
// a listed SMF, and those that name no SMF, stay; a sweep that cannot
// learn the SMFs registered releases nothing.
func TestOrphanSweep(t *testing.T) {
	ctx := t.Context()
	recs := memrecords.New()
	reg := prometheus.NewRegistry()
	sdm := &changingSDM{sm: []sbi.SMData{{DNN: "internet", SNSSAI: ident.SNSSAI{SST: 1}, SessionAMBRUplink: 10e6, SessionAMBRDownlink: 20e6}}}
	p, err := pcf.New(pcf.Options{SDM: sdm, Records: recs, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	create := func(psi uint8, smf string) string {
		t.Helper()
		pol, err := p.Create(ctx, sbi.SmPolicyContextData{Supi: supi, PduSessionID: psi, Dnn: "internet", SliceInfo: ident.SNSSAI{SST: 1},
			NotificationURI: "https://smf.example/cb/sm-policy", SmfID: smf})
		if err != nil {
			t.Fatal(err)
		}
		return pol.ID
	}
	live, gone, flapping, unnamed := create(1, "smf-live"), create(2, "smf-gone"), create(3, "smf-flapping"), create(4, "")

	var listed map[string]bool
	var nrfErr error
	s := p.NewOrphanSweep(func(context.Context) (map[string]bool, error) { return listed, nrfErr })
	sweep := func(want int) {
		t.Helper()
		n, err := s.Run(ctx)
		if err != nil || n != want {
			t.Fatalf("Run = %d, %v, want %d released", n, err, want)
		}
	}
	listed = map[string]bool{"smf-live": true}
	sweep(0) // smf-gone and smf-flapping absent once
	nrfErr = errors.New("NRF unreachable")
	if n, err := s.Run(ctx); err == nil || n != 0 {
		t.Fatalf("Run without the NRF = %d, %v, want an error and nothing released", n, err)
	}
	nrfErr = nil
	listed = map[string]bool{"smf-live": true, "smf-flapping": true}
	sweep(1) // smf-gone absent twice; smf-flapping back
	listed = map[string]bool{"smf-live": true}
	sweep(0) // smf-flapping absent once again
	listed = map[string]bool{"smf-live": true, "smf-flapping": true}
	sweep(0)

	exists := func(id string) bool {
		_, err := p.Update(ctx, id, sbi.SmPolicyUpdateContextData{})
		return !errors.Is(err, sbi.ErrPolicyNotFound)
	}
	for id, want := range map[string]bool{live: true, gone: false, flapping: true, unnamed: true} {
		if got := exists(id); got != want {
			t.Errorf("association %s kept = %v, want %v", id, got, want)
		}
	}
	if got := metrictest.Value(t, reg, "keel_pcf_sm_policy_orphans_released_total"); got != 1 {
		t.Errorf("keel_pcf_sm_policy_orphans_released_total = %v, want 1", got)
	}
}

// TestOrphanSweepPages: a sweep goes through more associations than one
// page of the store holds.
func TestOrphanSweepPages(t *testing.T) {
	ctx := t.Context()
	recs := memrecords.New()
	sdm := &changingSDM{sm: []sbi.SMData{{DNN: "internet", SNSSAI: ident.SNSSAI{SST: 1}, SessionAMBRUplink: 10e6, SessionAMBRDownlink: 20e6}}}
	p, err := pcf.New(pcf.Options{SDM: sdm, Records: recs})
	if err != nil {
		t.Fatal(err)
	}
	const n = 1500
	for i := range n {
		if _, err := p.Create(ctx, sbi.SmPolicyContextData{Supi: fmt.Sprintf("imsi-00101%010d", i), PduSessionID: 1, Dnn: "internet",
			SliceInfo: ident.SNSSAI{SST: 1}, NotificationURI: "https://smf.example/cb/sm-policy", SmfID: "smf-gone"}); err != nil {
			t.Fatal(err)
		}
	}
	s := p.NewOrphanSweep(func(context.Context) (map[string]bool, error) { return map[string]bool{}, nil })
	for i, want := range []int{0, n} {
		if got, err := s.Run(ctx); err != nil || got != want {
			t.Fatalf("sweep %d = %d, %v, want %d released", i+1, got, err, want)
		}
	}
}
