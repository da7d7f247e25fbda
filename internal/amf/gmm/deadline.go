package gmm

import (
	"context"
	"time"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
)

// DefaultSBITimeout bounds one call of the AMF to another NF when the
// AMF's configuration does not say (Deadlines, Bounded). The machine's
// procedure waits for the answer that long at most (the UE's other
// events run meanwhile, calls.go); it is well under the UE's own guard
// on registration (T3510, 15 s, TS 24.501 §10.2), so the UE hears #22
// and a back-off before it gives up.
const DefaultSBITimeout = 5 * time.Second

// Bounded returns services whose every call has a deadline d after it
// starts (0: DefaultSBITimeout), for the calls the AMF makes on its own
// goroutines (a handover's or path switch's Nsmf calls, the release of a
// failed context); the SMF's calls get 3d, as the SMF may
// itself wait for the UPF (N4 retransmissions, TS 29.244 §6.4: 3 s four
// times by default). A call that runs out answers an error wrapping
// context.DeadlineExceeded, which sbi.Temporary reports: the machine
// answers the UE with a back-off instead of waiting for ever.
func Bounded(s Services, d time.Duration) Services {
	if d <= 0 {
		d = DefaultSBITimeout
	}
	out := Services{}
	if s.AUSF != nil {
		out.AUSF = boundedAUSF{s.AUSF, d}
	}
	if s.SDM != nil {
		out.SDM = boundedSDM{s.SDM, d}
	}
	if s.UECM != nil {
		out.UECM = boundedUECM{s.UECM, d}
	}
	if s.SMF != nil {
		out.SMF = boundedSMF{s.SMF, 3 * d}
	}
	if s.NSSF != nil {
		out.NSSF = boundedNSSF{s.NSSF, d}
	}
	return out
}

type boundedAUSF struct {
	s sbi.NausfUEAuthentication
	d time.Duration
}

func (b boundedAUSF) Authenticate(ctx context.Context, req sbi.AuthRequest) (sbi.AuthChallenge, error) {
	ctx, cancel := context.WithTimeout(ctx, b.d)
	defer cancel()
	return b.s.Authenticate(ctx, req)
}

func (b boundedAUSF) Confirm(ctx context.Context, id string, res [16]byte) (sbi.AuthConfirmation, error) {
	ctx, cancel := context.WithTimeout(ctx, b.d)
	defer cancel()
	return b.s.Confirm(ctx, id, res)
}

func (b boundedAUSF) DeleteConfirmation(ctx context.Context, id string, cause uint8) error {
	ctx, cancel := context.WithTimeout(ctx, b.d)
	defer cancel()
	return b.s.DeleteConfirmation(ctx, id, cause)
}

type boundedSDM struct {
	s sbi.NudmSDM
	d time.Duration
}

func (b boundedSDM) AccessAndMobility(ctx context.Context, supi string) (sbi.AMData, error) {
	ctx, cancel := context.WithTimeout(ctx, b.d)
	defer cancel()
	return b.s.AccessAndMobility(ctx, supi)
}

func (b boundedSDM) SessionManagement(ctx context.Context, supi string) ([]sbi.SMData, error) {
	ctx, cancel := context.WithTimeout(ctx, b.d)
	defer cancel()
	return b.s.SessionManagement(ctx, supi)
}

type boundedUECM struct {
	s sbi.NudmUECM
	d time.Duration
}

func (b boundedUECM) RegisterAMF(ctx context.Context, supi string, reg sbi.AMFRegistration) error {
	ctx, cancel := context.WithTimeout(ctx, b.d)
	defer cancel()
	return b.s.RegisterAMF(ctx, supi, reg)
}

func (b boundedUECM) DeregisterAMF(ctx context.Context, supi string, guami ident.GUAMI) error {
	ctx, cancel := context.WithTimeout(ctx, b.d)
	defer cancel()
	return b.s.DeregisterAMF(ctx, supi, guami)
}

func (b boundedUECM) AMF(ctx context.Context, supi string) (sbi.AMFRegistration, bool) {
	ctx, cancel := context.WithTimeout(ctx, b.d)
	defer cancel()
	return b.s.AMF(ctx, supi)
}

type boundedSMF struct {
	s sbi.NsmfPDUSession
	d time.Duration
}

func (b boundedSMF) CreateSMContext(ctx context.Context, req sbi.SmContextCreateData) (sbi.SmContextCreatedData, error) {
	ctx, cancel := context.WithTimeout(ctx, b.d)
	defer cancel()
	return b.s.CreateSMContext(ctx, req)
}

func (b boundedSMF) UpdateSMContext(ctx context.Context, ref string, upd sbi.SmContextUpdateData) (sbi.SmContextUpdatedData, error) {
	ctx, cancel := context.WithTimeout(ctx, b.d)
	defer cancel()
	return b.s.UpdateSMContext(ctx, ref, upd)
}

func (b boundedSMF) ReleaseSMContext(ctx context.Context, ref string) error {
	ctx, cancel := context.WithTimeout(ctx, b.d)
	defer cancel()
	return b.s.ReleaseSMContext(ctx, ref)
}

type boundedNSSF struct {
	s sbi.NnssfNSSelection
	d time.Duration
}

func (b boundedNSSF) NetworkSliceInformation(ctx context.Context, q sbi.NSSelectionQuery) (sbi.AuthorizedNetworkSliceInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, b.d)
	defer cancel()
	return b.s.NetworkSliceInformation(ctx, q)
}
