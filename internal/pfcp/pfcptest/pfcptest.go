package pfcptest

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/wmnsk/go-pfcp/message"

	"github.com/keelcore/keel/internal/pfcp"
)

// Direction is the way a datagram travels through the Proxy.
type Direction int

const (
	// ToServer: from the CP function to the UP function.
	ToServer Direction = iota
	// ToClient: from the UP function to the CP function.
	ToClient
)

func (d Direction) String() string {
	if d == ToServer {
		return "to_server"
	}
	return "to_client"
}

// Fault is what the Proxy does to the messages it matches: those
// travelling in Direction with message type Type (0: any).
type Fault struct {
	Direction Direction
	Type      uint8
	// Delay holds each matching message this long before relaying it;
	// later datagrams are not held up behind it.
	Delay time.Duration
	// Drop discards the next Drop matching messages; a negative value
	// discards all of them.
	Drop int
	// Cause, for a request travelling ToServer, answers it in the UP
	// function's place with the response of its type carrying this
	// cause; the UP function never sees it. Count bounds how many
	// requests are answered so (0: all).
	Cause uint8
	Count int
}

// Proxy relays PFCP between one CP function and one UP function, with
// faults. Build it with New.
type Proxy struct {
	t      testing.TB
	front  *net.UDPConn // the CP function sends here
	back   *net.UDPConn // connected to the UP function
	server netip.AddrPort
	nodeID netip.Addr // in the answers the Proxy makes
	boot   time.Time  // the Recovery Time Stamp of those answers

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // the readers and the delayed sends
	closed sync.Once

	// mu guards the fields below; held for field access only, never
	// across I/O.
	mu     sync.Mutex
	client netip.AddrPort // the CP function's address, learned from its first datagram
	faults []*rule
	seen   map[key]int
}

type rule struct {
	Fault
	done int // messages dropped, or requests answered
}

type key struct {
	dir Direction
	typ uint8
}

// New starts a Proxy on a free loopback port, relaying to the UP
// function at server. The test's cleanup closes it.
func New(t testing.TB, server netip.AddrPort) *Proxy {
	t.Helper()
	loopback := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), 0)
	front, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(loopback))
	if err != nil {
		t.Fatalf("pfcptest: %v", err)
	}
	back, err := net.DialUDP("udp", net.UDPAddrFromAddrPort(loopback), net.UDPAddrFromAddrPort(server))
	if err != nil {
		front.Close()
		t.Fatalf("pfcptest: %v", err)
	}
	p := &Proxy{t: t, front: front, back: back, server: server, nodeID: server.Addr(), seen: map[key]int{},
		boot: time.Now().Truncate(time.Second)}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.wg.Go(p.readFront)
	p.wg.Go(p.readBack)
	t.Cleanup(p.Close)
	return p
}

// Addr is where the CP function sends: the address it is to take for
// the UP function's.
func (p *Proxy) Addr() netip.AddrPort { return p.front.LocalAddr().(*net.UDPAddr).AddrPort() }

// BackAddr is the address the UP function sees the CP function at.
func (p *Proxy) BackAddr() netip.AddrPort { return p.back.LocalAddr().(*net.UDPAddr).AddrPort() }

// Inject adds a fault; faults apply in the order they were added, the
// first that matches a message deciding its fate. It returns a function
// that removes the fault.
func (p *Proxy) Inject(f Fault) (remove func()) {
	r := &rule{Fault: f}
	p.mu.Lock()
	p.faults = append(p.faults, r)
	p.mu.Unlock()
	return func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		for i, x := range p.faults {
			if x == r {
				p.faults = append(p.faults[:i], p.faults[i+1:]...)
				return
			}
		}
	}
}

// Clear removes every fault.
func (p *Proxy) Clear() {
	p.mu.Lock()
	p.faults = nil
	p.mu.Unlock()
}

// Seen counts the messages of type typ that reached the Proxy going in
// direction dir, faults or not.
func (p *Proxy) Seen(dir Direction, typ uint8) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seen[key{dir, typ}]
}

// Close stops the Proxy and waits for its goroutines; datagrams still
// delayed are dropped.
func (p *Proxy) Close() {
	p.closed.Do(func() {
		p.cancel()
		p.front.Close()
		p.back.Close()
		p.wg.Wait()
	})
}

func (p *Proxy) readFront() {
	buf := make([]byte, 65536)
	for {
		n, from, err := p.front.ReadFromUDPAddrPort(buf)
		if err != nil {
			if p.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		p.mu.Lock()
		p.client = from
		p.mu.Unlock()
		p.relay(ToServer, append([]byte(nil), buf[:n]...))
	}
}

func (p *Proxy) readBack() {
	buf := make([]byte, 65536)
	for {
		n, err := p.back.Read(buf)
		if err != nil {
			if p.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			continue // e.g. ICMP port unreachable while the UP function is down
		}
		p.relay(ToClient, append([]byte(nil), buf[:n]...))
	}
}

// action is what becomes of one datagram.
type action struct {
	drop   bool
	delay  time.Duration
	answer []byte // sent back instead of relaying
}

// relay applies the first matching fault to a datagram and sends it on.
func (p *Proxy) relay(dir Direction, b []byte) {
	act := p.decide(dir, b)
	switch {
	case act.drop:
		return
	case act.answer != nil:
		p.send(ToClient, act.answer)
	case act.delay > 0:
		p.wg.Go(func() {
			t := time.NewTimer(act.delay)
			defer t.Stop()
			select {
			case <-t.C:
				p.send(dir, b)
			case <-p.ctx.Done():
			}
		})
	default:
		p.send(dir, b)
	}
}

func (p *Proxy) decide(dir Direction, b []byte) action {
	m, err := pfcp.Decode(b)
	if err != nil {
		return action{}
	}
	typ := m.MessageType()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seen[key{dir, typ}]++
	for _, r := range p.faults {
		if r.Direction != dir || (r.Type != 0 && r.Type != typ) {
			continue
		}
		switch {
		case r.Drop < 0:
			return action{drop: true}
		case r.Drop > r.done:
			r.done++
			return action{drop: true}
		case r.Drop > 0:
			continue // spent
		case r.Cause != 0 && dir == ToServer && pfcp.IsRequest(typ):
			if r.Count > 0 && r.done >= r.Count {
				continue
			}
			r.done++
			return action{answer: p.answer(m, r.Cause)}
		case r.Delay > 0:
			return action{delay: r.Delay}
		}
	}
	return action{}
}

// answer is the response refusing request m with cause, as the UP
// function would send it.
func (p *Proxy) answer(m message.Message, cause uint8) []byte {
	ce := &pfcp.CauseError{Cause: cause, MessageType: m.MessageType(), Sequence: m.Sequence()}
	resp, err := ce.Response(0, p.nodeID, p.boot)
	if err != nil || resp == nil {
		p.t.Errorf("pfcptest: no response with cause %d to %s: %v", cause, pfcp.TypeName(m.MessageType()), err)
		return nil
	}
	b, err := pfcp.Marshal(resp)
	if err != nil {
		p.t.Errorf("pfcptest: %v", err)
		return nil
	}
	return b
}

func (p *Proxy) send(dir Direction, b []byte) {
	if dir == ToServer {
		p.back.Write(b)
		return
	}
	p.mu.Lock()
	client := p.client
	p.mu.Unlock()
	if client.IsValid() {
		p.front.WriteToUDPAddrPort(b, client)
	}
}
