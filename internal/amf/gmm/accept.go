package gmm

import (
	"time"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nas"
)

// DefaultT3502 is the T3502 value of TS 24.501 §10.2 (table 10.2.1): 12
// minutes.
const DefaultT3502 = 12 * time.Minute

// AcceptIEs are the REGISTRATION ACCEPT IEs (TS 24.501 §8.2.7) whose
// values the operator sets, the same for every UE.
type AcceptIEs struct {
	// T3502 is sent to every UE (§9.11.2.4); 0 means DefaultT3502.
	T3502 time.Duration
	// Features is the 5GS network feature support (§9.11.3.5), sent to
	// every UE.
	Features nas.NetworkFeatures
	// EmergencyNumbers is the emergency number list (§9.11.3.23); empty
	// sends none.
	EmergencyNumbers []nas.EmergencyNumber
	// ServiceArea are the tracking areas UEs are allowed service in
	// (§9.11.3.49, at most 16 of one PLMN); empty sends none: every
	// tracking area is allowed.
	ServiceArea []ident.TAI
}

// fill sets the operator's IEs in a.
func (c AcceptIEs) fill(a *nas.Accept) {
	a.T3502 = c.T3502
	if a.T3502 == 0 {
		a.T3502 = DefaultT3502
	}
	f := c.Features
	a.Features = &f
	a.EmergencyNumbers = c.EmergencyNumbers
	a.ServiceArea = c.ServiceArea
}
