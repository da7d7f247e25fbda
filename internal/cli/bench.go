package cli

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/keelcore/keel/internal/bench"
)

const benchUsage = `bench [--ues 1000,10000,100000] [--gnbs N] [--concurrency N] [--rate N] [--pdu=false] [--ping ADDR] [--idle] [--paging] [--split [--rounds N] | --amfs 1,2,3] [--store-url postgres://...] [--timeout D] [--keep] [--json]

Each step of the ladder starts a fresh core (keel serve, with a temporary
data directory under $TMPDIR and free loopback ports), provisions the
step's subscribers through the management API, runs keel sim against it in
a second process and reads the CPU and memory of both from /proc. With
--idle and --paging the simulator runs those scenarios too (every UE
released to idle, then a Service Request; every idle UE paged for downlink
from the data network) and the report adds their rates, latencies and
targets. The
report is Markdown, or JSON with --json; the exit status is non-zero when
any step had failures.

With --split each step runs twice: first with every network function in
a process of its own (keel serve --nf nrf, --nf nssf, ... --nf amf, each
with its SBI on a free loopback port, meeting through the NRF over
HTTP/2), then with the whole core in one process; the report sets the
split rates against the all-in-one ones (target: at least 0.5x). Each
process of the split core runs with GOMAXPROCS set to the machine's CPUs
shared out among the nine (at least 1), unless the bench's environment
sets GOMAXPROCS. With --rounds N each UE count runs that pair N times,
the split first in odd rounds and second in even ones, so that a machine
whose speed drifts weighs on both alike, and the report adds the median
of the rounds' ratios.

With --amfs LIST each UE count runs once per entry N with the core as one
AMF set (docs/deployment.md, "AMF set"): N processes of keel serve --nf
amf (keel-amf-1 to keel-amf-N, pointers 1 to N, each the next one's
backup, each its own N2 address) and one process for every other network
function, whose NRF they register at; each of the simulator's gNBs faces
every AMF. The report adds the CPU of each AMF process and the UEs it
took, and sets each step's rate against the step with one AMF. --amfs
runs a topology of its own: it does not combine with --split.

With --store-url postgres://USER:PASSWORD@HOST/DB every step creates a
database of its own on that server (the user needs CREATEDB), gives it to
every process of the core as store.url, and drops it after the step; the
database the URL names is only connected to. An AMF set shares UE
contexts only there: without --store-url its AMFs keep them to
themselves. The database server's CPU is not the core's: the report
gives it apart when the server runs on this machine.

A step with more UEs than the default UE pool serves (10.45.0.0/16, 65,533
sessions) runs its core with that pool widened to hold them (10.44.0.0/15
for 100,000 UEs), which moves the UPF's address on it to the wider pool's
first address (10.44.0.1): mind it with --ping.

The core's UPF needs CAP_NET_ADMIN for its TUN device (without it every PDU
session fails), and holds 127.0.0.1:2152, 127.0.0.1:8805 and the keel0
device like any keel serve: stop other cores first, or run the bench in a
network namespace of its own:

  unshare -n sh -c 'ip link set lo up; keel bench'`

// maxBenchUEs is the most UEs `keel sim` registers in one run.
const maxBenchUEs = 1_000_000

func runBench(ctx context.Context, env Env, args []string) error {
	o, jsonOut, err := benchOptions(env, args)
	if err != nil {
		return err
	}
	if o.Exe, err = os.Executable(); err != nil {
		return fmt.Errorf("bench: finding the keel binary: %w", err)
	}
	o.Version = ReadBuildInfo().Version
	o.Log = env.Stderr
	rep := bench.Run(ctx, o)
	if jsonOut {
		err = rep.WriteJSON(env.Stdout)
	} else {
		err = rep.WriteMarkdown(env.Stdout)
	}
	if err != nil {
		return err
	}
	if rep.Failed() {
		return errors.New("bench: a step had failures or could not be measured; see the report")
	}
	return nil
}

// benchOptions parses and checks the flags of `keel bench`.
func benchOptions(env Env, args []string) (bench.Options, bool, error) {
	fs := newFlags(env, "bench", benchUsage)
	ues := fs.String("ues", "1000,10000,100000", "the ladder: UEs of each step, comma-separated")
	gnbs := fs.Int("gnbs", 10, "gNBs of the simulator")
	concurrency := fs.Int("concurrency", 256, "UE procedures running at once")
	rate := fs.Float64("rate", 0, "UE arrivals per second (0: as fast as --concurrency allows)")
	pdu := fs.Bool("pdu", true, "a PDU session for each registered UE")
	ping := fs.String("ping", "", "ping this IPv4 address through each UE's session (implies --pdu)")
	idle := fs.Bool("idle", false, "release each UE to idle after registration, then have it send a Service Request (keel sim --idle)")
	paging := fs.Bool("paging", false, "page each idle UE for downlink sent to it through the core's N6 (keel sim --paging; implies --pdu)")
	split := fs.Bool("split", false, "run each step with every network function in its own process, then all in one, and compare their rates")
	rounds := fs.Int("rounds", 1, "with --split, run each UE count's pair of steps this many times, alternating their order, and report the median ratio")
	amfs := fs.String("amfs", "", "run each UE count once per entry N of this list, with N AMF processes of one AMF set and one process for the other network functions (not with --split)")
	storeURL := fs.String("store-url", "", "PostgreSQL server (postgres://...) on which each step creates a database of its own for every process's store.url")
	timeout := fs.Duration("timeout", 30*time.Minute, "give up on a step after this long")
	keep := fs.Bool("keep", false, "keep every step's temporary directory (configuration, data, logs); a step with failures keeps its own anyway")
	jsonOut := fs.Bool("json", false, "print the report as JSON for scripts")
	if _, err := parseArgs(fs, args, 0, "no arguments besides flags"); err != nil {
		return bench.Options{}, false, err
	}
	ladder, err := parseLadder(*ues)
	if err != nil {
		return bench.Options{}, false, err
	}
	switch {
	case *gnbs < 1 || *gnbs > 65535:
		return bench.Options{}, false, usagef("--gnbs %d: want 1 to 65535", *gnbs)
	case *concurrency < 1:
		return bench.Options{}, false, usagef("--concurrency %d: want at least 1", *concurrency)
	case *rate < 0:
		return bench.Options{}, false, usagef("--rate %g: want 0 (as fast as possible) or more", *rate)
	case *timeout <= 0:
		return bench.Options{}, false, usagef("--timeout %v: want a positive duration", *timeout)
	}
	if *ping != "" {
		if a, err := netip.ParseAddr(*ping); err != nil || !a.Is4() {
			return bench.Options{}, false, usagef("--ping %q: want an IPv4 address", *ping)
		}
	}
	switch {
	case *rounds < 1:
		return bench.Options{}, false, usagef("--rounds %d: want 1 or more", *rounds)
	case *rounds > 1 && !*split:
		return bench.Options{}, false, usagef("--rounds %d without --split: rounds alternate the split and all-in-one steps", *rounds)
	}
	var amfLadder []int
	if *amfs != "" {
		if *split {
			return bench.Options{}, false, usagef("--amfs with --split: --amfs runs the AMFs in processes of their own and the other network functions in one; --split compares every network function apart with all in one: run them one at a time")
		}
		if amfLadder, err = parseAMFLadder(*amfs); err != nil {
			return bench.Options{}, false, err
		}
	}
	if *storeURL != "" {
		// The URL may hold a password: the error names the problem
		// only.
		if err := bench.CheckStoreURL(*storeURL); err != nil {
			return bench.Options{}, false, usagef("--store-url: %v", err)
		}
	}
	return bench.Options{
		UEs: ladder, GNBs: *gnbs, Concurrency: *concurrency, Rate: *rate,
		PDU: *pdu || *ping != "" || *paging, Ping: *ping, Idle: *idle, Paging: *paging, Split: *split, Rounds: *rounds,
		AMFs: amfLadder, StoreURL: *storeURL, StepTimeout: *timeout, Keep: *keep,
	}, *jsonOut, nil
}

// parseAMFLadder reads --amfs: AMF set sizes separated by commas.
func parseAMFLadder(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > bench.MaxAMFs {
			return nil, usagef("--amfs %q: want AMF counts from 1 to %d separated by commas", s, bench.MaxAMFs)
		}
		out = append(out, n)
	}
	return out, nil
}

// parseLadder reads --ues: UE counts separated by commas.
func parseLadder(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > maxBenchUEs {
			return nil, usagef("--ues %q: want UE counts from 1 to %d separated by commas", s, maxBenchUEs)
		}
		out = append(out, n)
	}
	return out, nil
}
