package oracle

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// envHelper makes TestMissingHelper call Missing, in a child process.
const envHelper = "KEEL_ORACLE_TEST_HELPER"

func TestMissingHelper(t *testing.T) {
	if os.Getenv(envHelper) != "1" {
		t.Skip("runs as a child process of TestMissing")
	}
	Missing(t, "frobnicator is not on PATH")
}

// runHelper runs TestMissingHelper in a child process, without -v, with
// env added, and returns its output and exit code.
func runHelper(t *testing.T, extra *os.File, env ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestMissingHelper$", "-test.count=1")
	cmd.Env = append(append(os.Environ(), envHelper+"=1", EnvRequire+"=", envNotesFD+"="), env...)
	if extra != nil {
		cmd.ExtraFiles = []*os.File{extra}
	}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &exit):
		return string(out), exit.ExitCode()
	}
	t.Fatalf("running the helper: %v", err)
	return "", 0
}

// A missing oracle skips with a note outside -v output, and fails with
// KEEL_REQUIRE_ORACLES=1.
func TestMissing(t *testing.T) {
	const note = "SKIP ./internal/oracle TestMissingHelper: frobnicator is not on PATH\n"
	out, code := runHelper(t, nil)
	if code != 0 || !strings.Contains(out, note) {
		t.Errorf("without %s: exit %d, output %q; want exit 0 and the note %q", EnvRequire, code, out, note)
	}

	out, code = runHelper(t, nil, EnvRequire+"=1")
	if want := "oracle missing and KEEL_REQUIRE_ORACLES=1: frobnicator is not on PATH"; code != 1 || !strings.Contains(out, want) {
		t.Errorf("with %s=1: exit %d, output %q; want exit 1 and %q", EnvRequire, code, out, want)
	}
	if strings.Contains(out, "SKIP") {
		t.Errorf("with %s=1 the test skipped: %q", EnvRequire, out)
	}
}

// A child test process writes its notes to the descriptor ForChild's
// caller handed it.
func TestNotesToPassedDescriptor(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var notes bytes.Buffer
	copied := make(chan error, 1)
	go func() {
		_, err := io.Copy(&notes, r)
		copied <- err
	}()
	out, code := runHelper(t, w, envNotesFD+"=3")
	w.Close()
	if err := <-copied; err != nil {
		t.Fatal(err)
	}
	const note = "SKIP ./internal/oracle TestMissingHelper: frobnicator is not on PATH\n"
	if code != 0 || notes.String() != note {
		t.Errorf("notes on descriptor 3 = %q (exit %d, output %q), want %q", notes.String(), code, out, note)
	}
	if strings.Contains(out, note) {
		t.Errorf("the note went to the output as well: %q", out)
	}
}
