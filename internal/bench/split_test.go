package bench

import (
	"math"
	"net/netip"
	"strings"
	"testing"

	"github.com/keelcore/keel/internal/config"
)

func TestCompareSplit(t *testing.T) {
	split := Step{UEs: 1000, Topology: TopologySplit, RegistrationsPerS: 300, SessionsPerS: 200}
	aio := Step{UEs: 1000, Topology: TopologyAllInOne, RegistrationsPerS: 500, SessionsPerS: 500}
	c := compare(split, aio)
	if c.RegistrationsRatio != 0.6 || c.SessionsRatio != 0.4 || c.Met {
		t.Errorf("compare = %+v, want ratios 0.6 and 0.4, target missed (sessions under 0.5)", c)
	}
	split.SessionsPerS = 250
	if c = compare(split, aio); !c.Met {
		t.Errorf("compare = %+v, want the target met at 0.6 and 0.5", c)
	}
	var b strings.Builder
	if err := (Report{Steps: []Step{split, aio}, Split: []SplitComparison{c}}).WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| 1,000 split |", "| 1,000 all-in-one |", "| 1,000 | 300 | 500 | 0.60× | 250 | 500 | 0.50× | ≥ 0.5×: met |"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, b.String())
		}
	}
}

// Rounds' comparisons give one median per UE count, the mean of the
// middle two for an even number of rounds, met only when both medians
// reach the target.
func TestSplitMedians(t *testing.T) {
	cs := []SplitComparison{
		{UEs: 10, Round: 1, RegistrationsRatio: 0.40, SessionsRatio: 0.7, AllInOneSessionsPerS: 1},
		{UEs: 10, Round: 2, RegistrationsRatio: 0.55, SessionsRatio: 0.6, AllInOneSessionsPerS: 1},
		{UEs: 10, Round: 3, RegistrationsRatio: 0.52, SessionsRatio: 0.2, AllInOneSessionsPerS: 1},
		{UEs: 20, Round: 1, RegistrationsRatio: 0.60, SessionsRatio: 0.4, AllInOneSessionsPerS: 1},
		{UEs: 20, Round: 2, RegistrationsRatio: 0.50, SessionsRatio: 0.5, AllInOneSessionsPerS: 1},
	}
	got := medians(cs)
	want := []SplitMedian{
		{UEs: 10, Rounds: 3, RegistrationsRatio: 0.52, SessionsRatio: 0.6, Target: SplitTarget, Met: true},
		{UEs: 20, Rounds: 2, RegistrationsRatio: 0.55, SessionsRatio: 0.45, Target: SplitTarget, Met: false},
	}
	if len(got) != len(want) {
		t.Fatalf("medians = %+v, want %+v", got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.UEs != w.UEs || g.Rounds != w.Rounds || g.Met != w.Met || g.Target != w.Target ||
			math.Abs(g.RegistrationsRatio-w.RegistrationsRatio) > 1e-9 || math.Abs(g.SessionsRatio-w.SessionsRatio) > 1e-9 {
			t.Errorf("medians[%d] = %+v, want %+v", i, g, w)
		}
	}
	var b strings.Builder
	r := Report{Settings: Settings{Split: true, Rounds: 3}, Split: cs[:3], SplitMedian: got[:1],
		Steps: []Step{{UEs: 10, Topology: TopologySplit, Round: 2, GOMAXPROCS: 1}}}
	if err := r.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| 10, round 2 |", "| 10, median of 3 rounds | | | 0.52× | | | 0.60× | ≥ 0.5×: met |", "10 split, round 2 UEs: each of the core's processes ran with GOMAXPROCS=1", "alternating in 3 rounds"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, b.String())
		}
	}
}

// A split core's processes share the machine's CPUs, at least one
// each, unless the environment chose GOMAXPROCS.
func TestSplitMaxProcs(t *testing.T) {
	none := func(string) string { return "" }
	for _, tc := range []struct{ cpus, procs, want int }{{2, 9, 1}, {1, 9, 1}, {18, 9, 2}, {32, 9, 3}, {4, 0, 4}} {
		if got := splitMaxProcs(tc.cpus, tc.procs, none); got != tc.want {
			t.Errorf("splitMaxProcs(%d CPUs, %d processes) = %d, want %d", tc.cpus, tc.procs, got, tc.want)
		}
	}
	set := func(k string) string {
		if k == "GOMAXPROCS" {
			return "4"
		}
		return ""
	}
	if got := splitMaxProcs(2, 9, set); got != 0 {
		t.Errorf("splitMaxProcs with GOMAXPROCS in the environment = %d, want 0 (inherited)", got)
	}
}

// The configuration of an NF's process: the defaults with its nfs, SBI
// address and NRF.
func TestSplitConfig(t *testing.T) {
	sbi, api := netip.MustParseAddrPort("127.0.0.1:40010"), netip.MustParseAddrPort("127.0.0.1:40011")
	b, err := coreConfig(coreKeys{NFs: []string{"smf"}, SBI: sbi, HTTP: api, DataDir: "/tmp/b/data-smf", NRF: "http://127.0.0.1:40000"}, config.Default().DNNs[0].IPv4Pool)
	if err != nil {
		t.Fatalf("coreConfig: %v", err)
	}
	got, err := config.Parse(b)
	if err != nil {
		t.Fatalf("config.Parse: %v\n%s", err, b)
	}
	if len(got.NFs) != 1 || got.NFs[0] != "smf" || got.SBI.Address != sbi || got.SBI.NRF != "http://127.0.0.1:40000" || got.HTTP.Address != api {
		t.Errorf("configuration %+v %+v %v, want nfs [smf], its SBI and NRF", got.NFs, got.SBI, got.HTTP.Address)
	}
	if got.N2.Address != config.Default().N2.Address || got.N4.Address != config.Default().N4.Address {
		t.Errorf("n2 %v, n4 %v: want the defaults", got.N2.Address, got.N4.Address)
	}
}
