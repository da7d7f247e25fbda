package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/app"
	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/logtest"
	"github.com/keelcore/keel/internal/sctp"
)

// The core says at start which network it serves: PLMN, tracking areas,
// slices and DNNs with their pools.
func TestRunLogsNetwork(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.HTTP.Address = netip.MustParseAddrPort("127.0.0.1:0")
	cfg.N3.Address = netip.MustParseAddrPort("127.0.0.1:0")
	cfg.N4.Address = netip.MustParseAddrPort("127.0.0.1:0")
	cfg.PLMN = ident.PLMN{MCC: "999", MNC: "070"}
	cfg.TACs = []uint32{1, 0x1234}
	cfg.Slices = []config.Slice{{SST: 1}, {SST: 2, SD: "0000AB"}}
	cfg.DNNs = append(cfg.DNNs, config.DNN{Name: "ims",
		IPv4Pool: netip.MustParsePrefix("10.46.0.0/16"), IPv6Pool: netip.MustParsePrefix("fd00:46::/48"), MTU: 1400})
	logs := &logtest.Buffer{}
	noN2 := func(string, *slog.Logger) (sctp.Transport, error) {
		return nil, fmt.Errorf("no N2 in this test: %w", syscall.EPERM)
	}
	a, err := app.New(context.Background(), cfg, app.Options{Logger: slog.New(slog.NewJSONHandler(logs, nil)), SelectN2: noN2})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()

	want := map[string]any{
		"plmn":   "999070",
		"tacs":   "1, 4660",
		"slices": "sst 1, sst 2 sd 0000ab",
		"dnns":   "internet ipv4 10.45.0.0/16, ims ipv4 10.46.0.0/16 ipv6 fd00:46::/48",
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for line := range strings.Lines(logs.String()) {
			var rec map[string]any
			if json.Unmarshal([]byte(line), &rec) != nil || rec["msg"] != "keel network" {
				continue
			}
			got := map[string]any{}
			for k := range want {
				got[k] = rec[k]
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("start log %s: (-want +got)\n%s", line, diff)
			}
			return
		}
	}
	t.Fatalf("no \"keel network\" record at start; the log:\n%s", logs.String())
}
