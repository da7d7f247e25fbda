package smf

import (
	"context"
	"fmt"

	"github.com/free5gc/ngap/ie"

	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sbi"
)

// handover is what the SMF keeps of a PDU session's N2 handover between
// the AMF's PREPARING and its COMPLETED or CANCELLED (TS 23.502
// §4.9.1.3): nothing changes at the UPF before the UE arrives.
type handover struct {
	// preparing: the source asked; direct: it has a direct forwarding
	// path to the target (Handover Required Transfer, TS 38.413
	// §9.3.4.14).
	preparing, direct bool
	// target is the target gNB's downlink tunnel from its Handover
	// Request Acknowledge Transfer, valid once prepared.
	target   tunnel
	prepared bool
}

// handover runs one step of an N2 handover (TS 23.502 §4.9.1.3.2 steps
// 4, 10-11, §4.9.1.3.3 step 12; TS 29.502 §5.2.2.3.4). Called with ss.mu
// held.
//
//   - PREPARING with the Handover Required Transfer: the session must
//     have its user plane up; the answer is the PDU Session Resource
//     Setup Request Transfer for the target (the UPF's N3 tunnel and the
//     session's flows, unchanged: the UPF stays the anchor).
//   - PREPARED with the Handover Request Acknowledge Transfer: the
//     target's downlink tunnel is kept for COMPLETED; the answer is the
//     Handover Command Transfer. Data forwarding: direct forwarding only
//     — when the source said it has a direct path and the target gave a
//     forwarding tunnel, that tunnel and the flows the target accepts
//     forwarded data for go to the source; otherwise none. Indirect
//     forwarding through the UPF is not supported.
//   - PREPARED with the Handover Resource Allocation Unsuccessful
//     Transfer: the target did not admit the session; it is released
//     (§4.9.1.3.2 step 10) and the answer is a Handover Preparation
//     Unsuccessful Transfer for the Handover Command's release list.
//   - COMPLETED: the downlink moves to the target's tunnel, with End
//     Markers on the source's (switchPath).
//   - CANCELLED: the preparation is forgotten.
func (s *SMF) handover(ctx context.Context, ss *session, upd sbi.SmContextUpdateData) (sbi.SmContextUpdatedData, error) {
	switch {
	case upd.HoState == sbi.HOPreparing && upd.N2SmInfoType == sbi.N2HandoverRequired:
		x, err := ngap.DecodeHandoverRequiredTransfer(upd.N2SmInfo.Bytes())
		if err != nil {
			s.metrics.handovers.WithLabelValues("refused").Inc()
			return sbi.SmContextUpdatedData{}, fmt.Errorf("smf: Handover Required Transfer: %w: %w", sbi.ErrInvalidRequest, err)
		}
		if ss.state != active {
			s.metrics.handovers.WithLabelValues("refused").Inc()
			return sbi.SmContextUpdatedData{}, s.incompatible(ss, "handover preparation")
		}
		n2, err := setupTransfer(ss)
		if err != nil {
			return sbi.SmContextUpdatedData{}, fmt.Errorf("smf: %w", err)
		}
		ss.ho = &handover{preparing: true, direct: x.DirectForwarding}
		s.metrics.handovers.WithLabelValues("preparing").Inc()
		ss.log.Debug("N2 handover preparing", "direct_forwarding", x.DirectForwarding)
		return sbi.SmContextUpdatedData{N2SmInfoType: sbi.N2SetupRequest, N2SmInfo: sbi.N2SM(n2)}, nil

	case upd.HoState == sbi.HOPrepared && upd.N2SmInfoType == sbi.N2HandoverRequestAck:
		if ss.ho == nil || !ss.ho.preparing {
			return sbi.SmContextUpdatedData{}, s.incompatible(ss, "Handover Request Acknowledge Transfer")
		}
		x, err := ngap.DecodeHandoverRequestAcknowledgeTransfer(upd.N2SmInfo.Bytes())
		if err != nil {
			return s.notAdmitted(ctx, ss, ngap.ProtocolCause(ie.CauseProtocolPresentAbstractSyntaxErrorFalselyConstructedMessage), "Handover Request Acknowledge Transfer undecodable", "error", err)
		}
		gnb := tunnel{Addr: x.DL.Addr, TEID: x.DL.TEID}
		if !gnb.Addr.Is4() || gnb.TEID == 0 {
			return s.notAdmitted(ctx, ss, ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentUnspecified), "target tunnel not usable", "gnb", gnb.Addr, "dl_teid", gnb.TEID)
		}
		var cmd ngap.HandoverCommandTransfer
		if ss.ho.direct && x.Forwarding != nil {
			for _, f := range x.Flows {
				if f.ForwardingAccepted {
					cmd.QFIs = append(cmd.QFIs, f.QFI)
				}
			}
			if len(cmd.QFIs) > 0 {
				fw := *x.Forwarding
				cmd.Forwarding = &fw
			}
		}
		b, err := cmd.Encode()
		if err != nil {
			return sbi.SmContextUpdatedData{}, fmt.Errorf("smf: %w", err)
		}
		ss.ho.target, ss.ho.prepared = gnb, true
		s.metrics.handovers.WithLabelValues("prepared").Inc()
		return sbi.SmContextUpdatedData{N2SmInfoType: sbi.N2HandoverCommand, N2SmInfo: sbi.N2SM(b)}, nil

	case upd.HoState == sbi.HOPrepared && upd.N2SmInfoType == sbi.N2HandoverResourceAllocationFailure:
		cause := "undecodable"
		if c, err := ngap.DecodeHandoverResourceAllocationUnsuccessfulTransfer(upd.N2SmInfo.Bytes()); err == nil {
			cause = ngap.CauseString(c)
		}
		return s.notAdmitted(ctx, ss, ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentHoFailureInTarget5GCNgranNodeOrTargetSystem), "the target gNB did not admit it", "target_cause", cause)

	case upd.HoState == sbi.HOCompleted:
		if ss.ho == nil || !ss.ho.prepared {
			return sbi.SmContextUpdatedData{}, s.incompatible(ss, "handover completion")
		}
		target := ss.ho.target
		ss.ho = nil
		if err := s.switchPath(ctx, ss, target); err != nil {
			s.metrics.handovers.WithLabelValues("refused").Inc()
			return sbi.SmContextUpdatedData{}, err
		}
		s.metrics.handovers.WithLabelValues("completed").Inc()
		return sbi.SmContextUpdatedData{}, nil

	case upd.HoState == sbi.HOCancelled:
		if ss.ho != nil && ss.ho.preparing {
			s.metrics.handovers.WithLabelValues("cancelled").Inc()
			ss.log.Debug("N2 handover cancelled")
		}
		ss.ho = nil
		return sbi.SmContextUpdatedData{}, nil
	}
	return sbi.SmContextUpdatedData{}, fmt.Errorf("smf: %w: hoState %s with N2 SM information type %d", sbi.ErrInvalidRequest, upd.HoState, upd.N2SmInfoType)
}

// notAdmitted releases a session the handover's target did not set up
// and answers with a Handover Preparation Unsuccessful Transfer of
// cause (TS 38.413 §9.3.4.18) for the Handover Command's PDU Session
// Resource to Release List. Called with ss.mu held.
func (s *SMF) notAdmitted(ctx context.Context, ss *session, cause *ie.Cause, reason string, args ...any) (sbi.SmContextUpdatedData, error) {
	b, err := ngap.HandoverPreparationUnsuccessfulTransfer(cause)
	if err != nil {
		return sbi.SmContextUpdatedData{}, fmt.Errorf("smf: %w", err)
	}
	ss.ho = nil
	s.metrics.handovers.WithLabelValues("not_admitted").Inc()
	s.releaseNotSwitched(ctx, ss)
	ss.log.Info("PDU session released: not handed over", append([]any{"reason", reason}, args...)...)
	return sbi.SmContextUpdatedData{N2SmInfoType: sbi.N2HandoverPreparationFailure, N2SmInfo: sbi.N2SM(b), Released: true}, nil
}
