package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sctp/transport"
	"github.com/keelcore/keel/internal/sim/gnb"
	"github.com/keelcore/keel/internal/sim/scenario"
)

// SimSummary is what `keel sim --json` prints.
type SimSummary struct {
	GNBs      int `json:"gnbs"`
	NGSetupOK int `json:"ng_setup_ok"`
	// Failed counts everything that failed: gNBs that did not complete
	// NG Setup and, with --ues, UEs that did not register.
	Failed     int            `json:"failed"`
	GNBsFailed int            `json:"gnbs_failed"`
	Failures   map[string]int `json:"failures"`
	DurationS  float64        `json:"duration_s"`
	SCTP       string         `json:"sctp"`

	// With --ues: the registrations.
	UEs        int `json:"ues,omitempty"`
	Registered int `json:"registered"`
	UEsFailed  int `json:"ues_failed"`
	// AllowedNSSAI counts the registered UEs by the allowed NSSAI the
	// network gave them, written as --request-nssai takes it ("1",
	// "1,2:000001").
	AllowedNSSAI map[string]int `json:"allowed_nssai,omitempty"`
	// With --pdu and --ping: sessions established, echo requests sent
	// and answered.
	Sessions    int `json:"sessions"`
	PingSent    int `json:"ping_sent"`
	PingReplies int `json:"ping_replies"`
	// With --pdu-type ipv6 or ipv4v6: the sessions with IPv6 whose UE got
	// the network's Router Advertisement and formed its address from the
	// prefix.
	RouterAdvertisements int `json:"router_advertisements"`
	// With --qos-flow: the QoS flows the UEs added by UE-requested PDU
	// session modification, and the UDP datagrams they sent in them.
	QoSFlows       int `json:"qos_flows,omitempty"`
	QoSFlowPackets int `json:"qos_flow_packets,omitempty"`
	// DefaultFlowPackets: the datagrams sent alongside in the default
	// QoS flow (--default-flow-traffic).
	DefaultFlowPackets int      `json:"default_flow_packets,omitempty"`
	RatePerS           float64  `json:"rate_per_s,omitempty"`
	LatencyMS          *Latency `json:"latency_ms,omitempty"`
	// SessionsPerS is PDU sessions established per second.
	SessionsPerS float64 `json:"sessions_per_s,omitempty"`
	// With --idle and --paging: the accepted Service Requests, UE- and
	// network-triggered, and the UEs the gNBs were paged for.
	// ServiceRequestsPerS is the rate of the --idle pass, in which every
	// UE sends its Service Request.
	ServiceRequests     int     `json:"service_requests"`
	Pagings             int     `json:"pagings"`
	ServiceRequestsPerS float64 `json:"service_requests_per_s,omitempty"`
	// ConfigurationUpdates counts the CONFIGURATION UPDATE COMMANDs the
	// UEs received (TS 24.501 §5.4.4: the network's NITZ after
	// registration, new 5G-GUTIs).
	ConfigurationUpdates int `json:"configuration_updates"`
	// With --handover: the handovers completed (each UE with its
	// session moved to the next gNB), and the GTP-U End Markers the
	// source gNBs received on the tunnels they left (TS 29.281 §7.3.2).
	Handovers  int `json:"handovers"`
	EndMarkers int `json:"end_markers"`
	// HandoversPerS is the rate of the handover pass. With
	// --handover-traffic: the datagrams the data network sent the UEs
	// during their handovers and those the gNBs received for them, at
	// the source (forwarded to the target or not) or at the target.
	HandoversPerS           float64 `json:"handovers_per_s,omitempty"`
	HandoverDownlinkSent    int     `json:"handover_downlink_sent,omitempty"`
	HandoverDownlinkArrived int     `json:"handover_downlink_received,omitempty"`
	// Procedures holds each procedure's latency percentiles:
	// "registration", "pdu_session", "service_request" (Initial UE
	// Message to Service Accept), "paging" (downlink sent from the
	// data network to its arrival at the gNB), "xn_handover" (Path
	// Switch Request to its acknowledge), "n2_handover" (Handover
	// Required to the source's UE Context Release Command) and "pdu_session_modification"
	// (the UE's request to its COMPLETE).
	Procedures map[string]ProcedureStats `json:"procedures,omitempty"`
	// AMFs has, with several --amf addresses, what the gNBs saw of each
	// AMF (amfSummaries).
	AMFs []SimAMF `json:"amfs,omitempty"`
}

func runSim(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "sim", "sim [--amf HOST:PORT[,HOST:PORT...]] [--gnbs N] [--ues N [--provision] [--suci null|a|b] [--request-nssai SST[:SD],...|none] [--pdu [--pdu-type ipv4|ipv6|ipv4v6]] [--ping ADDR [--qos-flow 5qi=N,gfbr=RATE,mfbr=RATE [--qos-flow-duration D] [--default-flow-traffic]]] [--idle] [--paging] [--handover xn|n2] [--churn --duration D --reconnect-every D]] [--json]")
	amfs := &amfList{addrs: []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:38412")}}
	fs.Var(amfs, "amf", "the AMF's N2 address; for an AMF set, the N2 addresses of its AMFs, comma-separated or the flag repeated: each gNB sets up an association with every one and sends each UE's Initial UE Message to the AMF selected for it (5G-S-TMSI, backup AMF, AMF set, relative capacity)")
	amfReconnect := fs.Duration("amf-reconnect", time.Second, "with several --amf addresses, how long a gNB waits before setting up again an association that ended, doubling after each failure up to 10 s (0: the association stays down)")
	gnbs := fs.Int("gnbs", 1, "number of gNBs, each with its own SCTP association")
	jsonOut := fs.Bool("json", false, "print a JSON summary for scripts")
	mode := fs.String("sctp", "auto", "SCTP implementation: auto, kernel or userspace")
	plmnFlag := fs.String("plmn", "00101", "PLMN the gNBs broadcast, MCC and MNC digits")
	tac := fs.Uint("tac", 1, "tracking area code the gNBs serve")
	sst := fs.Uint("sst", 1, "slice/service type the gNBs support")
	sd := fs.String("sd", "", "slice differentiator, 6 hex digits (default none)")
	requestNSSAI := fs.String("request-nssai", "", "S-NSSAIs the UEs put in the Requested NSSAI of their Registration Requests: SST or SST:SD (SD 6 hex digits), comma-separated, e.g. 1,1:000001; none (or empty) for no Requested NSSAI (default: the --sst/--sd slice)")
	firstID := fs.Uint("gnb-id", 1, "gNB ID of the first gNB; the others count up from it")
	timeout := fs.Duration("timeout", 30*time.Second, "give up on a gNB's setup, a UE's procedure, or an AMF silent to SCTP heartbeats, after this long")
	ues := fs.Int("ues", 0, "number of UEs to register, spread over the gNBs")
	suciFlag := fs.String("suci", "a", "SUCI protection scheme of the UEs: null, a (X25519) or b (P-256)")
	provisionFlag := fs.Bool("provision", false, "create the UEs' subscriptions (random K and OPc) through the management API first")
	imsi := fs.Uint64("imsi", 1, "MSIN of the first UE; the others count up from it")
	kFlag := fs.String("k", "", "K of every UE, 32 hex digits (without --provision; default $KEEL_K)")
	opcFlag := fs.String("opc", "", "OPc of every UE, 32 hex digits (without --provision; default $KEEL_OPC)")
	concurrency := fs.Int("concurrency", 256, "UE procedures running at once")
	deregister := fs.Bool("deregister", false, "deregister each UE after it registered")
	pdu := fs.Bool("pdu", false, "establish a PDU session (ID 1) for each registered UE")
	dnn := fs.String("dnn", "", "DNN of the PDU sessions (default: the subscription's first)")
	ping := fs.String("ping", "", "send ICMP echo requests to this IPv4 address from each UE's session, inside GTP-U (implies --pdu)")
	pingCount := fs.Int("ping-count", 1, "echo requests per UE with --ping")
	qosFlow := fs.String("qos-flow", "", "with --ping, each UE then asks for a QoS flow (UE-requested PDU session modification) with a packet filter for the --ping address, UDP port 5000, and sends UDP traffic in it at twice the MFBR for --qos-flow-duration: 5qi=N,gfbr=RATE,mfbr=RATE, RATE like 128kbps or 2Mbps")
	defaultFlow := fs.Bool("default-flow-traffic", false, "with --qos-flow, each UE sends the same UDP traffic at the same time in its default QoS flow, to port 5001 (outside the flow's packet filter), which the flow's MFBR does not limit")
	qosFlowFor := fs.Duration("qos-flow-duration", 500*time.Millisecond, "with --qos-flow, how long each UE sends in its QoS flow")
	pduType := fs.String("pdu-type", "ipv4", "PDU session type the UEs request with --pdu: ipv4, ipv6 or ipv4v6 (a session with IPv6 waits for the network's Router Advertisement)")
	idle := fs.Bool("idle", false, "after registration (and the session), the gNB releases each UE for user inactivity, then the UE sends a Service Request (and pings after it with --ping)")
	paging := fs.Bool("paging", false, "with each UE idle, send it downlink from the data-network side (a UDP datagram to its address, routed by this host to the core's N6) so that it is paged, answers with a Service Request and receives it (implies --pdu)")
	handover := fs.String("handover", "", "with --gnbs 2 or more, once each UE's session is up (and pinged with --ping), move the UE with its session to the next gNB: xn (the source hands it to the target, which sends Path Switch Request) or n2 (Handover Required, Request, Command, RAN Status Transfer and Notify through the AMF); implies --pdu; then ping again")
	hoTraffic := fs.Int("handover-traffic", 0, "with --handover, send each UE this many UDP datagrams from the data-network side (as --paging does), 1 ms apart, around its handover, and count those the gNBs receive (downlink lost during the handover)")
	rate := fs.Float64("rate", 0, "UE arrivals per second (0: as fast as --concurrency allows)")
	progress := fs.Bool("progress", true, "a live progress line on a terminal (never when stderr is not one)")
	gnbN3 := fs.String("gnb-n3", "127.0.0.2", "GTP-U (N3) address of the first gNB; the others count up from it")
	radioCap := fs.Bool("radio-capability", true, "after an Initial Context Setup Request without the UE's radio capability, the gNB reports it (UE Radio Capability Info Indication, TS 38.413 §8.14.1)")
	churnFlag := fs.Bool("churn", false, "churn soak: each UE loops register, session (--pdu), ping (--ping), deregister until --duration ends, while gNBs drop and re-establish their associations")
	duration := fs.Duration("duration", time.Minute, "how long --churn runs")
	reconnectEvery := fs.Duration("reconnect-every", 5*time.Second, "with --churn, each gNB drops its association (ABORT) and reconnects with NG Setup this often, the gNBs spread over it (0: never)")
	var apiF apiFlags
	apiF.registerConn(fs, env)
	if _, err := parseArgs(fs, args, 0, "no arguments besides flags"); err != nil {
		return err
	}
	if *amfReconnect < 0 {
		return usagef("--amf-reconnect %v: want 0 or more", *amfReconnect)
	}
	if *gnbs < 1 || *gnbs > 65535 {
		return usagef("--gnbs %d: want 1 to 65535", *gnbs)
	}
	if len(*plmnFlag) != 5 && len(*plmnFlag) != 6 {
		return usagef("--plmn %q: want 5 or 6 digits (MCC then MNC)", *plmnFlag)
	}
	plmn := ident.PLMN{MCC: (*plmnFlag)[:3], MNC: (*plmnFlag)[3:]}
	if _, err := plmn.Octets(); err != nil {
		return usagef("--plmn: %v", err)
	}
	if *tac > ident.MaxTAC || *sst > 255 {
		return usagef("--tac must fit 24 bits and --sst 8 bits")
	}
	slice := ident.SNSSAI{SST: uint8(*sst)}
	if *sd != "" {
		v, err := strconv.ParseUint(*sd, 16, 32)
		if err != nil || len(*sd) != 6 {
			return usagef("--sd %q: want 6 hex digits", *sd)
		}
		slice.SD, slice.HasSD = uint32(v), true
	}
	requested, err := requestNSSAIFlag(*requestNSSAI, flagGiven(fs, "request-nssai"), slice)
	if err != nil {
		return err
	}

	switch *handover {
	case "":
	case "xn", "n2":
		if *gnbs < 2 || *ues < 1 {
			return usagef("--handover needs --gnbs 2 or more and --ues")
		}
		if *idle || *paging || *churnFlag {
			return usagef("--handover does not go with --idle, --paging or --churn")
		}
	default:
		return usagef("--handover %q: want xn or n2", *handover)
	}
	if *hoTraffic < 0 || (*hoTraffic > 0 && *handover == "") {
		return usagef("--handover-traffic needs --handover and a count of 0 or more")
	}
	var n3Base netip.Addr
	if *pdu || *ping != "" || *paging || *handover != "" {
		if n3Base, err = netip.ParseAddr(*gnbN3); err != nil || !n3Base.Is4() {
			return usagef("--gnb-n3 %q: want an IPv4 address", *gnbN3)
		}
	}
	if (*idle || *paging) && *ues < 1 {
		return usagef("--idle and --paging need --ues")
	}
	if (*idle || *paging) && *churnFlag {
		return usagef("--idle and --paging do not go with --churn")
	}
	if *churnFlag && *ues < 1 {
		return usagef("--churn needs --ues")
	}
	if *churnFlag && (*duration <= 0 || *reconnectEvery < 0) {
		return usagef("--churn needs a positive --duration and a --reconnect-every of 0 or more")
	}
	var run *ueRun
	if *ues > 0 {
		if run, err = prepareUEs(ctx, env, &apiF, ueOptions{
			count: *ues, plmn: plmn, slice: slice, requested: requested, suci: *suciFlag, provision: *provisionFlag, imsi: *imsi,
			k: *kFlag, opc: *opcFlag, concurrency: *concurrency, timeout: *timeout, deregister: *deregister,
			pdu: *pdu, dnn: *dnn, ping: *ping, pingCount: *pingCount, rate: *rate,
			idle: *idle, paging: *paging, pduType: *pduType, handover: *handover, handoverTraffic: *hoTraffic, qosFlow: *qosFlow, qosFlowFor: *qosFlowFor, defaultFlow: *defaultFlow,
		}); err != nil {
			return err
		}
		if run.paging || run.handoverTraffic > 0 {
			if run.dn, err = scenario.ListenDataNetwork(); err != nil {
				return err
			}
			defer run.dn.Close()
		}
	}

	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	// An AMF whose host died sends no ABORT: its associations are
	// declared down after --timeout of silence, which fails their UEs.
	tr, err := transport.SelectWith(*mode, transport.Options{Logger: log, PeerTimeout: *timeout})
	if err != nil {
		return err
	}
	defer tr.Close()
	gnbConfig := func(i int) gnb.Config {
		c := gnb.Config{
			N3:   n3Of(n3Base, i),
			ID:   ngap.RANNodeID{PLMN: plmn, Kind: ngap.KindGNB, ID: uint32(*firstID) + uint32(i), Bits: 22},
			Name: fmt.Sprintf("keel-sim-gnb-%d", i+1),
			TAs:  []ngap.TA{{TAC: uint32(*tac), PLMNs: []ident.PLMN{plmn}, Slices: []ident.SNSSAI{slice}}},

			NoRadioCapability: !*radioCap,
		}
		if len(amfs.addrs) > 1 {
			c.Reconnect = gnb.Backoff{Initial: *amfReconnect, Max: amfReconnectMax, Timeout: *timeout}
		}
		return c
	}
	if *churnFlag {
		return runChurn(ctx, env, churnRun{
			tr: tr, amfs: amfs.addrs, gnbs: *gnbs, gnbConfig: gnbConfig, ues: run, duration: *duration,
			reconnectEvery: *reconnectEvery, timeout: *timeout, api: apiF.addr, json: *jsonOut, log: log,
		})
	}

	start := time.Now()
	sum := SimSummary{GNBs: *gnbs, Failures: map[string]int{}, SCTP: tr.Name()}
	var (
		mu        sync.Mutex
		wg        sync.WaitGroup
		connected []*gnb.GNB
	)
	sem := make(chan struct{}, 64)
	for i := range *gnbs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			cctx, cancel := context.WithTimeout(ctx, *timeout)
			defer cancel()
			g, err := gnb.ConnectAMFs(cctx, tr, amfs.addrs, gnbConfig(i), log)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				sum.Failed++
				sum.GNBsFailed++
				sum.Failures[failureCause(err)]++
				return
			}
			sum.NGSetupOK++
			connected = append(connected, g)
		}()
	}
	wg.Wait()
	if run != nil && len(connected) > 0 {
		ueStart := time.Now()
		resc := make(chan *ueResults, 1)
		live := make(chan *ueResults, 1)
		go func() { resc <- runUEs(ctx, run, connected, live) }()
		var res *ueResults
		if term, ok := env.Stderr.(*os.File); ok && *progress && isTerminal(term) {
			res = showProgress(term, run.count, ueStart, <-live, resc)
		} else {
			res = <-resc
		}
		sum.UEs, sum.Registered, sum.UEsFailed = run.count, res.registered, res.failed
		sum.AllowedNSSAI = res.allowedNSSAI
		sum.Sessions, sum.PingSent, sum.PingReplies = res.sessions, res.pingSent, res.pingReplies
		sum.RouterAdvertisements = res.routerAdverts
		sum.QoSFlows, sum.QoSFlowPackets, sum.DefaultFlowPackets = res.qosFlows, res.qosPackets, res.defaultPackets
		sum.ServiceRequests, sum.Pagings = res.serviceRequests, res.pagings
		sum.ConfigurationUpdates = res.configurationUpdates
		sum.Handovers = res.handovers
		sum.HandoversPerS = res.rate(res.handovers, passXnHandover)
		if run.handover == "n2" {
			sum.HandoversPerS = res.rate(res.handovers, passN2Handover)
		}
		for _, g := range connected {
			sum.EndMarkers += int(g.EndMarkers())
		}
		if run.handoverTraffic > 0 {
			sum.HandoverDownlinkSent = res.hoSent
			sum.HandoverDownlinkArrived = drainDownlink(ctx, connected, res.hoSent)
		}
		sum.SessionsPerS = res.rate(res.sessions, passRegistration)
		sum.ServiceRequestsPerS = res.rate(res.serviceRequests, passService)
		sum.Procedures = res.procedures()
		sum.Failed += res.failed
		sum.RatePerS = res.rate(res.registered, passRegistration)
		lat := res.percentiles()
		sum.LatencyMS = &lat
		for c, n := range res.failures {
			sum.Failures["ue "+c] += n
		}
	} else if run != nil {
		sum.UEs, sum.UEsFailed = run.count, run.count
		sum.Failed += run.count
	}
	sum.DurationS = time.Since(start).Seconds()
	if len(amfs.addrs) > 1 {
		sum.AMFs = amfSummaries(amfs.addrs, connected)
	}
	closeAll(connected)
	if *jsonOut {
		if err := printJSON(env.Stdout, sum); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(env.Stdout, "gNBs %d: NG Setup ok %d, failed %d in %.2f s over %s SCTP\n", sum.GNBs, sum.NGSetupOK, sum.GNBsFailed, sum.DurationS, sum.SCTP)
		for _, a := range sum.AMFs {
			fmt.Fprintf(env.Stdout, "AMF %s %s: up on %d gNBs, %d NG Setups, %d Initial UE Messages\n", a.Addr, a.Name, a.GNBsUp, a.SetUps, a.InitialUEMessages)
		}
		if sum.UEs > 0 {
			fmt.Fprintf(env.Stdout, "UEs %d: registered %d, failed %d, %.0f registrations/s", sum.UEs, sum.Registered, sum.UEsFailed, sum.RatePerS)
			if sum.LatencyMS != nil {
				fmt.Fprintf(env.Stdout, ", latency ms p50 %.1f p95 %.1f p99 %.1f", sum.LatencyMS.P50, sum.LatencyMS.P95, sum.LatencyMS.P99)
			}
			fmt.Fprintln(env.Stdout)
			if sum.Sessions > 0 || sum.PingSent > 0 {
				fmt.Fprintf(env.Stdout, "PDU sessions %d, ping replies %d of %d\n", sum.Sessions, sum.PingReplies, sum.PingSent)
			}
			if *qosFlow != "" {
				fmt.Fprintf(env.Stdout, "QoS flows added %d, datagrams sent in them %d\n", sum.QoSFlows, sum.QoSFlowPackets)
			}
			if *handover != "" {
				fmt.Fprintf(env.Stdout, "handovers %d, End Markers %d", sum.Handovers, sum.EndMarkers)
				if l, ok := sum.Procedures[passXnHandover]; ok && l.Count > 0 {
					fmt.Fprintf(env.Stdout, ", path switch ms p50 %.1f p95 %.1f p99 %.1f", l.P50, l.P95, l.P99)
				}
				if l, ok := sum.Procedures[passN2Handover]; ok && l.Count > 0 {
					fmt.Fprintf(env.Stdout, ", N2 handover ms p50 %.1f p95 %.1f p99 %.1f", l.P50, l.P95, l.P99)
				}
				fmt.Fprintln(env.Stdout)
			}
			if *idle || *paging {
				fmt.Fprintf(env.Stdout, "Service Requests %d, pagings %d", sum.ServiceRequests, sum.Pagings)
				for _, p := range []string{passService, passPaging} {
					if l, ok := sum.Procedures[p]; ok && l.Count > 0 {
						fmt.Fprintf(env.Stdout, ", %s ms p50 %.1f p95 %.1f p99 %.1f", strings.ReplaceAll(p, "_", " "), l.P50, l.P95, l.P99)
					}
				}
				fmt.Fprintln(env.Stdout)
			}
		}
		causes := make([]string, 0, len(sum.Failures))
		for c := range sum.Failures {
			causes = append(causes, c)
		}
		sort.Strings(causes)
		for _, c := range causes {
			fmt.Fprintf(env.Stdout, "  %6d  %s\n", sum.Failures[c], c)
		}
	}
	if sum.GNBsFailed > 0 {
		return fmt.Errorf("sim: %d of %d gNBs failed NG Setup", sum.GNBsFailed, sum.GNBs)
	}
	if sum.UEsFailed > 0 {
		return fmt.Errorf("sim: %d of %d UEs failed", sum.UEsFailed, sum.UEs)
	}
	return nil
}

// closeAll closes the gNBs in parallel, so that shutdowns waiting on a
// silent AMF overlap.
func closeAll(gnbs []*gnb.GNB) {
	var wg sync.WaitGroup
	for _, g := range gnbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g.Close()
		}()
	}
	wg.Wait()
}

// n3Of is the N3 address of gNB i: base plus i (invalid when base is).
func n3Of(base netip.Addr, i int) netip.Addr {
	if !base.IsValid() {
		return base
	}
	b := base.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	v += uint32(i)
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// failureCause names a failure for the summary: the NGAP cause of a
// refusal, or the kind of transport failure.
func failureCause(err error) string {
	var se *gnb.SetupError
	switch {
	case errors.As(err, &se):
		return "ng-setup-failure " + se.Cause
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return "transport: " + msg
}

// downlinkDrainIdle is how long drainDownlink waits for the next
// downlink datagram before it counts the rest as lost.
const downlinkDrainIdle = 2 * time.Second

// drainDownlink waits for the downlink datagrams still in flight when
// the last UE's handover ended (queued in the UPF, on N3, or forwarded
// between gNBs) and returns how many the gNBs received. It stops when
// all sent have arrived, when none arrives for downlinkDrainIdle, or
// when ctx ends: a datagram the core lost is counted lost, not awaited
// for ever.
func drainDownlink(ctx context.Context, gnbs []*gnb.GNB, sent int) int {
	arrived := func() int {
		n := 0
		for _, g := range gnbs {
			n += int(g.Discards())
		}
		return n
	}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	last, progress := arrived(), time.Now()
	for last < sent && time.Since(progress) < downlinkDrainIdle {
		select {
		case <-ctx.Done():
			return arrived()
		case <-tick.C:
		}
		if n := arrived(); n != last {
			last, progress = n, time.Now()
		}
	}
	return last
}
