package api

import (
	"net/http"
	"time"
)

// UECounter is what a UEs view may also offer: the counts by state
// without listing every UE (the AMF's, cheap with many UEs).
type UECounter interface {
	UECounts() UECounts
}

// UECounts are registered UEs, split by connection management state.
type UECounts struct {
	Registered int `json:"registered"`
	Connected  int `json:"connected"`
	Idle       int `json:"idle"`
}

// Overview is the answer to GET /api/v1/overview.
type Overview struct {
	// GNBs counts the gNBs with an N2 association.
	GNBs     int      `json:"gnbs"`
	UEs      UECounts `json:"ues"`
	Sessions int      `json:"sessions"`
	// Throughput and Rates are over the last Window seconds (0 until
	// the sampler has a first sample).
	Throughput Throughput    `json:"throughput"`
	Rates      OverviewRates `json:"rates"`
	Window     float64       `json:"window_seconds"`
	// Failures are the procedure failures by cause since the process
	// started, the most frequent first.
	Failures []FailureCount `json:"failures"`
	Time     time.Time      `json:"time"`
	// Serving says which of the AMF and SMF run in the process serving
	// the API: the figures of one that does not are 0.
	Serving map[string]bool `json:"serving"`
}

// Throughput is the user plane's bit rate over the sampler's window.
type Throughput struct {
	UplinkBps   float64 `json:"uplink_bps"`
	DownlinkBps float64 `json:"downlink_bps"`
}

// OverviewRates are procedures per second over the sampler's window.
type OverviewRates struct {
	Registrations float64 `json:"registrations_per_second"`
	Sessions      float64 `json:"sessions_per_second"`
}

// FailureCount is the number of procedure failures with one cause since
// the process started.
type FailureCount struct {
	Cause string `json:"cause"`
	Count uint64 `json:"count"`
}

func (s *Server) overview(w http.ResponseWriter, _ *http.Request) {
	o := Overview{Time: time.Now().UTC(), Failures: []FailureCount{}, Serving: map[string]bool{
		"amf": s.opts.UEs != nil, "smf": s.opts.Sessions != nil}}
	if s.opts.RAN != nil {
		o.GNBs = len(s.opts.RAN.GNBs())
	}
	if s.opts.UEs != nil {
		if c, ok := s.opts.UEs.(UECounter); ok {
			o.UEs = c.UECounts()
		} else {
			for _, u := range s.opts.UEs.UEs() {
				if u.State != "registered" {
					continue
				}
				o.UEs.Registered++
				if u.CMState == "connected" {
					o.UEs.Connected++
				} else {
					o.UEs.Idle++
				}
			}
		}
	}
	cur := s.opts.Sampler.opts.Read()
	o.Sessions = int(cur.Sessions)
	r := s.opts.Sampler.Rates(cur)
	o.Throughput = Throughput{UplinkBps: r.UplinkBps, DownlinkBps: r.DownlinkBps}
	o.Rates = OverviewRates{Registrations: r.Registrations, Sessions: r.Establishments}
	o.Window = r.Window.Seconds()
	if s.opts.Events != nil {
		for _, c := range s.opts.Events.Counts() {
			o.Failures = append(o.Failures, FailureCount{Cause: c.Cause, Count: c.Count})
		}
	}
	writeJSON(w, http.StatusOK, o)
}
