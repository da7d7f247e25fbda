package amf

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/crypto/kdf"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/lograte"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/panics"
	"github.com/keelcore/keel/internal/procevent"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sctp"
	"github.com/keelcore/keel/internal/store"
)

// Config is what the AMF serves.
type Config struct {
	Name   string
	PLMN   ident.PLMN
	TACs   []uint32
	Slices []ident.SNSSAI
	GUAMI  ident.GUAMI
	// BackupName, when set, is the name of the AMF of the same AMF set
	// that takes the GUAMI over if this one fails, sent with it in NG
	// Setup Response (TS 38.413 §8.7.1.2, §9.2.6.2 Backup AMF Name, TS
	// 23.501 §5.21.2.3).
	BackupName string
	// InstanceID is the AMF's NF instance ID, a UUID (TS 29.571
	// NfInstanceId); empty means one derived from the GUAMI, the same
	// at every start.
	InstanceID string
	// Capacity is the Relative AMF Capacity announced to gNBs (0..255).
	Capacity uint8
	// Integrity and Ciphering are the NAS algorithm preference orders.
	Integrity, Ciphering []uint8
	// T3512 is the periodic registration timer given to UEs.
	T3512 time.Duration
	// Accept holds the operator's Registration Accept IEs (T3502, 5GS
	// network feature support, emergency numbers, service area).
	Accept gmm.AcceptIEs
	// NITZ, when set, is sent to every UE after its initial registration
	// (TS 24.501 §5.4.4.2); its clock, when nil, is Options.Now.
	NITZ *gmm.NITZ
	// AfterRegistration says when a UE's N2 connection is released at
	// the end of a registration without follow-on request (TS 24.501
	// §5.5.1.2.4); the zero value releases only after registration
	// updates.
	AfterRegistration gmm.ConnectionPolicy
	// Timers are the 5GMM network timers; zero values take the TS
	// 24.501 defaults (gmm.Timers says which).
	Timers gmm.Timers
	// PagingAttempts is how many Paging messages one paging of an idle
	// UE sends, one per T3513 period; 0 means gmm.DefaultPagingAttempts.
	PagingAttempts int
	// MaxUEs bounds the UE contexts; 0 means 1,000,000.
	MaxUEs int
	// SBITimeout bounds each call to the AUSF and the UDM (the SMF's get
	// three times as long); 0 means gmm.DefaultSBITimeout.
	SBITimeout time.Duration
	// Deadlines bound the calls of each 5GMM procedure from when the
	// machine issues them (gmm/calls.go); a zero field takes SBITimeout
	// (the SMF's three times that). Past its deadline a call has failed
	// as a temporary failure of the peer: #22 with T3346.
	Deadlines gmm.Deadlines
	// MaxRegistering bounds the UEs registering at once; beyond it new
	// registrations are refused with 5GMM cause #22 and the gNBs get an
	// NGAP Overload Start until the number falls to half. 0 means
	// DefaultMaxRegistering.
	MaxRegistering int
	// TNGRELOCprep bounds an N2 handover's preparation, from Handover
	// Required to Handover Command (TS 38.413 §8.4.1.2); 0 means
	// DefaultTNGRELOCprep.
	TNGRELOCprep time.Duration
}

// DefaultMaxRegistering is the default of Config.MaxRegistering.
const DefaultMaxRegistering = 10000

// DefaultProbeTimeout is the default of Options.ProbeTimeout.
const DefaultProbeTimeout = 2 * time.Second

// Options are the AMF's collaborators.
type Options struct {
	Logger   *slog.Logger
	Registry prometheus.Registerer
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// ResetTimeout bounds how long an AMF-initiated NG Reset waits for the
	// acknowledgement; 0 means 5 s.
	ResetTimeout time.Duration
	// ProbeTimeout bounds how long an NG Setup claiming the gNB ID of an
	// association from another address waits for that association to
	// answer a liveness probe (probe.go); 0 means DefaultProbeTimeout.
	ProbeTimeout time.Duration
	// Services are the AUSF, UDM, SMF and NSSF the AMF consumes.
	Services gmm.Services
	// NSSAIAvailability is the NSSF's service the AMF tells the
	// S-NSSAIs it supports per TA (nssai_availability.go); nil tells
	// none.
	NSSAIAvailability sbi.NnssfNSSAIAvailability
	// NSSAINotificationURI, when set with NSSAIAvailability and
	// Services.NSSF, is where the NSSF is to post its NSSAI availability
	// notifications: the AMF then subscribes to them and, while
	// subscribed, keeps the NSSF's answers to registrations' slice
	// queries, up to MaxKeptSlices (0 means DefaultMaxKeptSlices), and
	// drops them on every notification (nssai_kept.go). Empty asks the
	// NSSF every time.
	NSSAINotificationURI string
	MaxKeptSlices        int
	// AfterFunc schedules timer expiries; nil means time.AfterFunc.
	AfterFunc func(d time.Duration, f func()) (stop func() bool)
	// LogRate limits the AMF's repetitive log lines (lograte): per
	// message and cause, Burst lines per Interval, then a count of the
	// suppressed ones. The zero value takes lograte's defaults; Keys is
	// always "cause".
	LogRate lograte.Options
	// Records, when set, is the store the AMF set shares: the AMF saves
	// its UEs' contexts there and restores those of UEs another
	// instance of the set served (saver.go, restore.go, TS 23.501
	// §5.21.2). nil keeps UE contexts in this process only.
	Records store.Records
	// Alive, when set with Records, tells whether the AMF instance with
	// an NF instance ID is in service (the NRF lists it): an
	// N1N2MessageTransfer for a UE this instance does not know takes
	// the UE over from the store only when the instance that saved it
	// is not (restore.go). nil takes no UE over on a transfer.
	Alive func(ctx context.Context, instanceID string) (bool, error)
	// Panics records the panics recovered at the UE executors' and the
	// association readers' boundaries; it is the process's, shared with
	// the other components. nil builds one that registers
	// keel_panics_total on Registry.
	Panics *panics.Recorder
	// Events takes the registrations and service requests that fail,
	// with their 5GMM cause (events.go); nil records none.
	Events procevent.Recorder
}

// The boundaries' names in keel_panics_total{component}.
const (
	panicUE = "amf-ue" // a UE's executor
	panicN2 = "amf-n2" // an association's reader
)

// AMF is the N2 endpoint of the core.
type AMF struct {
	cfg     Config
	log     *slog.Logger
	logRate *lograte.Limiter
	now     func() time.Time
	metrics *metrics
	panics  *panics.Recorder
	resetTO time.Duration
	probeTO time.Duration
	// events is Options.Events (events.go), nil for none.
	events procevent.Recorder

	gmmCfg   *gmm.Config
	services gmm.Services
	// peers are the services the 5GMM machine's calls are performed on
	// (calls.go), each call under its own deadline; services bounds
	// every call the AMF makes itself.
	peers gmm.Services
	// availability is the NSSF's NSSAIAvailability service, nil when
	// there is none; reported is set once the NSSF has taken the AMF's
	// slices.
	availability sbi.NnssfNSSAIAvailability
	reported     atomic.Bool
	// kept holds the NSSF's answers while the AMF is subscribed to NSSAI
	// availability notifications at nssaiURI; nil when it does not
	// subscribe.
	kept     *keptSlices
	nssaiURI string
	// records is Options.Records; recordLifetime how long a saved
	// context outlives its last save: twice the time after which its
	// UE is implicitly deregistered (mobile reachable and implicit
	// deregistration timers, TS 24.501 §5.3.7).
	records        store.Records
	recordLifetime time.Duration
	alive          func(ctx context.Context, instanceID string) (bool, error)
	afterFunc      func(d time.Duration, f func()) (stop func() bool)
	// long runs the UEs' long timers (longtimers.go).
	long    *longTimers
	maxUEs  int
	ueCount atomic.Int64
	// registering counts UE contexts not yet registered; overloaded is
	// set while the gNBs have been sent Overload Start.
	registering    atomic.Int64
	maxRegistering int64
	overloaded     atomic.Bool
	// stopping is set by Stop.
	stopping atomic.Bool
	// releaseListed, set only by tests (export_test.go), runs in
	// releaseRAN once the association's UE connections are listed and
	// AMF.ues is unlocked, and is given the function that ends them: in
	// between a test makes a UE move to another gNB, which no timing of
	// real peers can force.
	releaseListed atomic.Pointer[func(end func())]

	// Lock order: mu, then a ran's mu; ues is never held with either.
	mu struct {
		sync.Mutex
		rans    map[*ran]struct{}
		byID    map[ngap.RANNodeID]*ran
		stopped bool
		// stopReporting ends the goroutine that reports the AMF's
		// slices to the NSSF (nssai_availability.go); nil until it
		// starts.
		stopReporting context.CancelFunc
		// subscription is the ID of the AMF's NSSAI availability
		// subscription at the NSSF; empty when it holds none.
		subscription string
	}
	// ues routes UE-associated messages and identities to UE contexts.
	ues struct {
		sync.Mutex
		byAMFID map[int64]*ueContext
		// byTMSI finds a UE by the AMF Pointer and 5G-TMSI of its
		// 5G-GUTI: those of another instance of the set too, once the
		// UE's context was restored here (restore.go).
		byTMSI map[stmsi]*ueContext
		bySUPI map[string]*ueContext
		nextID int64
		// releasing holds, per SUPI, the release of a context whose
		// event panicked while it runs (releaseFailed): closed once the
		// UDM has forgotten the registration.
		releasing map[string]chan struct{}
		// deregistered remembers the 5G-TMSIs of the last UEs
		// implicitly deregistered while idle (TS 24.501 §5.3.7), oldest
		// first in deregOrder, at most maxDeregisteredTMSIs: a Service
		// Request naming one is told #10, not #9 (§5.6.1.5).
		deregistered map[stmsi]struct{}
		deregOrder   []stmsi
		// retired holds, by AMF UE NGAP ID, the connections the AMF
		// released while their UE moved on, until the gNB's Release
		// Complete (retire).
		retired map[int64]*ueConn
	}
	// wg joins association readers and the AMF's own goroutines; runs
	// joins UE executors and the goroutines performing their SBI calls
	// (calls.go), whose context is calls, cancelled by Stop.
	wg          sync.WaitGroup
	runs        runs
	calls       context.Context
	cancelCalls context.CancelFunc
}

// New builds an AMF. It registers its metrics on opts.Registry.
func New(cfg Config, opts Options) (*AMF, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ResetTimeout == 0 {
		opts.ResetTimeout = 5 * time.Second
	}
	if opts.ProbeTimeout == 0 {
		opts.ProbeTimeout = DefaultProbeTimeout
	}
	if _, err := cfg.PLMN.Octets(); err != nil {
		return nil, fmt.Errorf("amf: %w", err)
	}
	m, err := newMetrics(opts.Registry)
	if err != nil {
		return nil, fmt.Errorf("amf: %w", err)
	}
	if opts.Panics == nil {
		if opts.Panics, err = panics.New(panics.Options{Registry: opts.Registry}); err != nil {
			return nil, fmt.Errorf("amf: %w", err)
		}
	}
	opts.Panics.Declare(panicUE, panicN2)
	// Every line of the AMF, the per-UE ones above all, goes through the
	// limiter: one gNB sending thousands of Initial UE Messages for
	// unknown SUPIs must not write a line per UE.
	rate := opts.LogRate
	rate.Keys = []string{"cause"}
	if rate.Now == nil {
		rate.Now = opts.Now
	}
	limiter := lograte.New(opts.Logger.Handler(), rate)
	a := &AMF{cfg: cfg, log: slog.New(limiter), logRate: limiter, now: opts.Now, metrics: m, panics: opts.Panics, resetTO: opts.ResetTimeout, probeTO: opts.ProbeTimeout,
		afterFunc: opts.AfterFunc, maxUEs: cfg.MaxUEs}
	a.calls, a.cancelCalls = context.WithCancel(context.Background())
	svc := opts.Services
	if svc.UECM != nil {
		svc.UECM = orderedUECM{NudmUECM: svc.UECM, a: a}
	}
	if opts.NSSAINotificationURI != "" && opts.NSSAIAvailability != nil && svc.NSSF != nil {
		if a.kept, err = newKeptSlices(svc.NSSF, opts.MaxKeptSlices, opts.Registry); err != nil {
			return nil, fmt.Errorf("amf: %w", err)
		}
		a.nssaiURI = opts.NSSAINotificationURI
		svc.NSSF = a.kept
	}
	a.services = gmm.Bounded(svc, cfg.SBITimeout)
	// The machine's calls have their deadline from the machine
	// (calls.go): no second bound.
	a.peers = svc
	a.availability = opts.NSSAIAvailability
	a.records = opts.Records
	a.alive = opts.Alive
	a.events = opts.Events
	if a.cfg.InstanceID == "" {
		a.cfg.InstanceID = instanceID(cfg.GUAMI)
	}
	if a.afterFunc == nil {
		a.afterFunc = func(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }
	}
	a.long = newLongTimers(a.afterFunc)
	if a.maxUEs == 0 {
		a.maxUEs = 1_000_000
	}
	a.maxRegistering = int64(cfg.MaxRegistering)
	if a.maxRegistering == 0 {
		a.maxRegistering = DefaultMaxRegistering
	}
	timers, def := cfg.Timers, gmm.DefaultTimers
	for _, t := range []struct {
		v   *time.Duration
		def time.Duration
	}{{&timers.T3550, def.T3550}, {&timers.T3560, def.T3560}, {&timers.T3570, def.T3570}, {&timers.T3522, def.T3522}} {
		if *t.v == 0 {
			*t.v = t.def
		}
	}
	var tais []ident.TAI
	for _, tac := range cfg.TACs {
		tais = append(tais, ident.TAI{PLMN: cfg.PLMN, TAC: tac})
	}
	a.gmmCfg = &gmm.Config{
		PLMN:               cfg.PLMN,
		ServingNetworkName: kdf.ServingNetworkName(cfg.PLMN.MCC, cfg.PLMN.MNC),
		TAIs:               tais,
		NFInstanceID:       a.cfg.InstanceID,
		Integrity:          cfg.Integrity,
		Ciphering:          cfg.Ciphering,
		T3512:              cfg.T3512,
		Timers:             timers,
		Deadlines:          deadlines(cfg),
		PagingAttempts:     cfg.PagingAttempts,
		Accept:             cfg.Accept,
		AfterRegistration:  cfg.AfterRegistration,
	}
	a.recordLifetime = timers.MobileReachable
	if a.recordLifetime == 0 {
		a.recordLifetime = cfg.T3512 + 4*time.Minute
	}
	if timers.ImplicitDeregistration > 0 {
		a.recordLifetime += timers.ImplicitDeregistration
	} else {
		a.recordLifetime += gmm.DefaultImplicitDeregistration
	}
	// Twice that, and an hour at least: a record outlives by far the
	// implicit deregistration of its UE, which asks whether it is still
	// there (takenOver).
	a.recordLifetime = max(2*a.recordLifetime, time.Hour)
	if cfg.NITZ != nil {
		n := *cfg.NITZ
		if n.Now == nil {
			n.Now = a.now
		}
		a.gmmCfg.NITZ = &n
	}
	a.mu.rans = map[*ran]struct{}{}
	a.mu.byID = map[ngap.RANNodeID]*ran{}
	a.ues.byAMFID = map[int64]*ueContext{}
	a.ues.byTMSI = map[stmsi]*ueContext{}
	a.ues.deregistered = map[stmsi]struct{}{}
	a.ues.bySUPI = map[string]*ueContext{}
	a.ues.releasing = map[string]chan struct{}{}
	a.ues.retired = map[int64]*ueConn{}
	return a, nil
}

// deadlines fills the zero deadlines of cfg.Deadlines from
// cfg.SBITimeout.
func deadlines(cfg Config) gmm.Deadlines {
	d, base := cfg.Deadlines, cfg.SBITimeout
	if base <= 0 {
		base = gmm.DefaultSBITimeout
	}
	if d.Authentication <= 0 {
		d.Authentication = base
	}
	if d.Subscription <= 0 {
		d.Subscription = base
	}
	if d.Session <= 0 {
		d.Session = 3 * base
	}
	if d.Reactivation <= 0 {
		d.Reactivation = base
	}
	return d
}

// Serve accepts gNB associations on ln until ctx is done or ln fails. Each
// association is served by its own goroutine, which Stop joins.
func (a *AMF) Serve(ctx context.Context, ln sctp.Listener) error {
	a.startReporting(ctx)
	for {
		c, err := ln.Accept(ctx)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, sctp.ErrClosed) {
				return nil
			}
			return fmt.Errorf("amf: accepting N2 associations: %w", err)
		}
		r := a.newRAN(c)
		a.mu.Lock()
		if a.mu.stopped {
			a.mu.Unlock()
			c.Abort()
			return nil
		}
		a.mu.rans[r] = struct{}{}
		a.wg.Add(1)
		a.mu.Unlock()
		a.metrics.associations.Inc()
		go func() {
			defer a.wg.Done()
			a.serveRAN(ctx, r)
		}()
	}
}

// Stop tells every set-up gNB that this AMF is going away (AMF Status
// Indication with its GUAMI unavailable, TS 38.413 §8.7.6), closes every
// association and waits for their goroutines.
func (a *AMF) Stop(ctx context.Context) error {
	a.stopping.Store(true)
	a.mu.Lock()
	a.mu.stopped = true
	if a.mu.stopReporting != nil {
		a.mu.stopReporting()
	}
	rans := make([]*ran, 0, len(a.mu.rans))
	for r := range a.mu.rans {
		rans = append(rans, r)
	}
	a.mu.Unlock()
	// TS 38.413 §8.7.6, §9.2.6.10: the GUAMI names its backup AMF.
	msg, err := ngap.AMFStatusIndicationBackups([]ident.GUAMI{a.cfg.GUAMI}, a.backupNames())
	if err != nil {
		return fmt.Errorf("amf: %w", err)
	}
	for _, r := range rans {
		if r.isSetUp() {
			if err := a.send(ctx, r, msg); err != nil {
				r.logger().Warn("amf: AMF Status Indication not sent", "err", err)
			}
		}
		r.conn.Close()
	}
	done := make(chan struct{})
	go func() {
		// Readers first: their last act hands the UEs of their
		// association to the executors.
		a.wg.Wait()
		a.cancelCalls()
		a.runs.close()
		a.long.close()
		close(done)
	}()
	defer a.logRate.Flush(context.WithoutCancel(ctx))
	defer a.withdrawSlices(ctx)
	defer a.unsubscribeSlices(ctx)
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		for _, r := range rans {
			r.conn.Abort()
		}
		<-done
		return ctx.Err()
	}
}

// GNB is a snapshot of one gNB association, as the AMF publishes it for
// management (internal/api shapes its own view from it).
type GNB struct {
	ID          string
	PLMN        string
	GNBID       string
	GNBIDBits   int
	Name        string
	Address     string
	State       string
	SupportedTA []TAInfo
	ConnectedAt time.Time
	SetupAt     *time.Time
}

// TAInfo is one tracking area a gNB supports.
type TAInfo struct {
	TAC    uint32
	PLMNs  []string
	Slices []string
}

// GNBs lists the associations, set up or not, in ID then address order.
func (a *AMF) GNBs() []GNB {
	a.mu.Lock()
	rans := make([]*ran, 0, len(a.mu.rans))
	for r := range a.mu.rans {
		rans = append(rans, r)
	}
	a.mu.Unlock()
	out := make([]GNB, 0, len(rans))
	for _, r := range rans {
		out = append(out, r.info())
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].ID != out[j].ID {
			return out[i].ID < out[j].ID
		}
		return out[i].Address < out[j].Address
	})
	return out
}
