package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/keelcore/keel/internal/sctp"
	"github.com/keelcore/keel/internal/sim/churn"
	"github.com/keelcore/keel/internal/sim/gnb"
)

// ChurnSummary is what `keel sim --churn --json` prints.
type ChurnSummary struct {
	GNBs      int     `json:"gnbs"`
	UEs       int     `json:"ues"`
	DurationS float64 `json:"duration_s"`
	SCTP      string  `json:"sctp"`
	churn.Summary
	// Core holds the core's own figures from its /metrics, when the
	// management API answered.
	Core *CoreFigures `json:"core,omitempty"`
}

// CoreFigures are the core's figures over a churn run: before it, every
// coreSampleEvery during it, at their highest, and after it once its
// associations are gone.
type CoreFigures struct {
	Start   CoreSample   `json:"start"`
	Samples []CoreSample `json:"samples"`
	Max     CoreSample   `json:"max"`
	End     CoreSample   `json:"end"`
}

// CoreSample is one reading of the core's /metrics.
type CoreSample struct {
	// AtS is when it was read, in seconds from the start of the run
	// (none for the highest figures, read at different times).
	AtS            float64 `json:"at_s,omitempty"`
	Goroutines     float64 `json:"goroutines"`
	ResidentBytes  float64 `json:"resident_bytes"`
	HeapInuseBytes float64 `json:"heap_inuse_bytes"`
	// Panics is keel_panics_total, all components together.
	Panics float64 `json:"panics"`
}

// coreSampleEvery is how often a churn run reads the core's /metrics;
// a run shorter than four times that reads them four times.
const coreSampleEvery = 30 * time.Second

// coreSettle bounds the wait, after a run, for the core's goroutine
// count to come back to where it started.
const coreSettle = 15 * time.Second

// churnRun is what `keel sim --churn` needs.
type churnRun struct {
	tr             sctp.Transport
	amfs           []netip.AddrPort
	gnbs           int
	gnbConfig      func(i int) gnb.Config
	ues            *ueRun
	duration       time.Duration
	reconnectEvery time.Duration
	timeout        time.Duration
	api            string
	json           bool
	log            *slog.Logger
}

func runChurn(ctx context.Context, env Env, c churnRun) error {
	cfg := churn.Config{
		Transport: c.tr, AMFs: c.amfs, UEs: c.ues.count, NewUE: c.ues.newUE,
		PDU: c.ues.pdu, DNN: c.ues.dnn, Slice: c.ues.slice, Ping: c.ues.ping, PingCount: c.ues.pingCount,
		Duration: c.duration, ReconnectEvery: c.reconnectEvery, Timeout: c.timeout, Log: c.log,
	}
	for i := range c.gnbs {
		cfg.GNBs = append(cfg.GNBs, c.gnbConfig(i))
	}
	metrics := strings.TrimSuffix(c.api, "/") + "/metrics"
	began := time.Now()
	start, coreErr := sampleCore(ctx, metrics, began)
	var (
		figures *CoreFigures
		wg      sync.WaitGroup
		stop    = make(chan struct{})
	)
	if coreErr == nil {
		figures = &CoreFigures{Start: start, Max: start}
		wg.Add(1)
		go func() {
			defer wg.Done()
			watchCore(ctx, metrics, figures, began, min(coreSampleEvery, max(c.duration/4, time.Second)), stop)
		}()
	} else {
		fmt.Fprintf(env.Stderr, "keel: sim: the core's /metrics (%s) is not readable, no core figures: %v\n", metrics, coreErr)
	}
	sum, err := churn.Run(ctx, cfg)
	close(stop)
	wg.Wait()
	if err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	out := ChurnSummary{GNBs: c.gnbs, UEs: c.ues.count, DurationS: time.Since(began).Seconds(), SCTP: c.tr.Name(), Summary: sum, Core: figures}
	if figures != nil {
		figures.End = settleCore(ctx, metrics, start, began)
		figures.Max = maxSample(figures.Max, figures.End)
	}
	if c.json {
		if err := printJSON(env.Stdout, out); err != nil {
			return err
		}
	} else {
		printChurn(env.Stdout, out)
	}
	var problems []string
	if n := sum.Unexpected(); n > 0 {
		problems = append(problems, fmt.Sprintf("%d unexpected failures", n))
	}
	if figures != nil && figures.End.Panics > figures.Start.Panics {
		problems = append(problems, fmt.Sprintf("%.0f panics in the core", figures.End.Panics-figures.Start.Panics))
	}
	if sum.Cycles == 0 {
		problems = append(problems, "no cycle completed")
	}
	if len(problems) > 0 {
		return fmt.Errorf("sim: churn: %s", strings.Join(problems, ", "))
	}
	return nil
}

// watchCore samples the core into f every interval until stop.
func watchCore(ctx context.Context, metrics string, f *CoreFigures, began time.Time, interval time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-t.C:
			if s, err := sampleCore(ctx, metrics, began); err == nil {
				f.Samples = append(f.Samples, s)
				f.Max = maxSample(f.Max, s)
			}
		}
	}
}

// settleCore reads the core's figures after a run, waiting up to
// coreSettle for its goroutine count to come back to start's (the
// associations and UE contexts of the run wind down), and returns the
// last reading.
func settleCore(ctx context.Context, metrics string, start CoreSample, began time.Time) CoreSample {
	var last CoreSample
	for deadline := time.Now().Add(coreSettle); ; {
		s, err := sampleCore(ctx, metrics, began)
		if err == nil {
			last = s
			if s.Goroutines <= start.Goroutines {
				return s
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return last
		}
		pause(ctx, 250*time.Millisecond)
	}
}

func pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

func maxSample(a, b CoreSample) CoreSample {
	return CoreSample{
		Goroutines:     max(a.Goroutines, b.Goroutines),
		ResidentBytes:  max(a.ResidentBytes, b.ResidentBytes),
		HeapInuseBytes: max(a.HeapInuseBytes, b.HeapInuseBytes),
		Panics:         max(a.Panics, b.Panics),
	}
}

// sampleCore reads the core's /metrics (no token needed).
func sampleCore(ctx context.Context, url string, began time.Time) (CoreSample, error) {
	at := time.Since(began).Seconds()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return CoreSample{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return CoreSample{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return CoreSample{}, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	sums, err := sumSeries(resp.Body)
	if err != nil {
		return CoreSample{}, err
	}
	return CoreSample{
		AtS:            at,
		Goroutines:     sums["go_goroutines"],
		ResidentBytes:  sums["process_resident_memory_bytes"],
		HeapInuseBytes: sums["go_memstats_heap_inuse_bytes"],
		Panics:         sums["keel_panics_total"],
	}, nil
}

// sumSeries reads the Prometheus text format and sums each metric's
// series over their labels.
func sumSeries(r io.Reader) (map[string]float64, error) {
	sums := map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		name, rest, _ := strings.Cut(line, " ")
		if i := strings.IndexByte(line, '{'); i >= 0 && i < len(name) {
			name = line[:i]
			rest = line[strings.LastIndexByte(line, '}')+1:]
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			continue
		}
		sums[name] += v
	}
	return sums, sc.Err()
}

func printChurn(w io.Writer, s ChurnSummary) {
	fmt.Fprintf(w, "churn %.0f s, %d gNBs, %d UEs over %s SCTP: %d cycles, %d reconnects\n",
		s.DurationS, s.GNBs, s.UEs, s.SCTP, s.Cycles, s.Reconnects)
	fmt.Fprintf(w, "registrations %d, PDU sessions %d, ping replies %d of %d, deregistrations %d\n",
		s.Registrations, s.Sessions, s.PingReplies, s.PingSent, s.Deregistrations)
	fmt.Fprintf(w, "interrupted by a gNB drop (retried): %d, unfinished at the end: %d, unexpected failures: %d\n",
		total(s.Interrupted), s.Unfinished, s.Unexpected())
	for _, kind := range []struct {
		name string
		m    map[string]int
	}{{"unexpected", s.Failures}, {"interrupted", s.Interrupted}, {"reconnect wait", s.ReconnectWaits}} {
		causes := make([]string, 0, len(kind.m))
		for c := range kind.m {
			causes = append(causes, c)
		}
		sort.Strings(causes)
		for _, c := range causes {
			fmt.Fprintf(w, "  %6d  %s %s\n", kind.m[c], kind.name, c)
		}
	}
	if c := s.Core; c != nil {
		fmt.Fprintf(w, "core: goroutines %.0f -> %.0f (max %.0f), resident MiB %.1f -> %.1f (max %.1f), panics %.0f\n",
			c.Start.Goroutines, c.End.Goroutines, c.Max.Goroutines,
			c.Start.ResidentBytes/(1<<20), c.End.ResidentBytes/(1<<20), c.Max.ResidentBytes/(1<<20), c.End.Panics-c.Start.Panics)
	}
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
