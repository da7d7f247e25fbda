package amf

import (
	"context"

	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/ngap"
)

// handleUplinkNASTransport passes a NAS message to its UE (TS 38.413
// §8.6.3).
func (a *AMF) handleUplinkNASTransport(ctx context.Context, r *ran, msg *message.UplinkNASTransport) {
	if msg.NASPDU == nil {
		a.abstractSyntax(ctx, r, msg)
		return
	}
	u, c := a.boundUE(ctx, r, msg)
	if u == nil {
		return
	}
	var loc *ngap.UELocation
	if msg.UserLocationInformation != nil {
		if l, err := ngap.DecodeUELocation(msg.UserLocationInformation); err == nil {
			loc = &l
		}
	}
	pdu := append([]byte(nil), msg.NASPDU.Value...)
	now := a.now()
	u.do(func() {
		u.lastEvent = wallAt(now)
		if loc != nil && u.conn.Load() == c {
			u.loc = *loc
			u.m.Locate(loc.TAI)
		}
		u.m.HandleNAS(ctx, pdu)
	})
}

// unknownUE answers a UE-associated message whose IDs name no UE
// connection here (TS 38.413 §10.6).
// boundUE finds the UE a UE-associated message from r is about, by both
// its UE NGAP IDs. It answers a message missing one (§10.3.4.2) or naming
// no UE of r (§10.6) itself and returns nil.
func (a *AMF) boundUE(ctx context.Context, r *ran, m message.Message) (*ueContext, *ueConn) {
	amfID, hasAMF, ranID, hasRAN := ngap.UEIDs(m)
	if !hasAMF || !hasRAN {
		a.abstractSyntax(ctx, r, m)
		return nil, nil
	}
	u, c := a.ueByID(r, amfID, ranID)
	if u == nil {
		a.unknownUE(ctx, r, amfID, ranID)
	}
	return u, c
}

func (a *AMF) unknownUE(ctx context.Context, r *ran, amfID, ranID int64) {
	a.metrics.protocolErrors.WithLabelValues("unknown-ue").Inc()
	a.reply(ctx, r, ngap.ErrorIndication(
		ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentUnknownLocalUENGAPID), nil, amfID, ranID))
}

// abstractSyntax answers a message missing a mandatory IE (§10.3.4.2).
func (a *AMF) abstractSyntax(ctx context.Context, r *ran, m message.Message) {
	a.metrics.protocolErrors.WithLabelValues("abstract-syntax").Inc()
	amfID, ranID, _ := ueIDs(m)
	a.reply(ctx, r, ngap.ErrorIndication(
		ngap.ProtocolCause(ie.CauseProtocolPresentAbstractSyntaxErrorFalselyConstructedMessage), nil, amfID, ranID))
}
