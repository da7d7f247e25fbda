package amf

import (
	"context"

	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/ngap"
)

// The gNB-initiated procedures Keel does not run are refused for a UE it
// knows the way TS 38.413 gives for each, never with "unknown local UE
// NGAP ID" (§10.6), which a gNB takes to mean the UE is gone (some
// release it). Each refusal is counted in
// keel_ngap_refused_procedures_total{procedure} and logged, the log
// limited per procedure. docs/conformance.md lists every gNB-initiated
// procedure and what Keel does with it.

// refuseResume and refuseSuspend answer the UE context procedures of
// User Plane CIoT 5GS Optimisation (§8.3), which Keel never
// agrees with a UE: the request does not fit the UE's state.
func (a *AMF) refuseResume(ctx context.Context, r *ran, msg *message.UEContextResumeRequest) {
	u, c := a.boundUE(ctx, r, msg)
	if u == nil {
		return
	}
	cause := ngap.ProtocolCause(ie.CauseProtocolPresentMessageNotCompatibleWithReceiverState)
	a.refused(u, msg, cause)
	a.sendUE(c, ngap.UEContextResumeFailure(c.amfID, c.ranID, cause))
}

func (a *AMF) refuseSuspend(ctx context.Context, r *ran, msg *message.UEContextSuspendRequest) {
	u, c := a.boundUE(ctx, r, msg)
	if u == nil {
		return
	}
	cause := ngap.ProtocolCause(ie.CauseProtocolPresentMessageNotCompatibleWithReceiverState)
	a.refused(u, msg, cause)
	a.sendUE(c, ngap.UEContextSuspendFailure(c.amfID, c.ranID, cause))
}

// refuseUnsupported answers any other UE-associated message Keel does
// not handle. For a UE it knows on r: Error Indication with "message not
// compatible with receiver state" (§10.4) and the UE's IDs, as the
// message belongs to a procedure Keel does not run (handover execution,
// NRPPa, trace, secondary RAT usage, CIoT relocation) or answers one it
// never started. For IDs that name no UE here: "unknown local UE NGAP
// ID" (§10.6).
func (a *AMF) refuseUnsupported(ctx context.Context, r *ran, m message.Message) {
	amfID, hasAMF, ranID, hasRAN := ngap.UEIDs(m)
	if !hasAMF {
		// Only the RAN UE NGAP ID (RAN CP Relocation Indication, a CIoT
		// procedure): no UE context can be named; the message is not
		// one Keel takes in any state.
		a.incompatible(ctx, r, m)
		return
	}
	if !hasRAN {
		ranID = -1
	}
	u, _ := a.ueByID(r, amfID, ranID)
	if u == nil {
		a.unknownUE(ctx, r, amfID, ranID)
		return
	}
	a.refused(u, m, nil)
	a.incompatible(ctx, r, m)
}

// refused counts and logs a refused procedure of a known UE.
func (a *AMF) refused(u *ueContext, m message.Message, cause *ie.Cause) {
	name := procedureName(m.ProcedureCode())
	a.metrics.refused.WithLabelValues(name).Inc()
	answer := "ErrorIndication"
	if cause != nil {
		answer = ngap.CauseString(cause)
	}
	u.do(func() {
		u.log.Info("amf: gNB-initiated procedure not supported: refused", "cause", name, "answer", answer)
	})
}
