// Package app is Keel's composition root: it builds every component from a
// config.Config, starts them in order and stops them in reverse. Nothing
// else in Keel constructs components or holds process-wide state.
//
// # Concurrency
//
// New, Run and Stop are called from one goroutine. Run blocks until its
// context is cancelled or a component fails; it then stops everything and
// returns. Components started here own their goroutines and join them in
// their Stop.
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
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/keelcore/keel/internal/amf"
	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/api"
	"github.com/keelcore/keel/internal/ausf"
	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/dirlock"
	"github.com/keelcore/keel/internal/hnkey"
	"github.com/keelcore/keel/internal/panics"
	"github.com/keelcore/keel/internal/pcf"
	"github.com/keelcore/keel/internal/sctp"
	"github.com/keelcore/keel/internal/sctp/transport"
	"github.com/keelcore/keel/internal/smf"
	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/health"
	"github.com/keelcore/keel/internal/store/sqlite"
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
	// StoreProbeInterval is the time between the store health probe's
	// writes; 0 means health.DefaultProbeInterval.
	StoreProbeInterval time.Duration
}

// App is a running core.
type App struct {
	cfg      config.Config
	log      *slog.Logger
	store    *sqlite.Store
	health   *health.Store // the store as every component uses it
	registry *prometheus.Registry
	api      *api.Server
	http     *http.Server
	listener net.Listener
	amf      *amf.AMF
	smf      *smf.SMF
	// udr and udm carry subscription changes from the management API to
	// the NFs (TS 23.502 §4.5.1, §4.16.9); pcf is the SMF's.
	udr      *udr.UDR
	udm      *udm.UDM
	pcf      *pcf.PCF
	up       *userPlane
	n2       sctp.Transport
	n2ln     sctp.Listener
	n2Err    error // why N2 is not serving; nil when it is
	dataLock *dirlock.Lock
}

// New builds the core: data directory (locked against a second core),
// store, admin token, metrics and the management API, with its listener
// bound. Nothing is served until Run.
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
	a := &App{cfg: cfg, log: opts.Logger, registry: prometheus.NewRegistry()}
	a.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "keel_build_info",
		Help:        "Keel's version and commit; always 1.",
		ConstLabels: prometheus.Labels{"version": opts.Version, "commit": opts.Commit},
	})
	build.Set(1)
	a.registry.MustRegister(build)

	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	// One core per data directory: two would share the store, the admin
	// token and the home network keys. The kernel releases the lock when
	// this process ends, however it ends.
	lock, err := dirlock.Acquire(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	a.dataLock = lock
	built := false
	defer func() {
		if !built {
			lock.Release()
		}
	}()
	token, created, err := loadOrCreateToken(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if created {
		// Shown as soon as it exists, so that a start failing later
		// (a busy port, a missing privilege) does not lose it.
		fmt.Fprintf(opts.Notice, "Admin token (shown once; kept in %s, mode 0600):\n\n    %s\n\n",
			filepath.Join(cfg.DataDir, TokenFile), token.Reveal())
	}
	dbPath := filepath.Join(cfg.DataDir, DatabaseFile)
	st, err := sqlite.Open(ctx, dbPath, sqlite.Options{
		Logger:     a.log.With("component", "store"),
		Registerer: a.registry,
	})
	if err != nil {
		return nil, err
	}
	a.store = st
	a.log.Info("store open", "component", "store", "engine", "sqlite", "path", dbPath)
	var used store.Store = st
	if opts.WrapStore != nil {
		used = opts.WrapStore(st)
	}
	a.health, err = health.New(used, health.Options{
		Logger:        a.log.With("component", "store"),
		Registerer:    a.registry,
		ProbeInterval: opts.StoreProbeInterval,
	})
	if err != nil {
		st.Close()
		return nil, err
	}

	keys, err := hnkey.LoadOrCreate(cfg.DataDir)
	if err != nil {
		st.Close()
		return nil, err
	}
	services, err := a.homeNetwork(a.health, keys)
	if err != nil {
		st.Close()
		return nil, err
	}
	if a.up, err = a.startUPF(ctx); err != nil {
		st.Close()
		return nil, err
	}
	if a.smf, err = a.startSMF(ctx, services.SDM); err != nil {
		a.up.close()
		st.Close()
		return nil, err
	}
	services.SMF = a.smf
	// One recorder for the process: keel_panics_total is shared by
	// every component that has a panic boundary.
	recorder, err := panics.New(panics.Options{Registry: a.registry, Observe: opts.OnPanic})
	if err != nil {
		a.closeSessions()
		st.Close()
		return nil, err
	}
	a.amf, err = amf.New(amfConfig(cfg), amf.Options{Logger: a.log.With("component", "amf"), Registry: a.registry, Services: services, Panics: recorder})
	if err != nil {
		a.closeSessions()
		st.Close()
		return nil, err
	}
	a.smf.SetAMF(a.amf)
	// Subscription changes: the UDR notifies the UDM, which notifies the
	// AMF of the access and mobility data (a new UE-AMBR), and the PCF,
	// which sends the SMF the new decisions (a new session AMBR).
	a.pcf.SetNotifier(a.smf)
	a.udr.Subscribe(a.udm)
	a.udr.Subscribe(a.pcf)
	a.udm.SubscribeSDM(a.amf)
	if err := a.startN2(ctx, opts.SelectN2); err != nil {
		a.closeSessions()
		st.Close()
		return nil, err
	}

	a.api, err = api.New(api.Options{
		Store:    a.health,
		Token:    token,
		Logger:   a.log.With("component", "api"),
		Registry: a.registry,
		Gatherer: a.registry,
		Defaults: subscriberDefaults(cfg),
		Served:   served(cfg.DNNs),
		SpoolDir: cfg.DataDir,
		Ready:    a.ready,
		RAN:      a.amf,
		UEs:      ueView{a.amf},
		Sessions: sessionView{a.smf},
		Changed:  a.udr.Changed,
		HNKeys:   keys,
		Extra:    a.extraRoutes(),
	})
	if err != nil {
		a.closeN2()
		a.closeSessions()
		st.Close()
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.HTTP.Address.String())
	if err != nil {
		a.closeN2()
		a.closeSessions()
		st.Close()
		return nil, fmt.Errorf("http.address: %w", err)
	}
	a.listener = ln
	a.http = &http.Server{
		Handler:           a.api.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.log.With("component", "http").Handler(), slog.LevelWarn),
	}
	built = true
	return a, nil
}

// homeNetwork builds the UDR, UDM and AUSF the AMF authenticates with.
func (a *App) homeNetwork(st store.Store, keys *hnkey.Keyring) (gmm.Services, error) {
	r, err := udr.New(st, udr.Options{Logger: a.log.With("component", "udr"), Registry: a.registry})
	if err != nil {
		return gmm.Services{}, err
	}
	m, err := udm.New(udm.Options{UDR: r, Keys: keys, Logger: a.log.With("component", "udm"), Registry: a.registry})
	if err != nil {
		return gmm.Services{}, err
	}
	a.udr, a.udm = r, m
	s, err := ausf.New(ausf.Options{UDM: m, Logger: a.log.With("component", "ausf"), Registry: a.registry})
	if err != nil {
		return gmm.Services{}, err
	}
	return gmm.Services{AUSF: s, SDM: m, UECM: m}, nil
}

// HTTPAddr is the address the management API listens on.
func (a *App) HTTPAddr() netip.AddrPort {
	return a.listener.Addr().(*net.TCPAddr).AddrPort()
}

// Store is the subscriber store, as the core's components use it.
func (a *App) Store() store.Store { return a.health }

// Run serves until ctx is cancelled, then stops within StopTimeout.
func (a *App) Run(ctx context.Context) error {
	errc := make(chan error, 2)
	go func() { errc <- a.http.Serve(a.listener) }()
	a.health.Start()
	n2ctx, stopN2 := context.WithCancel(context.Background())
	defer stopN2()
	n2done := make(chan error, 1)
	httpReturned, n2Returned := false, a.n2ln == nil
	if !n2Returned {
		go func() { n2done <- a.amf.Serve(n2ctx, a.n2ln) }()
	}
	a.log.Info("keel serving", "component", "app", "http", a.HTTPAddr().String())
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
	amfErr := a.amf.Stop(ctx)
	a.closeSessions()
	err := a.http.Shutdown(ctx)
	if err != nil {
		a.http.Close()
	}
	var n2Err error
	if a.n2 != nil {
		n2Err = a.n2.Close()
	}
	a.health.Stop()
	return errors.Join(amfErr, err, n2Err, a.store.Close(), a.dataLock.Release())
}

// closeSessions stops the SMF, then the UPF.
func (a *App) closeSessions() {
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
	a.closeN2()
	a.closeSessions()
	return errors.Join(a.store.Close(), a.dataLock.Release())
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
	if err := a.store.Ping(ctx); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	// Reads may answer while writes fail (a full disk): the health of the
	// store comes from the outcome of its writes and of its probe.
	if err := a.health.Ready(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if a.n2Err != nil {
		return fmt.Errorf("n2: not serving: %w", a.n2Err)
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
		sd, hasSD := cfg.Slices[0].SDValue()
		d.NSSAI = []store.SNSSAI{{SST: cfg.Slices[0].SST, SD: sd, HasSD: hasSD}}
	}
	for _, dnn := range cfg.DNNs {
		d.DNNs = append(d.DNNs, dnn.Name)
	}
	return d
}
