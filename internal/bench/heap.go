package bench

import (
	"bufio"
	"bytes"
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
// (runtime/metrics /gc/heap/live:bytes), on every process's /metrics;
// idleMetric the heap spans holding no object, releasedMetric those of
// them returned to the operating system.
const (
	heapMetric     = "go_gc_heap_live_bytes"
	idleMetric     = "go_memstats_heap_idle_bytes"
	releasedMetric = "go_memstats_heap_released_bytes"
)

// memSample is the core's memory at one moment, its processes together:
// the live heap, the free heap the runtime keeps resident (idle spans
// not yet returned to the operating system: what debug.FreeOSMemory
// would give back at once, and the runtime's background scavenger gives
// back over minutes), and the resident set.
type memSample struct {
	live, free, rss uint64
}

// memory has the core collect its garbage (liveHeap) and reads its
// memory right after.
func (c *core) memory(ctx context.Context, dir, label string) (memSample, error) {
	m, err := c.liveHeap(ctx, dir, label)
	if err != nil {
		return memSample{}, err
	}
	u, err := c.usage()
	if err != nil {
		return memSample{}, err
	}
	m.rss = u.RSS
	return m, nil
}

// liveHeap returns the live heap of the core's processes together, and
// their free heap (memSample). A
// process that serves Go profiles (the all-in-one core, which the bench
// runs with http.pprof) is first made to collect its garbage by asking
// for its heap profile with gc=1; the profile is kept as
// dir/heap-<label>.pprof (`go tool pprof -sample_index=inuse_space`),
// and the metrics read after it as dir/metrics-<label>.txt.
// The other processes report the heap their last collection marked,
// which leaves out what they allocated since.
func (c *core) liveHeap(ctx context.Context, dir, label string) (memSample, error) {
	hc := &http.Client{Timeout: c.waitFor(30 * time.Second)}
	var sum memSample
	for _, p := range c.procs {
		if p.pprof {
			if err := c.collect(ctx, hc, p, filepath.Join(dir, "heap-"+label+".pprof")); err != nil {
				return memSample{}, err
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.api+"/metrics", nil)
		if err != nil {
			return memSample{}, fmt.Errorf("bench: %w", err)
		}
		resp, err := hc.Do(req)
		if err != nil {
			return memSample{}, fmt.Errorf("bench: the %s's metrics: %w", p.name, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return memSample{}, fmt.Errorf("bench: the %s's metrics: %w", p.name, err)
		}
		if p.pprof {
			// Kept beside the profile: the runtime's memory classes
			// (go_memstats_*) say where the resident set goes.
			if err := os.WriteFile(filepath.Join(dir, "metrics-"+label+".txt"), body, 0o600); err != nil {
				return memSample{}, fmt.Errorf("bench: %w", err)
			}
		}
		v, err := parseGauges(bytes.NewReader(body), heapMetric, idleMetric, releasedMetric)
		if err != nil {
			return memSample{}, fmt.Errorf("bench: the %s's metrics: %w", p.name, err)
		}
		sum.live += uint64(v[0])
		if v[1] > v[2] {
			sum.free += uint64(v[1] - v[2])
		}
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
	v, err := parseGauges(r, name)
	if err != nil {
		return 0, err
	}
	return v[0], nil
}

// parseGauges returns the values of the samples of names, metrics
// without labels, in r, in the order of names.
func parseGauges(r io.Reader, names ...string) ([]float64, error) {
	out := make([]float64, len(names))
	found := make([]bool, len(names))
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		for i, name := range names {
			value, ok := strings.CutPrefix(sc.Text(), name+" ")
			if !ok || found[i] {
				continue
			}
			v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
			if err != nil {
				return nil, fmt.Errorf("%s %q: %w", name, value, err)
			}
			out[i], found[i] = v, true
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for i, name := range names {
		if !found[i] {
			return nil, fmt.Errorf("no %s", name)
		}
	}
	return out, nil
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
	hc := &http.Client{Timeout: c.waitFor(5 * time.Second)}
	t := time.NewTicker(settleTick)
	defer t.Stop()
	deadline := time.Now().Add(c.waitFor(settleMax))
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
