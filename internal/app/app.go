// Package app is Keel's composition root: it builds every component from a
// config.Config, starts them in order and stops them in reverse. Nothing
// else in Keel constructs components or holds process-wide state.
//
// Each network function has a root of its own (rootNRF, rootNSSF,
// rootUDR, rootUDM, rootAUSF, rootPCF, rootUPF, rootSMF, rootAMF), run
// for the NFs of config.NFs. The NFs find their peers through a
// directory (sbi.Directory, selection by package sbi/selection): the
// process's own NFs, called directly, then, in a process running some of
// the NFs only, the NRF's discovery with each peer reached over its
// HTTP/2 binding. Such a process serves its NFs' services and the
// callbacks of its consumers on sbi.address, registers its NFs at the NRF
// and subscribes to the notifications of the producers it lacks.
//
// # Concurrency
//
// New, Run and Stop are called from one goroutine. Run blocks until its
// context is cancelled or a component fails; it then stops everything and
// returns. Components started here own their goroutines and join them in
// their Stop; the NRF registrations (nfclient) and the notification
// subscribers (subscriber) are started by Run and joined by its stop,
// before the SBI server stops.
//
// # Errors
//
// A configuration whose NFs consume an NF the process neither runs nor
// can reach over HTTP/2 is refused by New, naming both. Errors of the
// roots name the configuration key at fault where there is one.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"regexp"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/keelcore/keel/internal/amf"
	"github.com/keelcore/keel/internal/api"
	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/dirlock"
	"github.com/keelcore/keel/internal/hnkey"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nrf"
	"github.com/keelcore/keel/internal/nrf/nfclient"
	"github.com/keelcore/keel/internal/panics"
	"github.com/keelcore/keel/internal/pcf"
	"github.com/keelcore/keel/internal/procevent"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbi/selection"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/nudm"
	"github.com/keelcore/keel/internal/sbihttp/nudr"
	"github.com/keelcore/keel/internal/sctp"
	"github.com/keelcore/keel/internal/sctp/transport"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/smf"
	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/health"
	"github.com/keelcore/keel/internal/udm"
	"github.com/keelcore/keel/internal/udr"
)

// StopTimeout bounds a graceful stop.
const StopTimeout = 5 * time.Second

// DatabaseFile is the embedded store's file name inside the data directory.
const DatabaseFile = "keel.db"

// Options are the process-level inputs of the core besides its config.
type Options struct {
	Logger *slog.Logger
	// Notice receives the one-time admin token notice on first start
	// (the terminal, not the log).
	Notice io.Writer
	// Version is reported by the keel_build_info metric.
	Version, Commit string
	// SelectN2 picks the N2 transport for the configured mode; nil means
	// transport.SelectWith (probe the kernel, else userspace SCTP) with
	// n2.sctp_debug.
	SelectN2 func(mode string, log *slog.Logger) (sctp.Transport, error)
	// OnPanic, when set, is told of every panic recovered at a
	// component's boundary (see package panics), after it is logged and
	// counted in keel_panics_total. Tests set it to fail.
	OnPanic func(panics.Panic)
	// WrapStore wraps the subscriber store every component uses (tests
	// inject faults with storetest.Faulty); nil uses it as it is.
	WrapStore func(store.Store) store.Store
	// Records, when set, is where the AUSF, UDM and PCF of a process
	// that does not run the UDR keep their state (nfRecords): processes
	// given one shared engine serve each other's authentication
	// contexts, UECM registrations and SM policy associations. Nil
	// leaves the choice to nfRecords.
	Records store.Records
	// StoreProbeInterval is the time between the store health probe's
	// writes; 0 means health.DefaultProbeInterval.
	StoreProbeInterval time.Duration
	// PCFSweepInterval is the period of a split PCF's sweep of the SM
	// policy associations of SMFs gone (pcf_sweep.go); 0 means 5 minutes.
	PCFSweepInterval time.Duration
	// AdminToken, when set, is the management API's admin token, and the
	// data directory's token file is neither read nor made (keel serve
	// takes it from $KEEL_ADMIN_TOKEN, set from a Kubernetes Secret). It
	// must be at least MinTokenLen characters.
	AdminToken secret.Token
	// HomeNetworkKeys, when set, are the home network keys of the UDR's
	// management API and the UDM's SIDF, and the data directory's key
	// file (hnkey.FileName) is neither read nor made: how a UDR and a
	// UDM in separate containers share one key ring (keel serve takes
	// it from $KEEL_HOME_NETWORK_KEYS).
	HomeNetworkKeys *hnkey.Keyring
}

// App is a running core, or the part of it the configuration's nfs
// name: each NF has its composition root (root_<nf>.go) that builds it
// from the configuration and the directory through which it finds its
// peers; New runs the roots of the NFs the process runs, in the order of
// config.NFNames.
//
// Only the UDR's root opens the data directory's store and admin token,
// and the management API's subscriber routes go with it; a process
// without the UDR serves /healthz, /readyz and /metrics only.
type App struct {
	cfg      config.Config
	log      *slog.Logger
	opts     Options
	registry *prometheus.Registry
	// dir holds the NFs of this process, each with its profile: how the
	// NFs find one another (TS 23.501 §6.3).
	dir *sbi.Static
	// homePeers is the directory of the process's UDM or PCF, through
	// which dataSubs finds the UDRs of other processes to subscribe at.
	homePeers sbi.Directory
	// amfPeers is the AMF's directory, through which its process finds
	// the UDMs of other processes to subscribe at.
	amfPeers    sbi.Directory
	subscribers []*subscriber
	// registrations are the NRF clients of the NFs of a split process.
	registrations []*nfclient.Client

	// The UDR's: data directory lock, store and admin token.
	dataLock *dirlock.Lock
	store    storeEngine
	health   *health.Store // the store as every component uses it
	// records holds the home NFs' state without the UDR's store
	// (sharedRecords); recordsEngine is the engine opened for it, closed
	// after the NFs.
	records       store.Records
	recordsEngine io.Closer
	token         secret.Token
	keys          *hnkey.Keyring

	nrf *nrf.NRF
	udr *udr.UDR
	udm *udm.UDM
	pcf *pcf.PCF
	// pcfID is the PCF's instance ID, the prefix of its associations'
	// IDs as the SMF knows them.
	pcfID string
	// pcfHTTP serves the PCF to SMFs of other processes and sends them
	// its notifications.
	pcfHTTP *sbihttp.NpcfServer
	// pcfSweep releases a split PCF's associations of SMFs gone; nil
	// otherwise.
	pcfSweep *pcfSweeper
	up       *userPlane
	smf      *smf.SMF
	// upfWatch follows the UPFs registered at the NRF for a split SMF;
	// nil otherwise. upfN3 is the N3 address of this process's UPF, for
	// its NF profile.
	upfWatch *upfWatch
	upfN3    netip.Addr
	amf      *amf.AMF
	n2       sctp.Transport
	n2ln     sctp.Listener
	n2Err    error // why N2 is not serving; nil when it is

	// sbi serves the NFs' services to other processes; nil in a process
	// running every NF.
	sbi *sbiPlane
	// oauth holds the access token keys (sbi.oauth2); nil when tokens
	// are off.
	oauth *oauth2Keys

	api      *api.Server
	http     *http.Server
	listener net.Listener
	// events are the procedure failures the AMF and SMF of this process
	// record, which the API serves; sampler reads the metrics for the
	// API's overview (nil without the API), on a goroutine Run starts
	// and stop ends (cancel, then wait for samplerDone).
	events        *procevent.Ring
	sampler       *api.Sampler
	cancelSampler context.CancelFunc
	samplerDone   chan struct{}
}

// goCollector is the Go runtime's collector: the default metrics (heap
// statistics as of the last collection, go_gc_gomemlimit_bytes for
// memory_limit) and go_gc_heap_live_bytes, the heap its last collection
// marked live (runtime/metrics /gc/heap/live:bytes), which keel bench
// reads for the live heap per UE.
func goCollector() prometheus.Collector {
	return collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(
		collectors.GoRuntimeMetricsRule{Matcher: regexp.MustCompile(`^/gc/heap/live:bytes$`)}))
}

// New builds the NFs of cfg.NFs with their metrics, and the management
// API with its listener bound. Nothing is served until Run.
func New(ctx context.Context, cfg config.Config, opts Options) (*App, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Notice == nil {
		opts.Notice = io.Discard
	}
	if opts.SelectN2 == nil {
		sctpDebug := cfg.N2.SCTPDebug
		opts.SelectN2 = func(mode string, log *slog.Logger) (sctp.Transport, error) {
			return transport.SelectWith(mode, transport.Options{Logger: log, SCTPDebug: sctpDebug})
		}
	}
	if len(cfg.NFs) == 0 {
		cfg.NFs = config.NFNames()
	}
	if m := unreachable(cfg, httpBindings(cfg, "", nil)); len(m) > 0 {
		return nil, fmt.Errorf("app: nfs %s consume %s, which this process does not run and this build cannot reach over HTTP/2 (no binding of their services): run them in this process",
			strings.Join(cfg.NFs, ","), strings.Join(m, ", "))
	}
	a := &App{cfg: cfg, log: opts.Logger, opts: opts, registry: prometheus.NewRegistry(), dir: sbi.NewStatic(), events: procevent.NewRing(0)}
	a.registry.MustRegister(
		goCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "keel_build_info",
		Help:        "Keel's version and commit; always 1.",
		ConstLabels: prometheus.Labels{"version": opts.Version, "commit": opts.Commit},
	})
	build.Set(1)
	a.registry.MustRegister(build)

	built := false
	defer func() {
		if !built {
			a.teardown()
		}
	}()
	if err := a.buildSBI(); err != nil {
		return nil, err
	}
	roots := map[string]func(context.Context) error{
		"nrf": a.rootNRF, "udr": a.rootUDR, "udm": a.rootUDM, "ausf": a.rootAUSF, "pcf": a.rootPCF,
		"upf": a.rootUPF, "smf": a.rootSMF, "amf": a.rootAMF, "nssf": a.rootNSSF,
	}
	for _, nf := range config.NFNames() {
		if root := roots[nf]; root != nil && cfg.Runs(nf) {
			if err := root(ctx); err != nil {
				return nil, err
			}
		}
	}
	a.connect()
	if d := a.serveDataChanges(); len(d) > 0 && a.homePeers != nil {
		a.subscribers = append(a.subscribers, &subscriber{what: "the UDR's data changes",
			targets: dataChangeTargets(a.homePeers, a.sbi.apiRoot+nudr.CallbackPath)})
	}
	if a.sbi != nil && a.amf != nil && a.udm == nil && a.amfPeers != nil {
		a.subscribers = append(a.subscribers, &subscriber{what: "the UDM's access and mobility data changes",
			targets: sdmTargets(a.amfPeers, a.sbi.apiRoot+nudm.CallbackPath)})
	}
	if err := a.buildAPI(); err != nil {
		return nil, err
	}
	built = true
	return a, nil
}

// connect delivers the notifications between NFs of this process:
// subscription changes go from the UDR to the UDM, which notifies the
// AMF of the access and mobility data (a new UE-AMBR), and to the PCF,
// which sends the SMF the new decisions (a new session AMBR)
// (TS 23.502 §4.5.1, §4.16.9).
func (a *App) connect() {
	var local sbi.NpcfSMPolicyNotifier
	if a.pcf != nil && a.smf != nil {
		local = selection.PolicyNotifier(a.pcfID, a.smf)
	}
	switch {
	case a.pcfHTTP != nil:
		a.pcf.SetNotifier(pcfNotifier{http: a.pcfHTTP, local: local})
	case local != nil:
		a.pcf.SetNotifier(local)
	}
	if a.udr != nil && a.udm != nil {
		a.udr.Subscribe(a.udm)
	}
	if a.udr != nil && a.pcf != nil {
		a.udr.Subscribe(a.pcf)
	}
	if a.udm != nil && a.amf != nil {
		a.udm.SubscribeSDM(a.amf)
	}
}

// teardown releases what New built when it fails.
func (a *App) teardown() {
	if a.listener != nil {
		a.listener.Close()
	}
	a.sbi.close()
	a.closeN2()
	a.closeSessions()
	if a.store != nil {
		a.store.Close()
	}
	if a.recordsEngine != nil {
		a.recordsEngine.Close()
	}
	if a.dataLock != nil {
		a.dataLock.Release()
	}
}

// HTTPAddr is the address the management API listens on.
func (a *App) HTTPAddr() netip.AddrPort {
	return a.listener.Addr().(*net.TCPAddr).AddrPort()
}

// Store is the subscriber store, as the core's components use it; nil
// in a process without the UDR.
func (a *App) Store() store.Store {
	if a.health == nil {
		return nil
	}
	return a.health
}

// Run serves until ctx is cancelled, then stops within StopTimeout.
func (a *App) Run(ctx context.Context) error {
	errc := make(chan error, 2)
	go func() { errc <- a.http.Serve(a.listener) }()
	if a.nrf != nil {
		a.nrf.Start()
	}
	a.sbi.start()
	a.startRegistrations()
	a.upfWatch.start()
	a.pcfSweep.start()
	for _, s := range a.subscribers {
		s.start(a.log.With("component", "app"))
	}
	if a.health != nil {
		a.health.Start()
	}
	if a.udr != nil {
		a.udr.Start()
	}
	if a.sampler != nil {
		sctx, cancel := context.WithCancel(context.Background())
		a.cancelSampler, a.samplerDone = cancel, make(chan struct{})
		go func() {
			defer close(a.samplerDone)
			a.sampler.Run(sctx)
		}()
	}
	n2ctx, stopN2 := context.WithCancel(context.Background())
	defer stopN2()
	n2done := make(chan error, 1)
	httpReturned, n2Returned := false, a.n2ln == nil
	if !n2Returned {
		go func() { n2done <- a.amf.Serve(n2ctx, a.n2ln) }()
	}
	a.log.Info("keel serving", "component", "app", "nfs", strings.Join(a.cfg.NFs, ","), "http", a.HTTPAddr().String())
	a.log.Info("keel network", append([]any{"component", "app"}, networkAttrs(a.cfg)...)...)
	var runErr error
	select {
	case <-ctx.Done():
	case err := <-errc:
		runErr, httpReturned = fmt.Errorf("http: %w", err), true
	case err := <-n2done:
		n2Returned = true
		if err != nil {
			runErr = fmt.Errorf("n2: %w", err)
		}
	}
	stopErr := a.stop()
	stopN2()
	// Join both servers: Serve returns ErrServerClosed once Shutdown has
	// begun, the AMF once its listener is closed.
	if !httpReturned {
		<-errc
	}
	if !n2Returned {
		<-n2done
	}
	return errors.Join(runErr, stopErr)
}

// stop shuts components down in the reverse order of their start.
func (a *App) stop() error {
	a.log.Info("keel stopping", "component", "app")
	ctx, cancel := context.WithTimeout(context.Background(), StopTimeout-time.Second)
	defer cancel()
	// gNBs learn first that the AMF is going (AMF Status Indication),
	// then the management API drains, then the store closes.
	if a.n2ln != nil {
		a.n2ln.Close()
	}
	var errs []error
	if a.amf != nil {
		errs = append(errs, a.amf.Stop(ctx))
	}
	a.closeSessions()
	a.pcfSweep.stop()
	for _, s := range a.subscribers {
		s.stop()
	}
	errs = append(errs, a.stopRegistrations(ctx), a.sbi.stop(ctx))
	if a.nrf != nil {
		a.nrf.Stop()
	}
	if err := a.http.Shutdown(ctx); err != nil {
		a.http.Close()
		errs = append(errs, err)
	}
	if a.cancelSampler != nil {
		a.cancelSampler()
		<-a.samplerDone
	}
	if a.n2 != nil {
		errs = append(errs, a.n2.Close())
	}
	if a.udr != nil {
		a.udr.Stop()
	}
	if a.health != nil {
		a.health.Stop()
	}
	if a.store != nil {
		errs = append(errs, a.store.Close())
	}
	if a.recordsEngine != nil {
		errs = append(errs, a.recordsEngine.Close())
	}
	if a.dataLock != nil {
		errs = append(errs, a.dataLock.Release())
	}
	return errors.Join(errs...)
}

// closeSessions stops the SMF, then the UPF.
func (a *App) closeSessions() {
	a.upfWatch.stop()
	if a.smf != nil {
		a.smf.Close()
	}
	if err := a.up.close(); err != nil {
		a.log.Warn("UPF stop", "component", "upf", "err", err)
	}
}

// Close releases an App that was built but never Run.
func (a *App) Close() error {
	a.listener.Close()
	a.sbi.close()
	a.closeN2()
	a.closeSessions()
	var errs []error
	if a.store != nil {
		errs = append(errs, a.store.Close())
	}
	if a.recordsEngine != nil {
		errs = append(errs, a.recordsEngine.Close())
	}
	if a.dataLock != nil {
		errs = append(errs, a.dataLock.Release())
	}
	return errors.Join(errs...)
}

func (a *App) closeN2() {
	if a.n2ln != nil {
		a.n2ln.Close()
	}
	if a.n2 != nil {
		a.n2.Close()
	}
}

// N2Addr is the address the AMF listens on for gNBs; the zero AddrPort
// when N2 is not serving.
func (a *App) N2Addr() netip.AddrPort {
	if a.n2ln == nil {
		return netip.AddrPort{}
	}
	return a.n2ln.Addr()
}

func (a *App) ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if a.store != nil {
		if err := a.store.Ping(ctx); err != nil {
			return fmt.Errorf("store: %w", err)
		}
		// Reads may answer while writes fail (a full disk): the health
		// of the store comes from the outcome of its writes and of its
		// probe.
		if err := a.health.Ready(); err != nil {
			return fmt.Errorf("store: %w", err)
		}
	}
	if a.n2Err != nil {
		return fmt.Errorf("n2: not serving: %w", a.n2Err)
	}
	// An NF not yet registered at the NRF cannot be discovered: the
	// process is not ready until all of its are (after an NRF restart
	// too, until each registered again).
	for _, c := range a.registrations {
		if !c.Registered() {
			return fmt.Errorf("nrf: NF instance %s not registered at the NRF yet", c.InstanceID())
		}
	}
	if a.smf != nil && !a.smf.Associated() {
		return fmt.Errorf("smf: no PFCP association with any UPF yet: PDU sessions are refused")
	}
	return nil
}

func (a *App) extraRoutes() map[string]http.Handler {
	if !a.cfg.HTTP.Pprof {
		return nil
	}
	// pprof sits behind the admin token like the rest of the API.
	return map[string]http.Handler{
		"GET /debug/pprof/":        http.HandlerFunc(pprof.Index),
		"GET /debug/pprof/cmdline": http.HandlerFunc(pprof.Cmdline),
		"GET /debug/pprof/profile": http.HandlerFunc(pprof.Profile),
		"GET /debug/pprof/symbol":  http.HandlerFunc(pprof.Symbol),
		"GET /debug/pprof/trace":   http.HandlerFunc(pprof.Trace),
	}
}

// subscriberDefaults are what a new subscriber gets when the request leaves
// a setting out: the first configured slice, every configured DNN in it,
// 5QI 9 (TS 23.501 Table 5.7.4-1, default bearer for internet traffic),
// ARP priority 8 and 1 Gbps aggregate rates.
func subscriberDefaults(cfg config.Config) api.Defaults {
	const gbps = 1_000_000_000
	d := api.Defaults{
		AMF:         [2]byte{0x80, 0x00}, // TS 33.102 Annex H: separation bit set for 5G AKA
		UEAMBR:      store.AMBR{Uplink: gbps, Downlink: gbps},
		SessionAMBR: store.AMBR{Uplink: gbps, Downlink: gbps},
		FiveQI:      9,
		ARPPriority: 8,
	}
	if len(cfg.Slices) > 0 {
		d.NSSAI = []ident.SNSSAI{cfg.Slices[0].SNSSAI()}
	}
	for _, dnn := range cfg.DNNs {
		d.DNNs = append(d.DNNs, dnn.Name)
	}
	return d
}
