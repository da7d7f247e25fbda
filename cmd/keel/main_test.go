package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/logtest"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// keel serve opens N2 on userspace SCTP, which needs a raw socket: the
// tests run in a network namespace of their own and never touch the
// host's network.
func TestMain(m *testing.M) { sctptest.MainInNetNS(m) }

// buildKeel compiles the binary once per test run.
func buildKeel(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "keel")
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freePort(t *testing.T, network string) int {
	t.Helper()
	if network == "udp" {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// writeConfig writes a configuration with every listener on a free port.
func writeConfig(t *testing.T, dir string) (path, api string) {
	t.Helper()
	httpPort := freePort(t, "tcp")
	cfg := fmt.Sprintf(`http:
  address: 127.0.0.1:%d
n2:
  address: 127.0.0.1:%d
n3:
  address: 127.0.0.1:%d
n4:
  address: 127.0.0.1:%d
data_dir: %s
`, httpPort, freePort(t, "tcp"), freePort(t, "udp"), freePort(t, "udp"), filepath.Join(dir, "data"))
	path = filepath.Join(dir, "keel.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, fmt.Sprintf("http://127.0.0.1:%d", httpPort)
}

type server struct {
	cmd    *exec.Cmd
	stdout logtest.Buffer
	stderr logtest.Buffer
	done   chan error
}

func startServe(t *testing.T, bin, cfg, api string) *server {
	t.Helper()
	s := &server{cmd: exec.Command(bin, "serve", "--config", cfg), done: make(chan error, 1)}
	s.cmd.Stdout, s.cmd.Stderr = &s.stdout, &s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() { s.cmd.Process.Kill() })
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(api + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		select {
		case err := <-s.done:
			t.Fatalf("keel serve exited early: %v\n%s", err, s.stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("keel serve not ready after 10 s:\n%s", s.stderr.String())
	return nil
}

// stop sends SIGTERM and checks that the core stops cleanly within 5 s.
func (s *server) stop(t *testing.T) {
	t.Helper()
	start := time.Now()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		if err != nil {
			t.Fatalf("keel serve after SIGTERM: %v\n%s", err, s.stderr.String())
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("keel serve took %v to stop, want under 5 s", d)
		}
	case <-time.After(6 * time.Second):
		t.Fatalf("keel serve did not stop within 6 s of SIGTERM")
	}
}

func run(t *testing.T, bin string, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = append(os.Environ(), "KEEL_TOKEN=", "KEEL_API=")
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

// TestServeRestart is the platform's acceptance run: start on a fresh data
// directory, add a subscriber with the CLI, stop with SIGTERM, start again
// and find the subscriber; the API refuses calls without the token.
func TestServeRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	sctptest.RequireNetNS(t)
	bin := buildKeel(t)
	dir := t.TempDir()
	cfg, api := writeConfig(t, dir)
	data := filepath.Join(dir, "data")

	s := startServe(t, bin, cfg, api)
	st, err := os.Stat(filepath.Join(data, "admin-token"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("admin-token mode = %04o, want 0600", st.Mode().Perm())
	}
	token, _ := os.ReadFile(filepath.Join(data, "admin-token"))
	tok := strings.TrimSpace(string(token))
	if strings.Count(s.stdout.String(), tok) != 1 {
		t.Errorf("first start printed the token %d times, want once:\n%s", strings.Count(s.stdout.String(), tok), s.stdout.String())
	}
	if strings.Contains(s.stderr.String(), tok) {
		t.Errorf("the log contains the admin token")
	}
	for _, path := range []string{"/api/v1/subscribers", "/api/v1/subscribers/imsi-001010000000001"} {
		resp, err := http.Get(api + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s without token = %d, want 401", path, resp.StatusCode)
		}
	}
	out, errOut, code := run(t, bin, "subscriber", "add", "--api", api, "--data", data, "--supi", "imsi-001010000000001",
		"--k", "465b5ce8b199b49faa5f0a2ee238a6bc", "--opc", "cd63cb71954a9f4e48a5994e37a02baf")
	if code != 0 {
		t.Fatalf("subscriber add = exit %d: %s%s", code, out, errOut)
	}
	s.stop(t)

	s = startServe(t, bin, cfg, api)
	if strings.Contains(s.stdout.String(), tok) {
		t.Errorf("second start printed the token again")
	}
	out, errOut, code = run(t, bin, "subscriber", "show", "imsi-001010000000001", "--json", "--api", api, "--data", data)
	if code != 0 {
		t.Fatalf("subscriber show after restart = exit %d: %s", code, errOut)
	}
	var sub struct{ SUPI string }
	if err := json.Unmarshal([]byte(out), &sub); err != nil || sub.SUPI != "imsi-001010000000001" {
		t.Fatalf("subscriber show after restart = %q, %v", out, err)
	}
	if strings.Contains(s.stderr.String()+out, "465b5ce8b199b49faa5f0a2ee238a6bc") {
		t.Errorf("K appears in the log or the CLI output")
	}
	s.stop(t)
}

func TestBadConfigExit2(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildKeel(t)
	dir := t.TempDir()
	tests := []struct{ yaml, key string }{
		{"plmn:\n  mcc: \"1\"\n", "plmn.mcc"},
		{"colour: red\n", "colour"},
		{"dnns:\n  - name: a\n    ipv4_pool: 10.0.0.0/8\n  - name: b\n    ipv4_pool: 10.1.0.0/16\n", "dnns[1].ipv4_pool"},
	}
	for i, tt := range tests {
		path := filepath.Join(dir, fmt.Sprintf("bad%d.yaml", i))
		os.WriteFile(path, []byte(tt.yaml), 0o600)
		for _, args := range [][]string{{"serve", "--config", path}, {"config", "check", path}} {
			_, stderr, code := run(t, bin, args...)
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if code != 2 || len(lines) != 1 || !strings.Contains(lines[0], tt.key) {
				t.Errorf("keel %s with %q = exit %d, stderr %q; want exit 2 and one line naming %s", args[0], tt.yaml, code, stderr, tt.key)
			}
		}
	}
}

// TestCorruptDatabaseRefused checks that a database Keel cannot read stops
// the start and is left exactly as it was.
func TestCorruptDatabaseRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildKeel(t)
	dir := t.TempDir()
	cfg, _ := writeConfig(t, dir)
	data := filepath.Join(dir, "data")
	os.MkdirAll(data, 0o700)
	junk := bytes.Repeat([]byte("not a database "), 1000)
	db := filepath.Join(data, "keel.db")
	os.WriteFile(db, junk, 0o600)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "serve", "--config", cfg)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if err == nil || !strings.Contains(stderr.String(), "keel.db") {
		t.Errorf("serve on a corrupt database = %v, stderr %q; want a failure naming the file", err, stderr.String())
	}
	after, _ := os.ReadFile(db)
	if sha256.Sum256(after) != sha256.Sum256(junk) {
		t.Errorf("the corrupt database file was modified")
	}
}

// TestSimEndsAfterCoreKilled kills the core with SIGKILL while the
// simulator registers UEs: no SCTP ABORT, no AMF Status Indication, the
// AMF is simply silent. The simulator must end within about its
// --timeout (the silent associations declared down, their UEs failed at
// once, the UEs not started failed without waiting their turn), exit
// non-zero and say what failed.
func TestSimEndsAfterCoreKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	sctptest.RequireNetNS(t)
	bin := buildKeel(t)
	dir := t.TempDir()
	cfg, api := writeConfig(t, dir)
	yaml, _ := os.ReadFile(cfg)
	n2 := regexp.MustCompile(`n2:\n  address: (\S+)`).FindSubmatch(yaml)
	s := startServe(t, bin, cfg, api)
	token, _ := os.ReadFile(filepath.Join(dir, "data", "admin-token"))
	tok := strings.TrimSpace(string(token))

	const timeout = 5 * time.Second
	var stdout, stderr logtest.Buffer
	sim := exec.Command(bin, "sim", "--sctp", "userspace", "--json", "--amf", string(n2[1]), "--gnbs", "2",
		"--ues", "20000", "--rate", "1000", "--provision", "--timeout", timeout.String())
	sim.Stdout, sim.Stderr = &stdout, &stderr
	sim.Env = append(os.Environ(), "KEEL_TOKEN="+tok, "KEEL_API="+api)
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	simDone := make(chan error, 1)
	go func() { simDone <- sim.Wait() }()
	t.Cleanup(func() { sim.Process.Kill() })

	for deadline := time.Now().Add(60 * time.Second); registered(t, api, tok) < 50; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no 50 UEs registered within 60 s:\n%s", stderr.String())
		}
	}
	s.cmd.Process.Kill()
	killed := time.Now()
	// Generous slack over --timeout for a loaded machine; before the
	// fix the simulator took a minute (the userspace SCTP peer timeout),
	// its UEs timing out in turn.
	const bound = timeout + 15*time.Second
	select {
	case err := <-simDone:
		t.Logf("keel sim ended %v after the core was killed", time.Since(killed).Round(time.Millisecond))
		if err == nil {
			t.Errorf("keel sim = exit 0 after the core was killed, want non-zero")
		}
	case <-time.After(bound):
		t.Fatalf("keel sim still running %v after the core was killed (--timeout %v)", bound, timeout)
	}
	var sum struct {
		Registered int            `json:"registered"`
		UEsFailed  int            `json:"ues_failed"`
		UEs        int            `json:"ues"`
		Failures   map[string]int `json:"failures"`
	}
	if err := json.Unmarshal([]byte(stdout.String()), &sum); err != nil {
		t.Fatalf("sim summary %q: %v\n%s", stdout.String(), err, stderr.String())
	}
	if sum.Registered == 0 || sum.UEsFailed == 0 || sum.Registered+sum.UEsFailed != sum.UEs || len(sum.Failures) == 0 {
		t.Errorf("summary %+v: want some registered, the rest failed by cause", sum)
	}
}

// registered counts the registered UEs the API lists.
func registered(t *testing.T, api, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", api+"/api/v1/ues?state=registered", nil)
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
