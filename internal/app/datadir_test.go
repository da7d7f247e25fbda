package app_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/keelcore/keel/internal/app"
	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/dirlock"
	"github.com/keelcore/keel/internal/sctp"
)

// A second core on the data directory of a running one is refused, with
// an error naming the first one's PID; once the first closes, a core
// starts there again.
func TestDataDirLocked(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.HTTP.Address = netip.MustParseAddrPort("127.0.0.1:0")
	cfg.N3.Address = netip.MustParseAddrPort("127.0.0.1:0")
	cfg.N4.Address = netip.MustParseAddrPort("127.0.0.1:0")
	opts := app.Options{SelectN2: func(string, *slog.Logger) (sctp.Transport, error) {
		return nil, fmt.Errorf("no N2 in this test: %w", syscall.EPERM)
	}}
	first, err := app.New(context.Background(), cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	second, err := app.New(context.Background(), cfg, opts)
	if err == nil {
		second.Close()
		first.Close()
		t.Fatal("second app.New() on a data directory in use succeeded")
	}
	var held *dirlock.HeldError
	if pid := fmt.Sprintf("PID %d", os.Getpid()); !errors.As(err, &held) || !strings.Contains(err.Error(), pid) {
		t.Errorf("second app.New() = %v, want an error naming the holder's %s", err, pid)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	third, err := app.New(context.Background(), cfg, opts)
	if err != nil {
		t.Fatalf("app.New() after the first core closed = %v", err)
	}
	third.Close()
}
