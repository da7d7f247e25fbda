package bench

import (
	"encoding/json"
	"io"
	"net/netip"
	"slices"
	"time"
)

// Report is the outcome of a ladder.
type Report struct {
	Machine  Machine  `json:"machine"`
	Settings Settings `json:"settings"`
	Steps    []Step   `json:"steps"`
	// Split compares, for each step of a --split run, the core with
	// every NF in its own process against the core in one process.
	Split []SplitComparison `json:"split,omitempty"`
	// SplitMedian is, in a --split run of several rounds, the median of
	// the rounds' comparisons for each UE count.
	SplitMedian []SplitMedian `json:"split_median,omitempty"`
}

// SplitComparison sets the rates of a step with every NF in its own
// process against those of the same step with the whole core in one
// process, measured in the same run.
type SplitComparison struct {
	UEs int `json:"ues"`
	// Round is the round of a run of several (Options.Rounds), from 1.
	Round int `json:"round,omitempty"`
	// The registrations (and PDU sessions) per second of each topology,
	// and the split's share of the all-in-one rate.
	SplitRegistrationsPerS    float64 `json:"split_registrations_per_s"`
	AllInOneRegistrationsPerS float64 `json:"all_in_one_registrations_per_s"`
	RegistrationsRatio        float64 `json:"registrations_ratio"`
	SplitSessionsPerS         float64 `json:"split_sessions_per_s"`
	AllInOneSessionsPerS      float64 `json:"all_in_one_sessions_per_s"`
	SessionsRatio             float64 `json:"sessions_ratio"`
	// Target is the ratio the split must reach (issue: at least half of
	// the all-in-one rate); Met whether both ratios do.
	Target float64 `json:"target"`
	Met    bool    `json:"met"`
}

// SplitTarget is the share of the all-in-one rate the split core must
// reach on the same machine.
const SplitTarget = 0.5

// compare sets a split step against its all-in-one twin.
func compare(split, aio Step) SplitComparison {
	c := SplitComparison{UEs: split.UEs, Target: SplitTarget,
		SplitRegistrationsPerS: split.RegistrationsPerS, AllInOneRegistrationsPerS: aio.RegistrationsPerS,
		SplitSessionsPerS: split.SessionsPerS, AllInOneSessionsPerS: aio.SessionsPerS}
	if aio.RegistrationsPerS > 0 {
		c.RegistrationsRatio = split.RegistrationsPerS / aio.RegistrationsPerS
	}
	if aio.SessionsPerS > 0 {
		c.SessionsRatio = split.SessionsPerS / aio.SessionsPerS
	}
	c.Met = c.RegistrationsRatio >= SplitTarget && (aio.SessionsPerS == 0 || c.SessionsRatio >= SplitTarget)
	return c
}

// SplitMedian is the median of the split's shares of the all-in-one
// rates over the rounds of one UE count; with an even number of rounds,
// the mean of the middle two. Met is whether both medians reach Target.
type SplitMedian struct {
	UEs                int     `json:"ues"`
	Rounds             int     `json:"rounds"`
	RegistrationsRatio float64 `json:"registrations_ratio"`
	SessionsRatio      float64 `json:"sessions_ratio"`
	Target             float64 `json:"target"`
	Met                bool    `json:"met"`
}

// medians summarises the comparisons of each UE count, in the order of
// their first round.
func medians(cs []SplitComparison) []SplitMedian {
	var out []SplitMedian
	byUEs := map[int][]SplitComparison{}
	for _, c := range cs {
		if byUEs[c.UEs] == nil {
			out = append(out, SplitMedian{UEs: c.UEs, Target: SplitTarget})
		}
		byUEs[c.UEs] = append(byUEs[c.UEs], c)
	}
	for i := range out {
		m := &out[i]
		rounds := byUEs[m.UEs]
		m.Rounds = len(rounds)
		m.RegistrationsRatio = median(rounds, func(c SplitComparison) float64 { return c.RegistrationsRatio })
		m.SessionsRatio = median(rounds, func(c SplitComparison) float64 { return c.SessionsRatio })
		sessions := slices.ContainsFunc(rounds, func(c SplitComparison) bool { return c.AllInOneSessionsPerS > 0 })
		m.Met = m.RegistrationsRatio >= SplitTarget && (!sessions || m.SessionsRatio >= SplitTarget)
	}
	return out
}

// median is the median of f over cs, which is not empty.
func median(cs []SplitComparison, f func(SplitComparison) float64) float64 {
	v := make([]float64, len(cs))
	for i, c := range cs {
		v[i] = f(c)
	}
	slices.Sort(v)
	if n := len(v); n%2 == 0 {
		return (v[n/2-1] + v[n/2]) / 2
	}
	return v[len(v)/2]
}

// Settings are the simulator settings every step ran with.
type Settings struct {
	GNBs        int `json:"gnbs"`
	Concurrency int `json:"concurrency"`
	// RatePerS paces UE arrivals; 0 is as fast as Concurrency allows.
	RatePerS float64 `json:"rate_per_s"`
	PDU      bool    `json:"pdu"`
	Ping     string  `json:"ping,omitempty"`
	Idle     bool    `json:"idle,omitempty"`
	Paging   bool    `json:"paging,omitempty"`
	// Split: each step ran split, then all in one.
	Split bool `json:"split,omitempty"`
	// Rounds is the pairs of steps of each UE count in a --split run of
	// more than one (--rounds).
	Rounds int `json:"rounds,omitempty"`
	// AMFs are the AMF set sizes each UE count ran with (--amfs).
	AMFs []int `json:"amfs,omitempty"`
	// Store is StorePostgres when every process of the core kept its
	// store in a PostgreSQL database of the step's own (--store-url);
	// "" for SQLite in the data directory.
	Store string `json:"store,omitempty"`
}

// StorePostgres is Settings.Store for a core on PostgreSQL.
const StorePostgres = "postgres"

// Step is one rung of the ladder: a fresh core and UEs registered on it.
// The per-UE figures are null when no UE got that far.
type Step struct {
	// Topology is TopologySplit or TopologyAllInOne in a --split run,
	// TopologyAMFSet in an --amfs run.
	Topology string `json:"topology,omitempty"`
	// AMFs is the number of AMF processes of an AMF set step.
	AMFs int `json:"amfs,omitempty"`
	// Round is the step's round in a --split run of several.
	Round      int `json:"round,omitempty"`
	UEs        int `json:"ues"`
	Registered int `json:"registered"`
	Sessions   int `json:"sessions"`
	// GOMAXPROCS is what the bench set for each process of a split
	// core (splitMaxProcs); absent when the processes kept the
	// runtime's default or inherited the bench's environment.
	GOMAXPROCS int `json:"gomaxprocs,omitempty"`
	// Failed counts failed gNBs and UEs, as the simulator does; Failures
	// counts them by cause.
	Failed   int            `json:"failed"`
	Failures map[string]int `json:"failures"`
	SCTP     string         `json:"sctp,omitempty"`
	// UEPool is the IPv4 pool the core's first DNN ran with: the
	// default, or wider for a step with more UEs than it holds.
	UEPool string `json:"ue_pool,omitempty"`
	// ProvisionS is how long the subscribers' import took; DurationS is
	// the simulator's run (NG Setup and the UEs).
	ProvisionS        float64                `json:"provision_s"`
	DurationS         float64                `json:"duration_s"`
	RegistrationsPerS float64                `json:"registrations_per_s"`
	SessionsPerS      float64                `json:"sessions_per_s"`
	Procedures        map[string]Percentiles `json:"procedures"`
	// With --idle and --paging: the accepted Service Requests (UE- and
	// network-triggered), their rate in the pass where every UE sends
	// one, and the UEs paged.
	ServiceRequests     int     `json:"service_requests,omitempty"`
	ServiceRequestsPerS float64 `json:"service_requests_per_s,omitempty"`
	Pagings             int     `json:"pagings,omitempty"`

	CoreCPUS      float64  `json:"core_cpu_s"`
	SimCPUS       float64  `json:"sim_cpu_s"`
	CoreCPUSPerUE *float64 `json:"core_cpu_s_per_ue"`
	SimCPUSPerUE  *float64 `json:"sim_cpu_s_per_ue"`
	// CoreRSSStartMiB is the core's resident memory before provisioning,
	// CoreRSSMiB at the simulator's exit.
	CoreRSSStartMiB   float64  `json:"core_rss_start_mib"`
	CoreRSSMiB        float64  `json:"core_rss_mib"`
	CoreKiBPerSession *float64 `json:"core_kib_per_session"`
	// StoreCPUS is, with --store-url on a PostgreSQL server running on
	// this machine, the server's CPU time over the same span as the
	// core's (its postmaster, the backends serving the core and its
	// background processes); StoreCPUSPerUE the same per registered UE.
	// Null when the server is elsewhere: then it is not measured.
	StoreCPUS      *float64 `json:"store_cpu_s,omitempty"`
	StoreCPUSPerUE *float64 `json:"store_cpu_s_per_ue,omitempty"`
	// AMFProcesses are the AMF processes of an AMF set step, in the
	// order of their N2 addresses: the core's CPU above is theirs and the
	// other process's together.
	AMFProcesses []AMFProcess `json:"amf_processes,omitempty"`

	// SBICallsPerUE is, for a split core or an AMF set, the SBI requests its
	// processes answered (keel_sbi_requests_served_total, every status)
	// from the end of provisioning until the core was idle after the
	// simulator's exit, by service name, per registered UE.
	SBICallsPerUE map[string]float64 `json:"sbi_calls_per_ue,omitempty"`

	// CoreKiBPerUE is the growth of the core's resident memory from
	// before provisioning to the simulator's exit per registered UE.
	// CoreHeapStartMiB and CoreHeapMiB are the core's live heap
	// (go_gc_heap_live_bytes, after a collection) before provisioning
	// and once the core is idle after the simulator's exit, and
	// CoreHeapKiBPerUE its growth per registered UE: the UEs' state
	// and whatever the core keeps of their subscriptions, without
	// garbage or memory the runtime holds unused.
	CoreKiBPerUE     *float64 `json:"core_kib_per_ue"`
	CoreHeapStartMiB float64  `json:"core_heap_start_mib"`
	CoreHeapMiB      float64  `json:"core_heap_mib"`
	CoreHeapKiBPerUE *float64 `json:"core_heap_kib_per_ue"`
	// CoreHeapFreeMiB is the free heap the core keeps resident once idle
	// after the step (heap spans without objects not yet returned to the
	// operating system), and CoreKiBPerUEFreed the growth of its
	// resident memory per registered UE, both read right after the
	// collections of the live heap, without that free heap: what the
	// growth would be once debug.FreeOSMemory or the runtime's
	// background scavenger gave it back. The difference from
	// CoreKiBPerUE is heap the runtime grew to during the burst and
	// keeps.
	CoreHeapFreeMiB   float64  `json:"core_heap_free_mib"`
	CoreKiBPerUEFreed *float64 `json:"core_kib_per_ue_freed"`

	Targets []Target `json:"targets"`
	// Dir is the step's temporary directory when it was kept: the core's
	// configuration, data and log (core.log) and the simulator's
	// (sim.log, sim.json).
	Dir string `json:"dir,omitempty"`
	// Error says why the step could not be measured.
	Error string `json:"error,omitempty"`
}

// measured reports whether the simulator's summary made it into the step.
func (s Step) measured() bool { return s.DurationS > 0 || s.Registered > 0 || s.Failed > 0 }

// failing reports whether the step had failures or could not be measured.
func (s Step) failing() bool { return s.Failed > 0 || s.Error != "" }

// Failed reports whether any step had failures or could not be measured.
func (r Report) Failed() bool {
	for _, s := range r.Steps {
		if s.failing() {
			return true
		}
	}
	return false
}

// WriteJSON writes the report as indented JSON.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

const (
	bytesPerMiB = 1 << 20
	bytesPerKiB = 1 << 10
)

// measure turns the simulator's summary and the samples of the two
// processes into a step's figures. coreStart is the core before
// provisioning, coreFrom after it, coreEnd and simEnd at the simulator's
// exit (the simulator's life is its CPU time).
func measure(sim SimResult, set Settings, coreStart, coreFrom, coreEnd, simEnd Usage) Step {
	s := Step{
		UEs: sim.UEs, Registered: sim.Registered, Sessions: sim.Sessions,
		Failed: sim.Failed, Failures: sim.Failures, SCTP: sim.SCTP,
		DurationS:         sim.DurationS,
		RegistrationsPerS: sim.RatePerS, SessionsPerS: sim.SessionsPerS,
		Procedures:      sim.procedures(),
		ServiceRequests: sim.ServiceRequests, ServiceRequestsPerS: sim.ServiceRequestsPerS, Pagings: sim.Pagings,
		CoreCPUS:        (coreEnd.CPU - coreFrom.CPU).Seconds(),
		SimCPUS:         simEnd.CPU.Seconds(),
		CoreRSSStartMiB: float64(coreStart.RSS) / bytesPerMiB,
		CoreRSSMiB:      float64(coreEnd.RSS) / bytesPerMiB,
	}
	if s.Failures == nil {
		s.Failures = map[string]int{}
	}
	if sim.Registered > 0 {
		s.CoreCPUSPerUE = ptr(s.CoreCPUS / float64(sim.Registered))
		s.SimCPUSPerUE = ptr(s.SimCPUS / float64(sim.Registered))
	}
	grown := float64(coreEnd.RSS) - float64(coreStart.RSS)
	if sim.Sessions > 0 {
		s.CoreKiBPerSession = ptr(grown / bytesPerKiB / float64(sim.Sessions))
	}
	if sim.Registered > 0 {
		s.CoreKiBPerUE = ptr(grown / bytesPerKiB / float64(sim.Registered))
	}
	s.Targets = evaluate(s, set)
	return s
}

// setHeap puts the core's memory before provisioning (start) and after
// the step (end) into s, and holds s against the targets again.
func (s *Step) setHeap(start, end memSample, set Settings) {
	s.CoreHeapStartMiB = float64(start.live) / bytesPerMiB
	s.CoreHeapMiB = float64(end.live) / bytesPerMiB
	s.CoreHeapFreeMiB = float64(end.free) / bytesPerMiB
	if s.Registered > 0 {
		s.CoreHeapKiBPerUE = ptr((float64(end.live) - float64(start.live)) / bytesPerKiB / float64(s.Registered))
		if start.rss > 0 && end.rss > 0 {
			grown := (float64(end.rss) - float64(end.free)) - (float64(start.rss) - float64(start.free))
			s.CoreKiBPerUEFreed = ptr(grown / bytesPerKiB / float64(s.Registered))
		}
	}
	s.Targets = evaluate(*s, set)
}

func ptr(v float64) *float64 { return &v }

// storeCPU sets the database server's CPU from its samples at the end of
// provisioning and at the simulator's exit; nil ones leave it unmeasured.
func (s *Step) storeCPU(from, end *time.Duration) {
	if from == nil || end == nil {
		return
	}
	s.StoreCPUS = ptr((*end - *from).Seconds())
	if s.Registered > 0 {
		s.StoreCPUSPerUE = ptr(*s.StoreCPUS / float64(s.Registered))
	}
}

// AMFProcess is what one AMF process of an AMF set took in a step.
type AMFProcess struct {
	// Name is its amf.name; N2 its NGAP listener.
	Name string `json:"name"`
	N2   string `json:"n2"`
	// CPUS is its CPU time over the same span as the core's.
	CPUS float64 `json:"cpu_s"`
	// InitialUEMessages are the UE connections the simulator's gNBs
	// opened to it (its share of the UEs: every UE registers, and sets
	// up its session on the same connection); null for the one AMF of a
	// set of one, which the simulator does not count apart (it has
	// them all).
	InitialUEMessages *int `json:"initial_ue_messages"`
	// RSSMiB is its resident memory at the simulator's exit.
	RSSMiB float64 `json:"rss_mib"`
}

// amfProcesses are the figures of an AMF set's processes: from and end
// sample them (in the order of n2) at the end of provisioning and at the
// simulator's exit; the simulator's summary says how many UE
// connections its gNBs opened to each N2 address.
func amfProcesses(sim SimResult, n2 []netip.AddrPort, from, end []Usage) []AMFProcess {
	out := make([]AMFProcess, len(n2))
	for i, a := range n2 {
		out[i] = AMFProcess{Name: amfName(i + 1), N2: a.String()}
		if i < len(from) && i < len(end) {
			out[i].CPUS = (end[i].CPU - from[i].CPU).Seconds()
			out[i].RSSMiB = float64(end[i].RSS) / bytesPerMiB
		}
		for _, sa := range sim.AMFs {
			if sa.Addr == a.String() {
				out[i].InitialUEMessages = &sa.InitialUEMessages
			}
		}
	}
	return out
}
