package sctptest

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/sctp"
)

func testEchoSizes(t *testing.T, tr sctp.Transport) {
	l := Listen(t, tr)
	EchoServer(t, l)
	c := Dial(t, tr, l.Addr())
	for i, n := range []int{1, 3, 100, 1000, 1400, 1452, 1500, 4000, 9000, 65535, 200000} {
		want := sctp.Message{Stream: 0, PPID: sctp.PPIDNGAP, Data: Payload(n, byte(i))}
		send(t, c, want)
		got := recv(t, c)
		if got.Stream != want.Stream || got.PPID != want.PPID || !bytes.Equal(got.Data, want.Data) {
			t.Errorf("echo of %d bytes = stream %d, ppid %d, %d bytes (equal %v), want stream %d, ppid %d",
				n, got.Stream, got.PPID, len(got.Data), bytes.Equal(got.Data, want.Data), want.Stream, want.PPID)
		}
	}
}

func testStreamsAndPPIDs(t *testing.T, tr sctp.Transport) {
	l := Listen(t, tr)
	EchoServer(t, l)
	c := Dial(t, tr, l.Addr())
	if c.OutStreams() < 2 {
		t.Fatalf("OutStreams() = %d, want at least 2", c.OutStreams())
	}
	ppids := []uint32{sctp.PPIDNGAP, 0, 1, 46, 0xdeadbeef, 0xffffffff}
	streams := min(int(c.OutStreams()), 8)
	var want []sctp.Message
	for s := range streams {
		for i, p := range ppids {
			want = append(want, sctp.Message{Stream: uint16(s), PPID: p, Data: Payload(50+i, byte(s))})
		}
	}
	for _, m := range want {
		send(t, c, m)
	}
	// Order holds within a stream only.
	next := make(map[uint16]int)
	for range want {
		got := recv(t, c)
		i := next[got.Stream]
		next[got.Stream]++
		w := want[int(got.Stream)*len(ppids)+i]
		if got.PPID != w.PPID || !bytes.Equal(got.Data, w.Data) {
			t.Errorf("message %d of stream %d = ppid %d, %x, want ppid %d, %x", i, got.Stream, got.PPID, got.Data, w.PPID, w.Data)
		}
	}
}

func testServerSendsFirst(t *testing.T, tr sctp.Transport) {
	l := Listen(t, tr)
	c := Dial(t, tr, l.Addr())
	s := Accept(t, l)
	if s.RemoteAddr() != c.LocalAddr() || s.LocalAddr() != c.RemoteAddr() {
		t.Errorf("server sees %v -> %v, client %v -> %v", s.RemoteAddr(), s.LocalAddr(), c.LocalAddr(), c.RemoteAddr())
	}
	want := sctp.Message{Stream: 1, PPID: sctp.PPIDNGAP, Data: []byte("NG Setup Response")}
	send(t, s, want)
	got := recv(t, c)
	if got.Stream != want.Stream || got.PPID != want.PPID || !bytes.Equal(got.Data, want.Data) {
		t.Errorf("Recv() = %+v, want %+v", got, want)
	}
}

func testConcurrentAssociations(t *testing.T, tr sctp.Transport) {
	l := Listen(t, tr)
	EchoServer(t, l)
	const assocs, msgs = 8, 50
	var wg sync.WaitGroup
	errs := make(chan error, assocs)
	for a := range assocs {
		wg.Go(func() {
			ctx := opContext(t)
			c, err := tr.Dial(ctx, netip.Addr{}, l.Addr())
			if err != nil {
				errs <- fmt.Errorf("association %d: Dial() = %w", a, err)
				return
			}
			defer c.Close()
			for i := range msgs {
				want := Payload(100+i, byte(a))
				if err := c.Send(ctx, sctp.Message{Stream: uint16(i % 2), PPID: uint32(a), Data: want}); err != nil {
					errs <- fmt.Errorf("association %d: Send() = %w", a, err)
					return
				}
				got, err := c.Recv(ctx)
				if err != nil {
					errs <- fmt.Errorf("association %d: Recv() = %w", a, err)
					return
				}
				if got.PPID != uint32(a) || !bytes.Equal(got.Data, want) {
					errs <- fmt.Errorf("association %d message %d: got ppid %d, %d bytes, want ppid %d, %d bytes",
						a, i, got.PPID, len(got.Data), a, len(want))
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func testConcurrentSend(t *testing.T, tr sctp.Transport) {
	l := Listen(t, tr)
	c := Dial(t, tr, l.Addr())
	s := Accept(t, l)
	const senders, msgs = 16, 200
	streams := min(int(c.OutStreams()), 4)
	var wg sync.WaitGroup
	errs := make(chan error, senders)
	for g := range senders {
		wg.Go(func() {
			for i := range msgs {
				data := make([]byte, 100)
				binary.BigEndian.PutUint32(data[0:], uint32(g))
				binary.BigEndian.PutUint32(data[4:], uint32(i))
				if err := c.Send(opContext(t), sctp.Message{Stream: uint16(g % streams), PPID: sctp.PPIDNGAP, Data: data}); err != nil {
					errs <- fmt.Errorf("sender %d: Send() = %w", g, err)
					return
				}
			}
		})
	}
	next := make([]uint32, senders)
	for range senders * msgs {
		m, err := s.Recv(opContext(t))
		if err != nil {
			t.Fatalf("Recv() = %v", err)
		}
		g, i := binary.BigEndian.Uint32(m.Data), binary.BigEndian.Uint32(m.Data[4:])
		if g >= senders || m.Stream != uint16(int(g)%streams) {
			t.Fatalf("message from sender %d on stream %d", g, m.Stream)
		}
		if i != next[g] {
			t.Fatalf("sender %d: message %d arrived when %d was due", g, i, next[g])
		}
		next[g]++
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// wantDown checks that err reports the association down for reason.
func wantDown(t *testing.T, err error, reason sctp.DownReason) {
	t.Helper()
	var down *sctp.DownError
	if !errors.Is(err, sctp.ErrAssociationDown) || !errors.As(err, &down) || down.Reason != reason {
		t.Fatalf("error = %v, want association down: %v", err, reason)
	}
}

func testPeerShutdown(t *testing.T, tr sctp.Transport) {
	l := Listen(t, tr)
	c := Dial(t, tr, l.Addr())
	s := Accept(t, l)
	const msgs = 20
	for i := range msgs {
		data := Payload(500, byte(i))
		binary.BigEndian.PutUint32(data, uint32(i))
		send(t, c, sctp.Message{Stream: uint16(i % 2), PPID: sctp.PPIDNGAP, Data: data})
	}
	if err := c.Close(); err != nil {
		t.Errorf("Close() = %v, want nil", err)
	}
	// Everything sent before the shutdown arrives first, in order per stream.
	next := [2]uint32{0, 1}
	for range msgs {
		m := recv(t, s)
		if i := binary.BigEndian.Uint32(m.Data); m.Stream > 1 || i != next[m.Stream] {
			t.Fatalf("message %d on stream %d, want message %d", i, m.Stream, next[m.Stream%2])
		}
		next[m.Stream] += 2
	}
	_, err := s.Recv(opContext(t))
	wantDown(t, err, sctp.DownShutdown)
	if !errors.Is(err, io.EOF) {
		t.Errorf("Recv() after peer shutdown = %v, want it to match io.EOF", err)
	}
	if err := s.Send(opContext(t), sctp.Message{PPID: 1, Data: []byte("late")}); !errors.Is(err, sctp.ErrAssociationDown) {
		t.Errorf("Send() after peer shutdown = %v, want ErrAssociationDown", err)
	}
}

func testPeerAbort(t *testing.T, tr sctp.Transport) {
	l := Listen(t, tr)
	c := Dial(t, tr, l.Addr())
	s := Accept(t, l)
	send(t, c, sctp.Message{PPID: sctp.PPIDNGAP, Data: []byte("before abort")})
	if m := recv(t, s); string(m.Data) != "before abort" {
		t.Fatalf("Recv() = %q, want %q", m.Data, "before abort")
	}
	if err := c.Abort(); err != nil {
		t.Errorf("Abort() = %v, want nil", err)
	}
	_, err := s.Recv(opContext(t))
	wantDown(t, err, sctp.DownAbort)
}

func testUseAfterClose(t *testing.T, tr sctp.Transport) {
	l := Listen(t, tr)
	EchoServer(t, l)
	c := Dial(t, tr, l.Addr())
	send(t, c, sctp.Message{PPID: 1, Data: []byte("x")})
	recv(t, c)
	if err := c.Close(); err != nil {
		t.Fatalf("Close() = %v, want nil", err)
	}
	if err := c.Send(opContext(t), sctp.Message{PPID: 1, Data: []byte("y")}); !errors.Is(err, sctp.ErrClosed) {
		t.Errorf("Send() after Close = %v, want ErrClosed", err)
	}
	if _, err := c.Recv(opContext(t)); !errors.Is(err, sctp.ErrClosed) {
		t.Errorf("Recv() after Close = %v, want ErrClosed", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close() = %v, want nil", err)
	}
	if err := c.Abort(); err != nil {
		t.Errorf("Abort() after Close = %v, want nil", err)
	}
}

func testInvalidMessages(t *testing.T, tr sctp.Transport) {
	l := Listen(t, tr)
	EchoServer(t, l)
	c := Dial(t, tr, l.Addr())
	ctx := opContext(t)
	if err := c.Send(ctx, sctp.Message{PPID: 1}); !errors.Is(err, sctp.ErrEmptyMessage) {
		t.Errorf("Send(empty) = %v, want ErrEmptyMessage", err)
	}
	if err := c.Send(ctx, sctp.Message{Stream: c.OutStreams(), PPID: 1, Data: []byte("x")}); !errors.Is(err, sctp.ErrInvalidStream) {
		t.Errorf("Send(stream %d of %d) = %v, want ErrInvalidStream", c.OutStreams(), c.OutStreams(), err)
	}
	send(t, c, sctp.Message{Stream: c.OutStreams() - 1, PPID: 1, Data: []byte("last stream")})
	if m := recv(t, c); m.Stream != c.OutStreams()-1 {
		t.Errorf("echo on the last stream came back on stream %d", m.Stream)
	}
}

func testRecvContext(t *testing.T, tr sctp.Transport) {
	l := Listen(t, tr)
	EchoServer(t, l)
	c := Dial(t, tr, l.Addr())
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.Recv(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Recv(expiring context) = %v, want context.DeadlineExceeded", err)
	}
	send(t, c, sctp.Message{PPID: 1, Data: []byte("still up")})
	if m := recv(t, c); string(m.Data) != "still up" {
		t.Errorf("Recv() = %q, want %q", m.Data, "still up")
	}
}

func testListenerClose(t *testing.T, tr sctp.Transport) {
	l := Listen(t, tr)
	errc := make(chan error, 1)
	go func() {
		_, err := l.Accept(context.Background())
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond)
	if err := l.Close(); err != nil {
		t.Fatalf("Close() = %v, want nil", err)
	}
	select {
	case err := <-errc:
		if !errors.Is(err, sctp.ErrClosed) {
			t.Errorf("Accept() after Close = %v, want ErrClosed", err)
		}
	case <-time.After(opTimeout):
		t.Fatal("Accept() still blocked after Close")
	}
	again, err := tr.Listen(opContext(t), l.Addr())
	if err != nil {
		t.Fatalf("Listen(%v) after Close = %v, want the address free", l.Addr(), err)
	}
	again.Close()
}

func testDialNoListener(t *testing.T, tr sctp.Transport) {
	l := Listen(t, tr)
	addr := l.Addr()
	l.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	if c, err := tr.Dial(ctx, netip.Addr{}, addr); err == nil {
		c.Abort()
		t.Fatalf("Dial(%v) with nobody listening succeeded", addr)
	}
}
