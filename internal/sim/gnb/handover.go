package gnb

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/secret"
)

// asSecurity is what a gNB keeps of a UE's AS security (TS 33.501
// §6.9.2.1.1): the UE security capabilities, the KgNB and, after a
// handover's acknowledge, the {NH, NCC} pair for the next one. Keys are
// never logged.
type asSecurity struct {
	caps ngap.UESecurityCapabilities
	kgnb secret.Key256
	nh   secret.Key256
	ncc  uint8
}

// KgNB returns the KgNB the AMF gave for the UE in the Initial Context
// Setup Request, zero before one.
func (c *UEConn) KgNB() secret.Key256 {
	if s := c.security.Load(); s != nil {
		return s.kgnb
	}
	return secret.Key256{}
}

// EndMarkers returns the GTP-U End Markers the gNB received on the
// tunnels of UEs it handed over (TS 29.281 §7.3.2).
func (g *GNB) EndMarkers() int64 { return g.endMarkers.Load() }

// Forwarded returns the downlink packets the gNB forwarded to the
// target gNBs of its UEs handed over, before their End Markers.
func (g *GNB) Forwarded() int64 { return g.forwarded.Load() }

// Discards returns the downlink UDP datagrams to the discard port the
// gNB took for its UEs (forwarded ones included), and Unknown the
// G-PDUs that came for a TEID without a tunnel: together they say what
// downlink was lost.
func (g *GNB) Discards() int64 { return g.discards.Load() }

// Unknown returns the G-PDUs the gNB received for a TEID it has no
// tunnel for.
func (g *GNB) Unknown() int64 { return g.unknown.Load() }

// ErrPathSwitch is a Path Switch Request the AMF refused.
var ErrPathSwitch = errors.New("gnb: Path Switch Request failed")

// forwardLimit bounds how long a source gNB keeps the tunnel of a UE it
// handed over when no End Marker comes.
const forwardLimit = 10 * time.Second

// XnHandover hands the UE of c over to target as an Xn handover does
// (TS 23.502 §4.9.1.2.2, TS 38.300 §9.2.3.2): the Xn part (Handover
// Request and Acknowledge, SN Status Transfer, TS 38.423) happens in
// process — the target takes the UE's context and sets each PDU session
// up on a downlink tunnel of its own N3 address; the source forwards
// the downlink still arriving on the old tunnels to the target until the
// UPF's End Marker. Then the target sends the AMF a Path Switch Request
// (TS 38.413 §8.4.4) and waits for its answer. On the acknowledge the
// source forgets the UE (the AMF sends it nothing: the UE Context
// Release of TS 38.423 §8.2.7 is Xn) and XnHandover returns the UE's new
// connection on the target and the acknowledge. On a failure the
// handover is undone and the UE stays on c.
func (c *UEConn) XnHandover(ctx context.Context, target *GNB) (*UEConn, ngap.PathSwitchAck, error) {
	src := c.g
	amfID := c.amfID.Load()
	sec := c.security.Load()
	switch {
	case amfID < 0 || sec == nil:
		return nil, ngap.PathSwitchAck{}, fmt.Errorf("gnb: %s has no UE context to hand over", c)
	case target.up == nil || src.up == nil:
		return nil, ngap.PathSwitchAck{}, errNoUserPlane
	}
	ta := target.assocTo(c.a.peer.addr)
	if ta == nil {
		return nil, ngap.PathSwitchAck{}, ErrDown
	}
	n := target.newConn(ta)
	n.amfID.Store(amfID)
	n.security.Store(sec)

	// Handover Request over Xn: the target sets up each session's
	// downlink tunnel; the source forwards to it from now on.
	src.bearers.mu.Lock()
	old := make([]*bearer, 0, len(c.sessions))
	for _, b := range c.sessions {
		old = append(old, b)
	}
	n.pingSeq = c.pingSeq
	src.bearers.mu.Unlock()
	var items []ngap.SessionResult
	moved := map[*bearer]*bearer{}
	for _, b := range old {
		nb, err := target.addBearer(n, Bearer{PDUSessionID: b.PDUSessionID, UL: b.UL, QFI: b.QFI})
		if err != nil {
			target.forgetUE(n)
			return nil, ngap.PathSwitchAck{}, err
		}
		tr, err := ngap.PathSwitchTransfer{DL: ngap.Tunnel{Addr: target.up.addr, TEID: nb.DLTEID}, QFIs: []uint8{b.QFI}}.Encode()
		if err != nil {
			target.forgetUE(n)
			return nil, ngap.PathSwitchAck{}, err
		}
		items = append(items, ngap.SessionResult{PDUSessionID: b.PDUSessionID, Transfer: tr})
		moved[b] = nb
	}
	if len(items) == 0 {
		target.forgetUE(n)
		return nil, ngap.PathSwitchAck{}, fmt.Errorf("gnb: %s has no PDU session to switch", c)
	}
	src.bearers.mu.Lock()
	for b, nb := range moved {
		b.forward, b.ended = nb, make(chan struct{})
	}
	src.bearers.mu.Unlock()
	undo := func() {
		src.bearers.mu.Lock()
		for b := range moved {
			b.forward = nil
		}
		src.bearers.mu.Unlock()
		target.forgetUE(n)
	}

	req, err := ngap.PathSwitchRequest(ngap.PathSwitch{RANUE: n.ranID, SourceAMFUE: amfID, Location: target.location(n.ranID),
		Security: sec.caps, Sessions: items})
	if err == nil {
		err = ta.sendUE(ctx, n.ranID, req)
	}
	if err != nil {
		undo()
		return nil, ngap.PathSwitchAck{}, err
	}
	var ack ngap.PathSwitchAck
	select {
	case d := <-n.down:
		if d.PathSwitch == nil {
			undo()
			return nil, ngap.PathSwitchAck{}, fmt.Errorf("%w: %s", ErrPathSwitch, d.Cause)
		}
		ack = *d.PathSwitch
	case <-ctx.Done():
		undo()
		return nil, ngap.PathSwitchAck{}, fmt.Errorf("gnb: waiting for the Path Switch Request Acknowledge: %w", ctx.Err())
	}
	// TS 38.413 §8.4.4.2: the target keeps the {NH, NCC} for the next
	// handover, and the AMF's UE security capabilities when it sent them.
	next := *sec
	next.nh, next.ncc = ack.NH, ack.NCC
	if ack.Security != nil {
		next.caps = *ack.Security
	}
	n.security.Store(&next)
	src.handedOver(c, moved)
	return n, ack, nil
}

// newConn opens a UE connection without an Initial UE Message: the UE
// came by handover.
func (g *GNB) newConn(a *assoc) *UEConn {
	g.ues.mu.Lock()
	defer g.ues.mu.Unlock()
	g.ues.nextID = (g.ues.nextID + 1) % (1 << 32)
	c := &UEConn{g: g, a: a, ranID: g.ues.nextID, down: make(chan Downlink, downlinkBuffer), gone: make(chan struct{}), added: make(chan struct{})}
	c.amfID.Store(-1)
	g.ues.byRAN[c.ranID] = c
	return c
}

// handedOver forgets the UE context of c on the source gNB but keeps
// the tunnels that forward to the target until their End Marker, or
// forwardLimit at most.
func (g *GNB) handedOver(c *UEConn, moved map[*bearer]*bearer) {
	g.ues.mu.Lock()
	if g.ues.byRAN[c.ranID] == c {
		delete(g.ues.byRAN, c.ranID)
	}
	g.ues.mu.Unlock()
	g.detach(c, moved)
	c.goneOnce.Do(func() { close(c.gone) })
}

// endMarker takes the End Marker of a tunnel (TS 29.281 §7.3.2): the
// last downlink packet on it has come; a tunnel that forwarded to a
// target gNB is dropped.
func (g *GNB) endMarker(teid uint32) {
	g.endMarkers.Add(1)
	g.bearers.mu.Lock()
	b := g.bearers.byTEID[teid]
	g.bearers.mu.Unlock()
	if b != nil && b.forward != nil {
		g.dropForward(b)
	}
}

// dropForward forgets a forwarding tunnel of a UE handed over.
func (g *GNB) dropForward(b *bearer) {
	g.bearers.mu.Lock()
	defer g.bearers.mu.Unlock()
	if g.bearers.byTEID[b.DLTEID] == b {
		delete(g.bearers.byTEID, b.DLTEID)
		close(b.ended)
	}
}

// WaitForwarding waits until every tunnel the gNB forwards from after an Xn
// handover has had its End Marker (or was dropped), within ctx.
func (g *GNB) WaitForwarding(ctx context.Context) error {
	g.bearers.mu.Lock()
	var ended []chan struct{}
	for _, b := range g.bearers.byTEID {
		if b.forward != nil {
			ended = append(ended, b.ended)
		}
	}
	g.bearers.mu.Unlock()
	for _, e := range ended {
		select {
		case <-e:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// assocTo returns the gNB's association with the AMF at addr, nil when
// it has none up: the target of an Xn handover sends its Path Switch
// Request to the UE's AMF (TS 38.413 §8.4.4), which the source names.
func (g *GNB) assocTo(addr netip.AddrPort) *assoc {
	g.amfs.mu.Lock()
	defer g.amfs.mu.Unlock()
	for _, p := range g.amfs.peers {
		if p.addr == addr && p.cur != nil {
			return p.cur
		}
	}
	return nil
}
