package smf

import (
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nas/sm"
	"github.com/keelcore/keel/internal/sbi"
)

// servesDNN reports whether any UPF of the SMF serves the DNN in the
// slice, associated or not.
func (s *SMF) servesDNN(dnn string, snssai ident.SNSSAI) bool {
	for _, up := range s.upfList() {
		if up.servesDNN(dnn, snssai) != nil {
			return true
		}
	}
	return false
}

// selectUPF picks the UPF of a new PDU session and its address pools
// (TS 23.501 §6.3.3.2, §6.3.3.3): among the UPFs that serve the DNN in
// the slice (UPFConfig.DNNs, SNSSAIs) and with which the SMF holds a
// PFCP association — a UPF whose association is down, or retired
// (RetireUPF), is skipped — those
// serving the UE's tracking area (UPFConfig.TAIs) come first; then the
// one with the fewest PDU sessions (its load); then the first
// configured. A UE in an area no UPF claims is given one of the others
// rather than refused. The session counts in the UPF's load from its
// selection on (the caller gives it back with up.sessions.Add(-1) if
// the session is never registered), so that establishments under way
// at once spread as well. No associated UPF for the DNN: #26 "insufficient
// resources", for the UE to try again later (TS 24.501 §6.4.1.4.2);
// no UPF for the DNN at all: #27.
func (s *SMF) selectUPF(dnn string, snssai ident.SNSSAI, loc *sbi.UserLocation) (*upfPeer, *dnnPools, error) {
	var tai *ident.TAI
	if loc != nil && loc.NrLocation != nil {
		tai = &loc.NrLocation.Tai
	}
	var (
		best      *upfPeer
		bestPools *dnnPools
		bestRank  [2]int64
		served    bool
	)
	s.selecting.Lock()
	defer s.selecting.Unlock()
	for _, up := range s.upfList() {
		p := up.servesDNN(dnn, snssai)
		if p == nil {
			continue
		}
		served = true
		if !up.isAssociated() || up.isRetired() {
			continue
		}
		rank := [2]int64{0, up.sessions.Load()}
		if tai != nil && !up.servesTAI(*tai) {
			rank[0] = 1
		}
		if best == nil || rank[0] < bestRank[0] || (rank[0] == bestRank[0] && rank[1] < bestRank[1]) {
			best, bestPools, bestRank = up, p, rank
		}
	}
	switch {
	case best != nil:
		best.sessions.Add(1)
		return best, bestPools, nil
	case !served:
		return nil, nil, reject(sm.CauseMissingOrUnknownDNN, "DNN %q not served in slice %s", dnn, snssai)
	}
	return nil, nil, reject(sm.CauseInsufficientResources, "no PFCP association with a UPF serving DNN %q in slice %s", dnn, snssai)
}
