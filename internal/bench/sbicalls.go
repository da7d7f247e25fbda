package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// servedMetric is the counter every SBI server of a split process keeps
// (internal/sbihttp ServerMetrics): requests answered by service name and
// HTTP status.
const servedMetric = "keel_sbi_requests_served_total"

// sbiServed is what the processes of a core served over the SBI, summed
// over its processes: requests answered by service name.
type sbiServed map[string]float64

// served reads keel_sbi_requests_served_total from every process's
// /metrics and sums it by service over the statuses and the processes.
func (c *core) served(ctx context.Context) (sbiServed, error) {
	hc := &http.Client{Timeout: 5 * time.Second}
	sum := sbiServed{}
	for _, p := range c.procs {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.api+"/metrics", nil)
		if err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
		resp, err := hc.Do(req)
		if err != nil {
			return nil, fmt.Errorf("bench: the %s's metrics: %w", p.name, err)
		}
		err = parseServed(resp.Body, sum)
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("bench: the %s's metrics: %w", p.name, err)
		}
	}
	return sum, nil
}

// parseServed adds the samples of keel_sbi_requests_served_total in r, a
// Prometheus text exposition, to sum by their service label.
func parseServed(r io.Reader, sum sbiServed) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, servedMetric+"{")
		if !ok {
			continue
		}
		labels, value, ok := strings.Cut(rest, "} ")
		if !ok {
			return fmt.Errorf("malformed sample %q", line)
		}
		service := ""
		for l := range strings.SplitSeq(labels, ",") {
			if v, ok := strings.CutPrefix(l, `service="`); ok {
				service = strings.TrimSuffix(v, `"`)
			}
		}
		if service == "" {
			return fmt.Errorf("sample without a service: %q", line)
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			return fmt.Errorf("sample %q: %w", line, err)
		}
		sum[service] += v
	}
	return sc.Err()
}

// perUE is the growth from before to s divided by n: the calls per UE of
// each service that served any.
func (s sbiServed) perUE(before sbiServed, n int) map[string]float64 {
	if n <= 0 {
		return nil
	}
	out := map[string]float64{}
	for k, v := range s {
		if d := v - before[k]; d > 0 {
			out[k] = d / float64(n)
		}
	}
	return out
}
