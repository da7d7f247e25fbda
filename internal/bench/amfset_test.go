package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/config"
)

func loopbackPorts(first uint16, n int) []netip.AddrPort {
	out := make([]netip.AddrPort, n)
	for i := range out {
		out[i] = netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), first+uint16(i))
	}
	return out
}

// TestAMFSetPlan checks the processes of a step with three AMFs and the
// configuration each runs with: one process for every NF but the AMF,
// then three AMFs of one AMF set on ports of their own, their backups
// chained, every process on the step's store.
func TestAMFSetPlan(t *testing.T) {
	const storeURL = "postgres://keel@db/keel_bench_1"
	ports := loopbackPorts(40000, 11)
	plan, n2, err := amfSetPlan("/tmp/b", 3, ports, storeURL)
	if err != nil {
		t.Fatalf("amfSetPlan = %v", err)
	}
	var names []string
	for _, p := range plan {
		names = append(names, p.name)
	}
	if diff := cmp.Diff([]string{"nfs", "amf-1", "amf-2", "amf-3"}, names); diff != "" {
		t.Fatalf("processes differ (-want +got):\n%s", diff)
	}
	if want := []netip.AddrPort{ports[4], ports[7], ports[10]}; !slices.Equal(n2, want) {
		t.Errorf("N2 addresses %v, want %v", n2, want)
	}
	cfgs := make([]config.Config, len(plan))
	for i, p := range plan {
		b, err := coreConfig(p.keys, config.Default().DNNs[0].IPv4Pool)
		if err != nil {
			t.Fatalf("%s: coreConfig = %v", p.name, err)
		}
		if cfgs[i], err = config.Parse(b); err != nil {
			t.Fatalf("%s: config.Parse = %v\n%s", p.name, err, b)
		}
		if cfgs[i].Store.URL != storeURL {
			t.Errorf("%s: store.url %q, want %q", p.name, cfgs[i].Store.URL, storeURL)
		}
	}

	home := cfgs[0]
	if diff := cmp.Diff([]string{"nrf", "nssf", "udr", "udm", "ausf", "pcf", "upf", "smf"}, home.NFs); diff != "" {
		t.Errorf("home process nfs differ (-want +got):\n%s", diff)
	}
	if home.SBI.Address != ports[0] || home.HTTP.Address != ports[1] || home.DataDir != "/tmp/b/data" {
		t.Errorf("home process: sbi %v, http %v, data %q; want %v, %v, /tmp/b/data", home.SBI.Address, home.HTTP.Address, home.DataDir, ports[0], ports[1])
	}

	seen := map[netip.AddrPort]string{}
	for _, a := range []netip.AddrPort{home.SBI.Address, home.HTTP.Address} {
		seen[a] = "nfs"
	}
	def := config.Default().AMF
	for i, c := range cfgs[1:] {
		name := fmt.Sprintf("keel-amf-%d", i+1)
		backup := fmt.Sprintf("keel-amf-%d", (i+1)%3+1)
		if !slices.Equal(c.NFs, []string{"amf"}) || c.AMF.Name != name || c.AMF.Pointer != uint8(i+1) || c.AMF.BackupAMFName != backup {
			t.Errorf("%s: nfs %v, amf %q pointer %d backup %q; want [amf], %s, %d, %s", plan[i+1].name, c.NFs, c.AMF.Name, c.AMF.Pointer, c.AMF.BackupAMFName, name, i+1, backup)
		}
		// One AMF set: the region and set of every instance alike.
		if c.AMF.RegionID != def.RegionID || c.AMF.SetID != def.SetID {
			t.Errorf("%s: region %d set %d, want the defaults %d and %d", name, c.AMF.RegionID, c.AMF.SetID, def.RegionID, def.SetID)
		}
		if c.SBI.NRF != "http://"+ports[0].String() {
			t.Errorf("%s: sbi.nrf %q, want the home process's SBI", name, c.SBI.NRF)
		}
		if c.N2.Address != n2[i] {
			t.Errorf("%s: n2 %v, want %v", name, c.N2.Address, n2[i])
		}
		if c.DataDir != fmt.Sprintf("/tmp/b/data-amf-%d", i+1) {
			t.Errorf("%s: data_dir %q, want one of its own", name, c.DataDir)
		}
		for _, a := range []netip.AddrPort{c.SBI.Address, c.HTTP.Address, c.N2.Address} {
			if other, ok := seen[a]; ok {
				t.Errorf("%s: %v is %s's too", name, a, other)
			}
			seen[a] = name
		}
	}
}

func TestAMFSetPlanOne(t *testing.T) {
	plan, n2, err := amfSetPlan("/tmp/b", 1, loopbackPorts(40000, 5), "")
	if err != nil {
		t.Fatalf("amfSetPlan = %v", err)
	}
	if len(plan) != 2 || len(n2) != 1 {
		t.Fatalf("amfSetPlan(1) = %d processes, %d N2 addresses; want 2 and 1", len(plan), len(n2))
	}
	b, err := coreConfig(plan[1].keys, config.Default().DNNs[0].IPv4Pool)
	if err != nil {
		t.Fatal(err)
	}
	c, err := config.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	// A set of one has no other instance to back it up, and without a
	// store URL the store is SQLite.
	if c.AMF.Name != "keel-amf-1" || c.AMF.BackupAMFName != "" || c.Store.URL != "" {
		t.Errorf("the one AMF: name %q, backup %q, store.url %q; want keel-amf-1, none, none", c.AMF.Name, c.AMF.BackupAMFName, c.Store.URL)
	}
}

func TestAMFSetPlanErrors(t *testing.T) {
	for _, tc := range []struct {
		n, ports int
		want     string
	}{
		{0, 2, "want 1 to 63"},
		{64, 194, "want 1 to 63"},
		{2, 7, "want 8"},
	} {
		if _, _, err := amfSetPlan("/tmp/b", tc.n, loopbackPorts(40000, tc.ports), ""); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("amfSetPlan(%d AMFs, %d ports) = %v, want an error saying %q", tc.n, tc.ports, err, tc.want)
		}
	}
}

func TestOptionsPlan(t *testing.T) {
	for _, tc := range []struct {
		o    Options
		want []stepPlan
	}{
		{Options{UEs: []int{10, 20}}, []stepPlan{{10, TopologyAllInOne, 0, 0}, {20, TopologyAllInOne, 0, 0}}},
		{Options{UEs: []int{10}, Split: true}, []stepPlan{{10, TopologySplit, 0, 0}, {10, TopologyAllInOne, 0, 0}}},
		{Options{UEs: []int{10}, Split: true, Rounds: 1}, []stepPlan{{10, TopologySplit, 0, 0}, {10, TopologyAllInOne, 0, 0}}},
		// Rounds alternate the order of the pair.
		{Options{UEs: []int{10, 20}, Split: true, Rounds: 3}, []stepPlan{
			{10, TopologySplit, 0, 1}, {10, TopologyAllInOne, 0, 1},
			{10, TopologyAllInOne, 0, 2}, {10, TopologySplit, 0, 2},
			{10, TopologySplit, 0, 3}, {10, TopologyAllInOne, 0, 3},
			{20, TopologySplit, 0, 1}, {20, TopologyAllInOne, 0, 1},
			{20, TopologyAllInOne, 0, 2}, {20, TopologySplit, 0, 2},
			{20, TopologySplit, 0, 3}, {20, TopologyAllInOne, 0, 3}}},
		{Options{UEs: []int{10, 20}, AMFs: []int{1, 3}}, []stepPlan{
			{10, TopologyAMFSet, 1, 0}, {10, TopologyAMFSet, 3, 0}, {20, TopologyAMFSet, 1, 0}, {20, TopologyAMFSet, 3, 0}}},
	} {
		if diff := cmp.Diff(tc.want, tc.o.plan(), cmp.AllowUnexported(stepPlan{})); diff != "" {
			t.Errorf("%+v: plan differs (-want +got):\n%s", tc.o, diff)
		}
	}
	if got, want := (stepPlan{10000, TopologyAMFSet, 2, 0}).String(), "10000 UEs, amf-set of 2 AMFs"; got != want {
		t.Errorf("stepPlan.String() = %q, want %q", got, want)
	}
	if got, want := (stepPlan{10000, TopologySplit, 0, 2}).String(), "10000 UEs, split, round 2"; got != want {
		t.Errorf("stepPlan.String() = %q, want %q", got, want)
	}
}

func TestSimArgsAMFSet(t *testing.T) {
	c := &core{api: "http://127.0.0.1:40001", tokenFile: "/t",
		n2: []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:40004"), netip.MustParseAddrPort("127.0.0.1:40007")}}
	args := simArgs(Options{GNBs: 1, Concurrency: 1}, c, 10)
	if i := slices.Index(args, "--amf"); i < 0 || args[i+1] != "127.0.0.1:40004,127.0.0.1:40007" {
		t.Errorf("simArgs = %q, want --amf with both N2 addresses", args)
	}
}

// amfSetReport is a ladder of 10,000 UEs on one and on two AMFs.
func amfSetReport(t *testing.T) Report {
	one := measure(SimResult{UEs: 10000, Registered: 10000, Sessions: 10000, DurationS: 20, RatePerS: 500, SessionsPerS: 500},
		Settings{PDU: true}, Usage{}, Usage{CPU: time.Second}, Usage{CPU: 31 * time.Second}, Usage{CPU: 8 * time.Second})
	one.Topology, one.AMFs = TopologyAMFSet, 1
	one.AMFProcesses = amfProcesses(SimResult{}, []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:40004")},
		[]Usage{{CPU: 100 * time.Millisecond}}, []Usage{{CPU: 12100 * time.Millisecond, RSS: 90 * mib}})

	sim, err := DecodeSimResult([]byte(`{"ues":10000,"registered":10000,"sessions":10000,"duration_s":16,"rate_per_s":625,"sessions_per_s":625,
		"amfs":[{"addr":"127.0.0.1:40004","name":"keel-amf-1","gnbs_up":10,"set_ups":10,"initial_ue_messages":5001},
		        {"addr":"127.0.0.1:40007","name":"keel-amf-2","gnbs_up":10,"set_ups":10,"initial_ue_messages":4999}]}`))
	if err != nil {
		t.Fatal(err)
	}
	two := measure(sim, Settings{PDU: true}, Usage{}, Usage{CPU: time.Second}, Usage{CPU: 33 * time.Second}, Usage{CPU: 8 * time.Second})
	two.Topology, two.AMFs = TopologyAMFSet, 2
	two.SBICallsPerUE = map[string]float64{"nausf-auth": 2, "nsmf-pdusession": 1.5}
	// The database server took 4 s of CPU: 400 µs per UE, a quarter of a
	// CPU over the 16 s run.
	from, end := 10*time.Second, 14*time.Second
	two.storeCPU(&from, &end)
	one.storeCPU(nil, &end)
	two.AMFProcesses = amfProcesses(sim, []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:40004"), netip.MustParseAddrPort("127.0.0.1:40007")},
		[]Usage{{CPU: 100 * time.Millisecond}, {CPU: 200 * time.Millisecond}},
		[]Usage{{CPU: 7100 * time.Millisecond}, {CPU: 7400 * time.Millisecond}})
	return Report{Machine: Machine{CPUs: 2, NetAdmin: true},
		Settings: Settings{GNBs: 10, Concurrency: 256, PDU: true, AMFs: []int{1, 2}, Store: StorePostgres},
		Steps:    []Step{one, two}}
}

func TestAMFProcesses(t *testing.T) {
	r := amfSetReport(t)
	one, two := r.Steps[0].AMFProcesses, r.Steps[1].AMFProcesses
	if len(one) != 1 || one[0].Name != "keel-amf-1" || one[0].CPUS != 12 || one[0].InitialUEMessages != nil || one[0].RSSMiB != 90 {
		t.Errorf("one AMF: %+v, want keel-amf-1 with 12 CPU s, 90 MiB and no count of its own", one)
	}
	if len(two) != 2 || two[1].Name != "keel-amf-2" || two[1].N2 != "127.0.0.1:40007" || two[1].CPUS != 7.2 ||
		two[0].InitialUEMessages == nil || *two[0].InitialUEMessages != 5001 || *two[1].InitialUEMessages != 4999 {
		t.Errorf("two AMFs: %+v, want keel-amf-2 at 127.0.0.1:40007 with 7.2 CPU s, 5001 and 4999 UE connections", two)
	}
	// The core's CPU is every process's: the AMFs' and the home one's.
	if got := r.Steps[1].CoreCPUS; got != 32 {
		t.Errorf("core CPU %v s, want 32", got)
	}
}

func TestAMFSetReport(t *testing.T) {
	r := amfSetReport(t)
	var md bytes.Buffer
	if err := r.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"one AMF set of N AMF processes",
		"every process's store on PostgreSQL",
		"| 10,000, 1 AMF | 10,000 | 10,000 | 0 | 500 | 500 |",
		"| 10,000, 2 AMFs | 10,000 | 10,000 | 0 | 625 | 625 |",
		"| 10,000 | 1 | 500 | 500 | 1.00× | 3,000 | – | 1.50 | – | 0.40 | keel-amf-1 12.0 (all) |",
		"| 10,000 | 2 | 625 | 625 | 1.25× | 3,200 | 400 | 2.00 | 0.25 | 0.50 | keel-amf-1 7.0 (5,001); keel-amf-2 7.2 (4,999) |",
		"| target | 10,000 UEs, 1 AMF | 10,000 UEs, 2 AMFs |",
		"## SBI calls per UE, 10,000 UEs, 2 AMFs\n\n| service | calls per UE |\n|---|---:|\n| nausf-auth | 2.00 |\n| nsmf-pdusession | 1.50 |\n| all | 3.50 |\n",
	} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}

	var js bytes.Buffer
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, back); diff != "" {
		t.Errorf("JSON round trip differs (-want +got):\n%s", diff)
	}
	for _, want := range []string{`"topology": "amf-set"`, `"amfs": 2`, `"store": "postgres"`, `"initial_ue_messages": 4999`, `"initial_ue_messages": null`} {
		if !strings.Contains(js.String(), want) {
			t.Errorf("JSON lacks %s:\n%s", want, js.String())
		}
	}

	var text bytes.Buffer
	report(&text, stepPlan{ues: 10000, topology: TopologyAMFSet, amfs: 2}, r.Steps[1])
	want := "keel bench: 10000 UEs, amf-set of 2 AMFs: 10000 registered, 10000 sessions, 625 registrations/s, core CPU 3,200 µs/UE\n" +
		"keel bench: 10000 UEs, amf-set of 2 AMFs: keel-amf-1: 7.00 CPU s, 5,001 UE connections\n" +
		"keel bench: 10000 UEs, amf-set of 2 AMFs: keel-amf-2: 7.20 CPU s, 4,999 UE connections\n"
	if diff := cmp.Diff(want, text.String()); diff != "" {
		t.Errorf("text report differs (-want +got):\n%s", diff)
	}

	// Without a store URL the report says the AMFs shared nothing.
	r.Settings.Store = ""
	md.Reset()
	if err := r.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "the AMFs save no UE contexts and share none") {
		t.Errorf("markdown without --store-url does not say the AMFs share no UE contexts:\n%s", md.String())
	}
}
