package gmm

import (
	"github.com/keelcore/keel/internal/ident"
)

// HandoverRequest is what a Handover Request to an N2 handover's target
// carries of the UE's 5GMM context beyond HandoverContext (TS 38.413
// §9.2.3.4): each session's S-NSSAI and the UE-AMBR.
type HandoverRequest struct {
	Slices                       map[uint8]ident.SNSSAI
	UEAMBRUplink, UEAMBRDownlink uint64
}

// HandoverRequestInfo returns the UE's HandoverRequest.
func (m *Machine) HandoverRequestInfo() HandoverRequest {
	out := HandoverRequest{Slices: make(map[uint8]ident.SNSSAI, len(m.sessions)), UEAMBRUplink: m.am.UEAMBRUplink, UEAMBRDownlink: m.am.UEAMBRDownlink}
	for _, s := range m.sessions {
		out.Slices[s.psi] = s.snssai
	}
	return out
}
