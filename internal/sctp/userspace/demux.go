package userspace

import (
	"errors"
	"math/rand/v2"
	"net/netip"
	"sync"
)

// Every raw SCTP socket receives every SCTP packet of the network
// namespace: those of other processes, and on lo this transport's own
// outbound packets. The demultiplexer keeps a packet only if its
// destination and source (address and port) name one of this transport's
// associations, or its destination one of its listeners; everything else is
// left alone, unanswered, since it may belong to another SCTP stack.

// tuple names an association by its primary addresses (RFC 9260 §1.6).
type tuple struct {
	local, remote netip.AddrPort
}

// Ephemeral ports for Dial (RFC 6335 §6).
const (
	ephemeralFirst = 49152
	ephemeralLast  = 65535
)

var errPortInUse = errors.New("port in use")

// table maps packets to associations and listeners. Lock order: table.mu
// is a leaf; it is never held while calling out.
type table struct {
	mu        sync.RWMutex
	closed    bool
	endpoints map[tuple]*endpoint
	listeners map[netip.AddrPort]*listener // key address may be unspecified
	ports     map[uint16]int               // local port -> listeners and dialers using it
}

func newTable() *table {
	return &table{
		endpoints: make(map[tuple]*endpoint),
		listeners: make(map[netip.AddrPort]*listener),
		ports:     make(map[uint16]int),
	}
}

// lookup returns the association of a packet, or else the listener of its
// destination.
func (t *table) lookup(tp tuple) (*endpoint, *listener) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if ep := t.endpoints[tp]; ep != nil {
		return ep, nil
	}
	if l := t.listeners[tp.local]; l != nil {
		return nil, l
	}
	any4 := netip.AddrPortFrom(netip.IPv4Unspecified(), tp.local.Port())
	return nil, t.listeners[any4]
}

// addEndpoint registers ep unless its tuple is taken or the table closed.
func (t *table) addEndpoint(ep *endpoint) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed || t.endpoints[ep.tuple] != nil {
		return false
	}
	t.endpoints[ep.tuple] = ep
	return true
}

func (t *table) removeEndpoint(ep *endpoint) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.endpoints[ep.tuple] == ep {
		delete(t.endpoints, ep.tuple)
	}
	if ep.ownsPort {
		t.releasePort(ep.tuple.local.Port())
	}
}

// addListener registers l on l.addr, choosing the port if it is 0. Two
// listeners conflict on the same port if their addresses are equal or one
// is unspecified.
func (t *table) addListener(l *listener) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return errClosedTransport
	}
	if l.addr.Port() == 0 {
		p, ok := t.freePort()
		if !ok {
			return errPortInUse
		}
		l.addr = netip.AddrPortFrom(l.addr.Addr(), p)
	}
	for a := range t.listeners {
		if a.Port() == l.addr.Port() &&
			(a.Addr() == l.addr.Addr() || a.Addr().IsUnspecified() || l.addr.Addr().IsUnspecified()) {
			return errPortInUse
		}
	}
	t.listeners[l.addr] = l
	t.ports[l.addr.Port()]++
	return nil
}

func (t *table) removeListener(l *listener) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.listeners[l.addr] == l {
		delete(t.listeners, l.addr)
		t.releasePort(l.addr.Port())
	}
}

// addDialer picks an unused ephemeral port for the association ep opens
// and registers ep under it.
func (t *table) addDialer(ep *endpoint) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	p, ok := t.freePort()
	if !ok {
		return false
	}
	ep.tuple.local = netip.AddrPortFrom(ep.tuple.local.Addr(), p)
	ep.ownsPort = true
	t.ports[p]++
	t.endpoints[ep.tuple] = ep
	return true
}

// freePort returns an ephemeral port no listener or dialer of this
// transport uses, starting from a random one. Other processes' SCTP
// stacks are invisible to it. Called with mu held.
func (t *table) freePort() (uint16, bool) {
	const n = ephemeralLast - ephemeralFirst + 1
	start := rand.IntN(n)
	for i := range n {
		p := uint16(ephemeralFirst + (start+i)%n)
		if t.ports[p] == 0 {
			return p, true
		}
	}
	return 0, false
}

func (t *table) releasePort(p uint16) {
	if t.ports[p]--; t.ports[p] <= 0 {
		delete(t.ports, p)
	}
}

// close refuses new entries and returns the listeners to close.
func (t *table) close() []*listener {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	ls := make([]*listener, 0, len(t.listeners))
	for _, l := range t.listeners {
		ls = append(ls, l)
	}
	return ls
}

// remaining returns the endpoints still registered.
func (t *table) remaining() []*endpoint {
	t.mu.RLock()
	defer t.mu.RUnlock()
	eps := make([]*endpoint, 0, len(t.endpoints))
	for _, ep := range t.endpoints {
		eps = append(eps, ep)
	}
	return eps
}

// readLoop is the transport's receive goroutine: it reads the raw socket
// until it is closed and dispatches each packet.
func (t *Transport) readLoop() {
	defer t.wg.Done()
	buf := make([]byte, 65535)
	for {
		src, dst, p, ok, err := t.raw.read(buf)
		if err != nil {
			select {
			case <-t.done:
			default:
				t.log.Error("userspace sctp: raw socket read failed; no more packets will be received", "err", err)
			}
			return
		}
		if ok {
			t.dispatch(src, dst, p)
		}
	}
}

// dispatch hands packet p, from src to dst, to its association, to a
// listener if it opens a new one, or to the out-of-the-blue rules.
func (t *Transport) dispatch(src, dst netip.Addr, p []byte) {
	if len(p) < commonHeaderLen {
		return
	}
	tp := tuple{
		local:  netip.AddrPortFrom(dst, dstPort(p)),
		remote: netip.AddrPortFrom(src, srcPort(p)),
	}
	ep, l := t.tab.lookup(tp)
	if ep == nil && l == nil {
		return
	}
	if !validChecksum(p) {
		t.stats.checksumErrors.Add(1)
		return
	}
	var arr [16]chunk
	cs, err := chunks(p, arr[:0])
	if err != nil {
		t.stats.malformed.Add(1)
		return
	}
	if t.opts.DropInbound != nil && t.opts.DropInbound(p) {
		t.stats.injectedDrops.Add(1)
		return
	}
	if ep == nil {
		// RFC 9260 §8.4 rule 3 and §5.1: an INIT, alone in its packet with
		// a zero verification tag, opens an association.
		if len(cs) == 1 && cs[0].typ() == ctInit && vtag(p) == 0 {
			if ep = l.admit(tp); ep == nil {
				t.stats.initsRefused.Add(1)
				return
			}
		} else {
			t.outOfTheBlue(tp, p, cs)
			return
		}
	}
	ep.receive(p, cs)
}
