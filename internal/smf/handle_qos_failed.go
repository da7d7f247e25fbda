package smf

import (
	"context"
	"maps"
	"slices"

	"github.com/free5gc/ngap/ie"

	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/pfcp"
)

// dropFlows removes the QoS flows the gNB did not admit (QoS Flow Failed
// to Setup List of the PDU Session Resource Setup Response Transfer, TS
// 38.413 §9.3.4.2) or released (PDU Session Resource Notify, §8.2.4):
// the session forgets them and the UPF removes their PDRs and QERs (TS
// 23.502 §4.3.2.2.1 step 15, §4.3.3.2 step 1e), so that their traffic
// goes by the default flow's rules. The default flow is never dropped:
// a gNB that cannot carry it fails the whole session. Called with ss.mu
// held.
func (s *SMF) dropFlows(ctx context.Context, ss *session, failed map[uint8]*ie.Cause, why string) error {
	var mr pfcp.ModificationRequest
	for _, qfi := range slices.Sorted(maps.Keys(failed)) {
		if !ss.removeFlow(qfi) {
			continue
		}
		ss.log.Info("QoS flow removed", "qfi", qfi, "reason", why, "cause", ngap.CauseString(failed[qfi]))
		mr.RemovePDRs = append(mr.RemovePDRs, pdrUplinkOf(qfi), pdrDownlinkOf(qfi))
		mr.RemoveQERs = append(mr.RemoveQERs, qerOf(qfi))
	}
	if len(mr.RemovePDRs) == 0 || ss.upSEID.Load() == 0 {
		return nil
	}
	mr.SEID = ss.upSEID.Load()
	return s.modifyN4(ctx, ss, n4Modification, mr)
}
