package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/keelcore/keel/internal/oracle"
)

// EnvURL names the environment variable giving the URL of a PostgreSQL
// server, as a superuser able to create databases, for the tests.
const EnvURL = "KEEL_TEST_POSTGRES_URL"

// startTimeout bounds initdb and a server's start.
const startTimeout = 60 * time.Second

// Server is a PostgreSQL server run from the Debian binaries in a
// directory of its own, reached on a Unix socket in that directory.
type Server struct {
	bin string // directory of initdb and postgres
	dir string // holds data/, the socket and server.log
	// cred runs the binaries as the postgres user; userns runs them as
	// an unprivileged user of a user namespace of their own instead,
	// where this process's root cannot become postgres (a test re-run
	// in a user namespace mapping root alone).
	cred   *syscall.Credential
	userns bool
	// durable keeps fsync on; test servers run without it.
	durable bool

	mu   sync.Mutex
	proc *process // nil while stopped; guarded by mu
}

// process is one run of postgres. done is closed when it has exited.
type process struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error // set before done is closed
}

// Options configure Start.
type Options struct {
	// Durable runs the server with fsync on, as in production, for
	// benchmarks; tests run without it.
	Durable bool
}

// Start starts a private server for tb, stopped and removed when tb ends.
// Without the binaries tb skips, or fails under KEEL_REQUIRE_ORACLES=1.
func Start(tb testing.TB, opts Options) *Server {
	tb.Helper()
	s, err := newServer(opts)
	if errors.Is(err, errNoBinaries) {
		oracle.Missing(tb, "%v: install the postgresql package", err)
	}
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	tb.Cleanup(func() { s.remove() })
	return s
}

var errNoBinaries = errors.New("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin")

// binDir returns the directory of the newest PostgreSQL's binaries.
func binDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int {
		va, _ := strconv.Atoi(filepath.Base(filepath.Dir(a)))
		vb, _ := strconv.Atoi(filepath.Base(filepath.Dir(b)))
		return vb - va
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", errNoBinaries
}

// newServer runs initdb in a new directory and starts the server.
func newServer(opts Options) (*Server, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	sweep()
	dir, err := os.MkdirTemp("", fmt.Sprintf("keel-pgtest-%d-", os.Getpid()))
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin, dir: dir, durable: opts.Durable}
	if err := s.init(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := s.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// init prepares the directory and runs initdb, as the postgres user when
// this process is root.
func (s *Server) init() error {
	if err := os.Chmod(s.dir, 0o755); err != nil {
		return err
	}
	if os.Geteuid() == 0 {
		// initdb refuses root.
		s.userns = true
		if u, err := user.Lookup("postgres"); err == nil {
			uid, _ := strconv.Atoi(u.Uid)
			gid, _ := strconv.Atoi(u.Gid)
			if os.Chown(s.dir, uid, gid) == nil {
				s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
				s.userns = false
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, "initdb"),
		"-D", s.data(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	cmd.SysProcAttr = s.attr()
	cmd.Dir = s.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %w\n%s", err, out)
	}
	return nil
}

// attr returns the attributes of a process running a binary.
func (s *Server) attr() *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Credential: s.cred}
	if s.userns {
		// Root here is user 1000 there, which owns what root owns here.
		a.Cloneflags = syscall.CLONE_NEWUSER
		a.UidMappings = []syscall.SysProcIDMap{{ContainerID: 1000, HostID: os.Geteuid(), Size: 1}}
		a.GidMappings = []syscall.SysProcIDMap{{ContainerID: 1000, HostID: os.Getegid(), Size: 1}}
	}
	return a
}

func (s *Server) data() string { return filepath.Join(s.dir, "data") }

// URL returns the URL of database db on the server, as the superuser.
func (s *Server) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@/%s?host=%s&port=5432&sslmode=disable", db, s.dir)
}

// Start starts the server and waits until it accepts connections. It
// does nothing to a running server.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		return nil
	}
	args := []string{"-D", s.data(), "-k", s.dir, "-p", "5432",
		"-c", "listen_addresses=", "-c", "max_connections=300",
		"-c", "shared_buffers=32MB", "-c", "log_min_messages=warning"}
	if !s.durable {
		// A crash of the server alone (Kill) loses nothing without
		// fsync: the kernel holds what was written. Commits still wait
		// for their WAL write, so none is lost: synchronous_commit=off
		// would lose the last ones, and hand out an SQN again.
		args = append(args, "-c", "fsync=off", "-c", "full_page_writes=off")
	}
	logf, err := os.OpenFile(filepath.Join(s.dir, "server.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	p := &process{done: make(chan struct{})}
	started := make(chan error, 1)
	// The goroutine that starts postgres holds its thread until postgres
	// exits: Pdeathsig fires when that thread ends, so the server ends
	// with this process whatever way it exits.
	go func() {
		runtime.LockOSThread()
		cmd := exec.Command(filepath.Join(s.bin, "postgres"), args...)
		cmd.Dir = s.dir
		cmd.Stdout, cmd.Stderr = logf, logf
		cmd.SysProcAttr = s.attr()
		cmd.SysProcAttr.Pdeathsig = syscall.SIGQUIT
		cmd.SysProcAttr.Setpgid = true
		p.cmd = cmd
		err := cmd.Start()
		started <- err
		if err == nil {
			p.err = cmd.Wait()
		}
		logf.Close()
		close(p.done)
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	if err := s.waitReady(p); err != nil {
		p.cmd.Process.Signal(syscall.SIGQUIT)
		<-p.done
		return err
	}
	s.proc = p
	return nil
}

// waitReady connects until the server answers, it exits or startTimeout
// passes.
func (s *Server) waitReady(p *process) error {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	for wait := 10 * time.Millisecond; ; wait = min(2*wait, 500*time.Millisecond) {
		conn, err := pgx.Connect(ctx, s.URL("postgres"))
		if err == nil {
			conn.Close(ctx)
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("postgres exited: %v\n%s", p.err, s.logTail())
		case <-ctx.Done():
			return fmt.Errorf("postgres not accepting connections after %v: %v\n%s", startTimeout, err, s.logTail())
		case <-time.After(wait):
		}
	}
}

func (s *Server) logTail() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// Stop stops the server with a fast shutdown (SIGINT: sessions are ended,
// transactions in flight rolled back) and waits for it to exit. It does
// nothing to a stopped server.
func (s *Server) Stop() error { return s.stop(syscall.SIGINT) }

// Kill ends the server at once (SIGQUIT, PostgreSQL's immediate shutdown:
// a crash, recovered from the write-ahead log at the next Start) and
// waits for it to exit.
func (s *Server) Kill() error { return s.stop(syscall.SIGQUIT) }

func (s *Server) stop(sig syscall.Signal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.proc
	if p == nil {
		return nil
	}
	s.proc = nil
	if err := p.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	<-p.done
	return nil
}

// remove stops the server and deletes its directory.
func (s *Server) remove() {
	s.Kill()
	os.RemoveAll(s.dir)
}

// sweep removes the directories of private servers whose test process has
// ended without removing them (the shared server's, always).
func sweep() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "keel-pgtest-*-*"))
	for _, d := range dirs {
		f := strings.SplitN(filepath.Base(d), "-", 4)
		if len(f) < 4 {
			continue
		}
		pid, err := strconv.Atoi(f[2])
		if err != nil || pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			os.RemoveAll(d)
		}
	}
}
