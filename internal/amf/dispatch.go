package amf

import (
	"context"
	"errors"

	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sctp"
)

// handlePDU decodes one PDU and runs its procedure.
func (a *AMF) handlePDU(ctx context.Context, r *ran, in sctp.Message) {
	m, err := ngap.Decode(in.Data)
	if err != nil {
		var pe *ngap.ProtocolError
		if !errors.As(err, &pe) {
			return
		}
		a.protocolError(ctx, r, pe)
		return
	}
	a.metrics.count("rx", m)
	if ei, ok := m.(*message.ErrorIndication); ok {
		// Never answered, whatever the association's state: an Error
		// Indication about an Error Indication could bounce forever.
		a.handleErrorIndication(r, ei)
		return
	}
	if !r.isSetUp() {
		if req, ok := m.(*message.NGSetupRequest); ok {
			a.handleNGSetup(ctx, r, req)
			return
		}
		// TS 38.413 §8.7.1.1: NG Setup is the first NGAP procedure on
		// a TNL association; anything else before it is a logical error.
		a.incompatible(ctx, r, m)
		return
	}
	switch msg := m.(type) {
	case *message.NGSetupRequest:
		a.handleNGSetup(ctx, r, msg)
	case *message.RANConfigurationUpdate:
		a.handleRANConfigurationUpdate(ctx, r, msg)
	case *message.NGReset:
		a.handleNGReset(ctx, r, msg)
	case *message.NGResetAcknowledge:
		a.handleNGResetAcknowledge(ctx, r, msg)
	case *message.AMFConfigurationUpdateAcknowledge, *message.AMFConfigurationUpdateFailure:
		// The answer to a liveness probe (probe.go): that it came is
		// all the probe asked, and the reader has noted it.
	case *message.InitialUEMessage:
		a.handleInitialUEMessage(ctx, r, msg)
	case *message.UplinkNASTransport:
		a.handleUplinkNASTransport(ctx, r, msg)
	case *message.InitialContextSetupResponse:
		a.handleInitialContextSetupResponse(ctx, r, msg)
	case *message.InitialContextSetupFailure:
		a.handleInitialContextSetupFailure(ctx, r, msg)
	case *message.UEContextReleaseRequest:
		a.handleUEContextReleaseRequest(ctx, r, msg)
	case *message.UEContextReleaseComplete:
		a.handleUEContextReleaseComplete(ctx, r, msg)
	case *message.PDUSessionResourceSetupResponse:
		a.handlePDUSessionResourceSetupResponse(ctx, r, msg)
	case *message.PDUSessionResourceReleaseResponse:
		a.handlePDUSessionResourceReleaseResponse(ctx, r, msg)
	case *message.PDUSessionResourceNotify:
		a.handlePDUSessionResourceNotify(ctx, r, msg)
	case *message.PDUSessionResourceModifyIndication:
		a.handlePDUSessionResourceModifyIndication(ctx, r, msg)
	case *message.PDUSessionResourceModifyResponse:
		a.handlePDUSessionResourceModifyResponse(ctx, r, msg)
	case *message.UEContextModificationResponse:
		a.handleUEContextModificationResponse(ctx, r, msg)
	case *message.UEContextModificationFailure:
		a.handleUEContextModificationFailure(ctx, r, msg)
	case *message.UERadioCapabilityInfoIndication:
		a.handleUERadioCapabilityInfoIndication(ctx, r, msg)
	case *message.UERadioCapabilityCheckResponse:
		a.handleUERadioCapabilityCheckResponse(ctx, r, msg)
	case *message.NASNonDeliveryIndication:
		a.handleNASNonDeliveryIndication(ctx, r, msg)
	case *message.LocationReport:
		a.handleLocationReport(ctx, r, msg)
	case *message.RRCInactiveTransitionReport:
		a.handleRRCInactiveTransitionReport(ctx, r, msg)
	case *message.HandoverRequired:
		a.handleHandoverRequired(ctx, r, msg)
	case *message.HandoverRequestAcknowledge:
		a.handleHandoverRequestAcknowledge(ctx, r, msg)
	case *message.HandoverFailure:
		a.handleHandoverFailure(ctx, r, msg)
	case *message.UplinkRANStatusTransfer:
		a.handleUplinkRANStatusTransfer(ctx, r, msg)
	case *message.HandoverNotify:
		a.handleHandoverNotify(ctx, r, msg)
	case *message.HandoverCancel:
		a.handleHandoverCancel(ctx, r, msg)
	case *message.PathSwitchRequest:
		a.handlePathSwitch(ctx, r, msg)
	case *message.UEContextResumeRequest:
		a.refuseResume(ctx, r, msg)
	case *message.UEContextSuspendRequest:
		a.refuseSuspend(ctx, r, msg)
	default:
		if _, _, ok := ueIDs(m); ok {
			// Every other UE-associated message (handle_refused.go):
			// refused for a known UE, "unknown local UE NGAP ID" (TS
			// 38.413 §10.6) for IDs that name none.
			a.refuseUnsupported(ctx, r, m)
			return
		}
		a.incompatible(ctx, r, m)
	}
}

// protocolError answers a PDU that did not decode (TS 38.413 §10.2, §10.3).
func (a *AMF) protocolError(ctx context.Context, r *ran, pe *ngap.ProtocolError) {
	kind := "transfer-syntax"
	if pe.Case == ngap.AbstractSyntax {
		kind = "abstract-syntax"
	}
	a.metrics.protocolErrors.WithLabelValues(kind).Inc()
	r.logger().Warn("amf: undecodable NGAP PDU", "err", pe, "cause", ngap.CauseString(pe.Cause))
	if pe.Silent {
		return
	}
	// §10.3.5: an erroneous NG Setup Request is answered with NG Setup
	// Failure; everything else with Error Indication.
	if pe.ProcedureCode == message.ProcedureCodeNGSetup && pe.MessageType == message.MessageTypeInitiatingMessage && pe.Cause != nil {
		a.metrics.setups.WithLabelValues("abstract-syntax").Inc()
		a.reply(ctx, r, ngap.NGSetupFailure(pe.Cause, -1, pe.Diagnostics))
		return
	}
	a.reply(ctx, r, ngap.ErrorIndication(pe.Cause, pe.Diagnostics, -1, -1))
}

// incompatible answers a message the association's state does not allow
// (TS 38.413 §10.4).
func (a *AMF) incompatible(ctx context.Context, r *ran, m message.Message) {
	a.metrics.protocolErrors.WithLabelValues("logical").Inc()
	r.logger().Warn("amf: NGAP message not compatible with the association's state", "procedure", procedureName(m.ProcedureCode()))
	tm := ie.TriggeringMessage{Value: 0}
	switch m.MessageType() {
	case message.MessageTypeSuccessfulOutcome:
		tm.Value = ie.TriggeringMessagePresentSuccessfulOutcome
	case message.MessageTypeUnsuccessfulOutcome:
		tm.Value = ie.TriggeringMessagePresentUnsuccessfulOutcome
	}
	diag := &ie.CriticalityDiagnostics{
		ProcedureCode:        &ie.ProcedureCode{Value: m.ProcedureCode()},
		TriggeringMessage:    &tm,
		ProcedureCriticality: &ie.Criticality{Value: m.Criticality()},
	}
	amfUE, ranUE, _ := ueIDs(m)
	a.reply(ctx, r, ngap.ErrorIndication(
		ngap.ProtocolCause(ie.CauseProtocolPresentMessageNotCompatibleWithReceiverState), diag, amfUE, ranUE))
}

// reply sends an answer; a failure to send means the association is going
// down, which its reader will see.
func (a *AMF) reply(ctx context.Context, r *ran, m message.Message) {
	if err := a.send(ctx, r, m); err != nil {
		r.logger().Debug("amf: answer not sent", "err", err)
	}
}

// ueIDs returns the UE NGAP IDs a UE-associated message carries (-1 when
// absent) and whether it carries either.
func ueIDs(m message.Message) (amfUE, ranUE int64, ok bool) {
	amfUE, hasAMF, ranUE, hasRAN := ngap.UEIDs(m)
	if !hasAMF {
		amfUE = -1
	}
	if !hasRAN {
		ranUE = -1
	}
	return amfUE, ranUE, hasAMF || hasRAN
}
