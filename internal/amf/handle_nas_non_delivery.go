package amf

import (
	"context"

	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
)

// handleNASNonDeliveryIndication takes the gNB's word that it could not
// deliver a downlink NAS message (TS 38.413 §8.6) to the UE's 5GMM
// machine, which retries or aborts the procedure waiting for the UE
// (gmm.Machine.NotDelivered). The procedure has no answer.
func (a *AMF) handleNASNonDeliveryIndication(ctx context.Context, r *ran, msg *message.NASNonDeliveryIndication) {
	if msg.NASPDU == nil || msg.Cause == nil {
		a.abstractSyntax(ctx, r, msg)
		return
	}
	u, c := a.boundUE(ctx, r, msg)
	if u == nil {
		return
	}
	a.metrics.reports.WithLabelValues("NASNonDeliveryIndication").Inc()
	lost := lowerLayerFailure(msg.Cause)
	u.do(func() {
		if u.conn.Load() == c {
			u.m.NotDelivered(ctx, lost)
		}
	})
}

// lowerLayerFailure reports whether a NAS Non Delivery Indication's
// cause (TS 38.413 §9.3.1.2) means the UE's radio connection is gone,
// the "lower layer failure" of TS 24.501's abnormal cases, rather than a
// message lost on the way (a handover, an interaction with another
// procedure) that a retransmission may still carry.
func lowerLayerFailure(c *ie.Cause) bool {
	rn, ok := c.Choice.(*ie.CauseRadioNetwork)
	if !ok || rn == nil {
		return false
	}
	switch rn.Value {
	case ie.CauseRadioNetworkPresentRadioConnectionWithUeLost,
		ie.CauseRadioNetworkPresentFailureInRadioInterfaceProcedure,
		ie.CauseRadioNetworkPresentUeInRrcInactiveStateNotReachable:
		return true
	}
	return false
}
