package gnb

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sctp"
)

// An AMF the gNB connects to (TS 23.502 §4.2.7.1): across its successive
// associations, a peer keeps what the last NG Setup Response or AMF
// Configuration Update said of the AMF.
//
// State diagram of one peer, run by its goroutine (run):
//
//	setting up --NG Setup Response--> up --association ends--> down
//	down --Reconnect.Initial > 0, after a back-off--> setting up
//	down --no Reconnect, or Close--> gone
//
// While a peer is down its GUAMIs are unavailable for AMF selection and
// the UE connections bound to its association have been released
// locally (TS 23.501 §5.21.2: an AMF failure the 5G-AN detects releases
// the NGAP UE-TNLA bindings of the UEs that AMF served).
type amfPeer struct {
	addr netip.AddrPort

	// Guarded by amfTable.mu.
	cur      *assoc // nil while down
	last     *assoc // the latest association, up or not (Conn)
	name     string
	guamis   []ident.GUAMI
	capacity uint8
	// current is the peer's weight in the smooth weighted round robin of
	// selection by capacity (selectAMF).
	current int
	// setUps counts the NG Setups that succeeded, initial the Initial UE
	// Messages sent to the AMF.
	setUps, initial int
}

// assoc is one N2 association (TNL association) with an AMF, from its
// NG Setup Response until it ends. Its fields are set before it is
// shared, apart from down.
type assoc struct {
	peer *amfPeer
	conn sctp.Conn
	// down is closed when the association has ended, before the UE
	// connections bound to it are released.
	down chan struct{}
}

// sendUE sends a UE-associated message on a non-zero stream chosen by
// the RAN UE NGAP ID, so one UE's messages stay in order.
func (a *assoc) sendUE(ctx context.Context, ranID int64, m message.Message) error {
	b, err := ngap.Encode(m)
	if err != nil {
		return err
	}
	stream := uint16(0)
	if n := int64(a.conn.OutStreams()); n > 1 {
		stream = uint16(1 + ranID%(n-1))
	}
	return a.conn.Send(ctx, sctp.Message{Stream: stream, PPID: sctp.PPIDNGAP, Data: b})
}

// send sends a non-UE-associated message on stream 0.
func (a *assoc) send(ctx context.Context, m message.Message) error {
	b, err := ngap.Encode(m)
	if err != nil {
		return err
	}
	return a.conn.Send(ctx, sctp.Message{Stream: 0, PPID: sctp.PPIDNGAP, Data: b})
}

// amfTable is the gNB's view of its AMFs. Lock order: amfTable.mu
// before ueTable.mu.
type amfTable struct {
	mu    sync.Mutex
	peers []*amfPeer
	// backups holds the backup AMF name of each GUAMI one was given for,
	// by a Served GUAMI List or an AMF Status Indication.
	backups map[ident.GUAMI]string
	// unavailable holds the GUAMIs an AMF Status Indication withdrew,
	// until an NG Setup Response or AMF Configuration Update serves them
	// again.
	unavailable map[ident.GUAMI]bool
	// closed is set by Close: no association is installed after it.
	closed bool
}

// Backoff is how a gNB re-establishes the association with an AMF once
// it ended (the AMF's process died, its host went silent, it aborted):
// it waits Initial, tries, and after each failure waits twice as long,
// up to Max, or at least the Time to Wait of an NG Setup Failure (TS
// 38.413 §8.7.1.3). Zero Initial: the gNB does not reconnect.
type Backoff struct {
	Initial, Max time.Duration
	// Timeout bounds one attempt, dialling and NG Setup; zero means 5 s.
	Timeout time.Duration
}

func (b Backoff) timeout() time.Duration {
	if b.Timeout > 0 {
		return b.Timeout
	}
	return 5 * time.Second
}

// AMFStatus is what the gNB knows of one of its AMFs.
type AMFStatus struct {
	Addr netip.AddrPort
	// Name, GUAMIs and Capacity are what the AMF's last NG Setup Response
	// or AMF Configuration Update said; empty before a first NG Setup.
	Name     string
	GUAMIs   []ident.GUAMI
	Capacity uint8
	// Up says the association is established.
	Up bool
	// Unavailable lists the GUAMIs of the AMF an AMF Status Indication
	// withdrew.
	Unavailable []ident.GUAMI
	// SetUps counts the associations set up (NG Setup Response), the
	// first and those after one ended; InitialUEMessages the UE
	// connections the gNB opened towards the AMF.
	SetUps, InitialUEMessages int
}

// AMFs returns the state of the gNB's AMFs, in the order Connect was
// given them.
func (g *GNB) AMFs() []AMFStatus {
	g.amfs.mu.Lock()
	defer g.amfs.mu.Unlock()
	out := make([]AMFStatus, 0, len(g.amfs.peers))
	for _, p := range g.amfs.peers {
		s := AMFStatus{Addr: p.addr, Name: p.name, GUAMIs: slices.Clone(p.guamis), Capacity: p.capacity, Up: p.cur != nil,
			SetUps: p.setUps, InitialUEMessages: p.initial}
		for _, gu := range p.guamis {
			if g.amfs.unavailable[gu] {
				s.Unavailable = append(s.Unavailable, gu)
			}
		}
		out = append(out, s)
	}
	return out
}

// setUp dials the AMF at addr and runs NG Setup (TS 38.413 §8.7.1).
func (g *GNB) setUp(ctx context.Context, p *amfPeer) (*assoc, ngap.AMFInfo, error) {
	req, err := ngap.NGSetupRequest(ngap.GNBInfo{ID: g.cfg.ID, Name: g.cfg.Name, TAs: g.cfg.TAs})
	if err != nil {
		return nil, ngap.AMFInfo{}, err
	}
	conn, err := g.tr.Dial(ctx, netip.Addr{}, p.addr)
	if err != nil {
		return nil, ngap.AMFInfo{}, fmt.Errorf("gnb %s: N2 association to %s: %w", g.cfg.ID, p.addr, err)
	}
	a := &assoc{peer: p, conn: conn, down: make(chan struct{})}
	if err := a.send(ctx, req); err != nil {
		conn.Abort()
		return nil, ngap.AMFInfo{}, fmt.Errorf("gnb %s: sending NG Setup Request to %s: %w", g.cfg.ID, p.addr, err)
	}
	in, err := conn.Recv(ctx)
	if err != nil {
		conn.Abort()
		return nil, ngap.AMFInfo{}, fmt.Errorf("gnb %s: waiting for %s's NG Setup answer: %w", g.cfg.ID, p.addr, err)
	}
	m, err := ngap.Decode(in.Data)
	if err != nil {
		conn.Abort()
		return nil, ngap.AMFInfo{}, fmt.Errorf("gnb %s: %s's NG Setup answer: %w", g.cfg.ID, p.addr, err)
	}
	switch resp := m.(type) {
	case *message.NGSetupResponse:
		info, err := ngap.DecodeNGSetupResponse(resp)
		if err != nil {
			// TS 38.413 §10.3: a response missing mandatory IEs is a
			// failed procedure; the association is of no use.
			conn.Abort()
			return nil, ngap.AMFInfo{}, fmt.Errorf("gnb %s: %s's NG Setup Response: %w", g.cfg.ID, p.addr, err)
		}
		return a, info, nil
	case *message.NGSetupFailure:
		conn.Close()
		return nil, ngap.AMFInfo{}, &SetupError{Cause: ngap.CauseString(resp.Cause), TimeToWait: timeToWait(resp.TimeToWait)}
	case *message.ErrorIndication:
		conn.Close()
		return nil, ngap.AMFInfo{}, &SetupError{Cause: ngap.CauseString(resp.Cause)}
	}
	conn.Abort()
	return nil, ngap.AMFInfo{}, fmt.Errorf("gnb %s: NG Setup to %s answered with %T", g.cfg.ID, p.addr, m)
}

// install makes a the peer's association and takes what NG Setup
// Response said; it reports false after Close, a then being aborted.
func (g *GNB) install(a *assoc, info ngap.AMFInfo) bool {
	g.amfs.mu.Lock()
	defer g.amfs.mu.Unlock()
	if g.amfs.closed {
		a.conn.Abort()
		return false
	}
	p := a.peer
	if p.last != nil {
		// What is left of the association that ended (the next one
		// replaces it as Conn).
		p.last.conn.Abort()
	}
	p.cur, p.last = a, a
	p.setUps++
	g.amfs.serve(p, info.Name, info.GUAMIs, info.BackupAMFNames)
	p.capacity = info.Capacity
	return true
}

// serve records that p is name and serves guamis, with their backups;
// the GUAMIs are available again. Called with mu held.
func (t *amfTable) serve(p *amfPeer, name string, guamis []ident.GUAMI, backups map[ident.GUAMI]string) {
	if name != "" {
		p.name = name
	}
	p.guamis = slices.Clone(guamis)
	for _, gu := range guamis {
		delete(t.unavailable, gu)
		if b := backups[gu]; b != "" {
			t.backups[gu] = b
		}
	}
}

// run is the goroutine of peer p: it reads association a (nil when the
// first NG Setup failed) until it ends, releases the UE connections
// bound to it, and with Reconnect sets up a new association, until Close.
// The last peer to return closes Events and Down.
func (g *GNB) run(p *amfPeer, a *assoc) {
	defer g.wg.Done()
	defer g.peerDone()
	for {
		if a != nil {
			err := g.read(a)
			g.lost(a, err)
		}
		if g.cfg.Reconnect.Initial <= 0 {
			return
		}
		if a = g.redial(p); a == nil {
			return
		}
		g.emit(Event{Procedure: "AMFSetUp", AMF: g.peerName(p)})
	}
}

// peerDone counts a peer goroutine out; the last closes Events and Down.
func (g *GNB) peerDone() {
	if g.running.Add(-1) == 0 {
		close(g.events)
		close(g.done)
	}
}

func (g *GNB) peerName(p *amfPeer) string {
	g.amfs.mu.Lock()
	defer g.amfs.mu.Unlock()
	if p.name != "" {
		return p.name
	}
	return p.addr.String()
}

// lost marks association a down, releases the UE connections bound to
// it, and tells of it when the gNB stays up (another AMF or Reconnect).
func (g *GNB) lost(a *assoc, err error) {
	g.amfs.mu.Lock()
	if a.peer.cur == a {
		a.peer.cur = nil
	}
	others := false
	for _, p := range g.amfs.peers {
		others = others || p.cur != nil
	}
	closed := g.amfs.closed
	g.amfs.mu.Unlock()
	close(a.down)
	g.releaseAll(a)
	if !closed && (others || g.cfg.Reconnect.Initial > 0) {
		cause := "closed"
		if err != nil {
			cause = err.Error()
		}
		g.emit(Event{Procedure: "AMFLost", Cause: cause, AMF: g.peerName(a.peer)})
	}
}

// redial sets up a new association with p, waiting the back-off before
// each attempt, until one succeeds or Close; nil after Close.
func (g *GNB) redial(p *amfPeer) *assoc {
	b := g.cfg.Reconnect
	wait := b.Initial
	for {
		t := time.NewTimer(wait)
		select {
		case <-g.ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(g.ctx, b.timeout())
		a, info, err := g.setUp(ctx, p)
		cancel()
		if err == nil {
			if !g.install(a, info) {
				return nil
			}
			return a
		}
		if g.ctx.Err() != nil {
			return nil
		}
		g.log.Info("gnb: reconnection to the AMF failed", "amf", p.addr, "err", err)
		if wait *= 2; b.Max > 0 && wait > b.Max {
			wait = b.Max
		}
		var se *SetupError
		if errors.As(err, &se) && se.TimeToWait > wait {
			wait = se.TimeToWait
		}
	}
}

// read handles what comes on association a until it ends; it returns why.
func (g *GNB) read(a *assoc) error {
	ctx := context.Background()
	for {
		in, err := a.conn.Recv(ctx)
		if err != nil {
			if errors.Is(err, sctp.ErrClosed) {
				return nil
			}
			g.log.Info("gnb: association down", "amf", a.peer.addr, "err", err)
			return err
		}
		m, err := ngap.Decode(in.Data)
		if err != nil {
			g.emit(Event{Procedure: "Undecodable", Cause: err.Error()})
			continue
		}
		if g.handleUE(ctx, a, m) {
			continue
		}
		g.handleNonUE(ctx, a, m)
	}
}

// handleNonUE runs the non-UE-associated messages of an AMF.
func (g *GNB) handleNonUE(ctx context.Context, a *assoc, m message.Message) {
	switch x := m.(type) {
	case *message.NGReset:
		// TS 38.413 §8.7.4.2.1: release, then acknowledge.
		a.send(ctx, &message.NGResetAcknowledge{})
		g.emit(Event{Procedure: "NGReset", Cause: ngap.CauseString(x.Cause)})
	case *message.Paging:
		g.handlePaging(x)
	case *message.AMFStatusIndication:
		g.handleStatusIndication(a, x)
	case *message.AMFConfigurationUpdate:
		g.handleConfigurationUpdate(ctx, a, x)
	case *message.ErrorIndication:
		g.emit(Event{Procedure: "ErrorIndication", Cause: ngap.CauseString(x.Cause)})
	case *message.RANConfigurationUpdateAcknowledge:
		g.emit(Event{Procedure: "RANConfigurationUpdateAcknowledge"})
	case *message.RANConfigurationUpdateFailure:
		g.emit(Event{Procedure: "RANConfigurationUpdateFailure", Cause: ngap.CauseString(x.Cause)})
	case *message.NGResetAcknowledge:
		g.emit(Event{Procedure: "NGResetAcknowledge"})
	case *message.NGSetupResponse:
		g.emit(Event{Procedure: "NGSetupResponse"})
	case *message.NGSetupFailure:
		g.emit(Event{Procedure: "NGSetupFailure", Cause: ngap.CauseString(x.Cause)})
	case *message.HandoverCancelAcknowledge:
		g.emit(Event{Procedure: "HandoverCancelAcknowledge"})
	default:
		g.emit(Event{Procedure: fmt.Sprintf("%T", m)})
	}
}

// handleStatusIndication runs AMF Status Indication (TS 38.413 §8.7.6.2):
// the GUAMIs listed are unavailable, so that new UE-associated signalling
// for them goes to their backup AMF, if one is named there or was in the
// Served GUAMI List, else to another AMF of the same AMF set (TS 23.501
// §6.3.5, selectAMF). The UE connections already bound to the AMF stay:
// the AMF releases or keeps them. A message that does not decode is only
// an event (there is no answer to AMF Status Indication on N2).
func (g *GNB) handleStatusIndication(a *assoc, m *message.AMFStatusIndication) {
	guamis, backups, err := ngap.DecodeAMFStatusIndication(m)
	if err != nil {
		g.emit(Event{Procedure: "AMFStatusIndication", Cause: err.Error(), AMF: g.peerName(a.peer)})
		return
	}
	g.amfs.mu.Lock()
	for _, gu := range guamis {
		g.amfs.unavailable[gu] = true
		if b := backups[gu]; b != "" {
			g.amfs.backups[gu] = b
		}
	}
	g.amfs.mu.Unlock()
	g.emit(Event{Procedure: "AMFStatusIndication", Cause: fmt.Sprintf("%d GUAMIs unavailable", len(guamis)), AMF: g.peerName(a.peer)})
}

// handleConfigurationUpdate runs AMF Configuration Update (TS 38.413
// §8.7.3.2): the gNB takes the AMF's new name, Served GUAMI List and
// Relative AMF Capacity, those present, and acknowledges. A Served GUAMI
// List that does not decode is not taken.
func (g *GNB) handleConfigurationUpdate(ctx context.Context, a *assoc, m *message.AMFConfigurationUpdate) {
	var (
		guamis  []ident.GUAMI
		backups map[ident.GUAMI]string
		err     error
	)
	if m.ServedGUAMIList != nil {
		guamis, backups, err = ngap.DecodeServedGUAMIs(m.ServedGUAMIList)
	}
	g.amfs.mu.Lock()
	p := a.peer
	if m.AMFName != nil && len(m.AMFName.Value) > 0 {
		p.name = string(m.AMFName.Value)
	}
	if m.ServedGUAMIList != nil && err == nil {
		g.amfs.serve(p, "", guamis, backups)
	}
	if c := m.RelativeAMFCapacity; c != nil && c.Value >= 0 && c.Value <= 255 {
		p.capacity = uint8(c.Value)
	}
	g.amfs.mu.Unlock()
	a.send(ctx, &message.AMFConfigurationUpdateAcknowledge{})
	cause := ""
	if err != nil {
		cause = err.Error()
	}
	g.emit(Event{Procedure: "AMFConfigurationUpdate", Cause: cause, AMF: g.peerName(p)})
}
