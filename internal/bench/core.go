package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/keelcore/keel/internal/config"
)

// Bounds on the core's start and stop.
const (
	coreStartTimeout = time.Minute
	// coreStopTimeout leaves the core its own graceful stop
	// (app.StopTimeout, 5 s) and then some.
	coreStopTimeout = 15 * time.Second
)

// core is the core of a step: one `keel serve` child process on a data
// directory of its own, with Split one per network function, or with an
// AMF set one per AMF and one for the other network functions.
type core struct {
	procs []*proc
	// amfs are the processes of procs that run an AMF alone (an AMF
	// set's instances), in the order of n2, whose CPU the step reports
	// one by one.
	amfs      []*proc
	api       string           // the management API's base URL (the UDR's process)
	n2        []netip.AddrPort // the AMFs' NGAP listeners, each gNB's peers
	tokenFile string
	// maxProcs is the GOMAXPROCS the bench gave each process (a split
	// core's), 0 for the runtime's default.
	maxProcs int
	// scale multiplies the bounds on waiting for the core after the
	// simulator (settleMax, a heap profile's collection): a step of
	// n UEs waits max(1, n/100,000) times as long, its sessions'
	// deactivations and a collection of its heap taking as much longer.
	scale time.Duration
}

// waitScale is the factor of core.scale for a step of n UEs.
func waitScale(n int) time.Duration { return time.Duration(max(1, n/100_000)) }

// waitFor is a wait of d scaled to the core's step.
func (c *core) waitFor(d time.Duration) time.Duration { return d * max(c.scale, 1) }

// proc is one `keel serve` child process.
type proc struct {
	name    string // the NFs it runs, for messages
	cmd     *exec.Cmd
	api     string // its /healthz, /readyz and /metrics (and the management API with the UDR)
	logPath string
	// probe is the path waited on at start: /healthz, or /readyz for an
	// NF of a split core (the SMF is ready once associated with the UPF).
	probe string
	// done is closed once the process has been reaped; err is then its
	// exit.
	done chan struct{}
	err  error

	// pprof says that it serves Go profiles behind the admin token
	// (http.pprof), through which the bench has it collect its garbage.
	pprof bool
}

// startCore writes a configuration into dir, with a UE pool that holds
// pool's addresses, and starts `exe serve` on it.
// The core's log (stderr) goes to dir/core.log; its stdout, where a first
// start announces the admin token, is dropped: the token is in the data
// directory, and no error message that quotes the log can carry it.
func startCore(exe, dir string, pool netip.Prefix, storeURL string) (*core, error) {
	ports, err := freeLoopbackPorts(2)
	if err != nil {
		return nil, err
	}
	dataDir := filepath.Join(dir, "data")
	cfgFile, err := coreConfig(coreKeys{DataDir: dataDir, HTTP: ports[0], Pprof: true, N2: ports[1], StoreURL: storeURL}, pool)
	if err != nil {
		return nil, err
	}
	p, err := startProc(exe, dir, "core", cfgFile)
	if err != nil {
		return nil, err
	}
	return &core{procs: []*proc{p}, api: p.api, n2: ports[1:2], tokenFile: filepath.Join(dataDir, "admin-token")}, nil
}

// startProc writes a configuration into dir/<name>.yaml and starts
// `exe serve` on it, its log in dir/<name>.log, with env added to the
// environment it inherits.
func startProc(exe, dir, name string, cfgFile []byte, env ...string) (*proc, error) {
	cfg, err := config.Parse(cfgFile)
	if err != nil {
		return nil, fmt.Errorf("bench: %s configuration: %w", name, err)
	}
	cfgPath := filepath.Join(dir, name+".yaml")
	if name == "core" {
		cfgPath = filepath.Join(dir, "keel.yaml")
	}
	if err := os.WriteFile(cfgPath, cfgFile, 0o600); err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	logPath := filepath.Join(dir, name+".log")
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	defer logf.Close()
	cmd := exec.Command(exe, "serve", "--config", cfgPath)
	cmd.Stderr = logf
	cmd.Env = append(childEnv(), env...)
	cmd.SysProcAttr = childAttr(syscall.SIGTERM)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: starting the %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, api: "http://" + cfg.HTTP.Address.String(), logPath: logPath, probe: "/healthz", done: make(chan struct{}),
		pprof: cfg.HTTP.Pprof && cfg.Runs("udr")}
	if !cfg.AllInOne() {
		p.probe = "/readyz"
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// coreKeys are the keys a step's configuration changes besides the UE
// pool; zero ones keep their defaults.
type coreKeys struct {
	DataDir string
	HTTP    netip.AddrPort
	N2      netip.AddrPort
	N3, N4  netip.AddrPort
	NFs     []string
	SBI     netip.AddrPort
	NRF     string
	// StoreURL is store.url: the PostgreSQL database of the step.
	StoreURL string
	// AMF is the amf section's identity of an AMF set's instance: its
	// name, pointer and backup (amf.name, amf.pointer,
	// amf.backup_amf_name); nil keeps the defaults.
	AMF *amfKeys

	// Pprof is http.pprof: the Go profiles behind the admin token.
	Pprof bool
}

// amfKeys identify one instance of an AMF set (TS 23.501 §5.21): the
// region and set are the defaults', the same for every instance.
type amfKeys struct {
	Name          string `yaml:"name"`
	Pointer       uint8  `yaml:"pointer"`
	BackupAMFName string `yaml:"backup_amf_name,omitempty"`
}

// coreConfig is the built-in configuration (`keel config default`) with
// the keys of k changed, and the first DNN's IPv4 pool when pool differs
// from it; every other key keeps its default.
func coreConfig(k coreKeys, pool netip.Prefix) ([]byte, error) {
	type listener struct {
		Address string `yaml:"address"`
		Pprof   bool   `yaml:"pprof,omitempty"`
	}
	type sbi struct {
		Address string `yaml:"address,omitempty"`
		NRF     string `yaml:"nrf,omitempty"`
	}
	type store struct {
		URL string `yaml:"url"`
	}
	type dnn struct {
		Name     string   `yaml:"name"`
		IPv4Pool string   `yaml:"ipv4_pool"`
		IPv6Pool string   `yaml:"ipv6_pool,omitempty"`
		DNS      []string `yaml:"dns"`
		MTU      uint16   `yaml:"mtu"`
	}
	addr := func(a netip.AddrPort) *listener {
		if !a.IsValid() {
			return nil
		}
		return &listener{Address: a.String()}
	}
	f := struct {
		NFs     []string  `yaml:"nfs,omitempty"`
		SBI     *sbi      `yaml:"sbi,omitempty"`
		DataDir string    `yaml:"data_dir"`
		HTTP    *listener `yaml:"http,omitempty"`
		N2      *listener `yaml:"n2,omitempty"`
		N3      *listener `yaml:"n3,omitempty"`
		N4      *listener `yaml:"n4,omitempty"`
		AMF     *amfKeys  `yaml:"amf,omitempty"`
		Store   *store    `yaml:"store,omitempty"`
		// DNNs replaces the default list as a whole, so it repeats the
		// other DNNs and the first one's other keys.
		DNNs []dnn `yaml:"dnns,omitempty"`
	}{NFs: k.NFs, DataDir: k.DataDir, HTTP: addr(k.HTTP), N2: addr(k.N2), N3: addr(k.N3), N4: addr(k.N4), AMF: k.AMF}
	if k.StoreURL != "" {
		f.Store = &store{URL: k.StoreURL}
	}
	if f.HTTP != nil {
		f.HTTP.Pprof = k.Pprof
	}
	if k.SBI.IsValid() || k.NRF != "" {
		f.SBI = &sbi{NRF: k.NRF}
		if k.SBI.IsValid() {
			f.SBI.Address = k.SBI.String()
		}
	}
	def := config.Default().DNNs
	if pool != def[0].IPv4Pool {
		for i, d := range def {
			e := dnn{Name: d.Name, IPv4Pool: d.IPv4Pool.String(), MTU: d.MTU}
			if i == 0 {
				e.IPv4Pool = pool.String()
			}
			if d.IPv6Pool.IsValid() {
				e.IPv6Pool = d.IPv6Pool.String()
			}
			for _, a := range d.DNS {
				e.DNS = append(e.DNS, a.String())
			}
			f.DNNs = append(f.DNNs, e)
		}
	}
	body, err := yaml.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("bench: core configuration: %w", err)
	}
	b := append([]byte("# Written by keel bench: the defaults of keel config default with these keys changed.\n"), body...)
	if _, err := config.Parse(b); err != nil {
		return nil, fmt.Errorf("bench: core configuration: %w", err)
	}
	return b, nil
}

// uePool is the IPv4 pool of the core's first DNN for a step of n UEs:
// the default when it holds n sessions, else the smallest network around
// it that does.
func uePool(n int) netip.Prefix {
	p := config.Default().DNNs[0].IPv4Pool
	for p.Bits() > 8 && poolSize(p) < n {
		p, _ = p.Addr().Prefix(p.Bits() - 1)
	}
	return p
}

// poolSize is how many UEs an IPv4 pool serves: all its addresses but the
// network, the UPF's (the first) and the broadcast address
// (internal/ippool).
func poolSize(p netip.Prefix) int { return 1<<(32-p.Bits()) - 3 }

// freeLoopbackPorts returns n distinct loopback addresses with ports no
// TCP listener holds at the moment. The core binds them a moment later;
// another process could take one in between, and the core would then say
// so in its log.
func freeLoopbackPorts(n int) ([]netip.AddrPort, error) {
	var out []netip.AddrPort
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("bench: finding a free port: %w", err)
		}
		defer ln.Close()
		out = append(out, ln.Addr().(*net.TCPAddr).AddrPort())
	}
	return out, nil
}

// waitHealthy waits until every process of the core answers its probe.
func (c *core) waitHealthy(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, coreStartTimeout)
	defer cancel()
	for _, p := range c.procs {
		if err := p.waitHealthy(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (p *proc) waitHealthy(ctx context.Context) error {
	hc := &http.Client{Timeout: 2 * time.Second}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.api+p.probe, nil)
		if err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		if resp, err := hc.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-p.done:
			return fmt.Errorf("bench: the %s exited while starting: %v; its log %s ends:\n%s", p.name, p.err, p.logPath, tail(p.logPath, 5))
		case <-ctx.Done():
			return fmt.Errorf("bench: the %s did not answer %s%s: %w (log %s)", p.name, p.api, p.probe, context.Cause(ctx), p.logPath)
		case <-tick.C:
		}
	}
}

// usage samples the running core: the CPU and memory of its processes
// together.
func (c *core) usage() (Usage, error) {
	s, err := c.sample()
	return s.sum, err
}

// coreSample is the core's processes at one moment: together, and each
// AMF of an AMF set alone (in the order of core.amfs).
type coreSample struct {
	sum  Usage
	amfs []Usage
}

// sample reads every process of the core from /proc.
func (c *core) sample() (coreSample, error) {
	var s coreSample
	for _, p := range c.procs {
		u, err := p.usage()
		if err != nil {
			return coreSample{}, err
		}
		s.sum.CPU += u.CPU
		s.sum.RSS += u.RSS
		if slices.Contains(c.amfs, p) {
			s.amfs = append(s.amfs, u)
		}
	}
	return s, nil
}

// usage samples one running process.
func (p *proc) usage() (Usage, error) {
	select {
	case <-p.done:
		return Usage{}, fmt.Errorf("bench: the %s exited during the step: %v; its log %s ends:\n%s", p.name, p.err, p.logPath, tail(p.logPath, 5))
	default:
	}
	return readUsage(p.cmd.Process.Pid)
}

// Bounds on waiting for a core to go idle before it is stopped.
const (
	settleTick = 500 * time.Millisecond
	settleMax  = 2 * time.Minute
	// idleCPU is the CPU time the core's processes may take together
	// over a tick and still count as idle.
	idleCPU = 50 * time.Millisecond
)

// settle waits until the core's processes are idle (their CPU time grows
// by less than idleCPU over a tick), for at most settleMax.
func (c *core) settle(ctx context.Context) {
	prev, err := c.usage()
	if err != nil {
		return
	}
	t := time.NewTicker(settleTick)
	defer t.Stop()
	deadline := time.Now().Add(c.waitFor(settleMax))
	for time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		u, err := c.usage()
		if err != nil || u.CPU-prev.CPU < idleCPU {
			return
		}
		prev = u
	}
}

// stop stops the core's processes in the reverse order of their start.
func (c *core) stop() error {
	var errs []error
	for i := len(c.procs) - 1; i >= 0; i-- {
		errs = append(errs, c.procs[i].stop())
	}
	return errors.Join(errs...)
}

// stop sends the process SIGTERM and waits for it, killing it if it does
// not stop in time. A process that does not exit cleanly is an error.
func (p *proc) stop() error {
	select {
	case <-p.done:
		return fmt.Errorf("bench: the %s exited before it was stopped: %v (log %s)", p.name, p.err, p.logPath)
	default:
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("bench: stopping the %s: %w", p.name, err)
	}
	t := time.NewTimer(coreStopTimeout)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
		p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("bench: the %s did not stop within %v of SIGTERM and was killed (log %s)", p.name, coreStopTimeout, p.logPath)
	}
	if p.err != nil {
		return fmt.Errorf("bench: the %s stopped with %v (log %s)", p.name, p.err, p.logPath)
	}
	return nil
}

// childEnv is the bench's environment without the variables that would
// point a child at another core's API.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "KEEL_TOKEN=") || strings.HasPrefix(kv, "KEEL_API=") || strings.HasPrefix(kv, "KEEL_K=") || strings.HasPrefix(kv, "KEEL_OPC=") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// tail returns the last n lines of a file, indented, for an error
// message.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "    (" + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "    " + strings.Join(lines, "\n    ")
}
