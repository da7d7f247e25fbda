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
	// Rounds is, with Split, how many pairs of steps each UE count runs,
	// the order of the two topologies alternating from one round to the
	// next (split then all in one, then all in one then split, ...): a
	// machine whose speed drifts over the run (a virtual machine's
	// neighbours) then weighs on both topologies alike, and the report
	// adds the median of the rounds' ratios. 0 or 1 is one round.
	Rounds int
	// AMFs, when not empty, runs each step once per entry N with the
	// core as an AMF set of N AMF processes and one process for every
	// other network function (TopologyAMFSet), the simulator's gNBs
	// facing every AMF. It excludes Split.
	AMFs []int
	// StoreURL, when set, is a PostgreSQL server (postgres://...) on
	// which each step creates a database of its own and drops it
	// afterwards; every process of the core gets that database as
	// store.url. Without it the core keeps its store in SQLite and the
	// AMFs of a set share no UE contexts.
	StoreURL string
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
	steps := o.plan()
	for i, sp := range steps {
		fmt.Fprintf(o.Log, "keel bench: step %d of %d: %s\n", i+1, len(steps), sp)
		s := runStep(ctx, o, sp)
		report(o.Log, sp, s)
		r.Steps = append(r.Steps, s)
		if o.Split && i%2 == 1 {
			// The second step of a round: the pair is complete.
			split, aio := r.Steps[len(r.Steps)-2], s
			if split.Topology != TopologySplit {
				split, aio = aio, split
			}
			c := compare(split, aio)
			c.Round = sp.round
			r.Split = append(r.Split, c)
		}
		if s.Error != "" {
			break
		}
	}
	if o.rounds() > 0 {
		r.SplitMedian = medians(r.Split)
	}
	return r
}

// rounds is the number of rounds of a --split run of several, 0 for a
// run of one round (or none).
func (o Options) rounds() int {
	if o.Split && o.Rounds > 1 {
		return o.Rounds
	}
	return 0
}

// stepPlan is what one step runs: its UEs against a core of one
// topology, with AMFs AMF processes in an AMF set.
type stepPlan struct {
	ues      int
	topology string
	amfs     int
	// round is the step's round of a --split run of several rounds,
	// from 1; 0 in a run of one.
	round int
}

func (p stepPlan) String() string {
	s := fmt.Sprintf("%d UEs, %s", p.ues, p.topology)
	if p.amfs > 0 {
		s += fmt.Sprintf(" of %d AMF%s", p.amfs, plural(p.amfs))
	}
	if p.round > 0 {
		s += fmt.Sprintf(", round %d", p.round)
	}
	return s
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// plan lists the steps of a ladder in order: for each UE count, the
// core all in one; with Split, split and then all in one, or with Rounds
// that pair as many times, in the opposite order every other round; with
// AMFs, an AMF set of each size in turn.
func (o Options) plan() []stepPlan {
	var out []stepPlan
	for _, n := range o.UEs {
		switch {
		case len(o.AMFs) > 0:
			for _, a := range o.AMFs {
				out = append(out, stepPlan{ues: n, topology: TopologyAMFSet, amfs: a})
			}
		case o.Split:
			for r := range max(o.rounds(), 1) {
				split, aio := stepPlan{ues: n, topology: TopologySplit}, stepPlan{ues: n, topology: TopologyAllInOne}
				if o.rounds() > 0 {
					split.round, aio.round = r+1, r+1
				}
				if r%2 == 1 {
					split, aio = aio, split
				}
				out = append(out, split, aio)
			}
		default:
			out = append(out, stepPlan{ues: n, topology: TopologyAllInOne})
		}
	}
	return out
}

// report logs the outcome of a step: its figures, and with an AMF set
// the CPU of each AMF process.
func report(log io.Writer, sp stepPlan, s Step) {
	if s.Error != "" {
		fmt.Fprintf(log, "keel bench: %s: %s\n", sp, s.Error)
		if s.Registered == 0 {
			return
		}
	}
	switch {
	case s.Failed > 0:
		fmt.Fprintf(log, "keel bench: %s: %d registered, %d failed; logs in %s\n", sp, s.Registered, s.Failed, s.Dir)
	default:
		fmt.Fprintf(log, "keel bench: %s: %d registered, %d sessions, %.0f registrations/s, core CPU %s µs/UE\n",
			sp, s.Registered, s.Sessions, s.RegistrationsPerS, micros(s.CoreCPUSPerUE))
	}
	for _, a := range s.AMFProcesses {
		fmt.Fprintf(log, "keel bench: %s: %s: %.2f CPU s, %s UE connections\n", sp, a.Name, a.CPUS, ueConnections(a))
	}
}

// settings are the simulator settings of the report.
func (o Options) settings() Settings {
	set := Settings{GNBs: o.GNBs, Concurrency: o.Concurrency, RatePerS: o.Rate,
		PDU: o.PDU || o.Ping != "" || o.Paging, Ping: o.Ping, Idle: o.Idle, Paging: o.Paging, Split: o.Split, AMFs: o.AMFs}
	set.Rounds = o.rounds()
	if o.StoreURL != "" {
		set.Store = StorePostgres
	}
	return set
}

// runStep runs one step in a temporary directory of its own, which it
// removes unless the step failed or o.Keep asks to keep it.
func runStep(ctx context.Context, o Options, sp stepPlan) Step {
	dir, err := os.MkdirTemp("", "keel-bench-")
	if err != nil {
		return Step{UEs: sp.ues, Error: fmt.Sprintf("bench: %v", err)}
	}
	s, err := measureStep(ctx, o, sp, dir)
	if o.Split || sp.topology == TopologyAMFSet {
		s.Topology = sp.topology
	}
	s.AMFs, s.Round = sp.amfs, sp.round
	if err != nil {
		s.UEs, s.Error = sp.ues, err.Error()
	}
	if o.Keep || s.failing() {
		s.Dir = dir
	} else if err := os.RemoveAll(dir); err != nil {
		fmt.Fprintf(o.Log, "keel bench: %v\n", err)
	}
	return s
}

// measureStep starts a core, provisions the step's subscribers, runs
// the simulator against it and stops the core; with o.StoreURL on a
// database of the step's own, dropped once the core has stopped.
func measureStep(ctx context.Context, o Options, sp stepPlan, dir string) (_ Step, err error) {
	ctx, cancel := context.WithTimeoutCause(ctx, o.StepTimeout, fmt.Errorf("the step ran out of its %v (--timeout)", o.StepTimeout))
	defer cancel()
	n := sp.ues
	pool := uePool(n)
	var storeURL string
	var db *stepDatabase
	if o.StoreURL != "" {
		if db, err = createStepDatabase(ctx, o.StoreURL); err != nil {
			return Step{}, err
		}
		defer func() {
			if derr := db.drop(); derr != nil && err == nil {
				err = derr
			}
		}()
		storeURL = db.url
	}
	var c *core
	switch sp.topology {
	case TopologySplit:
		c, err = startSplit(ctx, o.Exe, dir, pool, storeURL)
	case TopologyAMFSet:
		c, err = startAMFSet(ctx, o.Exe, dir, pool, sp.amfs, storeURL)
	default:
		c, err = startCore(o.Exe, dir, pool, storeURL)
	}
	if err != nil {
		return Step{}, err
	}
	c.scale = waitScale(sp.ues)
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
	heapStart, err := c.memory(ctx, dir, "start")
	if err != nil {
		return Step{}, err
	}
	k, opc := secret.RandomKey128(), secret.RandomKey128()
	began := time.Now()
	if err := provision(ctx, c, n, k, opc); err != nil {
		return Step{}, err
	}
	provisioned := time.Since(began)
	coreFrom, err := c.sample()
	if err != nil {
		return Step{}, err
	}
	dbFrom := db.cpu()
	var servedFrom sbiServed
	if sp.topology != TopologyAllInOne {
		if servedFrom, err = c.served(ctx); err != nil {
			return Step{}, err
		}
	}
	sim, simEnd, err := simulate(ctx, o, c, n, k, opc, dir)
	if err != nil {
		return Step{}, err
	}
	coreEnd, err := c.sample()
	if err != nil {
		return Step{}, err
	}
	dbEnd := db.cpu()
	s := measure(sim, o.settings(), coreStart, coreFrom.sum, coreEnd.sum, simEnd)
	s.storeCPU(dbFrom, dbEnd)
	s.ProvisionS, s.UEPool = provisioned.Seconds(), pool.String()
	s.GOMAXPROCS = c.maxProcs
	if sp.topology == TopologyAMFSet {
		s.AMFProcesses = amfProcesses(sim, c.n2, coreFrom.amfs, coreEnd.amfs)
	}
	if sp.topology != TopologyAllInOne {
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
	} else {
		c.settle(ctx)
	}
	// The UEs' state, once the core is idle with the simulator gone
	// and the sessions' deactivations are done.
	c.waitSessionsIdle(ctx)
	heapEnd, err := c.memory(ctx, dir, "end")
	if err != nil {
		// The step's registrations stand; its memory is unmeasured.
		s.Error = err.Error()
		return s, nil
	}
	s.setHeap(heapStart, heapEnd, o.settings())
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
