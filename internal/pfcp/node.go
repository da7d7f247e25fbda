package pfcp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/wmnsk/go-pfcp/message"
)

// Handler answers a request: it returns the response, or nil to send
// none. The Node sets the response's sequence number. Handlers run
// concurrently, each with a context cancelled by Close.
type Handler func(ctx context.Context, peer netip.AddrPort, req message.Message) message.Message

// Options configure a Node. The zero value is usable.
type Options struct {
	// T1 is the retransmission timer (TS 29.244 §6.4); 0 means 3 s.
	T1 time.Duration
	// N1 is the number of retransmissions after the first send; 0 means
	// 3, a negative value none.
	N1       int
	Logger   *slog.Logger
	Registry prometheus.Registerer
	// Now is the clock of the Recovery Time Stamp and of the response
	// cache; nil means time.Now. Retransmissions use real timers.
	Now func() time.Time

	// NodeID goes in the responses the Node builds itself: to requests
	// Decode refuses (TS 29.244 §7.6) and in congestion.
	NodeID netip.Addr
	// Refused, when set, answers a request Decode refused instead of the
	// default, e.Response(0, NodeID, RecoveryTime()); returning nil sends
	// nothing. It lets the application count the refusal and put the
	// peer's SEID in the header.
	Refused func(ctx context.Context, peer netip.AddrPort, e *CauseError) message.Message
	// ResponseCache is how long answered requests are remembered, so that
	// a retransmitted request gets the same response without running the
	// handler again (§6.4); 0 means 2×T1×(N1+1).
	ResponseCache time.Duration
	// Unmatched, when set, is given each response that matches no
	// request waiting for one: a late answer to a request given up on
	// (ErrTimeout), or a second answer to one already answered. It runs
	// on the Node's reader and must not block. Such responses are
	// discarded either way (§7.6.5); Unmatched lets the application undo
	// what a late answer reports done, such as a session the peer
	// created after the request timed out.
	Unmatched func(peer netip.AddrPort, m message.Message)
	// MaxHandlers bounds the requests handled at once; a request beyond
	// it is answered "PFCP entity in congestion" (§8.2.1, cause 74). 0
	// means 4096.
	MaxHandlers int
}

// Node is one PFCP entity on a UDP socket. Requests it sends are
// retransmitted every T1 up to N1 times and matched with their response
// by sequence number; requests it receives are handled concurrently, and
// a duplicate is answered from a cache of recent responses without
// running the handler again.
type Node struct {
	conn     *net.UDPConn
	addr     netip.AddrPort
	handler  Handler
	opts     Options
	log      *slog.Logger
	recovery time.Time
	metrics  *nodeMetrics

	ctx      context.Context // cancelled by Close
	cancel   context.CancelFunc
	wg       sync.WaitGroup // the reader and the handlers
	handlers chan struct{}  // a token per running handler

	// out holds the requests waiting for a response.
	out struct {
		sync.Mutex
		next    uint32 // next sequence number, 24 bits
		pending map[uint32]*transaction
	}
	// in remembers the requests received, answered or being handled,
	// for ResponseCache: an answer older than that is gone for serve
	// (TS 29.244 §6.4), and a sweep every quarter of it removes such
	// answers in bulk (sweep), so memory holds the requests of 1.25
	// ResponseCache at most. The answers are values in the map, 56 bytes
	// each beside their responses (an answer by pointer and a queue of
	// them by age took some 180 bytes a request: a third of the UPF's
	// memory per UE right after a burst of sessions).
	in struct {
		sync.Mutex
		seen  map[inKey]answer
		peak  int   // the most answers seen held since it was made
		swept int64 // when the last sweep ran, from base
	}
	// base is when the Node started: answers' times count from it.
	base time.Time
}

type transaction struct {
	peer netip.Addr
	want uint8 // the response's message type
	done chan result
}

type result struct {
	m   message.Message
	err error
}

// inKey names a request received: its peer's address and port, its
// sequence number and its message type. The address is kept in its
// 16-byte form (an IPv6 zone is not kept: PFCP peers have none).
type inKey struct {
	addr [16]byte
	port uint16
	typ  uint8
	seq  uint32
}

func keyOf(peer netip.AddrPort, typ uint8, seq uint32) inKey {
	return inKey{addr: peer.Addr().As16(), port: peer.Port(), typ: typ, seq: seq}
}

type answer struct {
	at   int64  // when the request came, from Node.base
	resp []byte // nil until answered, and when no response is sent
}

// Listen opens a Node on addr; h answers the requests it receives (nil
// answers none). The Node lives until Close or until ctx is done.
func Listen(ctx context.Context, addr netip.AddrPort, h Handler, opts Options) (*Node, error) {
	if opts.T1 <= 0 {
		opts.T1 = 3 * time.Second
	}
	switch {
	case opts.N1 == 0:
		opts.N1 = 3
	case opts.N1 < 0:
		opts.N1 = 0
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ResponseCache <= 0 {
		opts.ResponseCache = 2 * opts.T1 * time.Duration(opts.N1+1)
	}
	if opts.MaxHandlers <= 0 {
		opts.MaxHandlers = 4096
	}
	if h == nil {
		h = func(context.Context, netip.AddrPort, message.Message) message.Message { return nil }
	}
	conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(addr))
	if err != nil {
		return nil, fmt.Errorf("pfcp: %w", err)
	}
	rcvbuf := raiseBuffers(conn, socketBuffer)
	local := conn.LocalAddr().(*net.UDPAddr).AddrPort()
	local = netip.AddrPortFrom(local.Addr().Unmap(), local.Port())
	m, err := newNodeMetrics(opts.Registry, local)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("pfcp: %w", err)
	}
	n := &Node{
		conn: conn, addr: local, handler: h, opts: opts, metrics: m,
		log:      opts.Logger.With("pfcp_node", local.String()),
		recovery: opts.Now().Truncate(time.Second),
		handlers: make(chan struct{}, opts.MaxHandlers),
	}
	n.ctx, n.cancel = context.WithCancel(ctx)
	// A random first sequence number keeps a restarted node from matching
	// the duplicate cache its peers hold for its previous life.
	n.out.next = rand.Uint32N(1 << 24)
	n.out.pending = make(map[uint32]*transaction)
	n.in.seen = make(map[inKey]answer)
	n.base = opts.Now()
	context.AfterFunc(n.ctx, func() { conn.Close() })
	n.wg.Go(n.read)
	n.log.Debug("pfcp: node listening", "receive_buffer", rcvbuf)
	return n, nil
}

// socketBuffer is what a Node asks for its socket's buffers. A burst of
// requests, such as the session modifications of every UE of a gNB that
// went away, arrives faster than a node busy with other work reads it:
// the default (about 200 KiB, some thousand modifications) overflows, and
// every request lost waits out T1 (3 s) for its retransmission.
const socketBuffer = 4 << 20

// Addr is the local address of the Node's socket.
func (n *Node) Addr() netip.AddrPort { return n.addr }

// RecoveryTime is this node's Recovery Time Stamp (TS 29.244 §8.2.65):
// when it started, to the second.
func (n *Node) RecoveryTime() time.Time { return n.recovery }

// Close stops the Node: pending requests return ErrClosed, and Close
// returns once the reader and every handler have returned.
func (n *Node) Close() error {
	n.cancel()
	n.wg.Wait()
	return nil
}

// Request sends req to peer, with a sequence number the Node assigns,
// retransmits it every T1 until a response comes, and returns the
// response. After N1 retransmissions it gives up with ErrTimeout. A
// response that does not decode stops the retransmissions too (§7.6.1)
// and is returned as its *CauseError.
func (n *Node) Request(ctx context.Context, peer netip.AddrPort, req message.Message) (message.Message, error) {
	typ := req.MessageType()
	if !IsRequest(typ) {
		return nil, fmt.Errorf("pfcp: %s is not a request", TypeName(typ))
	}
	if n.ctx.Err() != nil {
		return nil, ErrClosed
	}
	peer = netip.AddrPortFrom(peer.Addr().Unmap(), peer.Port())
	t := &transaction{peer: peer.Addr(), want: typ + 1, done: make(chan result, 1)}
	seq := n.register(t)
	defer n.unregister(seq)
	req.SetSequenceNumber(seq)
	b, err := Marshal(req)
	if err != nil {
		return nil, err
	}
	timer := time.NewTimer(n.opts.T1)
	defer timer.Stop()
	for sent := 1; ; sent++ {
		if err := n.send(b, peer); err != nil {
			return nil, err
		}
		n.metrics.message("out", typ)
		timer.Reset(n.opts.T1)
		select {
		case r := <-t.done:
			return r.m, r.err
		case <-timer.C:
			if sent > n.opts.N1 {
				n.metrics.timeouts.Inc()
				return nil, fmt.Errorf("pfcp: %s to %v, sequence %d, sent %d times: %w", TypeName(typ), peer, seq, sent, ErrTimeout)
			}
			n.metrics.retransmissions.Inc()
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-n.ctx.Done():
			return nil, ErrClosed
		}
	}
}

func (n *Node) register(t *transaction) uint32 {
	n.out.Lock()
	defer n.out.Unlock()
	for {
		seq := n.out.next
		n.out.next = (n.out.next + 1) & 0xffffff
		if _, busy := n.out.pending[seq]; !busy {
			n.out.pending[seq] = t
			return seq
		}
	}
}

func (n *Node) unregister(seq uint32) {
	n.out.Lock()
	delete(n.out.pending, seq)
	n.out.Unlock()
}

// deliver hands a response to the request waiting for it; anything else
// is an unexpected message, silently discarded (§7.6.5).
func (n *Node) deliver(peer netip.AddrPort, seq uint32, typ uint8, r result) {
	n.out.Lock()
	t := n.out.pending[seq]
	n.out.Unlock()
	if t == nil || t.peer != peer.Addr() || (typ != t.want && typ != message.MsgTypeVersionNotSupportedResponse) {
		n.log.Debug("pfcp: unexpected response discarded", "peer", peer, "type", TypeName(typ), "seq", seq)
		if n.opts.Unmatched != nil && r.m != nil {
			n.opts.Unmatched(peer, r.m)
		}
		return
	}
	if typ == message.MsgTypeVersionNotSupportedResponse {
		r = result{err: fmt.Errorf("pfcp: %v answered: %w", peer, ErrVersionNotSupported)}
	}
	select {
	case t.done <- r:
	default: // a retransmission's response already came
		if n.opts.Unmatched != nil && r.m != nil {
			n.opts.Unmatched(peer, r.m)
		}
	}
}

func (n *Node) send(b []byte, peer netip.AddrPort) error {
	if _, err := n.conn.WriteToUDPAddrPort(b, peer); err != nil {
		if n.ctx.Err() != nil {
			return ErrClosed
		}
		return fmt.Errorf("pfcp: send to %v: %w", peer, err)
	}
	return nil
}

func (n *Node) read() {
	buf := make([]byte, 65536)
	for {
		k, from, err := n.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if n.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			n.log.Warn("pfcp: read", "err", err)
			continue
		}
		from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
		// go-pfcp keeps slices of what it parses: each datagram gets its
		// own bytes.
		b := bytes.Clone(buf[:k])
		for len(b) > 0 {
			var m []byte
			m, b = Split(b)
			n.receive(from, m)
		}
	}
}

func (n *Node) receive(peer netip.AddrPort, b []byte) {
	m, err := Decode(b)
	if err != nil {
		var ce *CauseError
		if !errors.As(err, &ce) {
			return
		}
		n.refuse(peer, ce)
		return
	}
	typ := m.MessageType()
	n.metrics.message("in", typ)
	switch {
	case IsResponse(typ):
		n.deliver(peer, m.Sequence(), typ, result{m: m})
	case IsRequest(typ):
		n.serve(peer, typ, m.Sequence(), func(ctx context.Context) message.Message {
			return n.handler(ctx, peer, m)
		})
	}
}

// refuse applies TS 29.244 §7.6 to a message Decode refused.
func (n *Node) refuse(peer netip.AddrPort, ce *CauseError) {
	n.metrics.protocolError(ce)
	log := n.log.With("peer", peer, "type", TypeName(ce.MessageType), "seq", ce.Sequence, "err", ce)
	switch {
	case errors.Is(ce, ErrVersionNotSupported) && IsRequest(ce.MessageType):
		log.Info("pfcp: version not supported")
		if b, err := Marshal(message.NewVersionNotSupportedResponse(ce.Sequence)); err == nil {
			n.send(b, peer)
		}
	case IsResponse(ce.MessageType) && ce.Cause != 0:
		// §7.6.1: a reply to an outstanding request stops its
		// retransmission even though it is discarded.
		log.Info("pfcp: malformed response")
		n.deliver(peer, ce.Sequence, ce.MessageType, result{err: ce})
	case ce.Answerable():
		log.Info("pfcp: request refused")
		n.serve(peer, ce.MessageType, ce.Sequence, func(ctx context.Context) message.Message {
			if n.opts.Refused != nil {
				return n.opts.Refused(ctx, peer, ce)
			}
			resp, err := ce.Response(0, n.opts.NodeID, n.recovery)
			if err != nil {
				n.log.Warn("pfcp: cannot build the refusal", "peer", peer, "err", err)
				return nil
			}
			return resp
		})
	default:
		log.Debug("pfcp: message discarded")
	}
}

// serve runs a request's handler once: a duplicate of a request already
// answered gets the same response, one still being handled gets nothing
// (its response is on its way).
func (n *Node) serve(peer netip.AddrPort, typ uint8, seq uint32, run func(context.Context) message.Message) {
	key := keyOf(peer, typ, seq)
	now := int64(n.opts.Now().Sub(n.base))
	n.in.Lock()
	n.sweep(now)
	if a, ok := n.in.seen[key]; ok && now-a.at < int64(n.opts.ResponseCache) {
		resp := a.resp
		n.in.Unlock()
		n.metrics.duplicates.Inc()
		if resp != nil {
			n.send(resp, peer)
			n.metrics.message("out", typ+1)
		}
		return
	}
	n.in.seen[key] = answer{at: now}
	n.in.peak = max(n.in.peak, len(n.in.seen))
	n.in.Unlock()

	select {
	case n.handlers <- struct{}{}:
	default:
		n.in.Lock()
		delete(n.in.seen, key)
		n.in.Unlock()
		n.log.Warn("pfcp: congestion: request refused", "peer", peer, "type", TypeName(typ), "seq", seq)
		ce := &CauseError{Cause: CausePFCPEntityInCongestion, MessageType: typ, Sequence: seq, Err: errors.New("pfcp: congestion")}
		n.metrics.protocolError(ce)
		if resp, err := ce.Response(0, n.opts.NodeID, n.recovery); err == nil && resp != nil {
			if b, err := Marshal(resp); err == nil {
				n.send(b, peer)
			}
		}
		return
	}
	n.wg.Go(func() {
		defer func() { <-n.handlers }()
		resp := run(n.ctx)
		if resp == nil {
			return
		}
		resp.SetSequenceNumber(seq)
		b, err := Marshal(resp)
		if err != nil {
			n.log.Error("pfcp: response does not encode", "peer", peer, "type", TypeName(resp.MessageType()), "err", err)
			return
		}
		n.in.Lock()
		if a, ok := n.in.seen[key]; ok && a.at == now {
			a.resp = b
			n.in.seen[key] = a
		}
		n.in.Unlock()
		if err := n.send(b, peer); err != nil && !errors.Is(err, ErrClosed) {
			n.log.Warn("pfcp: send response", "peer", peer, "err", err)
		}
		n.metrics.message("out", resp.MessageType())
	})
}

// sweep forgets the answers older than the response cache, once per
// quarter of it; a map left holding a quarter of its peak is made anew,
// since a Go map keeps the room it grew to. n.in must be locked.
func (n *Node) sweep(now int64) {
	cache := int64(n.opts.ResponseCache)
	if now-n.in.swept < cache/4 {
		return
	}
	n.in.swept = now
	for k, a := range n.in.seen {
		if now-a.at >= cache {
			delete(n.in.seen, k)
		}
	}
	if n.in.peak > 64 && len(n.in.seen) < n.in.peak/4 {
		seen := make(map[inKey]answer, len(n.in.seen))
		for k, a := range n.in.seen {
			seen[k] = a
		}
		n.in.seen = seen
		n.in.peak = len(seen)
	}
}
