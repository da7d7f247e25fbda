package gnb

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"
)

// userPlane is the gNB's N3 endpoint: one UDP socket, read by one
// goroutine of the GNB, that carries the G-PDUs of every bearer.
type userPlane struct {
	conn *net.UDPConn
	addr netip.Addr // announced as the DL tunnel address
	// peerPort is where the UPF's GTP-U listens: 2152, other in tests.
	peerPort uint16
}

// n3ReadBuffer is the receive buffer the gNB asks for its N3 socket.
const n3ReadBuffer = 4 << 20

// listenN3 opens the gNB's GTP-U socket.
func listenN3(local netip.AddrPort, peerPort uint16) (*userPlane, error) {
	conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(local))
	if err != nil {
		return nil, fmt.Errorf("gnb: N3 GTP-U socket on %s: %w", local, err)
	}
	// Bursts of downlink (a handover's traffic for hundreds of UEs at
	// once) must not overflow the default receive buffer while the one
	// reader goroutine catches up; the kernel caps it at rmem_max.
	conn.SetReadBuffer(n3ReadBuffer)
	return &userPlane{conn: conn, addr: local.Addr(), peerPort: peerPort}, nil
}

// bearer is the gNB's side of one PDU session of one UE: the UPF's
// uplink tunnel and the gNB's downlink TEID.
type bearer struct {
	Bearer
	c *UEConn
	// rx is the inbox of a running Ping, nil when none runs.
	rx chan []byte
	// inbox holds the downlink packets no Ping took, for Receive.
	inbox chan Packet
	// forward, set on the source gNB once the UE was handed over over Xn
	// (handover.go), is the target's bearer: downlink still arriving on
	// this tunnel goes there, until the UPF's End Marker.
	forward *bearer
	// ended is closed when the End Marker came.
	ended chan struct{}
}

// Packet is a downlink T-PDU the gNB received on a bearer, and when.
type Packet struct {
	Data []byte
	At   time.Time
}

// inboxBuffer bounds the downlink packets waiting for Receive on one
// bearer; more are dropped.
const inboxBuffer = 8

// bearerTable holds every bearer of the GNB. mu also guards the
// sessions map and the added channel of each UEConn and the rx field of
// each bearer; it is never held across I/O.
type bearerTable struct {
	mu       sync.Mutex
	byTEID   map[uint32]*bearer
	lastTEID uint32
}

// rxBuffer bounds the downlink packets waiting for a Ping.
const rxBuffer = 64

// addBearer allocates a DL TEID for a new bearer of c (TS 38.413
// §8.2.1.2: the NG-RAN node allocates the DL tunnel).
func (g *GNB) addBearer(c *UEConn, b Bearer) (*bearer, error) {
	g.bearers.mu.Lock()
	defer g.bearers.mu.Unlock()
	if c.sessions == nil {
		c.sessions = map[uint8]*bearer{}
	}
	if _, dup := c.sessions[b.PDUSessionID]; dup {
		return nil, fmt.Errorf("%w: PDU session %d of %s", errDuplicate, b.PDUSessionID, c)
	}
	if uint64(len(g.bearers.byTEID)) >= 1<<32-1 {
		return nil, errors.New("gnb: out of TEIDs")
	}
	for {
		g.bearers.lastTEID++
		if t := g.bearers.lastTEID; t != 0 && g.bearers.byTEID[t] == nil {
			break
		}
	}
	b.DLTEID = g.bearers.lastTEID
	x := &bearer{Bearer: b, c: c, inbox: make(chan Packet, inboxBuffer)}
	g.bearers.byTEID[b.DLTEID] = x
	c.sessions[b.PDUSessionID] = x
	close(c.added)
	c.added = make(chan struct{})
	return x, nil
}

// removeBearer forgets the bearer of PDU session psi of c, if any.
func (g *GNB) removeBearer(c *UEConn, psi uint8) bool {
	g.bearers.mu.Lock()
	defer g.bearers.mu.Unlock()
	b := c.sessions[psi]
	if b == nil {
		return false
	}
	delete(c.sessions, psi)
	delete(g.bearers.byTEID, b.DLTEID)
	return true
}

// removeBearers forgets every bearer of c: its UE context is gone.
func (g *GNB) removeBearers(c *UEConn) {
	g.bearers.mu.Lock()
	defer g.bearers.mu.Unlock()
	for psi, b := range c.sessions {
		delete(c.sessions, psi)
		delete(g.bearers.byTEID, b.DLTEID)
	}
}

// readN3 is the GNB's user plane goroutine: it answers Echo Requests and
// routes G-PDUs by TEID until Close closes the socket. Messages it does
// not use are dropped: G-PDUs for unknown TEIDs (TS 29.281 §7.3.1 would
// answer Error Indication), Error Indications and End Markers.
func (g *GNB) readN3() {
	defer g.wg.Done()
	buf := make([]byte, 1<<16)
	var out []byte
	for {
		n, from, err := g.up.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			g.log.Warn("gnb: N3 read", "err", err)
			continue
		}
		m, err := parseGTP(buf[:n])
		if err != nil {
			continue
		}
		switch m.typ {
		case gtpEchoRequest:
			out = echoResponse(out[:0], m.seq)
			if _, err := g.up.conn.WriteToUDPAddrPort(out, from); err != nil {
				g.log.Warn("gnb: GTP-U Echo Response", "to", from, "err", err)
			}
		case gtpGPDU:
			g.deliverDL(m.teid, m.payload)
		case gtpEndMarker:
			g.endMarker(m.teid)
		case gtpErrorIndication:
			g.log.Info("gnb: GTP-U Error Indication", "from", from)
		}
	}
}

// deliverDL hands a downlink T-PDU to the Ping running on its bearer,
// or else to the bearer's inbox for Receive.
func (g *GNB) deliverDL(teid uint32, pdu []byte) {
	g.bearers.mu.Lock()
	b := g.bearers.byTEID[teid]
	var fwd *bearer
	if b != nil {
		fwd = b.forward
		if isDiscard(pdu) {
			g.discards.Add(1)
		}
	} else {
		g.unknown.Add(1)
	}
	if fwd == nil {
		defer g.bearers.mu.Unlock()
		if b != nil {
			b.take(pdu)
		}
		return
	}
	g.bearers.mu.Unlock()
	// Xn data forwarding (TS 23.502 §4.9.1.2.2, TS 38.300 §9.2.3.2): the
	// UE is at the target now. The source's lock is released first: two
	// gNBs may forward to each other at once.
	g.forwarded.Add(1)
	t := fwd.c.g
	t.bearers.mu.Lock()
	defer t.bearers.mu.Unlock()
	fwd.take(pdu)
}

// isDiscard reports whether the IPv4 packet pdu is a UDP datagram to
// the discard port (RFC 863).
func isDiscard(pdu []byte) bool {
	const protoUDP, discardPort = 17, 9
	if len(pdu) < 20 || pdu[0]>>4 != 4 || pdu[9] != protoUDP {
		return false
	}
	hl := int(pdu[0]&0x0f) * 4
	return len(pdu) >= hl+4 && int(pdu[hl+2])<<8|int(pdu[hl+3]) == discardPort
}

// take hands a downlink T-PDU to the Ping running on the bearer, or else
// to its inbox. Called with the bearer's gNB's bearers.mu held.
func (b *bearer) take(pdu []byte) {
	if b.rx != nil {
		select {
		case b.rx <- append([]byte(nil), pdu...):
		default:
		}
		return
	}
	select {
	case b.inbox <- Packet{Data: append([]byte(nil), pdu...), At: time.Now()}:
	default:
	}
}

// Receive waits for the next downlink packet on PDU session psi's bearer
// that no Ping took (the gNB keeps the last few, from the bearer's setup
// on). A connection released meanwhile ends it with ErrReleased.
func (c *UEConn) Receive(ctx context.Context, psi uint8) (Packet, error) {
	c.g.bearers.mu.Lock()
	b := c.sessions[psi]
	c.g.bearers.mu.Unlock()
	if b == nil {
		return Packet{}, fmt.Errorf("gnb: %s has no resources for PDU session %d", c, psi)
	}
	select {
	case p := <-b.inbox:
		return p, nil
	case <-c.gone:
		return Packet{}, ErrReleased
	case <-ctx.Done():
		return Packet{}, fmt.Errorf("gnb: waiting for downlink on PDU session %d of %s: %w", psi, c, ctx.Err())
	}
}

// WaitSession waits until the gNB has set up the resources of PDU
// session psi (from a PDU Session Resource Setup or an Initial Context
// Setup Request) and returns its bearer. A connection released
// meanwhile ends it with ErrReleased.
func (c *UEConn) WaitSession(ctx context.Context, psi uint8) (Bearer, error) {
	for {
		c.g.bearers.mu.Lock()
		b, added := c.sessions[psi], c.added
		c.g.bearers.mu.Unlock()
		if b != nil {
			return b.Bearer, nil
		}
		select {
		case <-added:
		case <-c.gone:
			return Bearer{}, ErrReleased
		case <-ctx.Done():
			return Bearer{}, fmt.Errorf("gnb: waiting for the resources of PDU session %d of %s: %w", psi, c, ctx.Err())
		}
	}
}

// sendUL sends a T-PDU on the bearer's uplink tunnel.
func (g *GNB) sendUL(b Bearer, pdu []byte) error {
	pkt, err := appendGPDU(make([]byte, 0, ulHeaderLen+len(pdu)), b.UL.TEID, b.QFI, pdu)
	if err != nil {
		return err
	}
	_, err = g.up.conn.WriteToUDPAddrPort(pkt, netip.AddrPortFrom(b.UL.Addr, g.up.peerPort))
	return err
}
