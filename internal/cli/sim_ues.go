package cli

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"sync"
	"time"

	"github.com/keelcore/keel/internal/api"
	"github.com/keelcore/keel/internal/api/client"
	"github.com/keelcore/keel/internal/bench"
	"github.com/keelcore/keel/internal/ident"
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
	count     int
	firstIMSI uint64 // the MSIN of the first UE
	plmn      ident.PLMN
	scheme    ue.Scheme
	hnKeyID   uint8
	hnPublic  []byte
	keys      func(i int) (k, opc secret.Key128)
	slice     ident.SNSSAI
	// requested is the UEs' Requested NSSAI (--request-nssai); empty,
	// they request none.
	requested   []ident.SNSSAI
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
	// pduType is the PDU session type the UEs request (ue.PDUTypeIPv4
	// ...); a session with IPv6 waits for the Router Advertisement.
	pduType uint8
	// qos, when set (--qos-flow), is the QoS flow each UE asks for once
	// its session is up, then sends traffic in at twice its MFBR to the
	// filter's address and port.
	qos *ue.FlowRequest
	// qosFor is how long each UE sends in that flow (--qos-flow-duration);
	// with defaultFlow it sends the same in its default flow meanwhile.
	qosFor      time.Duration
	defaultFlow bool
	// With idle, each UE is released for user inactivity after its
	// registration and sends a Service Request; with paging, each idle
	// UE is paged for downlink dn sends it.
	idle   bool
	paging bool
	dn     *scenario.DataNetwork
	// handover, "xn" or "n2", moves each UE with its session to the next
	// gNB after its registration pass, pinging again there.
	handover string
	// handoverTraffic is how many datagrams dn sends each UE around its
	// handover.
	handoverTraffic int
	// api reads the core's sessions, to start the paging pass once the
	// UEs' user planes are deactivated; nil without API access.
	api *client.Client
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
	// routerAdverts counts the sessions whose UE got its Router
	// Advertisement.
	routerAdverts int
	// qosFlows counts the QoS flows the UEs added (--qos-flow),
	// qosPackets the datagrams they sent in them.
	qosFlows, qosPackets int
	// defaultPackets: the datagrams sent alongside in the default flow.
	defaultPackets int
	// serviceRequests counts the accepted Service Requests, UE- and
	// network-triggered; pagings the UEs the gNB was paged for.
	serviceRequests int
	pagings         int
	// handovers counts the UEs moved to another gNB; hoSent the
	// datagrams sent to them around their handovers.
	handovers, hoSent int
	// configurationUpdates counts the CONFIGURATION UPDATE COMMANDs the
	// UEs processed.
	configurationUpdates int
	// phase is the pass under way, done the UEs it finished, well or
	// not; elapsed is how long each pass took.
	phase   string
	done    int
	elapsed map[string]time.Duration
	// procs holds each procedure's latencies.
	procs      map[string][]time.Duration
	registered int
	failed     int
	// allowedNSSAI counts the registered UEs by their allowed NSSAI.
	allowedNSSAI map[string]int
	// bad marks the UEs that failed: the later passes skip them.
	bad       []bool
	failures  map[string]int
	latencies []time.Duration
}

// Passes of a run, and the names of their procedures in the summary:
// those keel bench reads back.
const (
	passRegistration = bench.ProcRegistration
	passService      = bench.ProcServiceRequest
	passPaging       = bench.ProcPaging
	passXnHandover   = bench.ProcXnHandover
	passN2Handover   = bench.ProcN2Handover
)

// runUEs runs the UEs over the connected gNBs in passes, at most
// r.concurrency at a time: every UE registers (with its PDU session and
// ping when asked, and is released to idle with --idle or --paging);
// with --idle every UE then sends a Service Request (and pings, and is
// released again when --paging follows); with --paging every UE, idle,
// is paged for downlink sent to it; with
// --deregister each UE deregisters at the end of the last pass. A pass
// starts once the previous one ended, so each measures its procedure
// alone; a UE that failed sits the later passes out. A UE whose gNB is
// down registers on the next one up; once every gNB is down the UEs not
// started fail at once ("gnb-down"), as do those not started when ctx
// ends ("cancelled").
func runUEs(ctx context.Context, r *ueRun, gnbs []*gnb.GNB, live chan<- *ueResults) *ueResults {
	res := &ueResults{failures: map[string]int{}, procs: map[string][]time.Duration{}, allowedNSSAI: map[string]int{},
		elapsed: map[string]time.Duration{}, bad: make([]bool, r.count)}
	live <- res
	sessions := make([]*scenario.Session, r.count)
	type pass struct {
		phase string
		step  func(ctx context.Context, i int, g *gnb.GNB) error
	}
	passes := []pass{{passRegistration, func(ctx context.Context, i int, g *gnb.GNB) error {
		s, err := r.register(ctx, i, g, res)
		sessions[i] = s
		return err
	}}}
	switch r.handover {
	case "xn":
		passes = append(passes, pass{passXnHandover, func(ctx context.Context, i int, _ *gnb.GNB) error {
			return r.xnHandover(ctx, sessions[i], gnbs, res)
		}})
	case "n2":
		passes = append(passes, pass{passN2Handover, func(ctx context.Context, i int, _ *gnb.GNB) error {
			return r.xnHandover(ctx, sessions[i], gnbs, res)
		}})
	}
	if r.idle {
		passes = append(passes, pass{passService, func(ctx context.Context, i int, _ *gnb.GNB) error {
			return r.serviceRequest(ctx, sessions[i], res)
		}})
	}
	if r.paging {
		passes = append(passes, pass{passPaging, func(ctx context.Context, i int, _ *gnb.GNB) error {
			return r.page(ctx, i, sessions[i], res)
		}})
	}
	for k, p := range passes {
		if p.phase == passPaging {
			r.waitDeactivated(ctx)
		}
		step := p.step
		if r.deregister && k == len(passes)-1 {
			step = func(ctx context.Context, i int, g *gnb.GNB) error {
				if err := p.step(ctx, i, g); err != nil {
					return err
				}
				return sessions[i].Deregister(ctx)
			}
		}
		r.pass(ctx, res, gnbs, p.phase, step)
	}
	for _, s := range sessions {
		if s != nil {
			res.add(&res.configurationUpdates, s.UE.ConfigurationUpdates())
		}
	}
	return res
}

// deactivationPoll is how often waitDeactivated asks the core.
const deactivationPoll = 20 * time.Millisecond

// waitDeactivated waits, at most r.timeout, until the core's management
// API shows every PDU session of the run's UEs with its user plane
// DEACTIVATED — not merely none ACTIVATED: a session whose setup the SMF
// has not finished yet is ACTIVATING, and becomes ACTIVATED (then
// DEACTIVATED) only later.
// The AN release completes at the SMF after the UE Context Release
// Complete (TS 23.502 §4.2.6): until the UPF buffers, downlink for the
// UE still goes to the released tunnel and is lost, on a real network
// too, and the paging pass would count that against the core. Without
// API access, or when the API does not answer, the pass starts at once.
func (r *ueRun) waitDeactivated(ctx context.Context) {
	if r.api == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	first, last := r.supi(0), r.supi(r.count-1)
	for {
		var list api.SessionList
		if err := r.api.Get(ctx, "/api/v1/sessions", &list); err != nil {
			return
		}
		active := false
		for _, x := range list.Sessions {
			if x.SUPI >= first && x.SUPI <= last && x.UpCnxState != "DEACTIVATED" {
				active = true
				break
			}
		}
		if !active {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(deactivationPoll):
		}
	}
}

// pass runs step for every UE that has not failed, each with r.timeout,
// arriving at r.rate and at most r.concurrency at a time.
func (r *ueRun) pass(ctx context.Context, res *ueResults, gnbs []*gnb.GNB, phase string, step func(ctx context.Context, i int, g *gnb.GNB) error) {
	todo := res.startPass(phase)
	sem := make(chan struct{}, r.concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for k, i := range todo {
		g, cause := r.admit(ctx, start, k, i, gnbs, sem)
		if g == nil {
			res.failAll(todo[k:], cause)
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			cctx, cancel := context.WithTimeout(ctx, r.timeout)
			defer cancel()
			res.finish(i, step(cctx, i, g))
		}()
	}
	wg.Wait()
	res.endPass(phase, time.Since(start))
}

// admit waits until the k-th UE of a pass, UE i, may start: its arrival
// time at r.rate, then a free place among the r.concurrency. It returns
// the gNB UE i registers on, holding the place in sem, or no gNB and the
// cause the UE fails with.
func (r *ueRun) admit(ctx context.Context, start time.Time, k, i int, gnbs []*gnb.GNB, sem chan struct{}) (*gnb.GNB, string) {
	var arrival <-chan time.Time
	if r.rate > 0 {
		// Arrivals at r.rate UEs per second: the k-th starts at k/rate.
		at := start.Add(time.Duration(float64(k) / r.rate * float64(time.Second)))
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
		SNSSAIs: r.requested,
		// TS 24.501 §5.5.1.2.2: a UE that opens a PDU session right after
		// registering asks the network to keep the connection.
		FollowOnRequest: r.pdu,
	})
}

// register registers UE i, with its PDU session when asked, and pings
// (now, unless it pings after its Service Request with --idle); with
// --idle or --paging the gNB then releases it for user inactivity.
func (r *ueRun) register(ctx context.Context, i int, g *gnb.GNB, res *ueResults) (*scenario.Session, error) {
	u, err := r.newUE(i)
	if err != nil {
		return nil, &scenario.Failure{Cause: "ue", Err: err}
	}
	s, lat, err := scenario.Register(ctx, g, u)
	if err != nil {
		return nil, err
	}
	res.latency(passRegistration, lat)
	res.mu.Lock()
	res.registered++
	res.allowedNSSAI[nssaiText(u.AllowedNSSAI())]++
	res.latencies = append(res.latencies, lat)
	res.mu.Unlock()
	if r.pdu {
		sess, plat, err := s.EstablishPDUSessionType(ctx, 1, r.dnn, r.slice, r.pduType)
		if err != nil {
			return s, err
		}
		res.latency(bench.ProcPDUSession, plat)
		res.add(&res.sessions, 1)
		if sess.Type == ue.PDUTypeIPv6 || sess.Type == ue.PDUTypeIPv4v6 {
			// TS 23.501 §5.8.2.2.3: the prefix comes in the network's
			// Router Advertisement.
			if _, err := s.AwaitRouterAdvertisement(ctx, 1); err != nil {
				return s, err
			}
			res.add(&res.routerAdverts, 1)
		}
		if !r.idle {
			if err := r.pings(ctx, s, res); err != nil {
				return s, err
			}
		}
		if err := r.qosFlow(ctx, s, res); err != nil {
			return s, err
		}
	}
	if r.idle || r.paging {
		// TS 38.413 §8.3.2: the gNB asks for the release (user
		// inactivity); the UE keeps its sessions and 5G-GUTI.
		if err := s.Release(ctx); err != nil {
			return s, err
		}
	}
	return s, nil
}

// serviceRequest has the idle UE send a Service Request: for data on its
// PDU session with --pdu, else for signalling; then it pings. With
// --paging to come, the gNB releases it again, so that its user plane is
// deactivated well before the paging pass sends it downlink.
func (r *ueRun) serviceRequest(ctx context.Context, s *scenario.Session, res *ueResults) error {
	t, ul := ue.ServiceSignalling, []uint8(nil)
	if r.pdu {
		t, ul = ue.ServiceData, []uint8{1}
	}
	lat, err := s.ServiceRequest(ctx, t, ul...)
	if err != nil {
		return err
	}
	res.latency(passService, lat)
	res.add(&res.serviceRequests, 1)
	if err := r.pings(ctx, s, res); err != nil {
		return err
	}
	if r.paging {
		return s.Release(ctx)
	}
	return nil
}

// page sends downlink to idle UE i from the data network and has it
// answer the paging and receive it.
func (r *ueRun) page(ctx context.Context, i int, s *scenario.Session, res *ueResults) error {
	payload := fmt.Appendf(nil, "keel sim downlink to %s", r.supi(i))
	var to netip.Addr
	p, err := s.Paging(ctx, 1, func(sess ue.PDUSession) error {
		to = sess.IPv4
		return r.dn.Send(to, payload)
	}, func(pkt []byte) bool { return scenario.MatchUDP(pkt, to, payload) })
	if p.Paged {
		res.add(&res.pagings, 1)
	}
	if p.ServiceRequest > 0 {
		res.latency(passService, p.ServiceRequest)
		res.add(&res.serviceRequests, 1)
	}
	if err != nil {
		return err
	}
	res.latency(passPaging, p.Delivery)
	return nil
}

// xnHandover moves the UE of s, connected with its session, to the gNB
// after its own (i+1 mod gNBs) with an Xn handover, or an N2 handover
// with --handover n2, then pings there.
func (r *ueRun) xnHandover(ctx context.Context, s *scenario.Session, gnbs []*gnb.GNB, res *ueResults) error {
	k := 0
	for j, g := range gnbs {
		if g == s.GNB {
			k = j
		}
	}
	target := gnbs[(k+1)%len(gnbs)]
	var traffic sync.WaitGroup
	if r.handoverTraffic > 0 {
		// Downlink flowing through the handover: a datagram every
		// millisecond, the handover starting after the first few.
		sess, ok := s.UE.PDUSession(1)
		if !ok || !sess.IPv4.IsValid() {
			return &scenario.Failure{Cause: "no-session"}
		}
		started := make(chan struct{})
		traffic.Go(func() {
			t := time.NewTicker(time.Millisecond)
			defer t.Stop()
			for n := range r.handoverTraffic {
				if n == min(3, r.handoverTraffic-1) {
					close(started)
				}
				if r.dn.Send(sess.IPv4, []byte("keel sim handover downlink")) == nil {
					res.add(&res.hoSent, 1)
				}
				<-t.C
			}
		})
		<-started
	}
	proc, handover := passXnHandover, s.XnHandover
	if r.handover == "n2" {
		proc, handover = passN2Handover, s.N2Handover
	}
	lat, err := handover(ctx, target)
	traffic.Wait()
	if err != nil {
		return err
	}
	res.latency(proc, lat)
	res.add(&res.handovers, 1)
	return r.pings(ctx, s, res)
}

// qosFlowPacket is the size of the datagrams each UE sends in the flow
// of --qos-flow; defaultFlowPort is where --default-flow-traffic sends,
// outside the flow's packet filter.
const (
	qosFlowPacket   = 200
	defaultFlowPort = qosFlowPort + 1
)

// qosFlow has the UE ask for the QoS flow of --qos-flow (UE-requested
// PDU session modification, TS 24.501 §6.4.2), then send UDP traffic in
// it at twice its MFBR, which the UPF polices at the MFBR.
func (r *ueRun) qosFlow(ctx context.Context, s *scenario.Session, res *ueResults) error {
	if r.qos == nil {
		return nil
	}
	qfi, lat, err := s.RequestQoSFlow(ctx, 1, *r.qos)
	if err != nil {
		return err
	}
	res.latency(bench.ProcPDUSessionModification, lat)
	res.add(&res.qosFlows, 1)
	dst := netip.AddrPortFrom(r.qos.Remote.Addr(), r.qos.RemotePort)
	var other sync.WaitGroup
	var otherErr error
	if r.defaultFlow {
		b, ok := s.Conn.Session(1)
		if !ok {
			return &scenario.Failure{Cause: "no-session"}
		}
		other.Add(1)
		go func() {
			defer other.Done()
			var n int
			n, otherErr = s.FlowTraffic(ctx, 1, b.QFI, netip.AddrPortFrom(dst.Addr(), defaultFlowPort), qosFlowPacket, 2*r.qos.MFBR, r.qosFor)
			res.add(&res.defaultPackets, n)
		}()
	}
	n, err := s.FlowTraffic(ctx, 1, qfi, dst, qosFlowPacket, 2*r.qos.MFBR, r.qosFor)
	res.add(&res.qosPackets, n)
	other.Wait()
	return errors.Join(err, otherErr)
}

// pings sends the echo requests of --ping, if asked.
func (r *ueRun) pings(ctx context.Context, s *scenario.Session, res *ueResults) error {
	if !r.ping.IsValid() {
		return nil
	}
	p, err := s.Ping(ctx, 1, r.ping, r.pingCount)
	res.add(&res.pingSent, p.Sent)
	res.add(&res.pingReplies, p.Received)
	if err != nil {
		return &scenario.Failure{Cause: "ping", Err: err}
	}
	if p.Received < p.Sent {
		return &scenario.Failure{Cause: "ping-unanswered"}
	}
	return nil
}

// startPass begins a pass and returns the UEs it runs: those that have
// not failed.
func (res *ueResults) startPass(phase string) []int {
	res.mu.Lock()
	defer res.mu.Unlock()
	res.phase, res.done = phase, 0
	var todo []int
	for i, bad := range res.bad {
		if !bad {
			todo = append(todo, i)
		}
	}
	return todo
}

func (res *ueResults) endPass(phase string, d time.Duration) {
	res.mu.Lock()
	res.elapsed[phase] = d
	res.mu.Unlock()
}

// finish records the end of UE i's step in the pass under way.
func (res *ueResults) finish(i int, err error) {
	res.mu.Lock()
	defer res.mu.Unlock()
	res.done++
	if err != nil {
		res.bad[i] = true
		res.failed++
		res.failures[scenario.Cause(err)]++
	}
}

// failAll counts the UEs that failed with cause without running.
func (res *ueResults) failAll(ues []int, cause string) {
	res.mu.Lock()
	defer res.mu.Unlock()
	for _, i := range ues {
		res.bad[i] = true
	}
	res.done += len(ues)
	res.failed += len(ues)
	res.failures[cause] += len(ues)
}

// rate is n per second of the pass phase.
func (res *ueResults) rate(n int, phase string) float64 {
	res.mu.Lock()
	defer res.mu.Unlock()
	if d := res.elapsed[phase]; d > 0 {
		return float64(n) / d.Seconds()
	}
	return 0
}

// latency records one procedure's duration.
func (res *ueResults) latency(proc string, d time.Duration) {
	res.mu.Lock()
	res.procs[proc] = append(res.procs[proc], d)
	res.mu.Unlock()
}

// progress returns the figures of the live progress line.
func (res *ueResults) progress() (phase string, done, failed int, p50, p99 float64) {
	res.mu.Lock()
	defer res.mu.Unlock()
	l := percentilesOf(res.procs[res.phase])
	return res.phase, res.done, res.failed, l.P50, l.P99
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
	plmn        ident.PLMN
	slice       ident.SNSSAI
	requested   []ident.SNSSAI
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
	idle        bool
	paging      bool
	handover    string
	// handoverTraffic: see ueRun.
	handoverTraffic int
	pduType         string
	qosFlow         string
	qosFlowFor      time.Duration
	defaultFlow     bool
}

// pduTypes are the values of --pdu-type.
var pduTypes = map[string]uint8{"": ue.PDUTypeIPv4, "ipv4": ue.PDUTypeIPv4, "ipv6": ue.PDUTypeIPv6, "ipv4v6": ue.PDUTypeIPv4v6}

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
	r := &ueRun{count: o.count, firstIMSI: o.imsi, plmn: o.plmn, scheme: scheme, slice: o.slice, requested: o.requested,
		concurrency: o.concurrency, timeout: o.timeout, deregister: o.deregister,
		pdu: o.pdu || o.ping != "" || o.paging || o.handover != "", dnn: o.dnn, pingCount: o.pingCount, rate: o.rate,
		idle: o.idle, paging: o.paging, handover: o.handover, handoverTraffic: o.handoverTraffic}
	if o.rate < 0 {
		return nil, usagef("--rate must not be negative")
	}
	var ok bool
	if r.pduType, ok = pduTypes[o.pduType]; !ok {
		return nil, usagef("--pdu-type %q: want ipv4, ipv6 or ipv4v6", o.pduType)
	}
	if r.pduType == ue.PDUTypeIPv6 && o.ping != "" {
		return nil, usagef("--ping sends IPv4 echo requests: it needs --pdu-type ipv4 or ipv4v6")
	}
	if r.pduType == ue.PDUTypeIPv6 && o.paging {
		return nil, usagef("--paging sends IPv4 downlink: it needs --pdu-type ipv4 or ipv4v6")
	}
	if o.defaultFlow && o.qosFlow == "" {
		return nil, usagef("--default-flow-traffic needs --qos-flow: it sends alongside that flow's traffic")
	}
	if o.qosFlow != "" {
		if o.ping == "" {
			return nil, usagef("--qos-flow needs --ping: its packet filter and traffic are for that address")
		}
		if r.pduType == ue.PDUTypeIPv6 {
			return nil, usagef("--qos-flow sends IPv4 traffic: it needs --pdu-type ipv4 or ipv4v6")
		}
		f, err := parseQoSFlow(o.qosFlow)
		if err != nil {
			return nil, err
		}
		if o.qosFlowFor <= 0 || o.qosFlowFor > time.Hour {
			return nil, usagef("--qos-flow-duration %v: want more than 0 and at most 1h", o.qosFlowFor)
		}
		r.qos, r.qosFor, r.defaultFlow, r.pdu = &f, o.qosFlowFor, o.defaultFlow, true
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
		if r.qos != nil {
			r.qos.Remote = netip.PrefixFrom(a, 32)
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
		if o.paging {
			r.api, _ = apiF.client(env) // optional: see waitDeactivated
		}
		return r, nil
	}
	c, err := apiF.client(env)
	if err != nil {
		return nil, err
	}
	if o.paging {
		r.api = c
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
