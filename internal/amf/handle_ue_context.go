package amf

import (
	"context"

	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/ngap"
)

// handleInitialContextSetupResponse and ...Failure end the Initial
// Context Setup (TS 38.413 §8.3.1).
func (a *AMF) handleInitialContextSetupResponse(ctx context.Context, r *ran, msg *message.InitialContextSetupResponse) {
	a.contextSetUp(ctx, r, msg, msg.AMFUENGAPID != nil && msg.RANUENGAPID != nil, true)
}

func (a *AMF) handleInitialContextSetupFailure(ctx context.Context, r *ran, msg *message.InitialContextSetupFailure) {
	a.contextSetUp(ctx, r, msg, msg.AMFUENGAPID != nil && msg.RANUENGAPID != nil, false)
}

func (a *AMF) contextSetUp(ctx context.Context, r *ran, msg message.Message, complete, ok bool) {
	if !complete {
		a.abstractSyntax(ctx, r, msg)
		return
	}
	amfID, _, ranID, _ := ngap.UEIDs(msg)
	u, _ := a.ueByID(r, amfID, ranID)
	if u == nil {
		a.unknownUE(ctx, r, amfID, ranID)
		return
	}
	u.do(func() { u.m.ContextSetUp(ctx, ok) })
}

// handleUEContextReleaseRequest answers the gNB's request with a UE
// Context Release Command (TS 38.413 §8.3.2).
func (a *AMF) handleUEContextReleaseRequest(ctx context.Context, r *ran, msg *message.UEContextReleaseRequest) {
	if msg.AMFUENGAPID == nil || msg.RANUENGAPID == nil {
		a.abstractSyntax(ctx, r, msg)
		return
	}
	u, c := a.ueByID(r, msg.AMFUENGAPID.Value, msg.RANUENGAPID.Value)
	if u == nil {
		a.unknownUE(ctx, r, msg.AMFUENGAPID.Value, msg.RANUENGAPID.Value)
		return
	}
	cause := msg.Cause
	if cause == nil {
		cause = ngap.NASCause(0)
	}
	a.sendUE(c, ngap.UEContextReleaseCommand(c.amfID, c.ranID, cause))
}

// handleUEContextReleaseComplete ends the UE's N2 connection (TS 38.413
// §8.3.3): the UE is in 5GMM-IDLE, or forgotten if it is deregistered.
func (a *AMF) handleUEContextReleaseComplete(ctx context.Context, r *ran, msg *message.UEContextReleaseComplete) {
	if msg.AMFUENGAPID == nil || msg.RANUENGAPID == nil {
		a.abstractSyntax(ctx, r, msg)
		return
	}
	u, c := a.ueByID(r, msg.AMFUENGAPID.Value, msg.RANUENGAPID.Value)
	if u == nil {
		a.unknownUE(ctx, r, msg.AMFUENGAPID.Value, msg.RANUENGAPID.Value)
		return
	}
	u.do(func() { a.connectionGone(ctx, u, c) })
}

// connectionGone runs on the UE's executor when connection c ended.
func (a *AMF) connectionGone(ctx context.Context, u *ueContext, c *ueConn) {
	if !u.conn.CompareAndSwap(c, nil) {
		return
	}
	a.unbindConn(c)
	if a.stopping.Load() {
		// The core is going away: its SMF too, so the sessions are not
		// told the user plane went down.
		return
	}
	u.m.Released(ctx)
	if u.m.State() != gmm.Registered {
		a.dropUE(u, false)
	}
}

// releaseRAN ends every UE connection of an association that went down
// or was reset (TS 38.413 §8.7.4).
func (a *AMF) releaseRAN(ctx context.Context, r *ran) {
	a.ues.Lock()
	var list []*ueContext
	for _, u := range a.ues.byAMFID {
		if c := u.conn.Load(); c != nil && c.ran == r {
			list = append(list, u)
		}
	}
	a.ues.Unlock()
	for _, u := range list {
		u := u
		c := u.conn.Load()
		u.do(func() { a.connectionGone(ctx, u, c) })
	}
}
