package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// heapMetric is the heap the Go runtime's last collection marked live
// (runtime/metrics /gc/heap/live:bytes), on every process's /metrics.
const heapMetric = "go_gc_heap_live_bytes"

// liveHeap returns the live heap of the core's processes together. A
// process that serves Go profiles (the all-in-one core, which the bench
// runs with http.pprof) is first made to collect its garbage by asking
// for its heap profile with gc=1; the profile is kept as
// dir/heap-<label>.pprof (`go tool pprof -sample_index=inuse_space`).
// The other processes report the heap their last collection marked,
// which leaves out what they allocated since.
func (c *core) liveHeap(ctx context.Context, dir, label string) (uint64, error) {
	hc := &http.Client{Timeout: 30 * time.Second}
	var sum uint64
	for _, p := range c.procs {
		if p.pprof {
			if err := c.collect(ctx, hc, p, filepath.Join(dir, "heap-"+label+".pprof")); err != nil {
				return 0, err
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.api+"/metrics", nil)
		if err != nil {
			return 0, fmt.Errorf("bench: %w", err)
		}
		resp, err := hc.Do(req)
		if err != nil {
			return 0, fmt.Errorf("bench: the %s's metrics: %w", p.name, err)
		}
		v, err := parseGauge(resp.Body, heapMetric)
		resp.Body.Close()
		if err != nil {
			return 0, fmt.Errorf("bench: the %s's metrics: %w", p.name, err)
		}
		sum += uint64(v)
	}
	return sum, nil
}

// collect has process p collect its garbage (GET /debug/pprof/heap?gc=1,
// behind the admin token) and writes the heap profile it answers to
// path.
func (c *core) collect(ctx context.Context, hc *http.Client, p *proc, path string) error {
	tok, err := os.ReadFile(c.tokenFile)
	if err != nil {
		return fmt.Errorf("bench: the core's admin token: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.api+"/debug/pprof/heap?gc=1", nil)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("bench: the %s's heap profile: %w", p.name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("bench: the %s's heap profile: %s", p.name, resp.Status)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	_, err = io.Copy(f, resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("bench: the %s's heap profile: %w", p.name, err)
	}
	return nil
}

// parseGauge returns the value of the sample of name, a metric without
// labels, in r, a Prometheus text exposition.
func parseGauge(r io.Reader, name string) (float64, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		value, ok := strings.CutPrefix(sc.Text(), name+" ")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			return 0, fmt.Errorf("%s %q: %w", name, value, err)
		}
		return v, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no %s", name)
}

// sessionsMetric counts the SMF's PDU sessions by state.
const sessionsMetric = "keel_smf_sessions"

// waitSessionsIdle waits, for at most settleMax, until every PDU session
// of the core's processes is inactive or gone (keel_smf_sessions): the
// simulator's gNBs leaving deactivates each session with an N4
// modification, and at 10,000 UEs some are still in flight (holding
// their calls' and requests' memory) when the core's CPU has settled.
// Past settleMax the heap is read as it is.
func (c *core) waitSessionsIdle(ctx context.Context) {
	hc := &http.Client{Timeout: 5 * time.Second}
	t := time.NewTicker(settleTick)
	defer t.Stop()
	deadline := time.Now().Add(settleMax)
	for time.Now().Before(deadline) {
		busy := 0.0
		for _, p := range c.procs {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.api+"/metrics", nil)
			if err != nil {
				return
			}
			resp, err := hc.Do(req)
			if err != nil {
				return
			}
			n, err := parseBusySessions(resp.Body)
			resp.Body.Close()
			if err != nil {
				return
			}
			busy += n
		}
		if busy == 0 {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// parseBusySessions sums the samples of keel_smf_sessions in r whose
// state is not inactive.
func parseBusySessions(r io.Reader) (float64, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	sum := 0.0
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), sessionsMetric+"{")
		if !ok {
			continue
		}
		labels, value, ok := strings.Cut(rest, "} ")
		if !ok {
			return 0, fmt.Errorf("malformed sample %q", sc.Text())
		}
		if strings.Contains(labels, `state="inactive"`) {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			return 0, fmt.Errorf("%s %q: %w", sessionsMetric, value, err)
		}
		sum += v
	}
	return sum, sc.Err()
}
