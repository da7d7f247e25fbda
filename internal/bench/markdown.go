package bench

import (
	"fmt"
	"io"
	"maps"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/keelcore/keel/internal/config"
)

// WriteMarkdown writes the report for people: the machine, one table row
// per step, the targets met or missed, the failures by cause and notes on
// how the figures were taken.
func (r Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("# keel bench\n\n")
	m := r.Machine
	fmt.Fprintf(&b, "Machine: %d CPUs", m.CPUs)
	if m.CPUModel != "" {
		fmt.Fprintf(&b, " (%s)", m.CPUModel)
	}
	fmt.Fprintf(&b, ", Linux %s, %s", orUnknown(m.Kernel), m.Go)
	if m.Keel != "" {
		fmt.Fprintf(&b, ", keel %s", m.Keel)
	}
	b.WriteString(".\n")
	b.WriteString(r.setup())
	b.WriteString("\n\n")

	b.WriteString("| UEs | registered | sessions | failed | registrations/s | sessions/s | registration ms p50 / p95 / p99 | PDU session ms p50 / p95 / p99 | core CPU µs/UE | sim CPU µs/UE | core RSS MiB | core KiB per UE with a session |\n")
	b.WriteString("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, s := range r.Steps {
		if !s.measured() {
			fmt.Fprintf(&b, "| %s |%s\n", stepLabel(s), strings.Repeat(" – |", 11))
			continue
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %.1f | %s |\n",
			stepLabel(s), thousands(float64(s.Registered)), thousands(float64(s.Sessions)),
			thousands(float64(s.Failed)), thousands(s.RegistrationsPerS), thousands(s.SessionsPerS),
			percentiles(s.Procedures, ProcRegistration), percentiles(s.Procedures, ProcPDUSession),
			micros(s.CoreCPUSPerUE), micros(s.SimCPUSPerUE), s.CoreRSSMiB, oneDecimal(s.CoreKiBPerSession))
	}

	if r.Settings.Idle || r.Settings.Paging {
		b.WriteString("\n## Idle mode\n\n| UEs | Service Requests | Service Requests/s | Service Request ms p50 / p95 / p99 | pagings | paging to delivery ms p50 / p95 / p99 |\n")
		b.WriteString("|---:|---:|---:|---:|---:|---:|\n")
		for _, s := range r.Steps {
			if !s.measured() {
				fmt.Fprintf(&b, "| %s |%s\n", thousands(float64(s.UEs)), strings.Repeat(" – |", 5))
				continue
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", thousands(float64(s.UEs)),
				thousands(float64(s.ServiceRequests)), rateOrDash(s.ServiceRequestsPerS), percentiles(s.Procedures, ProcServiceRequest),
				thousands(float64(s.Pagings)), percentiles(s.Procedures, ProcPaging))
		}
	}

	if len(r.Split) > 0 {
		b.WriteString("\n## Every NF in its own process against one process\n\n")
		b.WriteString("| UEs | split registrations/s | all-in-one registrations/s | ratio | split sessions/s | all-in-one sessions/s | ratio | target |\n")
		b.WriteString("|---:|---:|---:|---:|---:|---:|---:|---|\n")
		for _, c := range r.Split {
			ues := thousands(float64(c.UEs))
			if c.Round > 0 {
				ues += fmt.Sprintf(", round %d", c.Round)
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %.2f× | %s | %s | %.2f× | ≥ %.1f×: %s |\n", ues,
				thousands(c.SplitRegistrationsPerS), thousands(c.AllInOneRegistrationsPerS), c.RegistrationsRatio,
				thousands(c.SplitSessionsPerS), thousands(c.AllInOneSessionsPerS), c.SessionsRatio, c.Target, metOrMissed(c.Met))
		}
		for _, med := range r.SplitMedian {
			fmt.Fprintf(&b, "| %s, median of %d rounds | | | %.2f× | | | %.2f× | ≥ %.1f×: %s |\n", thousands(float64(med.UEs)), med.Rounds,
				med.RegistrationsRatio, med.SessionsRatio, med.Target, metOrMissed(med.Met))
		}
	}

	for _, s := range r.Steps {
		if len(s.SBICallsPerUE) == 0 {
			continue
		}
		heading := thousands(float64(s.UEs)) + " UEs split"
		if s.Topology == TopologyAMFSet {
			heading = fmt.Sprintf("%s UEs, %d AMF%s", thousands(float64(s.UEs)), s.AMFs, plural(s.AMFs))
		}
		fmt.Fprintf(&b, "\n## SBI calls per UE, %s\n\n| service | calls per UE |\n|---|---:|\n", heading)
		total := 0.0
		for _, svc := range slices.Sorted(maps.Keys(s.SBICallsPerUE)) {
			fmt.Fprintf(&b, "| %s | %.2f |\n", svc, s.SBICallsPerUE[svc])
			total += s.SBICallsPerUE[svc]
		}
		fmt.Fprintf(&b, "| all | %.2f |\n", total)
	}

	if len(r.Settings.AMFs) > 0 {
		b.WriteString(r.amfSetTable())
	}
	b.WriteString(r.memoryTable())

	b.WriteString("\n## Targets\n\n| target |")
	for _, s := range r.Steps {
		if s.Topology == TopologyAMFSet {
			fmt.Fprintf(&b, " %s UEs, %d AMF%s |", thousands(float64(s.UEs)), s.AMFs, plural(s.AMFs))
			continue
		}
		fmt.Fprintf(&b, " %s UEs |", stepLabel(s))
	}
	b.WriteString("\n|---|")
	b.WriteString(strings.Repeat("---|", len(r.Steps)))
	b.WriteString("\n")
	for _, d := range targetDefs() {
		if d.applies != nil && !d.applies(r.Settings) {
			continue
		}
		fmt.Fprintf(&b, "| %s |", d.label)
		for _, s := range r.Steps {
			fmt.Fprintf(&b, " %s |", verdict(d, s))
		}
		b.WriteString("\n")
	}

	b.WriteString("\n## Failures by cause\n\n")
	failures := false
	for _, s := range r.Steps {
		for _, c := range slices.Sorted(maps.Keys(s.Failures)) {
			if !failures {
				b.WriteString("| UEs | cause | count |\n|---:|---|---:|\n")
				failures = true
			}
			fmt.Fprintf(&b, "| %s | %s | %s |\n", thousands(float64(s.UEs)), c, thousands(float64(s.Failures[c])))
		}
	}
	if !failures {
		b.WriteString("None.\n")
	}

	b.WriteString("\n## Notes\n\n")
	b.WriteString("- CPU is utime+stime of /proc/<pid>/stat (10 ms clock ticks) per registered UE: the core's from the end of provisioning to the simulator's exit, the simulator's over its whole run.\n")
	b.WriteString("- Memory per UE with a session is the growth of the core's VmRSS from before provisioning to the simulator's exit, divided by the sessions. It includes the subscribers' data and garbage the Go runtime has not yet returned: an upper bound, steady only at the larger steps.\n")
	b.WriteString("- Live heap is go_gc_heap_live_bytes of the core's /metrics (runtime/metrics /gc/heap/live:bytes) before provisioning and once the core is idle after the simulator's exit, each right after a collection the bench asks for (GET /debug/pprof/heap?gc=1; the core runs with http.pprof, and the profiles are kept as heap-start.pprof and heap-end.pprof with --keep); a process of a split core without the management API reports the heap its last collection marked. Its growth per registered UE is the UEs' state without garbage; the simulator's gNBs have left, so the UEs are idle.\n")
	b.WriteString("- Free heap kept is go_memstats_heap_idle_bytes less go_memstats_heap_released_bytes after the end's collection: heap spans without objects that the runtime keeps resident, grown to during the burst, which debug.FreeOSMemory would return at once and the background scavenger returns over minutes. The last column is the RSS growth with the free heap left out of both readings, each taken right after its collection.\n")
	if !m.NetAdmin {
		b.WriteString("- The bench ran without CAP_NET_ADMIN, so the core's UPF could not create its TUN device and refused every PDU session (5GSM cause #26); the failures above show it. Run as root, or in a network namespace where the bench holds CAP_NET_ADMIN.\n")
	}
	def := config.Default().DNNs[0].IPv4Pool
	for _, s := range r.Steps {
		if p, err := netip.ParsePrefix(s.UEPool); err == nil && p != def {
			fmt.Fprintf(&b, "- %s UEs: the core's UE pool was widened to %s (the default %s holds %s sessions), so its UPF was at %s.\n",
				thousands(float64(s.UEs)), p, def, thousands(float64(poolSize(def))), p.Addr().Next())
		}
		if s.GOMAXPROCS > 0 {
			fmt.Fprintf(&b, "- %s UEs: each of the core's processes ran with GOMAXPROCS=%d, the machine's %d CPUs shared out among them (set GOMAXPROCS for the bench to choose another).\n", stepLabel(s), s.GOMAXPROCS, m.CPUs)
		}
		if s.StoreCPUSPerUE != nil && s.Topology != TopologyAMFSet {
			fmt.Fprintf(&b, "- %s UEs: the PostgreSQL server took %s CPU µs per UE besides the core's.\n", stepLabel(s), micros(s.StoreCPUSPerUE))
		}
		if s.Error != "" {
			fmt.Fprintf(&b, "- %s UEs: not measured: %s\n", stepLabel(s), s.Error)
		}
		if s.Dir != "" {
			logs := "core.log, sim.log"
			switch s.Topology {
			case TopologySplit:
				logs = "<nf>.log, sim.log"
			case TopologyAMFSet:
				logs = "nfs.log, amf-<i>.log, sim.log"
			}
			fmt.Fprintf(&b, "- %s UEs: logs kept in %s (%s)\n", stepLabel(s), s.Dir, logs)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// metOrMissed is a target's verdict.
func metOrMissed(met bool) string {
	if met {
		return "met"
	}
	return "missed"
}

// stepLabel names a step in a table: its UEs, its topology (and round)
// in a --split run, its AMFs in an --amfs run.
func stepLabel(s Step) string {
	switch {
	case s.Topology == TopologyAMFSet:
		return fmt.Sprintf("%s, %d AMF%s", thousands(float64(s.UEs)), s.AMFs, plural(s.AMFs))
	case s.Topology == "":
		return thousands(float64(s.UEs))
	case s.Round > 0:
		return fmt.Sprintf("%s %s, round %d", thousands(float64(s.UEs)), s.Topology, s.Round)
	}
	return thousands(float64(s.UEs)) + " " + s.Topology
}

// amfSetTable is the AMF set section: for each step, its rates against
// those of the step with one AMF and as many UEs, how busy the core's
// and the simulator's processes kept the machine's CPUs, and the CPU of
// each AMF process with the UE connections it took.
func (r Report) amfSetTable() string {
	var b strings.Builder
	b.WriteString("\n## AMF set: the AMFs in processes of their own\n\n")
	b.WriteString("| UEs | AMFs | registrations/s | sessions/s | × 1 AMF | core CPU µs/UE | database CPU µs/UE | CPUs busy: core | database | sim | each AMF: CPU s (UE connections) |\n")
	b.WriteString("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
	rate := func(s Step) float64 {
		if r.Settings.PDU {
			return s.SessionsPerS
		}
		return s.RegistrationsPerS
	}
	for _, s := range r.Steps {
		if s.Topology != TopologyAMFSet {
			continue
		}
		if !s.measured() {
			fmt.Fprintf(&b, "| %s | %d |%s\n", thousands(float64(s.UEs)), s.AMFs, strings.Repeat(" – |", 9))
			continue
		}
		ratio := "–"
		i := slices.IndexFunc(r.Steps, func(o Step) bool {
			return o.Topology == TopologyAMFSet && o.AMFs == 1 && o.UEs == s.UEs && o.measured()
		})
		if i >= 0 && rate(r.Steps[i]) > 0 {
			ratio = fmt.Sprintf("%.2f×", rate(s)/rate(r.Steps[i]))
		}
		var amfs []string
		for _, a := range s.AMFProcesses {
			amfs = append(amfs, fmt.Sprintf("%s %.1f (%s)", a.Name, a.CPUS, ueConnections(a)))
		}
		dbBusy := "–"
		if s.StoreCPUS != nil {
			dbBusy = busy(*s.StoreCPUS, s.DurationS)
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", thousands(float64(s.UEs)), s.AMFs,
			thousands(s.RegistrationsPerS), thousands(s.SessionsPerS), ratio, micros(s.CoreCPUSPerUE), micros(s.StoreCPUSPerUE),
			busy(s.CoreCPUS, s.DurationS), dbBusy, busy(s.SimCPUS, s.DurationS), strings.Join(amfs, "; "))
	}
	fmt.Fprintf(&b, "\nCPUs busy is CPU seconds over the simulator's run (its duration): how many of the machine's %d CPUs each kept busy on average. The database is the PostgreSQL server of --store-url when it runs on this machine. × 1 AMF is the ", r.Machine.CPUs)
	if r.Settings.PDU {
		b.WriteString("sessions")
	} else {
		b.WriteString("registrations")
	}
	b.WriteString("/s set against the step with one AMF and as many UEs.\n")
	return b.String()
}

// ueConnections are the UE connections an AMF took, or "all" for the
// only one.
func ueConnections(a AMFProcess) string {
	if a.InitialUEMessages == nil {
		return "all"
	}
	return thousands(float64(*a.InitialUEMessages))
}

// busy is CPU time over a span: the CPUs it kept busy on average.
func busy(cpuS, spanS float64) string {
	if spanS <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", cpuS/spanS)
}

// setup describes how the steps ran.
func (r Report) setup() string {
	st := r.Settings
	var sctp []string
	for _, s := range r.Steps {
		if s.SCTP != "" && !slices.Contains(sctp, s.SCTP) {
			sctp = append(sctp, s.SCTP)
		}
	}
	n2 := "NGAP over SCTP"
	if len(sctp) > 0 {
		n2 = "NGAP over " + strings.Join(sctp, " and ") + " SCTP"
	}
	arrivals := fmt.Sprintf("UEs started as soon as fewer than %d are in flight", st.Concurrency)
	if st.RatePerS > 0 {
		arrivals = fmt.Sprintf("UEs arriving at %s/s, at most %d in flight", thousands(st.RatePerS), st.Concurrency)
	}
	sessions := "no PDU sessions"
	if st.PDU || st.Ping != "" {
		sessions = "a PDU session per UE"
		if st.Ping != "" {
			sessions += ", pinging " + st.Ping + " through it"
		}
	}
	if st.Idle {
		sessions += "; every UE released to idle, then sending a Service Request"
		if st.Ping != "" {
			sessions += " and pinging again"
		}
	}
	if st.Paging {
		sessions += "; every UE, idle, paged for a UDP datagram sent to it through the core's N6"
	}
	core := "a fresh `keel serve`"
	sim := "`keel sim` in a second process"
	switch {
	case st.Split && st.Rounds > 1:
		core = fmt.Sprintf("a fresh core %d times over, alternating in %d rounds: split, every network function in a `keel serve --nf X` process of its own (SBI over h2c on loopback, through the NRF), and all in one `keel serve`, the split first in odd rounds and second in even ones,", 2*st.Rounds, st.Rounds)
	case st.Split:
		core = "a fresh core twice: split, every network function in a `keel serve --nf X` process of its own (SBI over h2c on loopback, through the NRF), then all in one `keel serve`,"
	case len(st.AMFs) > 0:
		core = "a fresh core as one AMF set of N AMF processes (`keel serve --nf amf`: keel-amf-1 to keel-amf-N, region 1, set 1, pointers 1 to N, each the next one's backup, each its own N2 address) and one process for every other network function (`keel serve --nf " + strings.Join(homeNFs(), ",") + "`, whose NRF the AMFs register at; SBI over h2c on loopback),"
		sim = "`keel sim` in another process, each of its gNBs facing every AMF (`--amf` with all N2 addresses; UEs spread over the AMFs by the gNBs' round robin)"
	}
	store := ""
	switch {
	case st.Store == StorePostgres:
		store = "; every process's store on PostgreSQL (store.url: a database of the step's own, created on the --store-url server and dropped after the step), where the AMFs save their UE contexts; the database server's CPU is not the core's, and is reported apart when the server runs on this machine"
	case len(st.AMFs) > 0:
		store = "; the store on SQLite in the home process's data directory, so the AMFs save no UE contexts and share none (docs/deployment.md, \"AMF set\")"
	}
	return fmt.Sprintf("Setup: per step %s and %s, on loopback%s; %s; %d gNBs; %s; %s.",
		core, sim, store, n2, st.GNBs, arrivals, sessions)
}

// verdict is a step's cell in the targets table: the figure, then met or
// missed by how much.
func verdict(d targetDef, s Step) string {
	i := slices.IndexFunc(s.Targets, func(t Target) bool { return t.Name == d.name })
	if i < 0 {
		return "–"
	}
	t := s.Targets[i]
	if t.Got == nil {
		return "not measured: missed"
	}
	fig := d.figure(*t.Got)
	if t.Met {
		return fig + ": met"
	}
	return fig + ": missed by " + d.figure(t.MissedBy) + d.unit
}

// figure prints a figure of the target.
func (d targetDef) figure(v float64) string {
	if d.decimals == 0 {
		return thousands(v)
	}
	return strconv.FormatFloat(v, 'f', d.decimals, 64)
}

func percentiles(p map[string]Percentiles, name string) string {
	l, ok := p[name]
	if !ok || l.Count == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f / %.1f / %.1f", l.P50, l.P95, l.P99)
}

// rateOrDash is a rate, or "–" for none (no pass of its own measured it).
func rateOrDash(v float64) string {
	if v == 0 {
		return "–"
	}
	return thousands(v)
}

func micros(s *float64) string {
	if s == nil {
		return "–"
	}
	return thousands(*s * 1e6)
}

func oneDecimal(v *float64) string {
	if v == nil {
		return "–"
	}
	return strconv.FormatFloat(*v, 'f', 1, 64)
}

// thousands rounds v to a whole number and groups its digits by three.
func thousands(v float64) string {
	n := int64(math.Round(v))
	neg := n < 0
	if neg {
		n = -n
	}
	d := strconv.FormatInt(n, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range d {
		if i > 0 && (len(d)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func orUnknown(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}

// memoryTable is the core's resident memory and live heap of each step,
// before provisioning and after the simulator, and their growth per
// registered UE.
func (r Report) memoryTable() string {
	var b strings.Builder
	per := "per registered UE"
	if r.Settings.PDU {
		per = "per UE with a session"
	}
	fmt.Fprintf(&b, "\n## Memory\n\n| UEs | core RSS MiB before / after | RSS KiB %s | core live heap MiB before / after | live heap KiB %s | free heap kept MiB | RSS KiB %s, free heap returned |\n", per, per, per)
	b.WriteString("|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, s := range r.Steps {
		if !s.measured() {
			fmt.Fprintf(&b, "| %s |%s\n", stepLabel(s), strings.Repeat(" – |", 6))
			continue
		}
		fmt.Fprintf(&b, "| %s | %.1f / %.1f | %s | %.1f / %.1f | %s | %.1f | %s |\n", stepLabel(s), s.CoreRSSStartMiB, s.CoreRSSMiB,
			oneDecimal(s.CoreKiBPerUE), s.CoreHeapStartMiB, s.CoreHeapMiB, oneDecimal(s.CoreHeapKiBPerUE), s.CoreHeapFreeMiB, oneDecimal(s.CoreKiBPerUEFreed))
	}
	return b.String()
}
