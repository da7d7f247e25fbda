package sqlite

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/store"
)

// crashDBEnv names the database TestCrashChild works on; the test does
// nothing without it.
const crashDBEnv = "KEEL_SQLITE_CRASH_DB"

const crashSUPI = "imsi-001010000000001"

// TestCrashChild is the process TestCrashSafety kills. It advances the SQN
// of crashSUPI from four goroutines until killed, printing "sqn N" for each
// value once AdvanceSQN has returned it.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashDBEnv)
	if path == "" {
		t.Skip(crashDBEnv + " not set: run by TestCrashSafety")
	}
	s, err := Open(context.Background(), path, Options{})
	if err != nil {
		fmt.Printf("open: %v\n", err)
		os.Exit(2)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				auth, err := s.AdvanceSQN(context.Background(), crashSUPI)
				mu.Lock()
				if err != nil {
					fmt.Printf("advance: %v\n", err)
					os.Exit(2)
				}
				// os.Stdout is unbuffered: the line is in the pipe when
				// Printf returns.
				fmt.Printf("sqn %d\n", auth.SQN)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// TestCrashSafety kills a process in the middle of AdvanceSQN calls with
// SIGKILL and checks that every SQN it was handed is durable: the reopened
// store holds at least the highest one and never hands out any of them
// again.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	path := filepath.Join(t.TempDir(), "keel.db")
	s := openTest(t, path, Options{})
	sub := &store.Subscriber{SUPI: crashSUPI, Auth: store.AuthData{K: secret.RandomKey128(), OPc: secret.RandomKey128(), SQN: 1000}}
	if err := s.CreateSubscriber(t.Context(), sub); err != nil {
		t.Fatalf("CreateSubscriber = %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}

	var highest uint64
	for round := range 4 {
		printed := runAndKill(t, path, 200+rand.IntN(400))
		for _, v := range printed {
			highest = max(highest, v)
		}

		s := openTest(t, path, Options{})
		got, err := s.GetSubscriber(t.Context(), crashSUPI)
		if err != nil {
			t.Fatalf("round %d: GetSubscriber after kill = %v", round, err)
		}
		if got.Auth.SQN < highest {
			t.Fatalf("round %d: stored SQN after kill = %d, want at least %d, the highest the killed process printed", round, got.Auth.SQN, highest)
		}
		auth, err := s.AdvanceSQN(t.Context(), crashSUPI)
		if err != nil {
			t.Fatalf("round %d: AdvanceSQN after kill = %v", round, err)
		}
		if auth.SQN <= highest {
			t.Fatalf("round %d: AdvanceSQN after kill = %d, want above %d, the highest the killed process printed", round, auth.SQN, highest)
		}
		highest = auth.SQN
		if err := s.Close(); err != nil {
			t.Fatalf("round %d: Close() = %v", round, err)
		}
		t.Logf("round %d: %d SQNs printed before the kill, stored SQN %d after", round, len(printed), got.Auth.SQN)
	}
}

// runAndKill starts TestCrashChild on path, kills it with SIGKILL after it
// has printed n SQNs, and returns every SQN it printed, those still in the
// pipe included.
func runAndKill(t *testing.T, path string, n int) []uint64 {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDBEnv+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", os.Args[0], err)
	}
	killed := false
	kill := func() {
		if !killed {
			killed = true
			cmd.Process.Kill() // SIGKILL on Unix
		}
	}
	defer func() {
		kill()
		cmd.Wait()
	}()

	var printed []uint64
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		v, ok := strings.CutPrefix(line, "sqn ")
		if !ok {
			t.Fatalf("child process: %s", line)
		}
		sqn, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("child process printed %q: %v", line, err)
		}
		printed = append(printed, sqn)
		if len(printed) == n {
			kill()
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("reading child output: %v", err)
	}
	if !killed {
		t.Fatalf("child process exited after %d SQNs, before it was killed", len(printed))
	}
	return printed
}
