package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// serveRefused runs keel serve and returns its exit status and standard
// error; a serve still running after 10 s is killed and fails the test.
func serveRefused(t *testing.T, bin, cfg string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "serve", "--config", cfg)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("keel serve --config %s still running after 10 s, want it refused:\n%s", cfg, stderr.String())
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, stderr.String()
}

// TestSecondCoreRefused starts a core, then a second one on its data
// directory and a third with a data directory of its own but the first's
// N2 address: both are refused with a non-zero exit and an error saying
// why (the data directory's holder by PID; the N2 address held by another
// listener, which userspace SCTP's raw socket alone could not see). Once
// the first core is killed (SIGKILL: no cleanup runs), the kernel has
// released both and the first configuration starts again.
func TestSecondCoreRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	sctptest.RequireNetNS(t)
	bin := buildKeel(t)
	dir := t.TempDir()
	cfg, api := writeConfig(t, dir)
	first := startServe(t, bin, cfg, api)

	code, stderr := serveRefused(t, bin, cfg)
	t.Logf("second core: exit %d: %s", code, stderr)
	if pid := fmt.Sprintf("PID %d", first.cmd.Process.Pid); code == 0 || !strings.Contains(stderr, pid) {
		t.Errorf("second keel serve on the same data directory: exit %d, stderr %q; want a failure naming the holder's %s", code, stderr, pid)
	}

	// Same N2 address, everything else its own.
	text, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	n2 := regexp.MustCompile(`(?m)^n2:\n  address: (\S+)$`).FindSubmatch(text)
	if n2 == nil {
		t.Fatalf("no n2.address in\n%s", text)
	}
	dir3 := t.TempDir()
	cfg3, _ := writeConfig(t, dir3)
	text3, err := os.ReadFile(cfg3)
	if err != nil {
		t.Fatal(err)
	}
	text3 = regexp.MustCompile(`(?m)^(n2:\n  address: )\S+$`).ReplaceAll(text3, append([]byte("${1}"), n2[1]...))
	if err := os.WriteFile(cfg3, text3, 0o600); err != nil {
		t.Fatal(err)
	}
	code, stderr = serveRefused(t, bin, cfg3)
	t.Logf("third core: exit %d: %s", code, stderr)
	if code == 0 || !strings.Contains(stderr, "n2.address") || !strings.Contains(stderr, "another SCTP listener") {
		t.Errorf("keel serve on another core's N2 address %s: exit %d, stderr %q; want a failure naming n2.address and the clash", n2[1], code, stderr)
	}

	first.cmd.Process.Kill()
	<-first.done
	startServe(t, bin, cfg, api).stop(t)
}
