package amf

import (
	"context"
	"time"

	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/ngap"
)

// handleInitialContextSetupResponse and ...Failure end the Initial
// Context Setup (TS 38.413 §8.3.1).
//
// The per-session results of the PDU Session Resource Setup List the
// request carried (a Service Request's reactivated sessions) are issued
// to the SMF as N2SetupResponse or N2SetupFailure (TS 23.502 §4.2.3.2
// steps 13-15), calls performed off the UE's executor (calls.go), before
// the machine learns the outcome.
func (a *AMF) handleInitialContextSetupResponse(ctx context.Context, r *ran, msg *message.InitialContextSetupResponse) {
	results, err := ngap.DecodeInitialContextSetupResponse(msg)
	if err != nil {
		r.logger().Warn("amf: Initial Context Setup Response", "err", err)
	}
	a.contextSetUp(ctx, r, msg, results, true)
}

func (a *AMF) handleInitialContextSetupFailure(ctx context.Context, r *ran, msg *message.InitialContextSetupFailure) {
	results, _, err := ngap.DecodeInitialContextSetupFailure(msg)
	if err != nil {
		r.logger().Warn("amf: Initial Context Setup Failure", "err", err)
	}
	a.contextSetUp(ctx, r, msg, results, false)
}

func (a *AMF) contextSetUp(ctx context.Context, r *ran, msg message.Message, results []ngap.SessionResult, ok bool) {
	u, _ := a.boundUE(ctx, r, msg)
	if u == nil {
		return
	}
	u.do(func() {
		for _, res := range results {
			u.m.SessionSetUp(res.PDUSessionID, res.Transfer, res.Failed || !ok)
		}
		u.m.ContextSetUp(ctx, ok)
	})
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
	a.releaseCommand(c, cause)
}

// handleUEContextReleaseComplete ends the UE's N2 connection (TS 38.413
// §8.3.3): the UE is in 5GMM-IDLE, or forgotten if it is deregistered.
func (a *AMF) handleUEContextReleaseComplete(ctx context.Context, r *ran, msg *message.UEContextReleaseComplete) {
	if amfID, hasAMF, ranID, hasRAN := ngap.UEIDs(msg); hasAMF && hasRAN && a.completeRetired(r, amfID, ranID) {
		return
	}
	u, c := a.boundUE(ctx, r, msg)
	if u == nil {
		return
	}
	u.do(func() { a.connectionGone(ctx, u, c) })
}

// connectionGone runs on the UE's executor when connection c ended. It
// does nothing unless c is still the UE's connection: the UE may have
// moved to a newer one, or c may have ended already.
func (a *AMF) connectionGone(ctx context.Context, u *ueContext, c *ueConn) {
	if c == nil || !u.conn.CompareAndSwap(c, nil) {
		return
	}
	if ho := u.handover; ho != nil {
		// The source connection of a handover is gone: so is the
		// handover (TS 38.413 §8.4.5: as if cancelled).
		a.endHandover(u, ho, ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentHandoverCancelled))
	}
	a.unbindConn(c)
	u.rrcState = rrcNone
	if a.stopping.Load() {
		// The core is going away: its SMF too, so the sessions are not
		// told the user plane went down.
		return
	}
	u.m.Released(ctx)
	if u.m.State() != gmm.Registered {
		a.dropUE(u, nil)
	}
}

// releaseRAN ends every UE connection of an association that went down
// or was reset (TS 38.413 §8.7.4).
//
// The connections are handed to their UEs' executors no faster than the
// AMF's runs end (runs.pace): each UE's end runs its executor and an
// Nsmf_PDUSession_UpdateSMContext deactivating its sessions, and a gNB
// with 100,000 UEs would otherwise start them all at once.
//
// Each connection is taken while AMF.ues is held, and that connection,
// not whatever the UE holds when its executor runs, is the one ended: by
// then the UE may have gone idle (UE Context Release Complete) or moved
// to a connection on another gNB, which must survive. A UE whose Initial
// UE Message on r is still waiting in its mailbox is not seen here; r's
// down flag, set by the reader before it calls releaseRAN, makes that
// event end the connection itself (handleInitialUEMessage).
func (a *AMF) releaseRAN(ctx context.Context, r *ran) {
	type conn struct {
		u *ueContext
		c *ueConn
	}
	var list []conn
	a.ues.Lock()
	for id, u := range a.ues.byAMFID {
		// A UE may be listed under an older ID too, until its executor
		// takes the newer connection: end each connection once.
		if c := u.conn.Load(); c != nil && c.amfID == id && c.ran == r {
			list = append(list, conn{u, c})
		}
	}
	a.ues.Unlock()
	// end hands each connection to its UE's executor; paced, no faster
	// than the AMF's runs end (runs.pace).
	end := func(paced bool) {
		for _, x := range list {
			if paced && !a.runs.pace(a.calls.Done()) {
				// Stopping: the rest end with the AMF.
				return
			}
			x.u.do(func() { a.connectionGone(ctx, x.u, x.c) })
		}
	}
	if h := a.releaseListed.Load(); h != nil {
		(*h)(func() { end(false) })
		return
	}
	if int64(len(list)) < a.runs.paceAt() || !a.runs.admit() {
		// A few connections, handed over at once: the reader never
		// waits for the AMF's runs.
		end(false)
		return
	}
	// A mass release is paced on a run of its own, so that the reader
	// of an association that stays up (NG Reset) goes on.
	a.runs.spawn(func() {
		defer a.runs.done()
		end(true)
	})
}

// retiredGrace is how long the AMF waits for the UE Context Release
// Complete of a connection it retired.
const retiredGrace = 10 * time.Second

// releaseCommand sends the UE Context Release Command for c (TS 38.413
// §8.3.3), once: a second command for a connection whose release is
// under way would only draw a second Release Complete.
func (a *AMF) releaseCommand(c *ueConn, cause *ie.Cause) {
	if c.commanded.Swap(true) {
		return
	}
	a.sendUE(c, ngap.UEContextReleaseCommand(c.amfID, c.ranID, cause))
}

// retire ends a connection its UE no longer uses — the UE came back on a
// new one before the gNB's answer to its release, or its context is
// gone: c gets its UE Context Release Command (unless it had one) and
// no longer routes to the UE, but its AMF UE NGAP ID is kept for the
// gNB's UE Context Release Complete, which is the answer to the AMF's
// own command and is taken without a word (TS 38.413 §8.3.3), not
// refused as a message for an unknown UE (§10.6). An ID whose Complete
// does not come within retiredGrace is forgotten.
//
// The command goes last: the gNB's Complete may be read (on the
// association's reader, not this goroutine) as soon as the command is
// sent, and it must then find c retired, else it would be refused with
// an Error Indication for an unknown UE the gNB did nothing wrong to
// draw.
func (a *AMF) retire(c *ueConn, cause *ie.Cause) {
	a.unbindConn(c)
	a.ues.Lock()
	a.ues.retired[c.amfID] = c
	a.ues.Unlock()
	time.AfterFunc(retiredGrace, func() {
		a.ues.Lock()
		if a.ues.retired[c.amfID] == c {
			delete(a.ues.retired, c.amfID)
		}
		a.ues.Unlock()
	})
	a.releaseCommand(c, cause)
}

// completeRetired takes the UE Context Release Complete of a retired
// connection, reporting whether the IDs named one on r.
func (a *AMF) completeRetired(r *ran, amfID, ranID int64) bool {
	a.ues.Lock()
	defer a.ues.Unlock()
	c := a.ues.retired[amfID]
	// A connection retired before its gNB gave a RAN UE NGAP ID (an N2
	// handover's target) takes the Complete with any.
	if c == nil || c.ran != r || (c.ranID >= 0 && c.ranID != ranID) {
		return false
	}
	delete(a.ues.retired, amfID)
	return true
}
