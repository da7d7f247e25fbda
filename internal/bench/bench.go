package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/keelcore/keel/internal/api/client"
	"github.com/keelcore/keel/internal/secret"
)

// Options are what a ladder runs with.
type Options struct {
	// Exe is the keel binary to run as core and simulator.
	Exe string
	// UEs is the ladder: the number of UEs of each step, in order.
	UEs []int
	// GNBs, Concurrency, Rate, PDU and Ping are handed to `keel sim`
	// (--gnbs, --concurrency, --rate, --pdu, --ping); Rate 0 starts UEs
	// as fast as Concurrency allows.
	GNBs        int
	Concurrency int
	Rate        float64
	PDU         bool
	Ping        string
	// Idle and Paging are `keel sim --idle` and `--paging`: every UE is
	// released to idle after registering, then sends a Service Request,
	// and is paged for downlink from the data network.
	Idle   bool
	Paging bool
	// Split runs each step twice: with every network function in its
	// own process (`keel serve --nf X` for each, meeting through the NRF
	// over HTTP/2), then with the whole core in one process, and reports
	// the split rates against the all-in-one ones.
	Split bool
	// StepTimeout bounds one step, the core's start to its stop.
	StepTimeout time.Duration
	// Keep keeps every step's temporary directory; a step with failures
	// keeps its directory anyway.
	Keep bool
	// Version is the keel version the report names.
	Version string
	// Log receives a line as each step starts and ends; nil for none.
	Log io.Writer
}

// Run runs the ladder and reports on it. It stops at the first step that
// could not be measured, and when ctx is cancelled.
func Run(ctx context.Context, o Options) Report {
	if o.Log == nil {
		o.Log = io.Discard
	}
	r := Report{
		Machine:  readMachine(o.Version),
		Settings: o.settings(),
	}
	for i, n := range o.UEs {
		topologies := []string{TopologyAllInOne}
		if o.Split {
			topologies = []string{TopologySplit, TopologyAllInOne}
		}
		var s Step
		var pair []Step
		for _, top := range topologies {
			fmt.Fprintf(o.Log, "keel bench: step %d of %d: %d UEs, %s\n", i+1, len(o.UEs), n, top)
			s = runStep(ctx, o, n, top)
			report(o.Log, n, s)
			r.Steps = append(r.Steps, s)
			pair = append(pair, s)
			if s.Error != "" {
				break
			}
		}
		if o.Split && len(pair) == 2 {
			r.Split = append(r.Split, compare(pair[0], pair[1]))
		}
		if s.Error != "" {
			break
		}
	}
	return r
}

// report logs the outcome of a step.
func report(log io.Writer, n int, s Step) {
	switch {
	case s.Error != "":
		fmt.Fprintf(log, "keel bench: %d UEs: %s\n", n, s.Error)
	case s.Failed > 0:
		fmt.Fprintf(log, "keel bench: %d UEs: %d registered, %d failed; logs in %s\n", n, s.Registered, s.Failed, s.Dir)
	default:
		fmt.Fprintf(log, "keel bench: %d UEs: %d registered, %d sessions, %.0f registrations/s\n", n, s.Registered, s.Sessions, s.RegistrationsPerS)
	}
}

// settings are the simulator settings of the report.
func (o Options) settings() Settings {
	return Settings{GNBs: o.GNBs, Concurrency: o.Concurrency, RatePerS: o.Rate,
		PDU: o.PDU || o.Ping != "" || o.Paging, Ping: o.Ping, Idle: o.Idle, Paging: o.Paging, Split: o.Split}
}

// runStep runs one step in a temporary directory of its own, which it
// removes unless the step failed or o.Keep asks to keep it.
func runStep(ctx context.Context, o Options, n int, topology string) Step {
	dir, err := os.MkdirTemp("", "keel-bench-")
	if err != nil {
		return Step{UEs: n, Error: fmt.Sprintf("bench: %v", err)}
	}
	s, err := measureStep(ctx, o, n, dir, topology)
	if o.Split {
		s.Topology = topology
	}
	if err != nil {
		s.UEs, s.Error = n, err.Error()
	}
	if o.Keep || s.failing() {
		s.Dir = dir
	} else if err := os.RemoveAll(dir); err != nil {
		fmt.Fprintf(o.Log, "keel bench: %v\n", err)
	}
	return s
}

// measureStep starts a core, provisions n subscribers, runs the
// simulator against it and stops the core.
func measureStep(ctx context.Context, o Options, n int, dir, topology string) (_ Step, err error) {
	ctx, cancel := context.WithTimeoutCause(ctx, o.StepTimeout, fmt.Errorf("the step ran out of its %v (--timeout)", o.StepTimeout))
	defer cancel()
	pool := uePool(n)
	var c *core
	if topology == TopologySplit {
		c, err = startSplit(ctx, o.Exe, dir, pool)
	} else {
		c, err = startCore(o.Exe, dir, pool)
	}
	if err != nil {
		return Step{}, err
	}
	defer func() {
		if serr := c.stop(); serr != nil && err == nil {
			err = serr
		}
	}()
	if err := c.waitHealthy(ctx); err != nil {
		return Step{}, err
	}
	coreStart, err := c.usage()
	if err != nil {
		return Step{}, err
	}
	k, opc := secret.RandomKey128(), secret.RandomKey128()
	began := time.Now()
	if err := provision(ctx, c, n, k, opc); err != nil {
		return Step{}, err
	}
	provisioned := time.Since(began)
	coreFrom, err := c.usage()
	if err != nil {
		return Step{}, err
	}
	var servedFrom sbiServed
	if topology == TopologySplit {
		if servedFrom, err = c.served(ctx); err != nil {
			return Step{}, err
		}
	}
	sim, simEnd, err := simulate(ctx, o, c, n, k, opc, dir)
	if err != nil {
		return Step{}, err
	}
	coreEnd, err := c.usage()
	if err != nil {
		return Step{}, err
	}
	s := measure(sim, o.settings(), coreStart, coreFrom, coreEnd, simEnd)
	s.ProvisionS, s.UEPool = provisioned.Seconds(), pool.String()
	if topology == TopologySplit {
		// The simulator's gNBs leaving makes the AMF deactivate every
		// session at the SMF over the SBI; the core stops once that is
		// done, so that its graceful stop has only itself to finish.
		c.settle(ctx)
		// The SBI calls counted once the core is idle again include
		// those of the UEs' release when the gNBs left.
		served, err := c.served(ctx)
		if err != nil {
			return Step{}, err
		}
		s.SBICallsPerUE = served.perUE(servedFrom, sim.Registered)
	}
	return s, nil
}

// The simulated UEs' identities, as `keel sim --plmn 00101 --imsi 1`
// numbers them: the core's default PLMN and MSINs from 1.
const (
	simPLMN      = "00101"
	simFirstMSIN = 1
)

func supi(i int) string {
	return fmt.Sprintf("imsi-%s%0*d", simPLMN, 15-len(simPLMN), simFirstMSIN+i)
}

// provision creates the step's subscribers through the management API,
// in one CSV import, every one with the keys k and opc: the core's cost
// of a registration does not depend on the keys, and the simulator then
// needs no import of its own (whose CPU would count as the simulator's
// and the core's share of registering).
func provision(ctx context.Context, c *core, n int, k, opc secret.Key128) error {
	tok, err := os.ReadFile(c.tokenFile)
	if err != nil {
		return fmt.Errorf("bench: the core's admin token: %w", err)
	}
	var b bytes.Buffer
	b.WriteString("supi,k,opc\n")
	kh, opch := k.Hex(), opc.Hex()
	for i := range n {
		fmt.Fprintf(&b, "%s,%s,%s\n", supi(i), kh, opch)
	}
	cl := client.New(c.api, secret.Token(strings.TrimSpace(string(tok))))
	if _, err := cl.ImportSubscribers(ctx, &b, "text/csv"); err != nil {
		return fmt.Errorf("bench: provisioning %d subscribers: %w", n, err)
	}
	return nil
}

// simulate runs `keel sim` against the core and returns its summary and
// its CPU time, read from /proc after it exited and before it is reaped.
// Its summary goes to dir/sim.json, its log to dir/sim.log. A simulator
// that fails UEs exits non-zero; that is not an error here as long as it
// printed its summary.
func simulate(ctx context.Context, o Options, c *core, n int, k, opc secret.Key128, dir string) (SimResult, Usage, error) {
	jsonPath, logPath := filepath.Join(dir, "sim.json"), filepath.Join(dir, "sim.log")
	out, err := os.Create(jsonPath)
	if err != nil {
		return SimResult{}, Usage{}, fmt.Errorf("bench: %w", err)
	}
	defer out.Close()
	logf, err := os.Create(logPath)
	if err != nil {
		return SimResult{}, Usage{}, fmt.Errorf("bench: %w", err)
	}
	defer logf.Close()
	cmd := execSim(ctx, o, c, n, k, opc)
	cmd.Stdout, cmd.Stderr = out, logf
	if err := cmd.Start(); err != nil {
		return SimResult{}, Usage{}, fmt.Errorf("bench: starting the simulator: %w", err)
	}
	var end Usage
	werr := waitExited(cmd.Process.Pid)
	if werr == nil {
		end, werr = readUsage(cmd.Process.Pid)
	}
	exit := cmd.Wait()
	if cause := context.Cause(ctx); ctx.Err() != nil {
		return SimResult{}, Usage{}, fmt.Errorf("bench: the simulator was stopped: %w (log %s)", cause, logPath)
	}
	if werr != nil {
		return SimResult{}, Usage{}, fmt.Errorf("bench: the simulator's CPU time: %w", werr)
	}
	b, err := os.ReadFile(jsonPath)
	if err == nil && len(bytes.TrimSpace(b)) == 0 {
		err = errors.New("no output")
	}
	var sim SimResult
	if err == nil {
		sim, err = DecodeSimResult(b)
	}
	if err != nil {
		return SimResult{}, Usage{}, fmt.Errorf("bench: the simulator (%v) printed no summary: %v; its log %s ends:\n%s", exit, err, logPath, tail(logPath, 5))
	}
	return sim, end, nil
}
