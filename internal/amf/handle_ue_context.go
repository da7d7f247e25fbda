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
	a.contextSetUp(ctx, r, msg, true)
}

func (a *AMF) handleInitialContextSetupFailure(ctx context.Context, r *ran, msg *message.InitialContextSetupFailure) {
	a.contextSetUp(ctx, r, msg, false)
}

func (a *AMF) contextSetUp(ctx context.Context, r *ran, msg message.Message, ok bool) {
	u, _ := a.boundUE(ctx, r, msg)
	if u == nil {
		return
	}
	u.do(func() { u.m.ContextSetUp(ctx, ok) })
}

// handleUEContextReleaseRequest answers the gNB's request with a UE
// Context Release Command (TS 38.413 §8.3.2).
func (a *AMF) handleUEContextReleaseRequest(ctx context.Context, r *ran, msg *message.UEContextReleaseRequest) {
	u, c := a.boundUE(ctx, r, msg)
	if u == nil {
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
	u, c := a.boundUE(ctx, r, msg)
	if u == nil {
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
