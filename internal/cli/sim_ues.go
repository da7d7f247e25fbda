package cli

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/netip"
	"sort"
	"sync"
	"time"

	"github.com/keelcore/keel/internal/api"
	"github.com/keelcore/keel/internal/api/client"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/sim/gnb"
	"github.com/keelcore/keel/internal/sim/scenario"
	"github.com/keelcore/keel/internal/sim/ue"
)

// Latency holds percentiles in milliseconds.
type Latency struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
}

// ProcedureStats are one procedure's latency percentiles (milliseconds)
// and how many completed.
type ProcedureStats struct {
	P50   float64 `json:"p50"`
	P95   float64 `json:"p95"`
	P99   float64 `json:"p99"`
	Count int     `json:"count"`
}

// ueRun is what `keel sim --ues` needs to run its UEs.
type ueRun struct {
	count       int
	firstIMSI   uint64 // the MSIN of the first UE
	plmn        ngap.PLMN
	scheme      ue.Scheme
	hnKeyID     uint8
	hnPublic    []byte
	keys        func(i int) (k, opc secret.Key128)
	slice       ngap.SNSSAI
	concurrency int
	// rate paces UE arrivals (UEs per second); 0 starts them as fast
	// as the concurrency allows.
	rate       float64
	timeout    time.Duration
	deregister bool
	// With pdu, each UE establishes PDU session 1 on dnn; with ping
	// valid, it then sends pingCount echo requests to ping.
	pdu       bool
	dnn       string
	ping      netip.Addr
	pingCount int
}

func (r *ueRun) supi(i int) string {
	msinDigits := 15 - len(r.plmn.MCC) - len(r.plmn.MNC)
	return fmt.Sprintf("imsi-%s%s%0*d", r.plmn.MCC, r.plmn.MNC, msinDigits, r.firstIMSI+uint64(i))
}

// ueResults collects what the UEs did.
type ueResults struct {
	mu          sync.Mutex
	sessions    int
	pingSent    int
	pingReplies int
	done        int // UEs finished, well or not
	// procs holds each procedure's latencies.
	procs      map[string][]time.Duration
	registered int
	failed     int
	failures   map[string]int
	latencies  []time.Duration
}

// runUEs registers the UEs over the connected gNBs, at most
// r.concurrency at a time. A UE whose gNB is down runs on the next one
// up; once every gNB is down the UEs not started fail at once
// ("gnb-down"), as do those not started when ctx ends ("cancelled").
func runUEs(ctx context.Context, r *ueRun, gnbs []*gnb.GNB, live chan<- *ueResults) *ueResults {
	res := &ueResults{failures: map[string]int{}, procs: map[string][]time.Duration{}}
	live <- res
	sem := make(chan struct{}, r.concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range r.count {
		g, cause := r.admit(ctx, start, i, gnbs, sem)
		if g == nil {
			res.failN(cause, r.count-i)
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			res.record(r.one(ctx, i, g, res))
		}()
	}
	wg.Wait()
	return res
}

// admit waits until UE i may start: its arrival time at r.rate, then a
// free place among the r.concurrency. It returns the gNB the UE runs on,
// holding the place in sem, or no gNB and the cause the UE fails with.
func (r *ueRun) admit(ctx context.Context, start time.Time, i int, gnbs []*gnb.GNB, sem chan struct{}) (*gnb.GNB, string) {
	var arrival <-chan time.Time
	if r.rate > 0 {
		// Arrivals at r.rate UEs per second: UE i starts at i/rate.
		at := start.Add(time.Duration(float64(i) / r.rate * float64(time.Second)))
		if d := time.Until(at); d > 0 {
			t := time.NewTimer(d)
			defer t.Stop()
			arrival = t.C
		}
	}
	for {
		g := gnbUp(gnbs, i)
		if g == nil {
			return nil, "gnb-down"
		}
		if arrival != nil {
			select {
			case <-arrival:
				arrival = nil
			case <-g.Down():
			case <-ctx.Done():
				return nil, "cancelled"
			}
			continue
		}
		select {
		case sem <- struct{}{}:
			return g, ""
		case <-g.Down():
		case <-ctx.Done():
			return nil, "cancelled"
		}
	}
}

// gnbUp returns UE i's gNB, or the next one whose association is up;
// nil when all are down.
func gnbUp(gnbs []*gnb.GNB, i int) *gnb.GNB {
	for k := range gnbs {
		g := gnbs[(i+k)%len(gnbs)]
		select {
		case <-g.Down():
		default:
			return g
		}
	}
	return nil
}

// newUE builds UE i with its USIM, not yet registered.
func (r *ueRun) newUE(i int) (*ue.UE, error) {
	k, opc := r.keys(i)
	return ue.New(ue.Config{
		SUPI: r.supi(i), MCC: r.plmn.MCC, MNC: r.plmn.MNC, K: k, OPc: opc,
		Scheme: r.scheme, HNKeyID: r.hnKeyID, HNPublic: r.hnPublic,
		SNSSAIs: []ue.SNSSAI{r.ueSlice()},
	})
}

// ueSlice is the UEs' S-NSSAI.
func (r *ueRun) ueSlice() ue.SNSSAI {
	return ue.SNSSAI{SST: r.slice.SST, SD: r.slice.SD, HasSD: r.slice.HasSD}
}

// one registers UE i, and deregisters it when asked.
func (r *ueRun) one(ctx context.Context, i int, g *gnb.GNB, res *ueResults) (time.Duration, error) {
	u, err := r.newUE(i)
	if err != nil {
		return 0, &scenario.Failure{Cause: "ue", Err: err}
	}
	cctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	s, lat, err := scenario.Register(cctx, g, u)
	if err != nil {
		return 0, err
	}
	res.latency("registration", lat)
	res.add(&res.registered, 1)
	if r.pdu {
		_, plat, err := s.EstablishPDUSession(cctx, 1, r.dnn, r.ueSlice())
		if err != nil {
			return 0, err
		}
		res.latency("pdu_session", plat)
		res.add(&res.sessions, 1)
		if r.ping.IsValid() {
			p, err := s.Ping(cctx, 1, r.ping, r.pingCount)
			res.add(&res.pingSent, p.Sent)
			res.add(&res.pingReplies, p.Received)
			if err != nil {
				return 0, &scenario.Failure{Cause: "ping", Err: err}
			}
			if p.Received < p.Sent {
				return 0, &scenario.Failure{Cause: "ping-unanswered"}
			}
		}
	}
	if r.deregister {
		if err := s.Deregister(cctx); err != nil {
			return 0, err
		}
	}
	return lat, nil
}

func (res *ueResults) record(lat time.Duration, err error) {
	res.mu.Lock()
	defer res.mu.Unlock()
	res.done++
	if err != nil {
		res.failed++
		res.failures[scenario.Cause(err)]++
		return
	}
	res.latencies = append(res.latencies, lat)
}

// latency records one procedure's duration.
func (res *ueResults) latency(proc string, d time.Duration) {
	res.mu.Lock()
	res.procs[proc] = append(res.procs[proc], d)
	res.mu.Unlock()
}

// progress returns the figures of the live progress line.
func (res *ueResults) progress() (done, failed int, p50, p99 float64) {
	res.mu.Lock()
	defer res.mu.Unlock()
	l := percentilesOf(res.procs["registration"])
	return res.done, res.failed, l.P50, l.P99
}

// procedures returns each procedure's latency percentiles.
func (res *ueResults) procedures() map[string]ProcedureStats {
	res.mu.Lock()
	defer res.mu.Unlock()
	out := map[string]ProcedureStats{}
	for name, l := range res.procs {
		p := percentilesOf(l)
		out[name] = ProcedureStats{P50: p.P50, P95: p.P95, P99: p.P99, Count: len(l)}
	}
	return out
}

func (res *ueResults) add(n *int, v int) {
	res.mu.Lock()
	*n += v
	res.mu.Unlock()
}

// failN counts n UEs that failed with cause without running.
func (res *ueResults) failN(cause string, n int) {
	res.mu.Lock()
	res.done += n
	res.failed += n
	res.failures[cause] += n
	res.mu.Unlock()
}

// percentiles returns p50/p95/p99 of the latencies in milliseconds
// (nearest rank).
func (res *ueResults) percentiles() Latency {
	res.mu.Lock()
	defer res.mu.Unlock()
	return percentilesOf(res.latencies)
}

// percentilesOf computes nearest-rank percentiles in milliseconds.
func percentilesOf(latencies []time.Duration) Latency {
	l := append([]time.Duration(nil), latencies...)
	if len(l) == 0 {
		return Latency{}
	}
	sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	at := func(p float64) float64 {
		i := int(p*float64(len(l))+0.999999) - 1
		i = max(0, min(i, len(l)-1))
		return float64(l[i].Microseconds()) / 1000
	}
	return Latency{P50: at(0.50), P95: at(0.95), P99: at(0.99)}
}

// ueOptions are the UE flags of `keel sim`.
type ueOptions struct {
	count       int
	plmn        ngap.PLMN
	slice       ngap.SNSSAI
	suci        string
	provision   bool
	imsi        uint64
	k, opc      string
	concurrency int
	timeout     time.Duration
	deregister  bool
	pdu         bool
	dnn         string
	ping        string
	pingCount   int
	rate        float64
}

// prepareUEs checks the UE flags, provisions the subscribers and fetches
// the home network public key when the scheme needs one.
func prepareUEs(ctx context.Context, env Env, apiF *apiFlags, o ueOptions) (*ueRun, error) {
	scheme, err := ue.ParseScheme(o.suci)
	if err != nil {
		return nil, usagef("--suci %q: want null, a or b", o.suci)
	}
	if o.count > 1_000_000 {
		return nil, usagef("--ues %d: at most 1000000", o.count)
	}
	if o.concurrency < 1 {
		return nil, usagef("--concurrency must be at least 1")
	}
	r := &ueRun{count: o.count, firstIMSI: o.imsi, plmn: o.plmn, scheme: scheme, slice: o.slice,
		concurrency: o.concurrency, timeout: o.timeout, deregister: o.deregister,
		pdu: o.pdu || o.ping != "", dnn: o.dnn, pingCount: o.pingCount, rate: o.rate}
	if o.rate < 0 {
		return nil, usagef("--rate must not be negative")
	}
	if o.ping != "" {
		a, err := netip.ParseAddr(o.ping)
		if err != nil || !a.Is4() {
			return nil, usagef("--ping %q: want an IPv4 address", o.ping)
		}
		r.ping = a
		if o.pingCount < 1 {
			return nil, usagef("--ping-count must be at least 1")
		}
	}
	msinDigits := 15 - len(o.plmn.MCC) - len(o.plmn.MNC)
	limit := uint64(1)
	for range msinDigits {
		limit *= 10
	}
	if o.imsi+uint64(o.count) > limit {
		return nil, usagef("--imsi %d plus --ues %d overflows the %d-digit MSIN", o.imsi, o.count, msinDigits)
	}
	// Keys may come from the environment rather than the command line,
	// which the machine's other users can read while the run lasts.
	if o.k == "" {
		o.k = env.Getenv("KEEL_K")
	}
	if o.opc == "" {
		o.opc = env.Getenv("KEEL_OPC")
	}
	if o.provision {
		if o.k != "" || o.opc != "" {
			return nil, usagef("--provision generates keys: leave out --k and --opc ($KEEL_K, $KEEL_OPC)")
		}
		ks := make([][2]secret.Key128, o.count)
		for i := range ks {
			ks[i] = [2]secret.Key128{secret.RandomKey128(), secret.RandomKey128()}
		}
		r.keys = func(i int) (secret.Key128, secret.Key128) { return ks[i][0], ks[i][1] }
	} else {
		k, err1 := secret.ParseKey128(o.k)
		opc, err2 := secret.ParseKey128(o.opc)
		if err1 != nil || err2 != nil {
			return nil, usagef("--ues without --provision needs --k and --opc, or $KEEL_K and $KEEL_OPC (32 hex digits each), matching the subscribers")
		}
		r.keys = func(int) (secret.Key128, secret.Key128) { return k, opc }
	}
	if !o.provision && scheme == ue.SchemeNull {
		return r, nil
	}
	c, err := apiF.client(env)
	if err != nil {
		return nil, err
	}
	if o.provision {
		if err := provision(ctx, c, r); err != nil {
			return nil, fmt.Errorf("sim: provisioning %d subscribers: %w", o.count, err)
		}
	}
	if scheme != ue.SchemeNull {
		if r.hnKeyID, r.hnPublic, err = homeNetworkKey(ctx, c, scheme); err != nil {
			return nil, fmt.Errorf("sim: %w", err)
		}
	}
	return r, nil
}

// provision creates the simulated subscribers through the management
// API, in one import; subscribers left from an earlier run with the same
// SUPIs are replaced.
func provision(ctx context.Context, c *client.Client, r *ueRun) error {
	reqs := make([]api.SubscriberRequest, r.count)
	for i := range reqs {
		k, opc := r.keys(i)
		supi, kh, opch := r.supi(i), k.Hex(), opc.Hex()
		reqs[i] = api.SubscriberRequest{SUPI: &supi, K: &kh, OPc: &opch}
	}
	body, err := json.Marshal(reqs)
	if err != nil {
		return err
	}
	_, err = c.ImportSubscribers(ctx, bytes.NewReader(body), "application/json")
	if !client.IsStatus(err, 409) {
		return err
	}
	for i := range reqs {
		if err := c.DeleteSubscriber(ctx, r.supi(i)); err != nil && !client.IsStatus(err, 404) {
			return err
		}
	}
	_, err = c.ImportSubscribers(ctx, bytes.NewReader(body), "application/json")
	return err
}

// homeNetworkKey fetches the public key of a SUCI protection scheme.
func homeNetworkKey(ctx context.Context, c *client.Client, s ue.Scheme) (uint8, []byte, error) {
	list, err := c.HomeNetworkKeys(ctx)
	if err != nil {
		return 0, nil, fmt.Errorf("reading the home network public keys: %w", err)
	}
	want := map[ue.Scheme]string{ue.SchemeA: "A", ue.SchemeB: "B"}[s]
	for _, k := range list.Keys {
		if k.Scheme == want {
			pub, err := hex.DecodeString(k.Public)
			return k.ID, pub, err
		}
	}
	return 0, nil, fmt.Errorf("the core has no home network key for profile %s", want)
}
