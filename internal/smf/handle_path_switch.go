package smf

import (
	"context"
	"fmt"

	"github.com/free5gc/ngap/ie"

	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sbi"
)

// pathSwitched handles the N2 SM information of an Xn handover that the
// AMF forwards with UpdateSMContext (TS 23.502 §4.9.1.2.2 steps 2-5,
// TS 29.502 PATH_SWITCH_REQ, PATH_SWITCH_SETUP_FAIL): the target gNB's
// new downlink tunnel, or its failure to set the session up. It reports
// false for any other type. Called with ss.mu held.
//
// A switched session is answered with a Path Switch Request Acknowledge
// Transfer (TS 38.413 §9.3.4.9) carrying the UPF's N3 tunnel, unchanged.
// A session that cannot be switched (the transfer does not decode, the
// session has no user plane to move, the UPF refuses) is released
// locally, as one the target gNB failed to set up (§4.9.1.2.2 step 2:
// "the SMF releases the PDU session"), and answered with a Path Switch
// Request Unsuccessful Transfer (§9.3.4.17) that the AMF puts in the
// acknowledge's PDU Session Resource Released List; the UE learns of the
// release from the gNB.
func (s *SMF) pathSwitched(ctx context.Context, ss *session, t sbi.N2SmInfoType, b []byte) (sbi.SmContextUpdatedData, bool, error) {
	switch t {
	case sbi.N2PathSwitchRequest:
		x, err := ngap.DecodePathSwitchTransfer(b)
		if err != nil {
			out, rerr := s.pathSwitchFailed(ctx, ss, ngap.ProtocolCause(ie.CauseProtocolPresentAbstractSyntaxErrorFalselyConstructedMessage),
				"Path Switch Request Transfer undecodable", "error", err)
			return out, true, rerr
		}
		gnb := tunnel{Addr: x.DL.Addr, TEID: x.DL.TEID}
		if ss.state != active && ss.state != activating {
			out, rerr := s.pathSwitchFailed(ctx, ss, ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentUnspecified),
				"no user plane to switch", "state", ss.state.String())
			return out, true, rerr
		}
		if err := s.switchPath(ctx, ss, gnb); err != nil {
			out, rerr := s.pathSwitchFailed(ctx, ss, ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentUnspecified),
				"downlink not switched at the UPF", "error", err)
			return out, true, rerr
		}
		ack, err := ngap.PathSwitchAckTransfer{UL: ngap.Tunnel{Addr: ss.n3.Addr, TEID: ss.n3.TEID}}.Encode()
		if err != nil {
			return sbi.SmContextUpdatedData{}, true, fmt.Errorf("smf: %w", err)
		}
		s.metrics.pathSwitches.WithLabelValues("switched").Inc()
		return sbi.SmContextUpdatedData{N2SmInfoType: sbi.N2PathSwitchRequestAck, N2SmInfo: sbi.N2SM(ack)}, true, nil
	case sbi.N2PathSwitchSetupFailed:
		cause := "undecodable"
		if f, err := ngap.DecodePathSwitchSetupFailedTransfer(b); err == nil {
			cause = ngap.CauseString(f.Cause)
		}
		s.metrics.pathSwitches.WithLabelValues("setup_failed").Inc()
		s.releaseNotSwitched(ctx, ss)
		ss.log.Info("PDU session released: the target gNB of a handover could not set it up", "cause", cause)
		return sbi.SmContextUpdatedData{Released: true}, true, nil
	}
	return sbi.SmContextUpdatedData{}, false, nil
}

// switchPath moves the session's downlink to the gNB tunnel gnb after a
// handover (TS 23.502 §4.9.1.2.2 step 3 for Xn, §4.9.1.3.3 step 12 for
// N2 on Handover Notify): the UPF's downlink FAR gets the new outer
// header and, when the session forwarded to another tunnel, sends End
// Marker packets on the old one after its last downlink packet there
// (PFCPSMReq-Flags SNDEM, TS 29.244 §5.2.2.4; TS 29.281 §7.3.2), so that
// the source gNB knows it has every packet to forward. A session waiting
// for its first tunnel (activating) just gets it. Called with ss.mu
// held.
func (s *SMF) switchPath(ctx context.Context, ss *session, gnb tunnel) error {
	if _, ok := next(ss.state, evN2Setup{gnb}); !ok {
		return s.incompatible(ss, "path switch")
	}
	if !gnb.Addr.Is4() || gnb.TEID == 0 {
		return fmt.Errorf("smf: %w: gNB tunnel %d@%s: want an IPv4 address and a TEID", sbi.ErrInvalidRequest, gnb.TEID, gnb.Addr)
	}
	old := ss.gnb
	endMarker := ss.state == active && old.Addr.IsValid() && old != gnb
	if err := s.modifyDownlink(ctx, ss, active, gnb, endMarker); err != nil {
		return err
	}
	ss.setGNB(gnb)
	ss.upOnce = true
	s.transition(ss, evN2Setup{gnb})
	ss.log.Debug("downlink switched to the target gNB", "gnb", gnb.Addr, "dl_teid", gnb.TEID, "end_marker", endMarker)
	return nil
}

// pathSwitchFailed releases a session that could not be switched and
// answers with a Path Switch Request Unsuccessful Transfer of cause.
func (s *SMF) pathSwitchFailed(ctx context.Context, ss *session, cause *ie.Cause, reason string, args ...any) (sbi.SmContextUpdatedData, error) {
	fail, err := ngap.PathSwitchUnsuccessfulTransfer(cause)
	if err != nil {
		return sbi.SmContextUpdatedData{}, fmt.Errorf("smf: %w", err)
	}
	s.metrics.pathSwitches.WithLabelValues("failed").Inc()
	s.releaseNotSwitched(ctx, ss)
	ss.log.Info("PDU session released: its path was not switched", append([]any{"reason", reason}, args...)...)
	return sbi.SmContextUpdatedData{N2SmInfoType: sbi.N2PathSwitchRequestFailed, N2SmInfo: sbi.N2SM(fail), Released: true}, nil
}

// releaseNotSwitched releases a session left behind by a handover
// without signalling the UE: the N4 session, its address and policy go,
// then the context. Called with ss.mu held.
func (s *SMF) releaseNotSwitched(ctx context.Context, ss *session) {
	s.teardown(ctx, ss)
	s.transition(ss, evLocalRelease{})
	s.remove(ss)
}
