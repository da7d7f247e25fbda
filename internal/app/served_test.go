package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/keelcore/keel/internal/app"
	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/sctp"
)

// The management API checks subscriptions against the configuration the
// core runs with: its DNNs, their pools and the UPF's N6 addresses.
func TestAPIChecksServedNetwork(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.HTTP.Address = netip.MustParseAddrPort("127.0.0.1:0")
	cfg.N3.Address = netip.MustParseAddrPort("127.0.0.1:0")
	cfg.N4.Address = netip.MustParseAddrPort("127.0.0.1:0")
	cfg.DNNs[0].IPv4Pool = netip.MustParsePrefix("10.60.0.0/16")
	noN2 := func(string, *slog.Logger) (sctp.Transport, error) {
		return nil, fmt.Errorf("no N2 in this test: %w", syscall.EPERM)
	}
	a, err := app.New(context.Background(), cfg, app.Options{Logger: slog.New(slog.DiscardHandler), SelectN2: noN2})
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
	token, err := os.ReadFile(filepath.Join(cfg.DataDir, app.TokenFile))
	if err != nil {
		t.Fatal(err)
	}
	create := func(dnns string) (int, string) {
		body := `{"supi":"imsi-001010000000001","k":"465b5ce8b199b49faa5f0a2ee238a6bc","opc":"cd63cb71954a9f4e48a5994e37a02baf","dnns":` + dnns + `}`
		req, _ := http.NewRequest("POST", "http://"+a.HTTPAddr().String()+"/api/v1/subscribers", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, c := range []struct{ dnns, field string }{
		{`[{"dnn":"ims"}]`, "dnns[0].dnn"},
		{`[{"dnn":"internet","static_ipv4":"10.60.0.1"}]`, "dnns[0].static_ipv4"},
		{`[{"dnn":"internet","static_ipv4":"10.45.0.7"}]`, "dnns[0].static_ipv4"},
	} {
		if code, b := create(c.dnns); code != http.StatusBadRequest || !strings.Contains(b, `"field": "`+c.field+`"`) {
			t.Errorf("create with dnns %s = %d %s, want 400 naming %s", c.dnns, code, b, c.field)
		}
	}
	if code, b := create(`[{"dnn":"internet","static_ipv4":"10.60.0.7"}]`); code != http.StatusCreated {
		t.Errorf("create with an address of the configured pool = %d %s, want 201", code, b)
	}

	// The console's own routes are wired: the overview, the events, the
	// configuration.
	for _, path := range []string{"/api/v1/overview", "/api/v1/events", "/api/v1/config"} {
		req, _ := http.NewRequest("GET", "http://"+a.HTTPAddr().String()+path, nil)
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d %s", path, resp.StatusCode, b)
		}
		if path == "/api/v1/config" && !strings.Contains(string(b), "10.60.0.0/16") {
			t.Errorf("GET /api/v1/config lacks the DNN's pool: %s", b)
		}
	}

	// The operator console is served beside the API, at / and at its
	// client-side routes, with its Content-Security-Policy.
	for _, path := range []string{"/", "/ues/imsi-001010000000001"} {
		resp, err := http.Get("http://" + a.HTTPAddr().String() + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(strings.ToLower(string(b)), "<html") ||
			!strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") {
			t.Errorf("GET %s = %d %.60q, CSP %q: want the console", path, resp.StatusCode, b, resp.Header.Get("Content-Security-Policy"))
		}
	}
}
