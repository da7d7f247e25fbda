package app_test

import (
	"context"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/app"
	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/sbihttp"
)

// runApp builds and runs an App for cfg until the test ends or stop is
// called; stop waits for it and fails the test on an unclean stop.
func runApp(t *testing.T, cfg config.Config) (a *app.App, stop func()) {
	t.Helper()
	a, err := app.New(context.Background(), cfg, app.Options{})
	if err != nil {
		t.Fatalf("app.New(nfs %v): %v", cfg.NFs, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("app (nfs %v) stopped with %v", cfg.NFs, err)
		}
	}
	t.Cleanup(stop)
	return a, stop
}

func splitConfig(t *testing.T, nfs ...string) config.Config {
	cfg := config.Default()
	cfg.NFs = nfs
	cfg.DataDir = t.TempDir()
	cfg.HTTP.Address = netip.MustParseAddrPort("127.0.0.1:0")
	cfg.SBI.Address = netip.MustParseAddrPort("127.0.0.1:0")
	return cfg
}

// registered counts the instances of an NF type the NRF lists
// (NFListRetrieval, TS 29.510 §5.2.2.6).
func registered(t *testing.T, nrf netip.AddrPort, nfType string) int {
	t.Helper()
	c := sbihttp.NewClient(sbihttp.ClientConfig{Timeout: time.Second})
	var list struct {
		Total int `json:"totalItemCount"`
	}
	_, err := c.Do(context.Background(), sbihttp.Request{Method: http.MethodGet, URI: "http://" + nrf.String(),
		Path: "/nnrf-nfm/v1/nf-instances", Query: map[string][]string{"nf-type": {nfType}}}, &list)
	if err != nil {
		return -1
	}
	return list.Total
}

func waitRegistered(t *testing.T, nrf netip.AddrPort, nfType string, want int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	got := -1
	for time.Now().Before(deadline) {
		if got = registered(t, nrf, nfType); got == want {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the NRF lists %d %s instances after %v, want %d", got, nfType, within, want)
}

// A process running the UDR alone registers it at the NRF of another
// process, registers it again when the NRF restarts (a heartbeat
// answered 404, TS 29.510 §5.2.2.3.2), and deregisters it when it stops
// (§5.2.2.4).
func TestSplitRegistration(t *testing.T) {
	nrfCfg := splitConfig(t, "nrf")
	nrfApp, stopNRF := runApp(t, nrfCfg)
	nrfAddr := nrfApp.SBIAddr()
	if !nrfAddr.IsValid() || nrfApp.Store() != nil {
		t.Fatalf("NRF process: SBI %v, store %v; want an SBI and no store", nrfAddr, nrfApp.Store())
	}

	udrCfg := splitConfig(t, "udr")
	udrCfg.SBI.NRF = "http://" + nrfAddr.String()
	_, stopUDR := runApp(t, udrCfg)
	waitRegistered(t, nrfAddr, "UDR", 1, 10*time.Second)

	// The NRF restarts on its address and forgets every registration.
	stopNRF()
	nrfCfg.SBI.Address = nrfAddr
	nrfApp, _ = runApp(t, nrfCfg)
	if registered(t, nrfAddr, "UDR") != 0 {
		t.Fatal("a new NRF lists a UDR before any registration")
	}
	waitRegistered(t, nrfAddr, "UDR", 1, 30*time.Second)

	stopUDR()
	waitRegistered(t, nrfAddr, "UDR", 0, 5*time.Second)
}
