package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/keelcore/keel/internal/api"
	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbi/selection"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/smf"
	"github.com/keelcore/keel/internal/upf"
)

// userPlane is the UPF of a single-process core: its N3/N6 datapath and
// its N4 endpoint. Either may be nil when the datapath could not start.
type userPlane struct {
	dp  upf.Datapath
	upf *upf.UPF
}

// rootUPF builds the UPF, known to the SMFs by its N4 address. A UPF
// that cannot start (no CAP_NET_ADMIN for its TUN device) is logged and
// left out; the rest of the core runs, and sessions are refused until a
// UPF is there.
func (a *App) rootUPF(ctx context.Context) error {
	up, err := a.startUPF(ctx)
	if err != nil {
		return err
	}
	a.up = up
	if up.upf == nil {
		return nil
	}
	prof := profile(a.cfg, sbi.NFTypeUPF)
	a.dir.AddUPF(prof, a.cfg.N4.Address)
	// Split, the UPF registers at the NRF for the SMFs to find it
	// (upf_discovery.go) — when they can: at a specific IPv4 address, on
	// the PFCP port.
	n4 := a.cfg.N4.Address
	switch {
	case a.sbi == nil:
	case !n4.Addr().Is4() || n4.Addr().IsUnspecified() || n4.Port() != pfcpPort:
		a.log.Warn("UPF not registered at the NRF: SMFs find a UPF there at a specific IPv4 address on port 8805 only", "component", "upf", "n4", n4.String())
	default:
		a.upfN3 = up.dp.N3Addr().Addr().Unmap()
		if _, err := a.register(prof); err != nil {
			return err
		}
	}
	return nil
}

func (a *App) startUPF(ctx context.Context) (*userPlane, error) {
	log := a.log.With("component", "upf")
	dp, err := upf.NewDatapath(upf.DatapathOptions{
		N3:       a.cfg.N3.Address,
		TUN:      a.cfg.UPF.TUN,
		Gateways: gateways(a.cfg.DNNs),
		MTU:      tunMTU(a.cfg.DNNs),
		Buffer:   dlBuffer(a.cfg),
		Logger:   log,
		Registry: a.registry,
	})
	if err != nil {
		log.Error("UPF not started: PDU sessions will be refused", "err", err)
		return &userPlane{}, nil
	}
	u, err := upf.New(context.WithoutCancel(ctx), upf.Options{N4: a.cfg.N4.Address, NodeID: a.cfg.N4.Address.Addr(), Datapath: dp, Logger: log, Registry: a.registry,
		Peers: upfPeers(a.cfg), AllowAddressChange: a.cfg.UPF.N4.AllowAddressChange, DNNs: upfDNNs(a.cfg.DNNs)})
	if err != nil {
		dp.Close()
		return nil, fmt.Errorf("n4.address: %w", err)
	}
	log.Info("UPF serving", "n4", u.Addr().String(), "n3", dp.N3Addr().String())
	return &userPlane{dp: dp, upf: u}, nil
}

// upfPeers are the SMFs the UPF takes N4 requests from: Keel's own, which
// sends from n4.address's IP (or smf.n4.address) with that IP as its
// Node ID, and those of
// upf.n4.peers.
func upfPeers(cfg config.Config) []netip.Addr {
	peers := append([]netip.Addr{}, cfg.UPF.N4.Peers...) // never nil, which would allow any
	for _, own := range []netip.Addr{cfg.N4.Address.Addr().Unmap(), cfg.SMF.N4.Address.Unmap()} {
		if own.IsValid() && !own.IsUnspecified() && !slices.Contains(peers, own) {
			peers = append(peers, own)
		}
	}
	return peers
}

func (p *userPlane) close() error {
	if p == nil {
		return nil
	}
	var errs []error
	if p.upf != nil {
		ctx, cancel := context.WithTimeout(context.Background(), StopTimeout/3)
		p.upf.Leave(ctx)
		cancel()
		errs = append(errs, p.upf.Close())
	}
	if p.dp != nil {
		errs = append(errs, p.dp.Close())
	}
	return errors.Join(errs...)
}

// gateways are the UPF's N6 addresses: the first address of every UE
// pool, with the pool's length (TS 23.501 §5.8.2.2: the UPF routes the
// pools towards N3).
// upfDNNs are the resolvers and MTU of each DNN for the UPF's IPv6
// Router Advertisements. The network instance of the SMF's PDRs is the
// DNN's name alone, so of entries of one DNN for several slices the
// first one's are advertised.
func upfDNNs(dnns []config.DNN) []upf.DNN {
	var out []upf.DNN
	seen := map[string]bool{}
	for _, d := range dnns {
		if k := strings.ToLower(d.Name); !seen[k] {
			seen[k] = true
			out = append(out, upf.DNN{Name: d.Name, DNS: d.DNS, MTU: int(d.MTU)})
		}
	}
	return out
}

func gateways(dnns []config.DNN) []netip.Prefix {
	var out []netip.Prefix
	for _, d := range dnns {
		for _, p := range []netip.Prefix{d.IPv4Pool, d.IPv6Pool} {
			if p.IsValid() {
				out = append(out, netip.PrefixFrom(p.Masked().Addr().Next(), p.Bits()))
			}
		}
	}
	return out
}

// served is what the management API checks subscriptions against: the
// configured DNNs with their pools, and the UPF's N6 addresses.
func served(dnns []config.DNN) api.Served {
	sv := api.Served{DNNs: []api.ServedDNN{}}
	for _, d := range dnns {
		sv.DNNs = append(sv.DNNs, api.ServedDNN{Name: d.Name, IPv4Pool: d.IPv4Pool, IPv6Pool: d.IPv6Pool})
	}
	for _, g := range gateways(dnns) {
		sv.N6 = append(sv.N6, g.Addr())
	}
	return sv
}

// tunMTU is the largest MTU any DNN gives its UEs.
func tunMTU(dnns []config.DNN) int {
	m := 0
	for _, d := range dnns {
		m = max(m, int(d.MTU))
	}
	return m
}

// pccRules are the configured PCC rules of each DNN (checked by
// config.Validate already).
func pccRules(dnns []config.DNN) (map[string][]sbi.PCCRule, error) {
	m := make(map[string][]sbi.PCCRule)
	for _, d := range dnns {
		for _, r := range d.PCCRules {
			rule, err := r.Rule()
			if err != nil {
				return nil, fmt.Errorf("app: dnn %s: PCC rule %q: %w", d.Name, r.ID, err)
			}
			m[d.Name] = append(m[d.Name], rule)
		}
	}
	return m, nil
}

// rootSMF builds the SMF. It associates with the UPFs of smf.upfs, or
// with the one of its process, or with the one at n4.address, and —
// split — with the UPFs registered at the NRF in addition
// (upf_discovery.go; TS 23.501 §6.3.3.2), and selects one of them for each session by DNN, slice,
// the UE's tracking area and load (smf/select_upf.go); a PCF for each session by DNN and S-NSSAI
// and the UDM by SUPI, and reaches the UE's AMF for N1N2 transfers. Its
// own PFCP endpoint takes an ephemeral port on smf.n4.address, or n4.address's IP.
func (a *App) rootSMF(ctx context.Context) error {
	cfg, loc := a.cfg, a.cfg.SBI.Locality
	prof := profile(cfg, sbi.NFTypeSMF)
	reg, err := a.register(prof)
	if err != nil {
		return err
	}
	peers := a.peersFor(reg)
	var dnns []smf.DNNConfig
	for _, d := range cfg.DNNs {
		dnns = append(dnns, smf.DNNConfig{Name: d.Name, IPv4Pool: d.IPv4Pool, IPv6Pool: d.IPv6Pool, DNS: d.DNS, PCSCF: d.PCSCF, MTU: int(d.MTU)})
	}
	opts := smf.Options{
		DNNs:              dnns,
		N4:                netip.AddrPortFrom(smfN4IP(cfg), 0),
		PCF:               selection.PCF(peers, loc),
		SDM:               selection.UDM(peers, loc),
		AMF:               selection.AMF(peers, loc),
		InstanceID:        prof.InstanceID,
		Logger:            a.log.With("component", "smf"),
		Registry:          a.registry,
		HeartbeatInterval: cfg.SMF.N4.HeartbeatInterval,
		Events:            a.events,
	}
	q := sbi.Query{Locality: loc}
	if len(cfg.DNNs) > 0 {
		q.DNN = cfg.DNNs[0].Name
	}
	ups, ownErr := peers.UPFs(ctx, q)
	switch {
	case len(cfg.SMF.UPFs) > 0:
		opts.UPFs = smfUPFs(cfg, dnns)
	case ownErr == nil:
		opts.UPF, opts.Peers = ups[0].Service, cfg.SMF.N4.Peers
	default:
		// No UPF of this process (a UPF apart, or one that could not
		// start): the SMF associates with the UPF at n4.address, with
		// the pools of dnns, and sessions are refused until a UPF
		// answers there or, split, one registered at the NRF is found.
		a.log.Info("no UPF in this process: associating with n4.address", "component", "smf", "n4", cfg.N4.Address.String())
		opts.UPF, opts.Peers = cfg.N4.Address, cfg.SMF.N4.Peers
	}
	s, err := smf.New(ctx, opts)
	if err != nil {
		return err
	}
	a.smf = s
	if reg != nil {
		// Split, the SMF also uses the UPFs registered at the NRF, in
		// addition to those configured (a UPF at a configured N4
		// address is the configured one).
		every := min(s.HeartbeatInterval(), maxUPFDiscoveryInterval)
		m, err := newUPFWatchMetrics(a.registry)
		if err != nil {
			return err
		}
		a.upfWatch = &upfWatch{disc: reg, smf: s, plmn: cfg.PLMN, every: every, resync: upfResyncInterval,
			wake: make(chan struct{}, 1), log: a.log.With("component", "smf"), metrics: m,
			known: map[netip.AddrPort]bool{}, refused: map[netip.AddrPort]string{}}
		if a.sbi != nil {
			a.upfWatch.serve(a.sbi.srv, a.sbi.apiRoot)
		}
	}
	a.serveSMF(prof, s)
	return nil
}

// serveSMF puts the SMF in the process's directory and, in a split
// process, on its SBI.
func (a *App) serveSMF(prof sbi.Profile, s *smf.SMF) {
	a.dir.AddSMF(prof, s)
	if a.sbi != nil {
		sbihttp.ServeNsmf(a.sbi.srv, s, a.sbi.notifier(a.cfg, sbi.NFTypeSMF))
		a.sbi.callbacks.SetN1N2Notifier(s)
		a.sbi.callbacks.SetPolicyNotifier(remotePolicies{owners: a.sbi.policies, smf: s})
	}
}

// smfUPFs are the UPFs of smf.upfs for the SMF: each DNN entry is the
// DNN's of dnns with the UPF's own pools where it gives them; slices
// and TACs as S-NSSAIs and TAIs of the PLMN.
func smfUPFs(cfg config.Config, dnns []smf.DNNConfig) []smf.UPFConfig {
	var out []smf.UPFConfig
	for _, u := range cfg.SMF.UPFs {
		uc := smf.UPFConfig{Name: u.Name, N4: u.N4, Peers: u.Peers}
		for _, d := range u.DNNs {
			for _, top := range dnns {
				if !strings.EqualFold(top.Name, d.Name) {
					continue
				}
				if d.IPv4Pool.IsValid() {
					top.IPv4Pool = d.IPv4Pool
				}
				if d.IPv6Pool.IsValid() {
					top.IPv6Pool = d.IPv6Pool
				}
				uc.DNNs = append(uc.DNNs, top)
			}
		}
		for _, sl := range u.Slices {
			uc.SNSSAIs = append(uc.SNSSAIs, sl.SNSSAI())
		}
		for _, tac := range u.TACs {
			uc.TAIs = append(uc.TAIs, ident.TAI{PLMN: cfg.PLMN, TAC: tac})
		}
		out = append(out, uc)
	}
	return out
}

// smfN4IP is the IP of the SMF's PFCP endpoint and its Node ID:
// smf.n4.address, or n4.address's IP.
func smfN4IP(cfg config.Config) netip.Addr {
	if cfg.SMF.N4.Address.IsValid() {
		return cfg.SMF.N4.Address
	}
	return cfg.N4.Address.Addr()
}

// sessionView serves the SMF's sessions to the management API.
type sessionView struct{ s *smf.SMF }

func (v sessionView) Sessions() []api.SessionInfo {
	list := v.s.Sessions()
	out := make([]api.SessionInfo, 0, len(list))
	for _, x := range list {
		si := api.SessionInfo{SUPI: x.SUPI, PDUSessionID: x.PDUSessionID, DNN: x.DNN, PDUType: x.PDUType,
			UPF: x.UPF, SEID: x.SEID, UPSEID: x.UPSEID, ULTEID: x.ULTEID, DLTEID: x.DLTEID,
			ULBytes: x.ULBytes, DLBytes: x.DLBytes, State: x.State, UpCnxState: x.UpCnxState.String(),
			SNSSAI: api.SNSSAI{SST: int(x.SNSSAI.SST)}}
		if x.SNSSAI.HasSD {
			si.SNSSAI.SD = fmt.Sprintf("%06x", x.SNSSAI.SD) // as subscribers show it
		}
		if x.IPv4.IsValid() {
			si.IPv4 = x.IPv4.String()
		}
		if x.IPv6Prefix.IsValid() {
			si.IPv6Prefix = x.IPv6Prefix.String()
		}
		if x.GNBAddr.IsValid() {
			si.GNBAddr = x.GNBAddr.String()
		}
		out = append(out, si)
	}
	return out
}

// RunUPF runs the UPF alone (`keel serve --nf upf`): its N4 endpoint, N3
// and N6, and on the HTTP address /healthz, /readyz and /metrics. Unlike the
// whole core, a UPF that cannot create its datapath stops here with the
// reason.
func RunUPF(ctx context.Context, cfg config.Config, opts Options) error {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(goCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	log := opts.Logger.With("component", "upf")
	dp, err := upf.NewDatapath(upf.DatapathOptions{N3: cfg.N3.Address, TUN: cfg.UPF.TUN, Gateways: gateways(cfg.DNNs), MTU: tunMTU(cfg.DNNs), Buffer: dlBuffer(cfg), Logger: log, Registry: reg})
	if err != nil {
		return err
	}
	defer dp.Close()
	// Not cancelled with ctx: at stop the UPF still speaks N4 to leave
	// service (Leave), then Close ends it.
	u, err := upf.New(context.WithoutCancel(ctx), upf.Options{N4: cfg.N4.Address, NodeID: cfg.N4.Address.Addr(), Datapath: dp, Logger: log, Registry: reg,
		Peers: upfPeers(cfg), AllowAddressChange: cfg.UPF.N4.AllowAddressChange, DNNs: upfDNNs(cfg.DNNs)})
	if err != nil {
		return fmt.Errorf("n4.address: %w", err)
	}
	defer u.Close()
	nrfc, err := upfRegistration(cfg, dp.N3Addr().Addr().Unmap(), reg, opts.Logger)
	if err != nil {
		return err
	}
	if nrfc != nil {
		nrfc.Start()
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), StopTimeout)
			defer cancel()
			if err := nrfc.Stop(sctx); err != nil {
				log.Warn("UPF deregistration from the NRF", "error", err)
			}
		}()
	}
	ln, err := httpListener(cfg.HTTP)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	// Its datapath and N4 endpoint are up once it serves: ready.
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("UPF serving alone", "n4", u.Addr().String(), "n3", dp.N3Addr().String(), "http", ln.Addr().String())
	select {
	case <-ctx.Done():
	case err := <-errc:
		return fmt.Errorf("http: %w", err)
	}
	sctx, cancel := context.WithTimeout(context.Background(), StopTimeout)
	defer cancel()
	// Taken out of service: each SMF moves the UPF's sessions at once
	// (upf.Leave), within a part of the stop's time.
	lctx, lcancel := context.WithTimeout(sctx, StopTimeout/3)
	u.Leave(lctx)
	lcancel()
	srv.Shutdown(sctx)
	<-errc
	return nil
}

// dlBuffer is upf.dl_buffer as the datapath takes it.
func dlBuffer(cfg config.Config) upf.BufferLimits {
	b := cfg.UPF.DLBuffer
	return upf.BufferLimits{Packets: int(b.Packets), Bytes: int(b.Bytes), Time: b.Time}
}
