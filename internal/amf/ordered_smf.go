package amf

import (
	"context"
	"fmt"
	"time"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/sbi"
)

// orderedSMF is the SMF as one UE's machine calls it directly, on the
// UE's executor: the UpdateSMContext ACTIVATING of a Service Request's
// or a registration update's reactivated sessions (TS 23.502 §4.2.3.2
// step 5, gmm/handle_service.go). Such a call first waits for the UE's
// Nsmf calls issued before it as events (calls.go: a gNB's answer, an
// AN release's DEACTIVATED), so that the SMF sees the UE's calls in the
// order issued: an ACTIVATING overtaking the DEACTIVATED of the release
// before it would leave the reactivated session deactivated at the SMF.
// The wait is bounded by the session deadline (gmm.Deadlines.Session).
//
// Concurrency: its methods run on the UE's executor only, which owns
// ueContext.smf.
type orderedSMF struct {
	sbi.NsmfPDUSession
	u *ueContext
	d time.Duration
}

// ueServices returns the services of u's machine.
func (a *AMF) ueServices(u *ueContext) gmm.Services {
	svc := a.services
	if svc.SMF != nil {
		d := a.gmmCfg.Deadlines.Session
		if d <= 0 {
			d = 3 * gmm.DefaultSBITimeout
		}
		svc.SMF = orderedSMF{NsmfPDUSession: svc.SMF, u: u, d: d}
	}
	return svc
}

// after waits until the UE's Nsmf calls issued before are done.
func (s orderedSMF) after(ctx context.Context) error {
	prev := s.u.smf
	if prev == nil {
		return nil
	}
	t := time.NewTimer(s.d)
	defer t.Stop()
	select {
	case <-prev:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("amf: waiting for the UE's earlier Nsmf_PDUSession calls: %w", ctx.Err())
	case <-t.C:
		return fmt.Errorf("amf: the UE's earlier Nsmf_PDUSession calls outlasted %v: %w", s.d, context.DeadlineExceeded)
	}
}

func (s orderedSMF) UpdateSMContext(ctx context.Context, ref string, upd sbi.SmContextUpdateData) (sbi.SmContextUpdatedData, error) {
	if err := s.after(ctx); err != nil {
		return sbi.SmContextUpdatedData{}, err
	}
	return s.NsmfPDUSession.UpdateSMContext(ctx, ref, upd)
}

func (s orderedSMF) ReleaseSMContext(ctx context.Context, ref string) error {
	if err := s.after(ctx); err != nil {
		return err
	}
	return s.NsmfPDUSession.ReleaseSMContext(ctx, ref)
}

func (s orderedSMF) CreateSMContext(ctx context.Context, req sbi.SmContextCreateData) (sbi.SmContextCreatedData, error) {
	if err := s.after(ctx); err != nil {
		return sbi.SmContextCreatedData{}, err
	}
	return s.NsmfPDUSession.CreateSMContext(ctx, req)
}
