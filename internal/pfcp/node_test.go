package pfcp

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/wmnsk/go-pfcp/ie"
	"github.com/wmnsk/go-pfcp/message"
)

var loopback = netip.MustParseAddrPort("127.0.0.1:0")

func listen(t *testing.T, h Handler, opts Options) *Node {
	t.Helper()
	n, err := Listen(t.Context(), loopback, h, opts)
	if err != nil {
		t.Fatalf("Listen() = %v", err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// rawPeer is a UDP socket the test drives by hand.
type rawPeer struct {
	t    *testing.T
	conn *net.UDPConn
}

func newRawPeer(t *testing.T) *rawPeer {
	t.Helper()
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(loopback))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawPeer{t: t, conn: c}
}

func (p *rawPeer) addr() netip.AddrPort { return p.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

func (p *rawPeer) send(to netip.AddrPort, b []byte) {
	p.t.Helper()
	if _, err := p.conn.WriteToUDPAddrPort(b, to); err != nil {
		p.t.Fatal(err)
	}
}

// recv returns the next datagram, or nil after d.
func (p *rawPeer) recv(d time.Duration) ([]byte, netip.AddrPort) {
	p.t.Helper()
	buf := make([]byte, 65536)
	p.conn.SetReadDeadline(time.Now().Add(d))
	n, from, err := p.conn.ReadFromUDPAddrPort(buf)
	if err != nil {
		return nil, netip.AddrPort{}
	}
	return buf[:n], from
}

func heartbeatResponse(t *testing.T, seq uint32) []byte {
	t.Helper()
	m, err := HeartbeatResponse(seq, testRecovery)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func heartbeatRequest(t *testing.T) *message.HeartbeatRequest {
	t.Helper()
	m, err := HeartbeatRequest(0, testRecovery)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

const testT1 = 40 * time.Millisecond

// TestRetransmission: a peer that answers only the third copy of a
// request gets three identical copies, T1 apart, and the requester gets
// the answer (TS 29.244 §6.4).
func TestRetransmission(t *testing.T) {
	reg := prometheus.NewRegistry()
	n := listen(t, nil, Options{T1: testT1, N1: 3, Registry: reg})
	peer := newRawPeer(t)
	type copyAt struct {
		b  []byte
		at time.Time
	}
	copies := make(chan copyAt, 10)
	go func() {
		for i := 1; ; i++ {
			b, from := peer.recv(2 * time.Second)
			if b == nil {
				close(copies)
				return
			}
			copies <- copyAt{bytes.Clone(b), time.Now()}
			if i == 3 {
				m, _ := Decode(b)
				peer.send(from, heartbeatResponse(t, m.Sequence()))
			}
		}
	}()
	start := time.Now()
	resp, err := n.Request(t.Context(), peer.addr(), heartbeatRequest(t))
	if err != nil {
		t.Fatalf("Request() = %v", err)
	}
	if rec, err := ParseHeartbeat(resp); err != nil || !rec.Equal(testRecovery) {
		t.Errorf("response recovery = %v, %v", rec, err)
	}
	var got []copyAt
	for range 3 {
		got = append(got, <-copies)
	}
	// A copy is stamped when the reader goroutine gets it, which a busy
	// machine delays but never advances: copy k must not come before
	// (k-1)·T1 from the request, or the node retransmitted early.
	for i, c := range got[1:] {
		if !bytes.Equal(c.b, got[0].b) {
			t.Errorf("copy %d = %x, want the first copy %x", i+2, c.b, got[0].b)
		}
		if since, want := c.at.Sub(start), time.Duration(i+1)*testT1*3/4; since < want {
			t.Errorf("copy %d came %v after the request, want at least %v (T1 = %v each)", i+2, since, want, testT1)
		}
	}
	if v := counterValue(n.metrics.retransmissions); v != 2 {
		t.Errorf("keel_pfcp_retransmissions_total = %v, want 2", v)
	}
	// No fourth copy once answered.
	select {
	case c, ok := <-copies:
		if ok {
			t.Errorf("a copy %x after the response", c.b)
		}
	case <-time.After(3 * testT1):
	}
}

// TestTimeout: a peer that never answers gets N1+1 copies and the
// requester ErrTimeout.
func TestTimeout(t *testing.T) {
	const n1 = 2
	n := listen(t, nil, Options{T1: testT1, N1: n1})
	peer := newRawPeer(t)
	var copies atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			if b, _ := peer.recv(10 * testT1); b == nil {
				return
			}
			copies.Add(1)
		}
	}()
	start := time.Now()
	_, err := n.Request(t.Context(), peer.addr(), heartbeatRequest(t))
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("Request() = %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d < (n1+1)*testT1 {
		t.Errorf("gave up after %v, want at least (N1+1)×T1 = %v", d, (n1+1)*testT1)
	}
	<-done
	if c := copies.Load(); c != n1+1 {
		t.Errorf("peer got %d copies, want N1+1 = %d", c, n1+1)
	}
	if v := counterValue(n.metrics.timeouts); v != 1 {
		t.Errorf("timeouts = %v, want 1", v)
	}
}

// TestDuplicateRequests: a request received again is answered from the
// cache without running the handler again; a copy arriving while the
// handler runs gets nothing, the handler's answer going out once.
func TestDuplicateRequests(t *testing.T) {
	var calls atomic.Int32
	release := make(chan struct{})
	n := listen(t, func(ctx context.Context, peer netip.AddrPort, req message.Message) message.Message {
		calls.Add(1)
		if req.Sequence() == 43 {
			<-release
		}
		m, _ := HeartbeatResponse(0, testRecovery)
		return m
	}, Options{T1: testT1})
	peer := newRawPeer(t)
	req := heartbeatRequest(t)
	req.SetSequenceNumber(42)
	b, _ := Marshal(req)
	var first []byte
	for i := range 3 {
		peer.send(n.Addr(), b)
		got, _ := peer.recv(time.Second)
		if got == nil {
			t.Fatalf("no response to copy %d", i+1)
		}
		if i == 0 {
			first = bytes.Clone(got)
		} else if !bytes.Equal(got, first) {
			t.Errorf("response to copy %d = %x, want %x", i+1, got, first)
		}
	}
	if m, err := Decode(first); err != nil || m.Sequence() != 42 || m.MessageType() != message.MsgTypeHeartbeatResponse {
		t.Errorf("response = %v, %v, want a Heartbeat Response with sequence 42", m, err)
	}
	if c := calls.Load(); c != 1 {
		t.Errorf("handler ran %d times, want 1", c)
	}

	req.SetSequenceNumber(43)
	b, _ = Marshal(req)
	peer.send(n.Addr(), b)
	peer.send(n.Addr(), b)
	if got, _ := peer.recv(3 * testT1); got != nil {
		t.Fatalf("a response %x before the handler returned", got)
	}
	close(release)
	if got, _ := peer.recv(time.Second); got == nil {
		t.Fatalf("no response once the handler returned")
	}
	if got, _ := peer.recv(3 * testT1); got != nil {
		t.Errorf("a second response %x to a request handled once", got)
	}
	if c := calls.Load(); c != 2 {
		t.Errorf("handler ran %d times in all, want 2", c)
	}
	if v := counterValue(n.metrics.duplicates); v != 3 {
		t.Errorf("duplicates = %v, want 3", v)
	}
}

// TestResponseCacheExpires: once ResponseCache has passed on the Node's
// clock, the same sequence number is a new request.
func TestResponseCacheExpires(t *testing.T) {
	var now atomic.Int64
	now.Store(testRecovery.UnixNano())
	var calls atomic.Int32
	n := listen(t, func(context.Context, netip.AddrPort, message.Message) message.Message {
		calls.Add(1)
		m, _ := HeartbeatResponse(0, testRecovery)
		return m
	}, Options{ResponseCache: time.Minute, Now: func() time.Time { return time.Unix(0, now.Load()) }})
	peer := newRawPeer(t)
	b, _ := Marshal(heartbeatRequest(t))
	exchange := func() {
		peer.send(n.Addr(), b)
		if got, _ := peer.recv(time.Second); got == nil {
			t.Fatal("no response")
		}
	}
	exchange()
	now.Add(int64(59 * time.Second))
	exchange()
	if c := calls.Load(); c != 1 {
		t.Fatalf("handler ran %d times within the cache time, want 1", c)
	}
	now.Add(int64(2 * time.Second))
	exchange()
	if c := calls.Load(); c != 2 {
		t.Errorf("handler ran %d times after the cache time, want 2", c)
	}
}

// TestConcurrentHandlers: requests are handled at once — here eight
// handlers wait for each other, which would never end if they ran one
// after another.
func TestConcurrentHandlers(t *testing.T) {
	const k = 8
	var arrived sync.WaitGroup
	arrived.Add(k)
	server := listen(t, func(ctx context.Context, peer netip.AddrPort, req message.Message) message.Message {
		arrived.Done()
		arrived.Wait()
		id, _, _, err := ParseAssociationSetup(req)
		if err != nil {
			t.Errorf("ParseAssociationSetup() = %v", err)
		}
		m, _ := AssociationSetupResponse(0, id, CauseRequestAccepted, testRecovery)
		return m
	}, Options{T1: time.Second})
	client := listen(t, nil, Options{T1: time.Second})
	var wg sync.WaitGroup
	for i := range k {
		wg.Go(func() {
			id := netip.AddrFrom4([4]byte{10, 0, 0, byte(i + 1)})
			req, _ := AssociationSetupRequest(0, id, testRecovery)
			resp, err := client.Request(t.Context(), server.Addr(), req)
			if err != nil {
				t.Errorf("Request %d = %v", i, err)
				return
			}
			if got, _, cause, err := ParseAssociationSetup(resp); err != nil || got != id || cause != CauseRequestAccepted {
				t.Errorf("response %d = %v, cause %d, %v, want %v accepted", i, got, cause, err, id)
			}
		})
	}
	wg.Wait()
}

// TestMalformedRequests: a request Decode refuses is answered with the
// response of its type and the cause (TS 29.244 §7.6), a request of
// another version with Version Not Supported Response (§7.6.2), and
// input without a readable header is ignored.
func TestMalformedRequests(t *testing.T) {
	var calls atomic.Int32
	n := listen(t, func(context.Context, netip.AddrPort, message.Message) message.Message {
		calls.Add(1)
		return nil
	}, Options{NodeID: upfNodeID})
	peer := newRawPeer(t)

	valid := establishment(t, func(*message.SessionEstablishmentRequest) {})
	peer.send(n.Addr(), setLength(t, valid, "003c 0005", 0x0400))
	got, _ := peer.recv(time.Second)
	m, err := Decode(got)
	if err != nil {
		t.Fatalf("response %x: %v", got, err)
	}
	r, err := ParseEstablishmentResponse(m.(*message.SessionEstablishmentResponse))
	if err != nil || r.Cause != CauseInvalidLength || r.OffendingIE != ie.NodeID || r.NodeID != upfNodeID || m.Sequence() != 0x0a0b0c {
		t.Errorf("refusal = %+v seq %#x, %v, want cause 68, offending IE 60, Node ID %v, sequence 0x0a0b0c", r, m.Sequence(), err, upfNodeID)
	}

	peer.send(n.Addr(), mustHex(t, "4001 000c 00000700 0060 0004 e93dfba5"))
	got, _ = peer.recv(time.Second)
	if m, err := Decode(got); err != nil || m.MessageType() != message.MsgTypeVersionNotSupportedResponse || m.Sequence() != 7 {
		t.Errorf("answer to version 2 = %x (%v), want Version Not Supported Response, sequence 7", got, err)
	}

	for _, b := range [][]byte{{0x20}, mustHex(t, "2063 0004 00000100"), mustHex(t, "2002 000c 00000100 0060 0004 e93dfba5")} {
		peer.send(n.Addr(), b)
		if got, _ := peer.recv(3 * testT1); got != nil {
			t.Errorf("answer %x to %x, want silence", got, b)
		}
	}
	if c := calls.Load(); c != 0 {
		t.Errorf("handler ran %d times", c)
	}
}

// TestRefusedHook: Options.Refused answers in place of the default.
func TestRefusedHook(t *testing.T) {
	var seen atomic.Pointer[CauseError]
	n := listen(t, nil, Options{Refused: func(ctx context.Context, peer netip.AddrPort, e *CauseError) message.Message {
		seen.Store(e)
		m, _ := e.Response(testCPSEID, upfNodeID, testRecovery)
		return m
	}})
	peer := newRawPeer(t)
	peer.send(n.Addr(), setLength(t, establishment(t, func(*message.SessionEstablishmentRequest) {}), "003c 0005", 0x0400))
	got, _ := peer.recv(time.Second)
	if m, err := Decode(got); err != nil || m.SEID() != testCPSEID {
		t.Errorf("refusal %x, %v, want the SEID the hook chose", got, err)
	}
	if e := seen.Load(); e == nil || e.Cause != CauseInvalidLength {
		t.Errorf("hook saw %v", e)
	}
}

// TestMalformedResponse: a response that does not decode stops the
// retransmissions of its request (§7.6.1) and is returned as the error.
func TestMalformedResponse(t *testing.T) {
	n := listen(t, nil, Options{T1: testT1, N1: 3})
	peer := newRawPeer(t)
	go func() {
		b, from := peer.recv(time.Second)
		if b == nil {
			return
		}
		m, _ := Decode(b)
		resp := heartbeatResponse(t, m.Sequence())
		peer.send(from, setLength(t, resp, "0060 0004", 0x0040))
	}()
	_, err := n.Request(t.Context(), peer.addr(), heartbeatRequest(t))
	var ce *CauseError
	if !errors.As(err, &ce) || ce.Cause != CauseInvalidLength {
		t.Fatalf("Request() = %v, want the response's *CauseError", err)
	}
}

// TestCongestion: beyond MaxHandlers, a request is answered "PFCP entity
// in congestion".
func TestCongestion(t *testing.T) {
	release := make(chan struct{})
	n := listen(t, func(ctx context.Context, peer netip.AddrPort, req message.Message) message.Message {
		<-release
		return nil
	}, Options{MaxHandlers: 1, NodeID: upfNodeID})
	defer close(release)
	peer := newRawPeer(t)
	d1 := DeletionRequest(testUPSEID, 1)
	d2 := DeletionRequest(testUPSEID, 2)
	b1, _ := Marshal(d1)
	b2, _ := Marshal(d2)
	peer.send(n.Addr(), b1)
	time.Sleep(testT1)
	peer.send(n.Addr(), b2)
	got, _ := peer.recv(time.Second)
	m, err := Decode(got)
	if err != nil {
		t.Fatalf("answer %x: %v", got, err)
	}
	r, err := ParseDeletionResponse(m.(*message.SessionDeletionResponse))
	if err != nil || r.Cause != CausePFCPEntityInCongestion || m.Sequence() != 2 {
		t.Errorf("answer = %+v seq %d, %v, want cause 74 to sequence 2", r, m.Sequence(), err)
	}
}

// TestClose: Close makes a pending Request return ErrClosed and waits for
// the handlers, whose context it cancels.
func TestClose(t *testing.T) {
	handling := make(chan struct{})
	var returned atomic.Bool
	server, err := Listen(t.Context(), loopback, func(ctx context.Context, peer netip.AddrPort, req message.Message) message.Message {
		close(handling)
		<-ctx.Done()
		time.Sleep(testT1)
		returned.Store(true)
		return nil
	}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	client, err := Listen(t.Context(), loopback, nil, Options{T1: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := client.Request(context.Background(), server.Addr(), heartbeatRequest(t))
		errc <- err
	}()
	<-handling
	if err := server.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
	if !returned.Load() {
		t.Errorf("Close returned before the handler")
	}
	client.Close()
	if err := <-errc; !errors.Is(err, ErrClosed) {
		t.Errorf("pending Request() = %v, want ErrClosed", err)
	}
	if _, err := client.Request(context.Background(), server.Addr(), heartbeatRequest(t)); !errors.Is(err, ErrClosed) {
		t.Errorf("Request() after Close = %v, want ErrClosed", err)
	}
}

// TestSequenceNumbers: the Node assigns 24-bit sequence numbers, a new
// one per request.
func TestSequenceNumbers(t *testing.T) {
	n := listen(t, nil, Options{})
	n.out.next = 0xfffffe
	var seqs []uint32
	for range 3 {
		t := &transaction{done: make(chan result, 1)}
		seqs = append(seqs, n.register(t))
	}
	if want := []uint32{0xfffffe, 0xffffff, 0}; seqs[0] != want[0] || seqs[1] != want[1] || seqs[2] != want[2] {
		t.Errorf("sequence numbers = %#x, want %#x", seqs, want)
	}
	n.out.next = 0xffffff
	if s := n.register(&transaction{}); s != 1 {
		t.Errorf("register skipped to %#x, want 1 (0xffffff and 0 are taken)", s)
	}
}

// TestMetricsShareRegistry: two Nodes register in one registry.
func TestMetricsShareRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	listen(t, nil, Options{Registry: reg})
	listen(t, nil, Options{Registry: reg})
}

func counterValue(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		return -1
	}
	return m.GetCounter().GetValue()
}

// TestUnmatched: a response arriving after its request gave up is handed
// to Options.Unmatched.
func TestUnmatched(t *testing.T) {
	late := make(chan message.Message, 2)
	n := listen(t, nil, Options{T1: testT1, N1: -1, Unmatched: func(_ netip.AddrPort, m message.Message) { late <- m }})
	peer := newRawPeer(t)
	got := make(chan uint32, 1)
	go func() {
		b, _ := peer.recv(10 * testT1)
		if m, err := Decode(b); err == nil {
			got <- m.Sequence()
		}
		close(got)
	}()
	if _, err := n.Request(t.Context(), peer.addr(), heartbeatRequest(t)); !errors.Is(err, ErrTimeout) {
		t.Fatalf("Request() = %v, want ErrTimeout", err)
	}
	seq, ok := <-got
	if !ok {
		t.Fatal("the peer got no request")
	}
	peer.send(n.Addr(), heartbeatResponse(t, seq))
	select {
	case m := <-late:
		if m.MessageType() != message.MsgTypeHeartbeatResponse || m.Sequence() != seq {
			t.Errorf("Unmatched got %s, sequence %d; want the Heartbeat Response, %d", m.MessageTypeName(), m.Sequence(), seq)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the late response did not reach Unmatched")
	}
}

// TestAssociationUpdate: the UPF's release request reads back with its
// flags, one without the IE asks nothing, and a response needs its
// cause (TS 29.244 §7.4.4.3, §7.4.4.4, §8.2.77).
func TestAssociationUpdate(t *testing.T) {
	req, err := AssociationUpdateRequest(3, upfNodeID, true)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseAssociationUpdate(decoded(t, req))
	if want := (AssociationUpdate{NodeID: upfNodeID, ReleaseRequested: true, UsageReportsSent: true}); err != nil || got != want {
		t.Errorf("ParseAssociationUpdate(release request) = %+v, %v, want %+v", got, err, want)
	}
	plain, _ := AssociationUpdateRequest(4, upfNodeID, false)
	plain.GracefulReleasePeriod = ie.NewGracefulReleasePeriod(30 * time.Second)
	if got, err := ParseAssociationUpdate(decoded(t, plain)); err != nil || got.ReleaseRequested || got.GracefulRelease != 30*time.Second {
		t.Errorf("ParseAssociationUpdate(no release, period 30 s) = %+v, %v", got, err)
	}
	resp, _ := AssociationUpdateResponse(3, smfNodeID, CauseRequestAccepted)
	if got, err := ParseAssociationUpdate(decoded(t, resp)); err != nil || got.Cause != CauseRequestAccepted || got.NodeID != smfNodeID {
		t.Errorf("ParseAssociationUpdate(response) = %+v, %v", got, err)
	}
	resp.Cause = nil
	var ce *CauseError
	if _, err := ParseAssociationUpdate(decoded(t, resp)); !errors.As(err, &ce) || ce.Cause != CauseMandatoryIEMissing {
		t.Errorf("ParseAssociationUpdate(response without cause) = %v, want cause %d", err, CauseMandatoryIEMissing)
	}
	if _, err := AssociationUpdateResponse(3, smfNodeID, 0); err == nil {
		t.Error("AssociationUpdateResponse with cause 0 built")
	}
}

func decoded(t *testing.T, m message.Message) message.Message {
	t.Helper()
	_, d := roundTrip(t, m)
	return d
}

// TestResponseCacheSwept: the answers older than ResponseCache go in
// bulk, and the map that held a burst of them is made anew.
func TestResponseCacheSwept(t *testing.T) {
	var now atomic.Int64
	now.Store(testRecovery.UnixNano())
	n := listen(t, nil, Options{ResponseCache: time.Minute, MaxHandlers: 2000, Now: func() time.Time { return time.Unix(0, now.Load()) }})
	peer := netip.MustParseAddrPort("192.0.2.1:8805")
	var ran atomic.Int32
	run := func(context.Context) message.Message { ran.Add(1); return nil }
	handled := func(want int32) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ran.Load() < want; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("handler ran %d times, want %d", ran.Load(), want)
			}
		}
	}
	for seq := range uint32(1000) {
		n.serve(peer, 1, seq, run)
	}
	handled(1000)
	held := func() (int, int) {
		n.in.Lock()
		defer n.in.Unlock()
		return len(n.in.seen), n.in.peak
	}
	if l, p := held(); l != 1000 || p != 1000 {
		t.Fatalf("after 1,000 requests: %d answers held, peak %d; want 1,000 and 1,000", l, p)
	}
	now.Add(int64(61 * time.Second))
	n.serve(peer, 1, 5000, run)
	n.serve(peer, 1, 0, run) // a sequence number whose answer lapsed: a new request
	handled(1002)
	if l, p := held(); l != 2 || p != 2 {
		t.Errorf("after the cache time: %d answers held, peak %d; want 2 and 2", l, p)
	}
}

// TestSocketBuffers: a Node's socket gets a receive buffer above the
// kernel's default where the process may have one (as root, the FORCE
// option), so that a burst of requests is queued rather than dropped.
func TestSocketBuffers(t *testing.T) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	got := raiseBuffers(conn, socketBuffer)
	if runtime.GOOS != "linux" {
		t.Skip("buffer size not readable here")
	}
	if os.Geteuid() != 0 {
		if got <= 0 {
			t.Fatalf("receive buffer %d", got)
		}
		t.Skipf("not root: receive buffer %d, as far as net.core.rmem_max lets it go", got)
	}
	if got < socketBuffer {
		t.Errorf("receive buffer %d, want at least %d", got, socketBuffer)
	}
}
