//go:build unix

package dirlock

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLockExcludes takes a directory's lock twice in one process: the
// second is refused naming this PID, and succeeds once the first is
// released.
func TestLockExcludes(t *testing.T) {
	dir := t.TempDir()
	l, err := Acquire(dir)
	if err != nil {
		t.Fatalf("Acquire() = %v", err)
	}
	b, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil || strings.TrimSpace(string(b)) != strconv.Itoa(os.Getpid()) {
		t.Errorf("lock file = %q, %v; want this PID %d", b, err, os.Getpid())
	}
	_, err = Acquire(dir)
	var held *HeldError
	if !errors.As(err, &held) || held.PID != os.Getpid() || !strings.Contains(err.Error(), "PID "+strconv.Itoa(os.Getpid())) {
		t.Fatalf("second Acquire() = %v, want a HeldError naming PID %d", err, os.Getpid())
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	l, err = Acquire(dir)
	if err != nil {
		t.Fatalf("Acquire() after Release = %v", err)
	}
	l.Release()
}

// TestLockOtherProcess holds the lock in another process (flock(1)):
// Lock names that process's PID; once it is killed the lock is free,
// although its lock file stays.
func TestLockOtherProcess(t *testing.T) {
	flock, err := exec.LookPath("flock")
	if err != nil {
		t.Skip("flock(1) not installed (util-linux)")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	// The holder records its PID as Lock does, then sleeps with the lock.
	// -o: the lock stays with flock(1), not with the sleeping child.
	cmd := exec.Command(flock, "-o", "-x", path, "sh", "-c", `echo $PPID > "$0"; exec sleep 60`, path)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killGroup := func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	defer killGroup()
	// The PID in the file says the holder has the lock.
	deadline := time.Now().Add(10 * time.Second)
	for b, _ := os.ReadFile(path); len(b) == 0; b, _ = os.ReadFile(path) {
		if time.Now().After(deadline) {
			t.Fatal("flock(1) did not take the lock within 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	_, err = Acquire(dir)
	var held *HeldError
	if !errors.As(err, &held) {
		t.Fatalf("Acquire() = %v, want a HeldError", err)
	}
	if held.PID != cmd.Process.Pid {
		t.Errorf("HeldError.PID = %d, want the holder's %d", held.PID, cmd.Process.Pid)
	}
	killGroup()
	cmd.Wait()
	l, err := Acquire(dir)
	if err != nil {
		t.Fatalf("Acquire() after the holder died = %v", err)
	}
	l.Release()
}
