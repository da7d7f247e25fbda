package testenv

import (
	"context"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/app"
	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/logtest"
)

// TestSCTPDebugSwitch runs the core at log level debug and opens an
// association to its N2 listener: without n2.sctp_debug the log holds
// Keel's records and none of the SCTP engine's (pion's); with it, pion's
// appear as well.
func TestSCTPDebugSwitch(t *testing.T) {
	for _, debug := range []bool{false, true} {
		t.Run(map[bool]string{false: "off", true: "on"}[debug], func(t *testing.T) {
			var logs logtest.Buffer
			opts := app.Options{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
			core, _ := startCoreOpts(t, func(c *config.Config) { c.N2.SCTPDebug = debug }, opts)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, err := n2Transport(t).Dial(ctx, netip.Addr{}, core.N2Addr())
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			// The core's side sees the association end shortly after.
			var own, pion int
			for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
				own, pion = 0, 0
				for line := range strings.Lines(logs.String()) {
					switch {
					case strings.Contains(line, " pion="):
						pion++
					case strings.Contains(line, "association down"):
						own++
					}
				}
				if own > 0 && (pion > 0 || !debug) {
					break
				}
			}
			if own == 0 {
				t.Errorf("n2.sctp_debug %v: the core logged no association down at debug level:\n%s", debug, logs.String())
			}
			if debug && pion == 0 {
				t.Errorf("n2.sctp_debug true: no record of the SCTP engine's at debug level")
			}
			if !debug && pion != 0 {
				t.Errorf("n2.sctp_debug false: %d records of the SCTP engine's at debug level, want none", pion)
			}
			t.Logf("n2.sctp_debug %v: %d lines in all, %d of the SCTP engine's", debug, strings.Count(logs.String(), "\n"), pion)
		})
	}
}
