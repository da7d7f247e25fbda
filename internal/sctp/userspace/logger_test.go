package userspace

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/keelcore/keel/internal/logtest"
	"github.com/keelcore/keel/internal/sctp"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// TestSCTPDebug runs one association's life with the logger at Debug
// level: without SCTPDebug the log holds the transport's own records and
// none of pion's; with it, pion's appear too.
func TestSCTPDebug(t *testing.T) {
	for _, debug := range []bool{false, true} {
		var logs logtest.Buffer
		log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		tr := newTransport(t, Options{Logger: log, SCTPDebug: debug})
		l := sctptest.Listen(t, tr)
		sctptest.EchoServer(t, l)
		c := sctptest.Dial(t, tr, l.Addr())
		if err := c.Send(t.Context(), sctp.Message{PPID: sctp.PPIDNGAP, Data: []byte("ping")}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Recv(t.Context()); err != nil {
			t.Fatal(err)
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		if err := tr.Close(); err != nil {
			t.Fatal(err)
		}
		var own, pion int
		for line := range strings.Lines(logs.String()) {
			switch {
			case strings.Contains(line, " pion="):
				pion++
			case strings.Contains(line, "userspace sctp: "):
				own++
			}
		}
		if own == 0 {
			t.Errorf("SCTPDebug %v: no record of the transport's own at Debug level:\n%s", debug, logs.String())
		}
		if debug && pion == 0 {
			t.Errorf("SCTPDebug true: no record of pion's at Debug level")
		}
		if !debug && pion != 0 {
			t.Errorf("SCTPDebug false: %d records of pion's at Debug level, want none:\n%s", pion, logs.String())
		}
		t.Logf("SCTPDebug %v: %d records of the transport's, %d of pion's", debug, own, pion)
	}
}
