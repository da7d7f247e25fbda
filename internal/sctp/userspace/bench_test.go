package userspace

import (
	"context"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/sctp"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// ngapSized is the payload size of a typical NGAP message.
const ngapSized = 100

// BenchmarkRoundTrip sends a 100-byte message and waits for its echo,
// one at a time, over one association on lo: the latency of the userspace
// path, pion and the adapter on both ends.
func BenchmarkRoundTrip(b *testing.B) {
	c := benchAssociation(b)
	ctx := context.Background()
	m := sctp.Message{PPID: sctp.PPIDNGAP, Data: sctptest.Payload(ngapSized, 1)}
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if err := c.Send(ctx, m); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Recv(ctx); err != nil {
			b.Fatal(err)
		}
	}
	report(b, start, b.N)
}

// BenchmarkPipelined keeps up to 64 100-byte messages in flight on one
// association and counts echoes: its throughput.
func BenchmarkPipelined(b *testing.B) {
	const window = 64
	c := benchAssociation(b)
	ctx := context.Background()
	m := sctp.Message{PPID: sctp.PPIDNGAP, Data: sctptest.Payload(ngapSized, 1)}
	b.ResetTimer()
	start := time.Now()
	slots := make(chan struct{}, window)
	errc := make(chan error, 1)
	go func() {
		for range b.N {
			if _, err := c.Recv(ctx); err != nil {
				errc <- err
				return
			}
			<-slots
		}
		errc <- nil
	}()
	for range b.N {
		slots <- struct{}{}
		if err := c.Send(ctx, m); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-errc; err != nil {
		b.Fatal(err)
	}
	report(b, start, b.N)
}

func benchAssociation(b *testing.B) sctp.Conn {
	tr := newTransport(b, Options{})
	l := sctptest.Listen(b, tr)
	sctptest.EchoServer(b, l)
	return sctptest.Dial(b, tr, l.Addr())
}

func report(b *testing.B, start time.Time, n int) {
	d := time.Since(start)
	b.ReportMetric(float64(n)/d.Seconds(), "msgs/s")
	b.ReportMetric(float64(d.Microseconds())/float64(n), "µs/msg")
}
