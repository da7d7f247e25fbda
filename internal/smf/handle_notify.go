package smf

import (
	"context"
	"fmt"

	"github.com/free5gc/ngap/ie"

	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sbi"
)

// notified handles the N2 SM information of the gNB-initiated session
// procedures, PDU Session Resource Notify (TS 38.413 §8.2.4) and Modify
// Indication (§8.2.5), forwarded by the AMF with UpdateSMContext. It
// reports false for any other type. Called with ss.mu held.
func (s *SMF) notified(ctx context.Context, ss *session, t sbi.N2SmInfoType, b []byte) (sbi.SmContextUpdatedData, bool, error) {
	switch t {
	case sbi.N2NotifyTransfer:
		// QoS flows whose GBR is (no longer) fulfilled, or that the gNB
		// released (TS 23.502 §4.3.3.2 step 1e): a released flow is
		// removed from the session and the UPF; a notification is taken
		// note of.
		n, err := ngap.DecodeNotifyTransfer(b)
		if err != nil {
			return sbi.SmContextUpdatedData{}, true, fmt.Errorf("smf: %w: %w", sbi.ErrInvalidRequest, err)
		}
		for qfi, c := range n.Notified {
			ss.log.Info("the gNB notified a QoS flow", "qfi", qfi, "notification_cause", c)
		}
		return sbi.SmContextUpdatedData{}, true, s.dropFlows(ctx, ss, n.Released, "released by the gNB")
	case sbi.N2NotifyReleasedTransfer:
		// The gNB released the session's resources (§8.2.4.2): as after
		// an AN release, the session stays deactivated, its downlink
		// held at the UPF, until the UE's user plane is set up again.
		cause, err := ngap.DecodeNotifyReleasedTransfer(b)
		if err != nil {
			return sbi.SmContextUpdatedData{}, true, fmt.Errorf("smf: %w: %w", sbi.ErrInvalidRequest, err)
		}
		ss.log.Info("the gNB released the session's resources", "cause", ngap.CauseString(cause))
		return sbi.SmContextUpdatedData{}, true, s.deactivate(ctx, ss)
	case sbi.N2ModifyIndication:
		// §8.2.5.2: the SMF answers with a Modify Confirm Transfer or,
		// when it cannot honour the change of downlink tunnel, an
		// Unsuccessful Transfer, which the AMF lists in the PDU Session
		// Resource Modify Confirm's Failed to Modify List. Keel moves no
		// downlink tunnel on the gNB's initiative (dual connectivity is
		// not supported): it refuses.
		dl, err := ngap.DecodeModifyIndicationTransfer(b)
		if err != nil {
			return sbi.SmContextUpdatedData{}, true, fmt.Errorf("smf: %w: %w", sbi.ErrInvalidRequest, err)
		}
		fail, err := ngap.ModifyIndicationUnsuccessfulTransfer(ngap.MiscCause(ie.CauseMiscPresentUnspecified))
		if err != nil {
			return sbi.SmContextUpdatedData{}, true, err
		}
		ss.log.Info("PDU Session Resource Modify Indication refused: the downlink tunnel stays", "asked", dl.String())
		return sbi.SmContextUpdatedData{N2SmInfoType: sbi.N2ModifyIndicationFailure, N2SmInfo: sbi.N2SM(fail)}, true, nil
	}
	return sbi.SmContextUpdatedData{}, false, nil
}
