package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/app"
	"github.com/keelcore/keel/internal/cli"
	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// TestSimSurvivesCoreStop stops the core while the simulator registers
// UEs: the simulator must end by itself, report the failures by cause and
// exit non-zero — never hang or crash.
func TestSimSurvivesCoreStop(t *testing.T) {
	sctptest.RequireNetNS(t)
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.HTTP.Address = netip.MustParseAddrPort("127.0.0.1:0")
	cfg.N2.SCTP = config.SCTPUserspace
	core, err := app.New(context.Background(), cfg, app.Options{OnPanic: failOnPanic(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stopCore := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- core.Run(ctx) }()
	defer func() {
		stopCore()
		<-done
	}()
	tok, err := os.ReadFile(filepath.Join(cfg.DataDir, app.TokenFile))
	if err != nil {
		t.Fatal(err)
	}

	var stdout, stderr bytes.Buffer
	env := cli.Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string {
		switch k {
		case "KEEL_TOKEN":
			return strings.TrimSpace(string(tok))
		case "KEEL_API":
			return "http://" + core.HTTPAddr().String()
		}
		return ""
	}}
	simDone := make(chan int, 1)
	go func() {
		simDone <- cli.Main(context.Background(), env, []string{"sim", "--sctp", "userspace", "--json",
			"--amf", core.N2Addr().String(), "--ues", "3000", "--rate", "1000", "--provision", "--timeout", "5s"})
	}()
	// Stop the core once registrations are under way: some UEs are
	// registered. Provisioning comes first and takes its time, longer on
	// a busy machine, so the bound is generous; a simulator that ends
	// before is a failure at once.
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if n := registeredUEs(t, core.HTTPAddr().String(), strings.TrimSpace(string(tok))); n >= 50 {
			break
		}
		select {
		case code := <-simDone:
			t.Fatalf("keel sim ended (exit %d) before 50 UEs registered:\n%s", code, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("50 UEs not registered within 3 minutes")
		}
	}
	stopCore()
	select {
	case code := <-simDone:
		if code == 0 {
			t.Errorf("keel sim = exit 0 after the core stopped, want non-zero")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("keel sim did not end after the core stopped")
	}
	var sum cli.SimSummary
	if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil {
		t.Fatalf("sim summary %q: %v\n%s", stdout.String(), err, stderr.String())
	}
	if sum.UEsFailed == 0 || sum.Registered == 0 || sum.Registered+sum.UEsFailed != sum.UEs {
		t.Errorf("summary %+v: want some registered, the rest failed", sum)
	}
	if len(sum.Failures) == 0 {
		t.Errorf("failures not reported by cause: %+v", sum)
	}
	t.Logf("after the core stopped: %d registered, failures %v", sum.Registered, sum.Failures)
}

// registeredUEs counts the registered UEs the API lists.
func registeredUEs(t *testing.T, addr, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/ues?state=registered", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	var list struct {
		UEs []json.RawMessage `json:"ues"`
	}
	json.NewDecoder(resp.Body).Decode(&list)
	return len(list.UEs)
}
