package userspace

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/sctp"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// lossy drops a share of the packets whose first chunk is DATA or SACK,
// from a seeded generator so a failure can be replayed.
type lossy struct {
	mu      sync.Mutex
	rnd     *rand.Rand
	share   float64
	dropped int
	seen    int
}

func (l *lossy) drop(p []byte) bool {
	if len(p) <= commonHeaderLen || (p[commonHeaderLen] != ctData && p[commonHeaderLen] != ctSACK) {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen++
	if l.rnd.Float64() < l.share {
		l.dropped++
		return true
	}
	return false
}

// TestPacketLoss sends messages over an association that loses 10 % of
// its DATA and SACK packets: every message must still arrive, intact and
// in order within its stream (RFC 9260 §6.3 retransmission, §7.2.4 fast
// retransmit).
func TestPacketLoss(t *testing.T) {
	loss := &lossy{rnd: rand.New(rand.NewPCG(1, 2)), share: 0.10}
	tr := newTransport(t, Options{DropOutbound: loss.drop})
	l := sctptest.Listen(t, tr)
	c := sctptest.Dial(t, tr, l.Addr())
	s := sctptest.Accept(t, l)

	const msgs, streams = 200, 3
	sizes := rand.New(rand.NewPCG(3, 4))
	want := make([][]byte, msgs)
	for i := range want {
		n := 8 + sizes.IntN(2000) // one or two packets
		want[i] = sctptest.Payload(n, byte(i))
		binary.BigEndian.PutUint32(want[i], uint32(i))
	}
	start := time.Now()
	errc := make(chan error, 1)
	go func() {
		for i, d := range want {
			if err := c.Send(t.Context(), sctp.Message{Stream: uint16(i % streams), PPID: sctp.PPIDNGAP, Data: d}); err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
	}()
	var next [streams]int
	for i := range streams {
		next[i] = i
	}
	for range msgs {
		m, err := s.Recv(t.Context())
		if err != nil {
			t.Fatalf("Recv() = %v", err)
		}
		i := int(binary.BigEndian.Uint32(m.Data))
		if int(m.Stream) >= streams || i != next[m.Stream] {
			t.Fatalf("stream %d delivered message %d, want %d", m.Stream, i, next[m.Stream%streams])
		}
		if !bytes.Equal(m.Data, want[i]) {
			t.Fatalf("message %d corrupted", i)
		}
		next[m.Stream] += streams
	}
	if err := <-errc; err != nil {
		t.Fatalf("Send() = %v", err)
	}
	loss.mu.Lock()
	defer loss.mu.Unlock()
	t.Logf("%d messages in %v; %d of %d DATA/SACK packets dropped", msgs, time.Since(start), loss.dropped, loss.seen)
	if loss.dropped == 0 {
		t.Error("no packet was dropped: the test proves nothing")
	}
}
