package bench

// Target is one scale target set against a step's figure.
type Target struct {
	// Name is the figure: registrations_sessions_per_s, failures,
	// registration_p99_ms, service_requests_per_s (with --idle),
	// paging_p99_ms (with --paging), core_kib_per_session,
	// core_heap_kib_per_ue (with sessions) or core_kib_per_ue (without).
	Name  string  `json:"name"`
	Limit float64 `json:"limit"`
	// Got is the step's figure, null when the step has none (no
	// sessions, say).
	Got      *float64 `json:"got"`
	Met      bool     `json:"met"`
	MissedBy float64  `json:"missed_by,omitempty"`
}

// bound is how a figure is held against its limit.
type bound int

const (
	atLeast bound = iota // figure ≥ limit
	atMost               // figure ≤ limit
	below                // figure < limit
)

// targetDef is a target of the scale milestone.
type targetDef struct {
	name  string
	label string // the Markdown row's heading
	unit  string // after a missed-by figure
	// decimals are the Markdown figure's digits after the point.
	decimals int
	limit    float64
	bound    bound
	// value is the step's figure; pdu says whether the UEs set up
	// sessions.
	value func(s Step, pdu bool) (float64, bool)
	// applies says whether the target holds for runs with these
	// settings; nil for every run.
	applies func(Settings) bool
}

// targetDefs are the scale milestone's targets (issue 6): a core that
// sustains 1,000 UEs per second each registering and setting up a
// session, without a failure, with a p99 registration under 50 ms and
// under 8 KiB of memory per UE with a session.
func targetDefs() []targetDef {
	return []targetDef{
		{
			name: "registrations_sessions_per_s", label: "≥ 1,000 registrations+sessions/s", unit: "/s",
			limit: 1000, bound: atLeast,
			// With sessions, a UE counts once it has both; without, once
			// it registered.
			value: func(s Step, pdu bool) (float64, bool) {
				if pdu {
					return s.SessionsPerS, true
				}
				return s.RegistrationsPerS, true
			},
		},
		{
			name: "failures", label: "zero failures", unit: "",
			limit: 0, bound: atMost,
			value: func(s Step, _ bool) (float64, bool) { return float64(s.Failed), true },
		},
		{
			name: "registration_p99_ms", label: "registration p99 < 50 ms", unit: " ms", decimals: 1,
			limit: 50, bound: below,
			value: func(s Step, _ bool) (float64, bool) {
				p, ok := s.Procedures[ProcRegistration]
				return p.P99, ok && p.Count > 0
			},
		},
		{
			// Issue 13: Service Request with user-plane reactivation at
			// 2,000/s end to end.
			name: "service_requests_per_s", label: "≥ 2,000 Service Requests/s", unit: "/s",
			limit: 2000, bound: atLeast,
			value:   func(s Step, _ bool) (float64, bool) { return s.ServiceRequestsPerS, true },
			applies: func(set Settings) bool { return set.Idle },
		},
		{
			// Issue 13: paging to delivery p99 below 20 ms (at 1,000 paged
			// UEs per second: --rate 1000).
			name: "paging_p99_ms", label: "paging to delivery p99 < 20 ms", unit: " ms", decimals: 1,
			limit: 20, bound: below,
			value: func(s Step, _ bool) (float64, bool) {
				p, ok := s.Procedures[ProcPaging]
				return p.P99, ok && p.Count > 0
			},
			applies: func(set Settings) bool { return set.Paging },
		},
		{
			name: "core_kib_per_session", label: "core memory per UE with a session < 8 KiB", unit: " KiB", decimals: 1,
			limit: 8, bound: below,
			value: func(s Step, _ bool) (float64, bool) {
				if s.CoreKiBPerSession == nil {
					return 0, false
				}
				return *s.CoreKiBPerSession, true
			},
		},
		{
			// Issue 18: live heap per registered UE with one session
			// at most 4 KiB.
			name: "core_heap_kib_per_ue", label: "core live heap per UE with a session ≤ 4 KiB", unit: " KiB", decimals: 1,
			limit: 4, bound: atMost,
			value: func(s Step, _ bool) (float64, bool) {
				if s.CoreHeapKiBPerUE == nil {
					return 0, false
				}
				return *s.CoreHeapKiBPerUE, true
			},
			applies: func(set Settings) bool { return set.PDU },
		},
		{
			// Issue 18: at most 10 KiB of resident memory per registered
			// UE without a session (at 1,000 UEs).
			name: "core_kib_per_ue", label: "core memory per registered UE ≤ 10 KiB", unit: " KiB", decimals: 1,
			limit: 10, bound: atMost,
			value: func(s Step, _ bool) (float64, bool) {
				if s.CoreKiBPerUE == nil {
					return 0, false
				}
				return *s.CoreKiBPerUE, true
			},
			applies: func(set Settings) bool { return !set.PDU },
		},
	}
}

// evaluate holds a step against every target. A figure the step does not
// have misses its target.
func evaluate(s Step, set Settings) []Target {
	var out []Target
	for _, d := range targetDefs() {
		if d.applies != nil && !d.applies(set) {
			continue
		}
		t := Target{Name: d.name, Limit: d.limit}
		v, ok := d.value(s, set.PDU)
		if ok {
			t.Got = ptr(v)
			switch d.bound {
			case atLeast:
				t.Met, t.MissedBy = v >= d.limit, d.limit-v
			case atMost:
				t.Met, t.MissedBy = v <= d.limit, v-d.limit
			case below:
				t.Met, t.MissedBy = v < d.limit, v-d.limit
			}
			if t.Met {
				t.MissedBy = 0
			}
		}
		out = append(out, t)
	}
	return out
}
