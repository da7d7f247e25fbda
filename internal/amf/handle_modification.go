package amf

import (
	"context"

	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sbi"
)

// handlePDUSessionResourceModifyResponse hands each session's result to
// the UE's machine, which passes it to the SMF (TS 38.413 §8.2.3.2, TS
// 23.502 §4.3.3.2 step 5).
func (a *AMF) handlePDUSessionResourceModifyResponse(ctx context.Context, r *ran, msg *message.PDUSessionResourceModifyResponse) {
	u, _ := a.boundUE(ctx, r, msg)
	if u == nil {
		return
	}
	results, err := ngap.DecodePDUSessionResourceModifyResponse(msg)
	if err != nil {
		a.abstractSyntax(ctx, r, msg)
		return
	}
	u.do(func() {
		for _, res := range results {
			u.m.SessionModified(res.PDUSessionID, res.Transfer, res.Failed)
		}
	})
}

// handleUEContextModificationResponse ends a UE Context Modification
// (TS 38.413 §8.3.4.2): the gNB applies the new UE-AMBR.
func (a *AMF) handleUEContextModificationResponse(ctx context.Context, r *ran, msg *message.UEContextModificationResponse) {
	u, _ := a.boundUE(ctx, r, msg)
	if u == nil {
		return
	}
	a.metrics.contextModifications.WithLabelValues("modified").Inc()
	u.log.Debug("amf: UE context modified")
}

// handleUEContextModificationFailure: the gNB kept the UE context as it
// was (TS 38.413 §8.3.4.3). The AMF keeps the new UE-AMBR, which the
// gNB of the UE's next Initial Context Setup gets; the failure is logged
// and counted, not retried (the gNB refused it for a reason that would
// refuse it again).
func (a *AMF) handleUEContextModificationFailure(ctx context.Context, r *ran, msg *message.UEContextModificationFailure) {
	u, _ := a.boundUE(ctx, r, msg)
	if u == nil {
		return
	}
	cause, err := ngap.DecodeUEContextModificationFailure(msg)
	if err != nil {
		a.abstractSyntax(ctx, r, msg)
		return
	}
	a.metrics.contextModifications.WithLabelValues("failed").Inc()
	u.log.Info("amf: UE Context Modification failed at the gNB: the new UE-AMBR waits for the next Initial Context Setup",
		"cause", ngap.CauseString(cause))
}

// AccessAndMobilityChanged is Nudm_SDM_Notification (TS 23.502 §4.5.1):
// a subscriber's access and mobility data changed. The UE of supi, if
// this AMF serves it, takes the new UE-AMBR on its executor (a connected
// UE's gNB is sent UE Context Modification, TS 38.413 §8.3.4). It does
// not wait for the gNB.
func (a *AMF) AccessAndMobilityChanged(ctx context.Context, supi string, am sbi.AMData) {
	a.ues.Lock()
	u := a.ues.bySUPI[supi]
	a.ues.Unlock()
	if u == nil {
		return
	}
	if !u.doOr(func() { u.m.SubscriptionChanged(am) }, func() {}) {
		u.log.Warn("amf: subscription change not applied: UE mailbox full")
	}
}

var _ sbi.NudmSDMNotifier = (*AMF)(nil)

func (s ueShell) ModifySessions(items []gmm.SessionResource) {
	u := s.u
	c := u.conn.Load()
	if c == nil {
		return
	}
	list := make([]ngap.SessionItem, 0, len(items))
	for _, it := range items {
		list = append(list, ngap.SessionItem{PDUSessionID: it.PDUSessionID, NASPDU: it.NASPDU, Transfer: it.Transfer})
	}
	msg, err := ngap.PDUSessionResourceModifyRequest(c.amfID, c.ranID, list)
	if err != nil {
		u.log.Error("amf: building PDU Session Resource Modify Request", "err", err)
		return
	}
	u.emit(func() { u.a.sendUE(c, msg) })
}

func (s ueShell) ModifyContext(ambrDownlink, ambrUplink uint64) {
	u := s.u
	c := u.conn.Load()
	if c == nil {
		return
	}
	msg, err := ngap.UEContextModificationRequest(c.amfID, c.ranID, min(ambrDownlink, maxBitRate), min(ambrUplink, maxBitRate))
	if err != nil {
		u.log.Error("amf: building UE Context Modification Request", "err", err)
		return
	}
	u.a.metrics.contextModifications.WithLabelValues("sent").Inc()
	u.emit(func() { u.a.sendUE(c, msg) })
}
