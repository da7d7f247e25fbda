package amf

import (
	"context"

	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/ngap"
)

// handlePDUSessionResourceSetupResponse hands each session's result to
// the UE's machine, which passes it to the SMF (TS 38.413 §8.2.1.2).
func (a *AMF) handlePDUSessionResourceSetupResponse(ctx context.Context, r *ran, msg *message.PDUSessionResourceSetupResponse) {
	u, _ := a.boundUE(ctx, r, msg)
	if u == nil {
		return
	}
	results, err := ngap.DecodePDUSessionResourceSetupResponse(msg)
	if err != nil {
		a.abstractSyntax(ctx, r, msg)
		return
	}
	u.do(func() {
		for _, res := range results {
			u.m.SessionSetUp(res.PDUSessionID, res.Transfer, res.Failed)
		}
	})
}

// handlePDUSessionResourceReleaseResponse ends a session release (TS
// 38.413 §8.2.2.2).
func (a *AMF) handlePDUSessionResourceReleaseResponse(ctx context.Context, r *ran, msg *message.PDUSessionResourceReleaseResponse) {
	u, _ := a.boundUE(ctx, r, msg)
	if u == nil {
		return
	}
	results, err := ngap.DecodePDUSessionResourceReleaseResponse(msg)
	if err != nil {
		a.abstractSyntax(ctx, r, msg)
		return
	}
	u.do(func() {
		for _, res := range results {
			u.m.SessionReleased(res.PDUSessionID, res.Transfer)
		}
	})
}

// handlePDUSessionResourceNotify passes each session the gNB notifies
// about to its SMF (TS 38.413 §8.2.4, TS 23.502 §4.3.3.2 step 1e). The
// procedure has no answer.
func (a *AMF) handlePDUSessionResourceNotify(ctx context.Context, r *ran, msg *message.PDUSessionResourceNotify) {
	u, _ := a.boundUE(ctx, r, msg)
	if u == nil {
		return
	}
	results, err := ngap.DecodePDUSessionResourceNotify(msg)
	if err != nil {
		a.abstractSyntax(ctx, r, msg)
		return
	}
	a.metrics.reports.WithLabelValues("PDUSessionResourceNotify").Inc()
	u.do(func() {
		for _, res := range results {
			u.m.SessionNotified(res.PDUSessionID, res.Transfer, res.Failed)
		}
	})
}

// handlePDUSessionResourceModifyIndication passes each session to its
// SMF (TS 23.502 §4.3.3.2 step 1a) on the UE's executor, which issues the
// UpdateSMContext calls and goes on with their answers as events; the
// PDU Session Resource Modify Confirm (TS 38.413 §8.2.5.2) then lists
// the sessions the SMF confirmed, and those it refused in the Failed to
// Modify List (ueShell.ConfirmModification).
func (a *AMF) handlePDUSessionResourceModifyIndication(ctx context.Context, r *ran, msg *message.PDUSessionResourceModifyIndication) {
	u, _ := a.boundUE(ctx, r, msg)
	if u == nil {
		return
	}
	items, err := ngap.DecodePDUSessionResourceModifyIndication(msg)
	if err != nil {
		a.abstractSyntax(ctx, r, msg)
		return
	}
	u.do(func() { u.m.ModifyIndicated(items) })
}

func (s ueShell) ConfirmModification(results []ngap.SessionResult) {
	u := s.u
	c := u.conn.Load()
	if c == nil {
		return
	}
	cfm, err := ngap.PDUSessionResourceModifyConfirm(c.amfID, c.ranID, results)
	if err != nil {
		u.log.Error("amf: building PDU Session Resource Modify Confirm", "err", err)
		return
	}
	u.a.sendUE(c, cfm)
}
