package userspace

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/sctp"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// TestBystander runs an association between two transports while a third
// watches: its raw socket sees every packet, and it must neither take nor
// answer any of them.
func TestBystander(t *testing.T) {
	server := newTransport(t, Options{})
	client := newTransport(t, Options{})
	bystander := newTransport(t, Options{})
	l := sctptest.Listen(t, server)
	sctptest.EchoServer(t, l)
	c := sctptest.Dial(t, client, l.Addr())
	for i := range 10 {
		m := sctp.Message{Stream: uint16(i % 3), PPID: sctp.PPIDNGAP, Data: sctptest.Payload(2000, byte(i))}
		if err := c.Send(t.Context(), m); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Recv(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if st := bystander.Stats(); st != (Stats{}) {
		t.Errorf("bystander Stats() = %+v, want all zero", st)
	}
	if st := server.Stats(); st.PacketsIn == 0 || st.OutOfTheBlue != 0 || st.ChecksumErrors != 0 || st.Malformed != 0 {
		t.Errorf("server Stats() = %+v, want packets in and no out-of-the-blue, checksum or malformed", st)
	}
}

// TestTransportClose closes a transport with an association up and a dial
// in progress: the peer sees an ABORT and the dial fails at once.
func TestTransportClose(t *testing.T) {
	server := newTransport(t, Options{})
	client, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	l := sctptest.Listen(t, server)
	c := sctptest.Dial(t, client, l.Addr())
	s := sctptest.Accept(t, l)

	// Nobody listens on the discard port: this INIT goes unanswered.
	dialErr := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, err := client.Dial(ctx, netip.Addr{}, netip.AddrPortFrom(sctptest.Loopback, 9))
		dialErr <- err
	}()
	time.Sleep(50 * time.Millisecond)

	start := time.Now()
	if err := client.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
	select {
	case err := <-dialErr:
		if err == nil {
			t.Error("Dial() in progress at Close succeeded")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Dial() in progress still blocked 5 s after Close")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close() and the failing dial took %v", d)
	}
	_, err = s.Recv(t.Context())
	wantDown(t, err, sctp.DownAbort)
	if _, err := c.Recv(t.Context()); !errors.Is(err, sctp.ErrClosed) {
		t.Errorf("Recv() on an association of a closed transport = %v, want ErrClosed", err)
	}
	if _, err := client.Dial(t.Context(), netip.Addr{}, l.Addr()); !errors.Is(err, sctp.ErrClosed) {
		t.Errorf("Dial() after Close = %v, want ErrClosed", err)
	}
	if _, err := client.Listen(t.Context(), netip.AddrPortFrom(sctptest.Loopback, 0)); !errors.Is(err, sctp.ErrClosed) {
		t.Errorf("Listen() after Close = %v, want ErrClosed", err)
	}
}

// TestListenConflicts checks that listeners of one transport cannot share
// a port unless their addresses differ and neither is the wildcard.
func TestListenConflicts(t *testing.T) {
	tr := newTransport(t, Options{})
	ctx := t.Context()
	a := netip.MustParseAddrPort("127.0.0.1:38412")
	l, err := tr.Listen(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, addr := range []string{"127.0.0.1:38412", "0.0.0.0:38412"} {
		if l2, err := tr.Listen(ctx, netip.MustParseAddrPort(addr)); err == nil {
			l2.Close()
			t.Errorf("Listen(%s) with %v taken succeeded", addr, a)
		}
	}
	l3, err := tr.Listen(ctx, netip.MustParseAddrPort("127.0.0.2:38412"))
	if err != nil {
		t.Errorf("Listen(127.0.0.2:38412) = %v, want another address to be free", err)
	} else {
		l3.Close()
	}
	if _, err := tr.Listen(ctx, netip.MustParseAddrPort("[::1]:38412")); err == nil {
		t.Error("Listen([::1]:38412) succeeded, want IPv6 refused")
	}
}

// TestAddresses dials from a chosen local address to a wildcard listener:
// each side names the addresses the packets carry.
func TestAddresses(t *testing.T) {
	tr := newTransport(t, Options{})
	l, err := tr.Listen(t.Context(), netip.MustParseAddrPort("0.0.0.0:38412"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	local := netip.MustParseAddr("127.0.0.2")
	c, err := tr.Dial(t.Context(), local, netip.MustParseAddrPort("127.0.0.3:38412"))
	if err != nil {
		t.Fatalf("Dial() = %v", err)
	}
	defer c.Abort()
	s := sctptest.Accept(t, l)
	if c.LocalAddr().Addr() != local || c.RemoteAddr() != netip.MustParseAddrPort("127.0.0.3:38412") {
		t.Errorf("client: %v -> %v, want 127.0.0.2:* -> 127.0.0.3:38412", c.LocalAddr(), c.RemoteAddr())
	}
	if s.LocalAddr() != c.RemoteAddr() || s.RemoteAddr() != c.LocalAddr() {
		t.Errorf("server: %v -> %v, want %v -> %v", s.LocalAddr(), s.RemoteAddr(), c.RemoteAddr(), c.LocalAddr())
	}
	if err := s.Send(t.Context(), sctp.Message{PPID: 1, Data: []byte("from .3")}); err != nil {
		t.Fatal(err)
	}
	if m, err := c.Recv(t.Context()); err != nil || string(m.Data) != "from .3" {
		t.Errorf("Recv() = %q, %v", m.Data, err)
	}
}

// TestListenClaimed starts two transports, as two cores in one network
// namespace would: each raw socket sees every SCTP packet, so only the
// claim (claim.go) can refuse the second listener on an address the first
// holds, overlapping wildcards included. Close releases the claim.
func TestListenClaimed(t *testing.T) {
	first := newTransport(t, Options{})
	second := newTransport(t, Options{})
	ctx := t.Context()
	a := netip.MustParseAddrPort("127.0.0.1:38412")
	l, err := first.Listen(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{"127.0.0.1:38412", "0.0.0.0:38412"} {
		l2, err := second.Listen(ctx, netip.MustParseAddrPort(addr))
		if err == nil {
			l2.Close()
			t.Fatalf("second transport: Listen(%s) with %v held by the first succeeded", addr, a)
		}
		if !errors.Is(err, errPortInUse) || !strings.Contains(err.Error(), "another SCTP listener") {
			t.Errorf("second transport: Listen(%s) = %v, want an error saying another listener holds it", addr, err)
		}
	}
	if _, err := second.Listen(ctx, netip.MustParseAddrPort("192.0.2.1:38412")); err == nil {
		t.Error("Listen(192.0.2.1:38412), an address not of this host, succeeded")
	}

	l.Close()
	l2, err := second.Listen(ctx, a)
	if err != nil {
		t.Fatalf("Listen(%v) after the first listener closed = %v, want the address released", a, err)
	}
	l2.Close()
}
