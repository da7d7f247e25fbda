package udm

import (
	"context"
	"fmt"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
)

// RegisterAMF records the AMF serving a UE over 3GPP access
// (Nudm_UECM_Registration, TS 29.503 §5.3.2.2), replacing an earlier one.
// Registrations live in memory.
func (u *UDM) RegisterAMF(_ context.Context, supi string, reg sbi.AMFRegistration) error {
	if !sbi.ValidSUPI(supi) {
		return fmt.Errorf("udm: RegisterAMF: %w: SUPI %q", sbi.ErrInvalidRequest, supi)
	}
	u.amf.Lock()
	defer u.amf.Unlock()
	u.amf.regs[supi] = reg
	return nil
}

// DeregisterAMF forgets the AMF registration of a UE (TS 29.503
// §5.3.2.4.2) when guami is the registered AMF's or zero: the purge of
// an AMF the UE has left keeps its successor's registration.
func (u *UDM) DeregisterAMF(_ context.Context, supi string, guami ident.GUAMI) error {
	u.amf.Lock()
	defer u.amf.Unlock()
	if reg, ok := u.amf.regs[supi]; ok && (guami == ident.GUAMI{} || reg.GUAMI == guami) {
		delete(u.amf.regs, supi)
	}
	return nil
}

// AMF returns the AMF registration of a UE (TS 29.503 §5.3.2.5).
func (u *UDM) AMF(_ context.Context, supi string) (sbi.AMFRegistration, bool) {
	u.amf.Lock()
	defer u.amf.Unlock()
	reg, ok := u.amf.regs[supi]
	return reg, ok
}

// registered counts the UEs with an AMF registration.
func (u *UDM) registered() float64 {
	u.amf.Lock()
	defer u.amf.Unlock()
	return float64(len(u.amf.regs))
}
