package selection_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbi/selection"
)

// fakeSMF records the requests it serves and fails with err when set.
type fakeSMF struct {
	name string
	err  error
	mu   sync.Mutex
	refs []string
}

func (f *fakeSMF) CreateSMContext(_ context.Context, req sbi.SmContextCreateData) (sbi.SmContextCreatedData, error) {
	if f.err != nil {
		return sbi.SmContextCreatedData{}, f.err
	}
	return sbi.SmContextCreatedData{SmContextRef: fmt.Sprintf("%s-%d", f.name, req.PduSessionID)}, nil
}

func (f *fakeSMF) UpdateSMContext(_ context.Context, ref string, _ sbi.SmContextUpdateData) (sbi.SmContextUpdatedData, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refs = append(f.refs, ref)
	return sbi.SmContextUpdatedData{}, nil
}

func (f *fakeSMF) ReleaseSMContext(_ context.Context, ref string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refs = append(f.refs, "release "+ref)
	return nil
}

func TestSMFSelectionAndReselection(t *testing.T) {
	ctx := context.Background()
	internet, ims := ident.SNSSAI{SST: 1}, ident.SNSSAI{SST: 1, SD: 1, HasSD: true}
	a, b, c := &fakeSMF{name: "a"}, &fakeSMF{name: "b"}, &fakeSMF{name: "c"}
	d := sbi.NewStatic()
	d.AddSMF(sbi.Profile{InstanceID: "smf-a", SNSSAIs: []ident.SNSSAI{internet}, DNNs: []string{"internet"}}, a)
	d.AddSMF(sbi.Profile{InstanceID: "smf-b", SNSSAIs: []ident.SNSSAI{internet}, DNNs: []string{"internet"}, Priority: 1}, b)
	d.AddSMF(sbi.Profile{InstanceID: "smf-c", SNSSAIs: []ident.SNSSAI{ims}, DNNs: []string{"ims"}}, c)
	s := selection.SMF(d, "")

	res, err := s.CreateSMContext(ctx, sbi.SmContextCreateData{PduSessionID: 5, Dnn: "ims", SNssai: ims})
	if err != nil || res.SmContextRef != "smf-c:c-5" {
		t.Fatalf("CreateSMContext(ims) = %q, %v; want ref smf-c:c-5", res.SmContextRef, err)
	}
	if _, err := s.UpdateSMContext(ctx, res.SmContextRef, sbi.SmContextUpdateData{}); err != nil {
		t.Fatal(err)
	}
	if err := s.ReleaseSMContext(ctx, res.SmContextRef); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(c.refs) != "[c-5 release c-5]" {
		t.Errorf("SMF c saw %v, want [c-5 release c-5]", c.refs)
	}

	// The preferred SMF is unavailable: the next one serves.
	a.err = fmt.Errorf("smf: store: %w", sbi.ErrUnavailable)
	res, err = s.CreateSMContext(ctx, sbi.SmContextCreateData{PduSessionID: 1, Dnn: "internet", SNssai: internet})
	if err != nil || res.SmContextRef != "smf-b:b-1" {
		t.Fatalf("CreateSMContext with smf-a unavailable = %q, %v; want smf-b:b-1", res.SmContextRef, err)
	}
	// A refusal with protocol meaning is the answer: no reselection.
	a.err = sbi.ErrInvalidRequest
	if _, err = s.CreateSMContext(ctx, sbi.SmContextCreateData{PduSessionID: 2, Dnn: "internet", SNssai: internet}); !errors.Is(err, sbi.ErrInvalidRequest) {
		t.Fatalf("CreateSMContext refused by smf-a: err = %v, want ErrInvalidRequest", err)
	}
	// Both unavailable: the last failure is answered.
	a.err, b.err = sbi.ErrUnavailable, errors.New("connection refused")
	if _, err = s.CreateSMContext(ctx, sbi.SmContextCreateData{PduSessionID: 3, Dnn: "internet", SNssai: internet}); err == nil || err.Error() != "connection refused" {
		t.Fatalf("CreateSMContext with both down: err = %v, want connection refused", err)
	}
	// A reference of an instance the directory no longer knows: its SM
	// contexts are gone with it.
	if _, err := s.UpdateSMContext(ctx, "smf-gone:x-1", sbi.SmContextUpdateData{}); !errors.Is(err, sbi.ErrNoInstance) ||
		!errors.Is(err, sbi.ErrSMContextNotFound) || sbi.ProblemOf(err) != sbi.ProblemOf(sbi.ErrSMContextNotFound) {
		t.Errorf("UpdateSMContext of a gone instance: err = %v, want ErrSMContextNotFound and ErrNoInstance", err)
	}
	if err := s.ReleaseSMContext(ctx, "smf-gone:x-1"); !errors.Is(err, sbi.ErrSMContextNotFound) {
		t.Errorf("ReleaseSMContext of a gone instance: err = %v, want ErrSMContextNotFound", err)
	}
	// The directory could not be asked (the NRF down): the SM context
	// may still be there.
	down := selection.SMF(sbi.Chain(d, nrfDown{d}), "")
	if _, err := down.UpdateSMContext(ctx, "smf-gone:x-1", sbi.SmContextUpdateData{}); errors.Is(err, sbi.ErrSMContextNotFound) || !errors.Is(err, sbi.ErrNoInstance) {
		t.Errorf("UpdateSMContext with the NRF down: err = %v, want ErrNoInstance, not ErrSMContextNotFound", err)
	}
	if _, err := s.UpdateSMContext(ctx, "no-instance", sbi.SmContextUpdateData{}); !errors.Is(err, sbi.ErrSMContextNotFound) {
		t.Errorf("UpdateSMContext of a malformed reference: err = %v, want ErrSMContextNotFound", err)
	}
	// No SMF serves the slice.
	other := ident.SNSSAI{SST: 3}
	if _, err := s.CreateSMContext(ctx, sbi.SmContextCreateData{Dnn: "internet", SNssai: other}); !errors.Is(err, sbi.ErrNoInstance) {
		t.Errorf("CreateSMContext for a slice no SMF serves: err = %v, want ErrNoInstance", err)
	}
}

// nrfDown is a directory that cannot be asked.
type nrfDown struct{ sbi.Directory }

func (nrfDown) SMFs(context.Context, sbi.Query) ([]sbi.Peer[sbi.NsmfPDUSession], error) {
	return nil, fmt.Errorf("nrf: connection refused: %w", sbi.ErrNoInstance)
}

type fakePCF struct{ name string }

func (f fakePCF) Create(_ context.Context, req sbi.SmPolicyContextData) (sbi.SmPolicyDecision, error) {
	return sbi.SmPolicyDecision{ID: f.name + "-1"}, nil
}
func (f fakePCF) Delete(_ context.Context, id string) error {
	if id != f.name+"-1" {
		return sbi.ErrPolicyNotFound
	}
	return nil
}
func (f fakePCF) Update(_ context.Context, id string, _ sbi.SmPolicyUpdateContextData) (sbi.SmPolicyDecision, error) {
	return sbi.SmPolicyDecision{ID: id}, nil
}

type policyInbox struct{ ids []string }

func (p *policyInbox) SMPolicyUpdated(_ context.Context, pol sbi.SmPolicyDecision) error {
	p.ids = append(p.ids, pol.ID)
	return nil
}

func TestPCFIDsAndNotifications(t *testing.T) {
	ctx := context.Background()
	d := sbi.NewStatic()
	d.AddPCF(sbi.Profile{InstanceID: "pcf-1", DNNs: []string{"internet"}}, fakePCF{"p"})
	s := selection.PCF(d, "")
	pol, err := s.Create(ctx, sbi.SmPolicyContextData{Dnn: "internet"})
	if err != nil || pol.ID != "pcf-1:p-1" {
		t.Fatalf("Create = %q, %v; want pcf-1:p-1", pol.ID, err)
	}
	if pol, err = s.Update(ctx, pol.ID, sbi.SmPolicyUpdateContextData{}); err != nil || pol.ID != "pcf-1:p-1" {
		t.Fatalf("Update = %q, %v; want pcf-1:p-1", pol.ID, err)
	}
	if err := s.Delete(ctx, pol.ID); err != nil {
		t.Fatalf("Delete(%q): %v", pol.ID, err)
	}
	// The PCF notifies under its own ID; the SMF knows the selected one.
	in := &policyInbox{}
	selection.PolicyNotifier("pcf-1", in).SMPolicyUpdated(ctx, sbi.SmPolicyDecision{ID: "p-1"})
	if fmt.Sprint(in.ids) != "[pcf-1:p-1]" {
		t.Errorf("notified IDs %v, want [pcf-1:p-1]", in.ids)
	}
}

type fakeAUSF struct {
	name    string
	confirm []string
}

func (f *fakeAUSF) Authenticate(_ context.Context, req sbi.AuthRequest) (sbi.AuthChallenge, error) {
	return sbi.AuthChallenge{AuthCtxID: f.name}, nil
}
func (f *fakeAUSF) Confirm(_ context.Context, id string, _ [16]byte) (sbi.AuthConfirmation, error) {
	f.confirm = append(f.confirm, id)
	return sbi.AuthConfirmation{SUPI: "imsi-001010000000001"}, nil
}
func (f *fakeAUSF) DeleteConfirmation(context.Context, string, uint8) error { return nil }

func TestAUSFByRoutingIndicatorAndSUPI(t *testing.T) {
	ctx := context.Background()
	low, high := &fakeAUSF{name: "low"}, &fakeAUSF{name: "high"}
	d := sbi.NewStatic()
	d.AddAUSF(sbi.Profile{InstanceID: "ausf-low", SUPIRanges: []sbi.SUPIRange{{Start: "001010000000000", End: "001010000004999"}}, RoutingIndicators: []string{"1"}}, low)
	d.AddAUSF(sbi.Profile{InstanceID: "ausf-high", SUPIRanges: []sbi.SUPIRange{{Start: "001010000005000", End: "001010000009999"}}, RoutingIndicators: []string{"2"}}, high)
	s := selection.AUSF(d, "")
	ch, err := s.Authenticate(ctx, sbi.AuthRequest{SUCI: &ident.SUCI{RoutingIndicator: "2"}})
	if err != nil || ch.AuthCtxID != "ausf-high:high" {
		t.Fatalf("Authenticate(SUCI, routing indicator 2) = %q, %v; want ausf-high:high", ch.AuthCtxID, err)
	}
	if _, err := s.Confirm(ctx, ch.AuthCtxID, [16]byte{}); err != nil || fmt.Sprint(high.confirm) != "[high]" {
		t.Fatalf("Confirm went to %v (err %v), want high", high.confirm, err)
	}
	ch, err = s.Authenticate(ctx, sbi.AuthRequest{SUPI: "imsi-001010000000042"})
	if err != nil || ch.AuthCtxID != "ausf-low:low" {
		t.Fatalf("Authenticate(SUPI in the low range) = %q, %v; want ausf-low:low", ch.AuthCtxID, err)
	}
	if _, err := s.Confirm(ctx, "nothing", [16]byte{}); !errors.Is(err, sbi.ErrAuthContextNotFound) {
		t.Errorf("Confirm of a malformed context ID: %v, want ErrAuthContextNotFound", err)
	}
}
