package userspace

import (
	"io"
	"math/rand/v2"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/transport/v5/deadline"
)

// endpoint is one association's side of the adapter: the net.Conn pion
// runs the association over. Read hands pion the packets the
// demultiplexer queued, rewritten for it; Write puts pion's packets on the
// wire. On the way it notes what the association's end will need to
// report: when the peer was last heard from, and whether an ABORT or a
// SHUTDOWN went by.
//
// Read is called by pion's read goroutine only, Write by its write
// goroutine; receive by the transport's read goroutine. Close may come
// from anywhere.
type endpoint struct {
	t        *Transport
	tuple    tuple
	ownsPort bool          // the port was allocated by Dial and is released on Close
	hb       heartbeatInfo // immutable

	in        chan inbound
	closed    chan struct{}
	closeOnce sync.Once
	rdl       *deadline.Deadline

	// sackSeen is set by Read when the packet it returned carried a SACK;
	// the next Read, entered once pion has processed that packet, wakes
	// senders waiting for room (conn.waitRoom). Read's goroutine only.
	sackSeen bool
	room     waker

	lastRx       atomic.Int64 // unix nanoseconds of the last packet from the peer
	peerAbort    atomic.Bool
	abortCause   atomic.Uint32
	peerShutdown atomic.Bool
	sentAbort    atomic.Bool

	mu        sync.Mutex
	peerInit  initInfo // the peer's INIT or INIT ACK
	localInit initInfo // ours, as sent

	wmu  sync.Mutex
	wbuf []byte
}

type inbound struct {
	b    []byte
	sack bool
}

// inboundQueue is the number of packets an association may have waiting
// for pion before the demultiplexer drops its packets.
const inboundQueue = 1024

func newEndpoint(t *Transport, tp tuple) *endpoint {
	ep := &endpoint{
		t:      t,
		tuple:  tp,
		in:     make(chan inbound, inboundQueue),
		closed: make(chan struct{}),
		rdl:    deadline.New(),
		wbuf:   make([]byte, 0, t.opts.MTU),
		hb:     heartbeatInfo{nonce: rand.Uint64(), dst: tp.remote.Addr()},
	}
	ep.lastRx.Store(time.Now().UnixNano())
	return ep
}

// receive takes packet p of this association, checksum verified, from the
// demultiplexer.
func (ep *endpoint) receive(p []byte, cs []chunk) {
	s := summarize(cs)
	p, acks := ep.hb.takeAcks(p, cs)
	ep.t.stats.heartbeatAcks.Add(uint64(acks.matched))
	ep.t.stats.heartbeatAcksDropped.Add(uint64(acks.dropped))
	if p == nil {
		if acks.matched > 0 {
			ep.lastRx.Store(time.Now().UnixNano())
		}
		return
	}
	out, stripped, info, err := toPion(p)
	if err != nil {
		ep.t.stats.malformed.Add(1)
		return
	}
	ep.lastRx.Store(time.Now().UnixNano())
	if len(stripped) > 0 {
		ep.t.stats.paramsStripped.Add(uint64(len(stripped)))
		ep.t.log.Debug("userspace sctp: INIT parameters stripped for pion",
			"remote", ep.tuple.remote, "chunk", s.first, "types", stripped)
	}
	if len(out) > 1 {
		ep.t.stats.split.Add(1)
	}
	if info.seen {
		ep.mu.Lock()
		ep.peerInit = info
		ep.mu.Unlock()
	}
	if s.abort {
		ep.abortCause.Store(uint32(s.abortCause))
		ep.peerAbort.Store(true)
	}
	if s.shutdown {
		ep.peerShutdown.Store(true)
	}
	for _, q := range out {
		select {
		case ep.in <- inbound{b: q, sack: s.sack}:
			ep.t.stats.packetsIn.Add(1)
		default:
			ep.t.stats.queueDrops.Add(1)
		}
	}
}

// outStreams is the number of outbound streams the INIT exchange allows
// (RFC 9260 §5.1.1): the smaller of the OS this side sent and the MIS the
// peer sent.
func (ep *endpoint) outStreams() uint16 {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	n := ep.t.opts.Streams
	if ep.localInit.seen {
		n = min(n, ep.localInit.outStreams)
	}
	if ep.peerInit.seen {
		n = min(n, ep.peerInit.inStreams)
	}
	return n
}

// Read implements net.Conn for pion.
func (ep *endpoint) Read(b []byte) (int, error) {
	if ep.sackSeen {
		ep.sackSeen = false
		ep.room.wake()
	}
	select {
	case pkt := <-ep.in:
		ep.sackSeen = pkt.sack
		return copy(b, pkt.b), nil
	case <-ep.closed:
		return 0, io.EOF
	case <-ep.rdl.Done():
		return 0, os.ErrDeadlineExceeded
	}
}

// Write implements net.Conn for pion: one call, one packet.
func (ep *endpoint) Write(b []byte) (int, error) {
	select {
	case <-ep.closed:
		return 0, net.ErrClosed
	default:
	}
	if len(b) < commonHeaderLen+chunkHeaderLen {
		return len(b), nil
	}
	ep.wmu.Lock()
	defer ep.wmu.Unlock()
	q := append(ep.wbuf[:0], b...)
	ep.wbuf = q[:0]
	var arr [16]chunk
	if cs, err := chunks(q, arr[:0]); err == nil && hasEmptyHeartbeat(cs) {
		q = ep.hb.completeHeartbeats(q, cs, time.Now())
		ep.t.stats.heartbeats.Add(1)
	}
	info := toWire(q, ep.tuple.local.Port(), ep.tuple.remote.Port(), ep.t.opts.Streams)
	if info.seen {
		ep.mu.Lock()
		ep.localInit = info
		ep.mu.Unlock()
	}
	if q[commonHeaderLen] == ctAbort {
		ep.sentAbort.Store(true)
	}
	ep.t.send(q, ep.tuple.local.Addr(), ep.tuple.remote.Addr())
	return len(b), nil
}

// Close implements net.Conn for pion; it also unregisters the association
// from the demultiplexer. Packets still queued are dropped.
func (ep *endpoint) Close() error {
	ep.closeOnce.Do(func() {
		close(ep.closed)
		ep.t.tab.removeEndpoint(ep)
	})
	return nil
}

func (ep *endpoint) LocalAddr() net.Addr {
	return &net.IPAddr{IP: ep.tuple.local.Addr().AsSlice()}
}

func (ep *endpoint) RemoteAddr() net.Addr {
	return &net.IPAddr{IP: ep.tuple.remote.Addr().AsSlice()}
}

func (ep *endpoint) SetDeadline(t time.Time) error {
	ep.rdl.Set(t)
	return nil
}

func (ep *endpoint) SetReadDeadline(t time.Time) error {
	ep.rdl.Set(t)
	return nil
}

// SetWriteDeadline is accepted and ignored: Write never blocks.
func (ep *endpoint) SetWriteDeadline(time.Time) error { return nil }

// waker wakes every goroutine waiting on it; it costs nothing when none is.
type waker struct {
	mu sync.Mutex
	ch chan struct{}
}

// wait returns a channel closed by the next wake.
func (w *waker) wait() <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ch == nil {
		w.ch = make(chan struct{})
	}
	return w.ch
}

func (w *waker) wake() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ch != nil {
		close(w.ch)
		w.ch = nil
	}
}
