package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keelcore/keel/internal/app"
	"github.com/keelcore/keel/internal/cli"
	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// The tests need raw sockets for userspace SCTP: they run in a network
// namespace of their own, so the host's network is never touched.
func TestMain(m *testing.M) { sctptest.MainInNetNS(m) }

// startCore runs the core from its composition root with every listener on
// loopback and returns it with its admin token.
func startCore(t testing.TB) (*app.App, string) {
	t.Helper()
	return startCoreWith(t, nil)
}

// startCoreWith is startCore with the configuration adjusted by edit.
func startCoreWith(t testing.TB, edit func(*config.Config)) (*app.App, string) {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.HTTP.Address = netip.MustParseAddrPort("127.0.0.1:0")
	cfg.N2.SCTP = config.SCTPUserspace
	if edit != nil {
		edit(&cfg)
	}
	a, err := app.New(context.Background(), cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("core stopped with %v", err)
		}
	})
	tok, err := os.ReadFile(filepath.Join(cfg.DataDir, app.TokenFile))
	if err != nil {
		t.Fatal(err)
	}
	return a, strings.TrimSpace(string(tok))
}

// capture records loopback traffic until stop is called.
func capture(t *testing.T) (stop func() string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "n2.pcap")
	c := sctptest.StartCapture(t, path)
	return func() string {
		c.Finish(t)
		return path
	}
}

// tshark runs tshark on a capture with SCTP's CRC32c checked.
func tshark(t *testing.T, pcap string, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark is not installed: the wire oracle cannot run")
	}
	cmd := exec.Command(bin, append([]string{"-r", pcap, "-o", "sctp.checksum:CRC 32c"}, args...)...)
	// A private HOME: tshark reads its profile from there, and inside a
	// user namespace the caller's may not be usable.
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark %v: %v\n%s", args, err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// TestN2OnTheWire runs NG Setup for several gNBs against the core over
// userspace SCTP, captures the traffic and has tshark decode every frame:
// no malformed frame, no expert error, every checksum good.
func TestN2OnTheWire(t *testing.T) {
	sctptest.RequireNetNS(t)
	stop := capture(t)
	core, token := startCore(t)

	var stdout, stderr bytes.Buffer
	env := cli.Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }}
	code := cli.Main(context.Background(), env, []string{"sim", "--amf", core.N2Addr().String(), "--gnbs", "5", "--sctp", "userspace", "--json"})
	if code != 0 {
		t.Fatalf("keel sim = exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	var sum cli.SimSummary
	if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil {
		t.Fatalf("sim summary %q: %v", stdout.String(), err)
	}
	if sum.GNBs != 5 || sum.NGSetupOK != 5 || sum.Failed != 0 {
		t.Errorf("sim summary = %+v, want 5 gNBs set up", sum)
	}

	// The gNBs are visible through the API while connected; the sim has
	// closed its associations, so list a fresh one here.
	req, _ := http.NewRequest("GET", "http://"+core.HTTPAddr().String()+"/api/v1/gnbs", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET /api/v1/gnbs = %d", resp.StatusCode)
	}

	pcap := stop()
	bad := tshark(t, pcap, "-Y", "_ws.malformed || _ws.expert.severity==error || sctp.checksum.status==0")
	if bad != "" {
		t.Errorf("tshark found malformed frames, expert errors or bad checksums:\n%s", bad)
	}
	summary := tshark(t, pcap, "-Y", "ngap", "-T", "fields", "-e", "ngap.procedureCode", "-e", "ngap.successfulOutcome_element")
	requests := lines(tshark(t, pcap, "-Y", "ngap.NGSetupRequest_element"))
	responses := lines(tshark(t, pcap, "-Y", "ngap.NGSetupResponse_element"))
	if requests != 5 || responses != 5 {
		t.Errorf("tshark saw %d NG Setup Requests and %d Responses, want 5 each; NGAP frames:\n%s", requests, responses, summary)
	}
}

func lines(s string) int {
	if s == "" {
		return 0
	}
	return strings.Count(s, "\n") + 1
}
