package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/keelcore/keel/internal/api"
	"github.com/keelcore/keel/internal/api/client"
	"github.com/keelcore/keel/internal/app"
	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/sctp"
	"github.com/keelcore/keel/internal/secret"
)

// noRawSockets selects as a process without kernel SCTP and without
// CAP_NET_RAW would: the userspace transport cannot open its socket.
func noRawSockets(string, *slog.Logger) (sctp.Transport, error) {
	return nil, fmt.Errorf("userspace sctp: raw IPv4 socket needs CAP_NET_RAW: %w", syscall.EPERM)
}

// A core that may open no N2 transport still starts, prints its token,
// serves the management API and says through /readyz why N2 is down.
func TestCoreWithoutN2Transport(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.HTTP.Address = netip.MustParseAddrPort("127.0.0.1:0")
	var notice bytes.Buffer
	a, err := app.New(context.Background(), cfg, app.Options{Notice: &notice, SelectN2: noRawSockets, OnPanic: failOnPanic(t)})
	if err != nil {
		t.Fatalf("the core refused to start without N2: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("core stopped with %v", err)
		}
	}()
	if !strings.Contains(notice.String(), "Admin token") {
		t.Fatalf("no admin token notice on first start: %q", notice.String())
	}
	if a.N2Addr().IsValid() {
		t.Errorf("N2Addr = %v, want none", a.N2Addr())
	}
	base := "http://" + a.HTTPAddr().String()

	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	var ready map[string]string
	json.NewDecoder(resp.Body).Decode(&ready)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(ready["reason"], "n2: not serving") || !strings.Contains(ready["reason"], "CAP_NET_RAW") {
		t.Errorf("/readyz = %d %v, want 503 naming N2 and CAP_NET_RAW", resp.StatusCode, ready)
	}

	token, err := os.ReadFile(filepath.Join(cfg.DataDir, app.TokenFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(notice.String(), strings.TrimSpace(string(token))) {
		t.Errorf("the notice does not show the stored token")
	}
	c := client.New(base, secret.Token(strings.TrimSpace(string(token))))
	k, opc := "465b5ce8b199b49faa5f0a2ee238a6bc", "cd63cb71954a9f4e48a5994e37a02baf"
	supi := "imsi-001010000000001"
	if _, err := c.CreateSubscriber(context.Background(), api.SubscriberRequest{SUPI: &supi, K: &k, OPc: &opc}); err != nil {
		t.Fatalf("management API unusable without N2: %v", err)
	}
}

// A transport forced in the configuration is a promise: the start fails
// when it cannot be kept.
func TestForcedN2TransportUnavailable(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.HTTP.Address = netip.MustParseAddrPort("127.0.0.1:0")
	cfg.N2.SCTP = config.SCTPUserspace
	_, err := app.New(context.Background(), cfg, app.Options{SelectN2: noRawSockets, OnPanic: failOnPanic(t)})
	if err == nil || !strings.Contains(err.Error(), "n2.sctp") {
		t.Fatalf("start with a forced, unavailable transport: err = %v, want one naming n2.sctp", err)
	}
}
