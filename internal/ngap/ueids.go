package ngap

import (
	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
)

// UEIDs extracts the AMF UE NGAP ID and the RAN UE NGAP ID a message
// carries (TS 38.413 §9.3.3.1, §9.3.3.2), for routing it to its UE
// context. hasAMF and hasRAN say which were present: both are false when
// the message is not UE-associated (NG Setup, Paging, ...) or, as Error
// Indication may, carries neither. The cases:
//   - Initial UE Message and RAN CP Relocation Indication carry only the
//     RAN UE NGAP ID: the AMF has not allocated one yet.
//   - Handover Request and Handover Failure carry only the AMF UE NGAP ID:
//     the target gNB has not allocated one yet.
//   - Path Switch Request names the UE at the AMF by its Source AMF UE
//     NGAP ID (§9.2.3.8), returned as the AMF UE NGAP ID.
//   - UE Context Release Command carries the UE NGAP IDs choice (§9.2.2.5):
//     the pair, or the AMF UE NGAP ID alone.
//   - UE Context Modification Request may carry a New AMF UE NGAP ID; the
//     AMF UE NGAP ID returned is the current one.
//
// m must not be a nil pointer.
func UEIDs(m message.Message) (amfUE int64, hasAMF bool, ranUE int64, hasRAN bool) {
	switch v := m.(type) {
	case *message.UEContextReleaseCommand:
		if v.UENGAPIDs == nil {
			return 0, false, 0, false
		}
		switch c := v.UENGAPIDs.Choice.(type) {
		case *ie.UENGAPIDPair:
			return ids(c.AMFUENGAPID, c.RANUENGAPID)
		case *ie.AMFUENGAPID:
			return ids(c, nil)
		}
		return 0, false, 0, false
	case *message.PathSwitchRequest:
		return ids(v.SourceAMFUENGAPID, v.RANUENGAPID)
	case *message.AMFCPRelocationIndication:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.CellTrafficTrace:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.ConnectionEstablishmentIndication:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.DeactivateTrace:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.DownlinkNASTransport:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.DownlinkRANEarlyStatusTransfer:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.DownlinkRANStatusTransfer:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.DownlinkUEAssociatedNRPPaTransport:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.ErrorIndication:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.HandoverCancel:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.HandoverCancelAcknowledge:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.HandoverCommand:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.HandoverFailure:
		return ids(v.AMFUENGAPID, nil)
	case *message.HandoverNotify:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.HandoverPreparationFailure:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.HandoverRequest:
		return ids(v.AMFUENGAPID, nil)
	case *message.HandoverRequestAcknowledge:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.HandoverRequired:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.HandoverSuccess:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.InitialContextSetupFailure:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.InitialContextSetupRequest:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.InitialContextSetupResponse:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.InitialUEMessage:
		return ids(nil, v.RANUENGAPID)
	case *message.LocationReport:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.LocationReportingControl:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.LocationReportingFailureIndication:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.NASNonDeliveryIndication:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.PDUSessionResourceModifyConfirm:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.PDUSessionResourceModifyIndication:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.PDUSessionResourceModifyRequest:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.PDUSessionResourceModifyResponse:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.PDUSessionResourceNotify:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.PDUSessionResourceReleaseCommand:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.PDUSessionResourceReleaseResponse:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.PDUSessionResourceSetupRequest:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.PDUSessionResourceSetupResponse:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.PathSwitchRequestAcknowledge:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.PathSwitchRequestFailure:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.RANCPRelocationIndication:
		return ids(nil, v.RANUENGAPID)
	case *message.RRCInactiveTransitionReport:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.RerouteNASRequest:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.SecondaryRATDataUsageReport:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.TraceFailureIndication:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.TraceStart:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.UEContextModificationFailure:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.UEContextModificationRequest:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.UEContextModificationResponse:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.UEContextReleaseComplete:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.UEContextReleaseRequest:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.UEContextResumeFailure:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.UEContextResumeRequest:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.UEContextResumeResponse:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.UEContextSuspendFailure:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.UEContextSuspendRequest:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.UEContextSuspendResponse:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.UERadioCapabilityCheckRequest:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.UERadioCapabilityCheckResponse:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.UERadioCapabilityInfoIndication:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.UETNLABindingReleaseRequest:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.UplinkNASTransport:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.UplinkRANEarlyStatusTransfer:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.UplinkRANStatusTransfer:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	case *message.UplinkUEAssociatedNRPPaTransport:
		return ids(v.AMFUENGAPID, v.RANUENGAPID)
	}
	return 0, false, 0, false
}

func ids(a *ie.AMFUENGAPID, r *ie.RANUENGAPID) (amfUE int64, hasAMF bool, ranUE int64, hasRAN bool) {
	if a != nil {
		amfUE, hasAMF = a.Value, true
	}
	if r != nil {
		ranUE, hasRAN = r.Value, true
	}
	return
}
