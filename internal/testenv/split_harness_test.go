package testenv

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/cli"
)

// serveEnv makes this test binary run `keel serve` with its arguments
// instead of the tests: the split tests start each network function as
// such a process of its own, in the test's network namespace.
const serveEnv = "KEEL_TESTENV_SERVE"

// serveMain is the keel command's main in a process started by nfProc.
func serveMain() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return cli.Main(ctx, cli.OSEnv(), os.Args[1:])
}

// nfProc is one `keel serve --nf ...` process of a split core.
type nfProc struct {
	t    testing.TB
	name string
	args []string
	api  netip.AddrPort
	sbi  netip.AddrPort
	log  string
	cmd  *exec.Cmd
	done chan struct{}
}

// splitCore is a core with its network functions in processes of their
// own, sharing a directory for configuration, data and logs.
type splitCore struct {
	t     testing.TB
	dir   string
	nrf   string // the NRF's URL
	procs map[string]*nfProc
	// home is the data directory of the UDR and the UDM: the store and
	// admin token, and the home network keys.
	home string
}

func newSplitCore(t testing.TB) *splitCore {
	t.Helper()
	dir := t.TempDir()
	cfg := "n2:\n  sctp: userspace\namf:\n  ciphering: [NEA0]\n"
	if err := os.WriteFile(filepath.Join(dir, "keel.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return &splitCore{t: t, dir: dir, procs: map[string]*nfProc{}, home: filepath.Join(dir, "home")}
}

// freePort returns a loopback address with a port no listener holds.
func freePort(t testing.TB) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).AddrPort()
}

// start starts the process name running nfs (comma-separated) with its
// own SBI and API ports, and waits until it answers /readyz (an SMF is
// ready once associated with its UPF).
func (c *splitCore) start(name, nfs string, extra ...string) *nfProc {
	c.t.Helper()
	p := &nfProc{t: c.t, name: name, api: freePort(c.t), sbi: freePort(c.t), log: filepath.Join(c.dir, name+".log")}
	for p.sbi == p.api {
		// Both ports were free, closed again, and the kernel may hand
		// out one twice before the process binds them.
		p.sbi = freePort(c.t)
	}
	data := filepath.Join(c.dir, "data-"+name)
	if strings.Contains(","+nfs+",", ",udr,") || strings.Contains(","+nfs+",", ",udm,") {
		data = c.home
	}
	p.args = []string{"serve", "--config", filepath.Join(c.dir, "keel.yaml"), "--nf", nfs,
		"--api", p.api.String(), "--sbi", p.sbi.String(), "--data", data}
	if strings.Contains(","+nfs+",", ",nrf,") {
		c.nrf = "http://" + p.sbi.String()
	} else {
		p.args = append(p.args, "--nrf", c.nrf)
	}
	p.args = append(p.args, extra...)
	c.procs[name] = p
	p.run()
	c.t.Cleanup(p.stop)
	p.waitHealthy()
	return p
}

func (p *nfProc) run() {
	p.t.Helper()
	logf, err := os.OpenFile(p.log, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		p.t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(os.Args[0], p.args...)
	cmd.Env = append(os.Environ(), serveEnv+"=1")
	cmd.Stderr = logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		p.t.Fatalf("starting %s: %v", p.name, err)
	}
	p.cmd, p.done = cmd, make(chan struct{})
	go func() {
		cmd.Wait()
		close(p.done)
	}()
}

func (p *nfProc) waitHealthy() {
	p.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + p.api.String() + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-p.done:
			p.t.Fatalf("%s exited while starting: %v\n%s", p.name, p.cmd.ProcessState, p.tail())
		case <-time.After(50 * time.Millisecond):
		}
	}
	p.t.Fatalf("%s was not ready in 30 s\n%s", p.name, p.tail())
}

// kill ends the process at once, as a crash would (SIGKILL).
func (p *nfProc) kill() {
	p.cmd.Process.Kill()
	<-p.done
}

// restart starts the process again with the same arguments (and ports).
func (p *nfProc) restart() {
	p.t.Helper()
	p.run()
	p.waitHealthy()
}

// stop ends the process with SIGTERM and fails the test unless it stops
// cleanly within 15 s.
func (p *nfProc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		if !p.cmd.ProcessState.Success() {
			p.t.Errorf("%s stopped with %v\n%s", p.name, p.cmd.ProcessState, p.tail())
		}
	case <-time.After(15 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
		p.t.Errorf("%s did not stop within 15 s of SIGTERM\n%s", p.name, p.tail())
	}
}

// tail is the end of the process's log, for a failure message.
func (p *nfProc) tail() string {
	b, _ := os.ReadFile(p.log)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return fmt.Sprintf("%s log (%s):\n    %s", p.name, p.log, strings.Join(lines, "\n    "))
}

// token is the admin token of the UDR's management API.
func (c *splitCore) token() string {
	c.t.Helper()
	b, err := os.ReadFile(filepath.Join(c.home, "admin-token"))
	if err != nil {
		c.t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}
