package api

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Counters are the cumulative counts and current levels the overview
// reads: the network functions' own metrics, whatever of them the
// process runs.
type Counters struct {
	// Registrations counts the registrations accepted
	// (keel_amf_procedures_total{procedure="registration",result="accepted"}).
	Registrations float64
	// Establishments counts the PDU session establishments accepted
	// (keel_smf_pdu_session_establishments_total{result="accepted"}).
	Establishments float64
	// UplinkBytes and DownlinkBytes count the user plane's octets
	// (keel_upf_datapath_bytes_total by direction).
	UplinkBytes, DownlinkBytes float64
	// Sessions is the number of PDU sessions the SMF holds, in any state
	// (keel_smf_sessions).
	Sessions float64
}

// GatheredCounters returns a reader of Counters from the metrics g
// gathers (the process's registry).
func GatheredCounters(g prometheus.Gatherer) func() Counters {
	return func() Counters {
		var c Counters
		families, _ := g.Gather() // a partial gather still has what it could collect
		for _, f := range families {
			switch f.GetName() {
			case "keel_amf_procedures_total":
				c.Registrations = sumWhere(f, "procedure", "registration", "result", "accepted")
			case "keel_smf_pdu_session_establishments_total":
				c.Establishments = sumWhere(f, "result", "accepted")
			case "keel_upf_datapath_bytes_total":
				c.UplinkBytes = sumWhere(f, "direction", "uplink")
				c.DownlinkBytes = sumWhere(f, "direction", "downlink")
			case "keel_smf_sessions":
				c.Sessions = sumWhere(f)
			}
		}
		return c
	}
}

// sumWhere sums the series of f whose labels have the given name/value
// pairs.
func sumWhere(f *dto.MetricFamily, pairs ...string) float64 {
	var sum float64
	for _, m := range f.GetMetric() {
		match := true
		for i := 0; i+1 < len(pairs) && match; i += 2 {
			match = false
			for _, l := range m.GetLabel() {
				if l.GetName() == pairs[i] && l.GetValue() == pairs[i+1] {
					match = true
					break
				}
			}
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		}
	}
	return sum
}

// Rates are per-second rates over the sampler's window.
type Rates struct {
	Registrations  float64
	Establishments float64
	UplinkBps      float64
	DownlinkBps    float64
	// Window is the time the rates are over; 0 before a first sample.
	Window time.Duration
}

// SamplerOptions configure a Sampler.
type SamplerOptions struct {
	// Read returns the counters now.
	Read func() Counters
	// Every is the sampling period (0: 2 s).
	Every time.Duration
	// Window is how far back rates look (0: 10 s).
	Window time.Duration
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// A Sampler keeps the counters of the last Window, sampled every Every,
// for the overview's rates: registrations and PDU sessions per second,
// user plane throughput.
//
// Concurrency: Run samples on the goroutine of its caller, which owns it
// and ends it by cancelling its context; Sample and Rates may be called
// from any goroutine (one mutex guards the samples).
type Sampler struct {
	opts SamplerOptions

	mu      sync.Mutex // guards samples
	samples []sample   // oldest first, spanning at most Window plus one period
}

type sample struct {
	at time.Time
	c  Counters
}

// NewSampler returns a Sampler that has no sample yet.
func NewSampler(opts SamplerOptions) *Sampler {
	if opts.Every <= 0 {
		opts.Every = 2 * time.Second
	}
	if opts.Window <= 0 {
		opts.Window = 10 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Sampler{opts: opts}
}

// Run samples every period until ctx is done.
func (s *Sampler) Run(ctx context.Context) {
	t := time.NewTicker(s.opts.Every)
	defer t.Stop()
	s.Sample()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.Sample()
		}
	}
}

// Sample reads the counters now and keeps them, dropping the samples
// older than the window needs.
func (s *Sampler) Sample() {
	c := s.opts.Read()
	now := s.opts.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.samples = append(s.samples, sample{now, c})
	// Keep the newest sample at least Window old, as the rates' base.
	cut := 0
	for cut+1 < len(s.samples) && !s.samples[cut+1].at.After(now.Add(-s.opts.Window)) {
		cut++
	}
	s.samples = append(s.samples[:0], s.samples[cut:]...)
}

// Rates returns the rates from the oldest sample within the window (or
// the oldest kept, if none is that old yet) to cur, read now.
func (s *Sampler) Rates(cur Counters) Rates {
	now := s.opts.Now()
	s.mu.Lock()
	var base sample
	var ok bool
	for _, x := range s.samples {
		if now.Sub(x.at) <= s.opts.Window+s.opts.Every {
			base, ok = x, true
			break
		}
	}
	s.mu.Unlock()
	d := now.Sub(base.at)
	if !ok || d <= 0 {
		return Rates{}
	}
	per := func(a, b float64) float64 { return max(0, b-a) / d.Seconds() }
	return Rates{
		Registrations:  per(base.c.Registrations, cur.Registrations),
		Establishments: per(base.c.Establishments, cur.Establishments),
		UplinkBps:      8 * per(base.c.UplinkBytes, cur.UplinkBytes),
		DownlinkBps:    8 * per(base.c.DownlinkBytes, cur.DownlinkBytes),
		Window:         d,
	}
}
