package selection_test

import (
	"context"
	"errors"
	"testing"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nssf"
	"github.com/keelcore/keel/internal/nssf/nssftest"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbi/sbitest"
	"github.com/keelcore/keel/internal/sbi/selection"
)

// faultyNSSF is an NSSF whose two services meet f's faults.
type faultyNSSF struct {
	sbi.NnssfNSSelection
	sbi.NnssfNSSAIAvailability
}

func newNSSF(t *testing.T, f *sbitest.Faults) (*nssf.NSSF, sbi.NSSF) {
	t.Helper()
	n, err := nssf.New(nssf.Config{TAs: []nssf.TASlices{{TAI: nssftest.TA1, Slices: []ident.SNSSAI{{SST: 1}, {SST: 2}}}}}, nssf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return n, faultyNSSF{sbitest.NSSelection(n, f), sbitest.NSSAIAvailability(n, f)}
}

// TS 23.501 §6.3.14, TS 29.500 §6.10.3: a selection goes to the next NSSF
// when the first is unavailable; the AMF's availability reaches every
// NSSF that answers, and fails only when none does.
func TestNSSF(t *testing.T) {
	ctx := context.Background()
	f1, f2 := &sbitest.Faults{}, &sbitest.Faults{}
	n1, s1 := newNSSF(t, f1)
	n2, s2 := newNSSF(t, f2)
	d := sbi.NewStatic()
	d.AddNSSF(sbi.Profile{InstanceID: "nssf-1", Priority: 1}, s1)
	d.AddNSSF(sbi.Profile{InstanceID: "nssf-2", Priority: 2}, s2)
	s := selection.NSSF(d, "")

	f1.Set("NetworkSliceInformation", sbitest.Fault{Err: sbi.ErrUnavailable})
	q := sbi.NSSelectionQuery{NFType: "AMF", NFID: nssftest.AMF1, TAI: &nssftest.TA1,
		SliceInfoForRegistration: &sbi.SliceInfoForRegistration{RequestedNSSAI: []ident.SNSSAI{{SST: 2}},
			SubscribedNSSAI: []sbi.SubscribedSNSSAI{{SubscribedSNSSAI: ident.SNSSAI{SST: 2}, DefaultIndication: true}}}}
	info, err := s.NetworkSliceInformation(ctx, q)
	if err != nil || len(info.Allowed()) != 1 || f2.Calls("NetworkSliceInformation") != 1 {
		t.Errorf("NetworkSliceInformation with the first NSSF unavailable = %+v, %v; the second called %d times", info, err, f2.Calls("NetworkSliceInformation"))
	}

	update := sbi.NSSAIAvailabilityInfo{SupportedNSSAIAvailabilityData: []sbi.SupportedNSSAIAvailabilityData{{TAI: nssftest.TA1, SupportedSNSSAIList: []ident.SNSSAI{{SST: 1}}}}}
	f1.Set("UpdateNSSAIAvailability", sbitest.Fault{Err: sbi.ErrUnavailable})
	got, err := s.UpdateNSSAIAvailability(ctx, nssftest.AMF1, update)
	if err != nil || len(got.AuthorizedNSSAIAvailabilityData) != 1 {
		t.Fatalf("UpdateNSSAIAvailability with one NSSF down = %+v, %v", got, err)
	}
	// Only the second took it.
	if err := n1.DeleteNSSAIAvailability(ctx, nssftest.AMF1); !errors.Is(err, sbi.ErrNSSAIAvailabilityNotFound) {
		t.Errorf("the unavailable NSSF holds the report: %v", err)
	}
	f1.Clear()
	if _, err := s.UpdateNSSAIAvailability(ctx, nssftest.AMF1, update); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteNSSAIAvailability(ctx, nssftest.AMF1); err != nil {
		t.Fatal(err)
	}
	for i, n := range []*nssf.NSSF{n1, n2} {
		if err := n.DeleteNSSAIAvailability(ctx, nssftest.AMF1); !errors.Is(err, sbi.ErrNSSAIAvailabilityNotFound) {
			t.Errorf("NSSF %d still holds the report after the delete: %v", i+1, err)
		}
	}
	f1.Set("", sbitest.Fault{Err: sbi.ErrUnavailable})
	f2.Set("", sbitest.Fault{Err: sbi.ErrUnavailable})
	if _, err := s.UpdateNSSAIAvailability(ctx, nssftest.AMF1, update); !errors.Is(err, sbi.ErrUnavailable) {
		t.Errorf("UpdateNSSAIAvailability with every NSSF down: %v, want %v", err, sbi.ErrUnavailable)
	}
	if _, err := selection.NSSF(sbi.NewStatic(), "").NetworkSliceInformation(ctx, q); !errors.Is(err, sbi.ErrNoInstance) {
		t.Errorf("NetworkSliceInformation without an NSSF: %v, want %v", err, sbi.ErrNoInstance)
	}
}
