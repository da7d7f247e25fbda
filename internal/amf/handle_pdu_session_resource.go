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
			u.m.SessionSetUp(ctx, res.PDUSessionID, res.Transfer, res.Failed)
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
			u.m.SessionReleased(ctx, res.PDUSessionID, res.Transfer)
		}
	})
}
