package gnb

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/ngap"
)

// ErrHandoverPreparation is a Handover Required the AMF answered with
// Handover Preparation Failure (TS 38.413 §8.4.1.3).
var ErrHandoverPreparation = errors.New("gnb: Handover Preparation Failure")

// N2Result is what an N2 handover gave the UE: the {NH, NCC} pair of
// the Handover Request the target received (TS 38.413 §9.3.1.88), which
// the UE checks against its own derivation, and the cause of the
// source's UE Context Release Command.
type N2Result struct {
	Request      ngap.HandoverRequest
	ReleaseCause string
}

// n2Table holds the N2 handovers a target gNB expects. A real target
// learns which UE a Handover Request is for from the RRC context in the
// Source to Target Transparent Container; the simulator's source names
// the UE by the UPF's uplink tunnel of its first PDU session, which the
// SMF hands to the target unchanged (the UPF stays the anchor).
type n2Table struct {
	mu sync.Mutex
	// byUL: the arrival channel of each expected UE, buffered 1.
	byUL map[ngap.Tunnel]chan n2Arrival
}

// n2Arrival is the target's side of an N2 handover once it acknowledged
// the Handover Request: the UE's new connection, its bearers by PDU
// session ID and the request.
type n2Arrival struct {
	conn    *UEConn
	bearers map[uint8]*bearer
	req     ngap.HandoverRequest
}

func (g *GNB) expectN2(ul ngap.Tunnel) (chan n2Arrival, func()) {
	ch := make(chan n2Arrival, 1)
	g.n2.mu.Lock()
	if g.n2.byUL == nil {
		g.n2.byUL = map[ngap.Tunnel]chan n2Arrival{}
	}
	g.n2.byUL[ul] = ch
	g.n2.mu.Unlock()
	return ch, func() {
		g.n2.mu.Lock()
		if g.n2.byUL[ul] == ch {
			delete(g.n2.byUL, ul)
		}
		g.n2.mu.Unlock()
	}
}

// handleHandoverRequest is the target's Handover Resource Allocation
// (TS 38.413 §8.4.2.2): for a UE it expects, a new UE connection, each
// session's downlink tunnel on its N3 address (which also takes the
// data the source forwards), and Handover Request Acknowledge with the
// Handover Request Acknowledge Transfers and a Target to Source
// Transparent Container. Otherwise Handover Failure (§8.4.2.3).
func (g *GNB) handleHandoverRequest(ctx context.Context, a *assoc, m *message.HandoverRequest) {
	req, err := ngap.DecodeHandoverRequest(m)
	if err != nil {
		g.log.Warn("gnb: Handover Request", "err", err)
		if m != nil && m.AMFUENGAPID != nil {
			g.handoverFailure(ctx, a, m.AMFUENGAPID.Value, ngap.ProtocolCause(ie.CauseProtocolPresentAbstractSyntaxErrorFalselyConstructedMessage))
		}
		return
	}
	var arrived chan n2Arrival
	if len(req.Sessions) > 0 && g.up != nil {
		if tr, err := ngap.DecodeSetupRequestTransfer(req.Sessions[0].Transfer); err == nil {
			g.n2.mu.Lock()
			arrived = g.n2.byUL[tr.UL]
			g.n2.mu.Unlock()
		}
	}
	if arrived == nil {
		g.handoverFailure(ctx, a, req.AMFUE, ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentNoRadioResourcesAvailableInTargetCell))
		return
	}
	n := g.newConn(a)
	n.amfID.Store(req.AMFUE)
	bearers := map[uint8]*bearer{}
	var admitted, failed []ngap.HandoverSession
	for _, it := range req.Sessions {
		tr, err := ngap.DecodeSetupRequestTransfer(it.Transfer)
		var b *bearer
		if err == nil && len(tr.Flows) > 0 {
			b, err = g.addBearer(n, Bearer{PDUSessionID: it.PDUSessionID, UL: tr.UL, QFI: tr.Flows[0].QFI})
		} else if err == nil {
			err = errors.New("no QoS flow")
		}
		var out []byte
		if err == nil {
			dl := ngap.Tunnel{Addr: g.up.addr, TEID: b.DLTEID}
			flows := make([]ngap.HandoverFlow, 0, len(tr.Flows))
			for _, f := range tr.Flows {
				flows = append(flows, ngap.HandoverFlow{QFI: f.QFI, ForwardingAccepted: true})
			}
			out, err = ngap.HandoverRequestAcknowledgeTransfer{DL: dl, Forwarding: &dl, Flows: flows}.Encode()
		}
		if err != nil {
			g.log.Warn("gnb: handover of a PDU session not admitted", "pdu_session_id", it.PDUSessionID, "err", err)
			if b != nil {
				g.removeBearer(n, it.PDUSessionID)
			}
			if f, err := ngap.HandoverResourceAllocationUnsuccessfulTransfer(ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentRadioResourcesNotAvailable)); err == nil {
				failed = append(failed, ngap.HandoverSession{PDUSessionID: it.PDUSessionID, Transfer: f})
			}
			continue
		}
		bearers[it.PDUSessionID] = b
		admitted = append(admitted, ngap.HandoverSession{PDUSessionID: it.PDUSessionID, Transfer: out})
	}
	container, err := ngap.TargetToSourceContainer()
	var ack *message.HandoverRequestAcknowledge
	if err == nil && len(admitted) > 0 {
		ack, err = ngap.BuildHandoverRequestAcknowledge(ngap.HandoverRequestAcknowledge{AMFUE: req.AMFUE, RANUE: n.ranID,
			Admitted: admitted, Failed: failed, Container: container})
	}
	if ack == nil {
		g.log.Warn("gnb: Handover Request not admitted", "err", err)
		g.forgetUE(n)
		g.handoverFailure(ctx, a, req.AMFUE, ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentNoRadioResourcesAvailableInTargetCell))
		return
	}
	if err := a.sendUE(ctx, n.ranID, ack); err != nil {
		g.forgetUE(n)
		return
	}
	select {
	case arrived <- n2Arrival{conn: n, bearers: bearers, req: req}:
	default:
		// A second Handover Request for the UE: the first one stands.
		g.forgetUE(n)
	}
}

func (g *GNB) handoverFailure(ctx context.Context, a *assoc, amfUE int64, cause *ie.Cause) {
	if f, err := ngap.HandoverFailure(amfUE, cause); err == nil {
		a.sendUE(ctx, 0, f)
	}
}

// N2Handover hands the UE of c over to target with an N2 handover (TS
// 23.502 §4.9.1.3; TS 38.413 §8.4.1–8.4.3): the source sends Handover
// Required naming target's Global RAN Node ID and TAI, with a Handover
// Required Transfer per session (direct forwarding available) and a
// Source to Target Transparent Container; target answers the AMF's
// Handover Request (handleHandoverRequest); on Handover Command the
// source forwards the downlink still arriving on its tunnels to the
// target until the UPF's End Marker and sends Uplink RAN Status
// Transfer; the target, given the Downlink RAN Status Transfer, sends
// Handover Notify with the UE's location; the AMF releases the source's
// connection with UE Context Release Command, which the source
// completes. N2Handover returns the UE's connection on the target and
// what the target got. On a failure before the Handover Command the UE
// stays on c; after it, it is on neither.
func (c *UEConn) N2Handover(ctx context.Context, target *GNB) (*UEConn, N2Result, error) {
	src := c.g
	amfID := c.amfID.Load()
	sec := c.security.Load()
	switch {
	case amfID < 0 || sec == nil:
		return nil, N2Result{}, fmt.Errorf("gnb: %s has no UE context to hand over", c)
	case target.up == nil || src.up == nil:
		return nil, N2Result{}, errNoUserPlane
	}
	src.bearers.mu.Lock()
	old := map[uint8]*bearer{}
	var first *bearer
	for psi, b := range c.sessions {
		old[psi] = b
		if first == nil || psi < first.PDUSessionID {
			first = b
		}
	}
	pingSeq := c.pingSeq
	src.bearers.mu.Unlock()
	if first == nil {
		return nil, N2Result{}, fmt.Errorf("gnb: %s has no PDU session to hand over", c)
	}
	arrived, forget := target.expectN2(first.UL)
	defer forget()

	var items []ngap.HandoverSession
	for psi := range old {
		tr, err := ngap.HandoverRequiredTransfer{DirectForwarding: true}.Encode()
		if err != nil {
			return nil, N2Result{}, err
		}
		items = append(items, ngap.HandoverSession{PDUSessionID: psi, Transfer: tr})
	}
	tloc := target.location(c.ranID)
	container, err := ngap.SourceToTargetContainer(tloc, src.location(c.ranID), 1)
	if err != nil {
		return nil, N2Result{}, err
	}
	req, err := ngap.BuildHandoverRequired(ngap.HandoverRequired{AMFUE: amfID, RANUE: c.ranID, Type: ngap.HandoverTypeIntra5GS,
		Cause:  ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentHandoverDesirableForRadioReason),
		Target: target.cfg.ID, TargetTAI: tloc.TAI, DirectForwarding: true, Sessions: items, Container: container})
	if err == nil {
		err = c.a.sendUE(ctx, c.ranID, req)
	}
	if err != nil {
		return nil, N2Result{}, err
	}
	// §8.4.1.2: Handover Command, or Handover Preparation Failure.
	var cmd ngap.HandoverCommand
	for got := false; !got; {
		select {
		case d := <-c.down:
			switch {
			case d.HandoverCommand != nil:
				cmd, got = *d.HandoverCommand, true
			case d.HandoverFailed:
				return nil, N2Result{}, fmt.Errorf("%w: %s", ErrHandoverPreparation, d.Cause)
			case d.Released:
				return nil, N2Result{}, fmt.Errorf("gnb: %s released during the handover preparation (%s)", c, d.Cause)
			}
		case <-ctx.Done():
			return nil, N2Result{}, fmt.Errorf("gnb: waiting for the Handover Command: %w", ctx.Err())
		}
	}
	var a n2Arrival
	select {
	case a = <-arrived:
	default:
		return nil, N2Result{}, fmt.Errorf("gnb: Handover Command for %s without a Handover Request at %s", c, target.cfg.ID)
	}
	n := a.conn
	// TS 33.501 §6.9.2.3.3: the target keeps the {NH, NCC} of the
	// request; the KgNB the UE's NH chain starts from stays.
	next := *sec
	next.nh, next.ncc, next.caps = a.req.NH, a.req.NCC, a.req.Security
	n.security.Store(&next)

	// Direct data forwarding (TS 23.502 §4.9.1.3.3 step 2): the sessions
	// the Handover Command Transfer gives a forwarding tunnel for go to
	// the target's bearer from now on.
	moved := map[*bearer]*bearer{}
	for _, s := range cmd.Sessions {
		tr, err := ngap.DecodeHandoverCommandTransfer(s.Transfer)
		b, nb := old[s.PDUSessionID], a.bearers[s.PDUSessionID]
		if err == nil && tr.Forwarding != nil && b != nil && nb != nil {
			moved[b] = nb
		}
	}
	src.bearers.mu.Lock()
	n.pingSeq = pingSeq
	for b, nb := range moved {
		b.forward, b.ended = nb, make(chan struct{})
	}
	src.bearers.mu.Unlock()
	src.detach(c, moved)

	// §8.4.6: the PDCP COUNTs of the UE's DRB, relayed to the target.
	ul, err := ngap.UplinkRANStatusTransfer(amfID, c.ranID, ngap.DRBStatus12(1, 0, int64(pingSeq)&0xfff, 0, int64(pingSeq)&0xfff))
	if err == nil {
		err = c.a.sendUE(ctx, c.ranID, ul)
	}
	if err != nil {
		target.forgetUE(n)
		return nil, N2Result{}, err
	}
	select {
	case d := <-n.down:
		if !d.RANStatus {
			target.forgetUE(n)
			return nil, N2Result{}, fmt.Errorf("gnb: target connection %s got %+v, want Downlink RAN Status Transfer", n, d)
		}
	case <-ctx.Done():
		target.forgetUE(n)
		return nil, N2Result{}, fmt.Errorf("gnb: waiting for the Downlink RAN Status Transfer: %w", ctx.Err())
	}
	// §8.4.3: the UE arrived in the target cell.
	notify, err := ngap.HandoverNotify(a.req.AMFUE, n.ranID, target.location(n.ranID))
	if err == nil {
		err = n.a.sendUE(ctx, n.ranID, notify)
	}
	if err != nil {
		target.forgetUE(n)
		return nil, N2Result{}, err
	}
	// TS 23.502 §4.9.1.3.3 step 6: the source's connection is released.
	for {
		select {
		case d := <-c.down:
			if d.Released {
				return n, N2Result{Request: a.req, ReleaseCause: d.Cause}, nil
			}
		case <-ctx.Done():
			return n, N2Result{Request: a.req}, fmt.Errorf("gnb: waiting for the source's UE Context Release Command: %w", ctx.Err())
		}
	}
}

// detach takes the bearers of c handed over off the connection: those
// in moved forward to the target until their End Marker, or
// forwardLimit at most; the others are dropped. The connection stays
// until its release.
func (g *GNB) detach(c *UEConn, moved map[*bearer]*bearer) {
	g.bearers.mu.Lock()
	for psi, b := range c.sessions {
		delete(c.sessions, psi)
		if moved[b] == nil {
			delete(g.bearers.byTEID, b.DLTEID)
		}
	}
	g.bearers.mu.Unlock()
	for b := range moved {
		time.AfterFunc(forwardLimit, func() { g.dropForward(b) })
	}
}
