package amf_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/amf"
	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/ausf"
	"github.com/keelcore/keel/internal/hnkey"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/logtest"
	"github.com/keelcore/keel/internal/metrictest"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/nssf"
	"github.com/keelcore/keel/internal/panics"
	"github.com/keelcore/keel/internal/procevent"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sctp/pipe"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/sim/gnb"
	"github.com/keelcore/keel/internal/sim/scenario"
	"github.com/keelcore/keel/internal/sim/ue"
	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/postgres"
	"github.com/keelcore/keel/internal/store/postgres/pgtest"
	"github.com/keelcore/keel/internal/store/sqlite"
	"github.com/keelcore/keel/internal/udm"
	"github.com/keelcore/keel/internal/udr"
)

// core is an AMF with the real UDR, UDM and AUSF over a temporary store,
// served on an in-memory SCTP transport: a whole registration in one
// process, without sockets.
type core struct {
	amf  *amf.AMF
	tr   *pipe.Transport
	addr netip.AddrPort
	st   store.Store
	keys [][2]secret.Key128
	reg  *prometheus.Registry
	udm  *udm.UDM
	// cfg and svc are the AMF's configuration and services, for a peer
	// instance of its AMF set (amfset_test.go).
	cfg  amf.Config
	svc  gmm.Services
	nssf *nssf.NSSF
}

func startCore(tb testing.TB, subscribers int, timers gmm.Timers) *core {
	tb.Helper()
	return startCoreLog(tb, subscribers, timers, nil)
}

func startCoreLog(tb testing.TB, subscribers int, timers gmm.Timers, log *slog.Logger) *core {
	tb.Helper()
	return startCoreWith(tb, subscribers, timers, log, 0)
}

func startCoreWith(tb testing.TB, subscribers int, timers gmm.Timers, log *slog.Logger, maxRegistering int) *core {
	tb.Helper()
	return startCoreOpts(tb, subscribers, timers, coreOptions{log: log, maxRegistering: maxRegistering})
}

// coreOptions are what tests vary in a core.
type coreOptions struct {
	log            *slog.Logger
	maxRegistering int
	// sdm, when set, wraps the UDM's Nudm_SDM service (a test injects
	// faults with it).
	sdm func(sbi.NudmSDM) sbi.NudmSDM
	// observe is told of every panic the AMF's boundaries recover; nil
	// fails the test on one.
	observe func(panics.Panic)
	// services, when set, wraps the services the AMF is given (a test
	// injects faults with sbitest); sbiTimeout is the AMF's bound on a
	// call to them.
	services   func(gmm.Services) gmm.Services
	sbiTimeout time.Duration
	// keys are the home network key pairs that de-conceal SUCIs of
	// profiles A and B; ausfLog, when set, is the AUSF's logger in place
	// of log.
	keys    *hnkey.Keyring
	ausfLog *slog.Logger
	// config, when set, changes the AMF's configuration.
	config func(*amf.Config)
	// availability, when set, wraps the NSSF's NSSAIAvailability
	// service the AMF is given.
	availability func(sbi.NnssfNSSAIAvailability) sbi.NnssfNSSAIAvailability
	// afterFunc, when set, is the AMF's Options.AfterFunc.
	afterFunc func(time.Duration, func()) func() bool
	// records, when set, is the AMF set's store (Options.Records);
	// storeRecords makes it the core's SQLite store.
	records      store.Records
	storeRecords bool
	// wrapRecords, when set, wraps the records the AMF is given.
	wrapRecords func(store.Records) store.Records
	// nssfSlices, when set, are the NSSF's S-NSSAIs in every TA of the
	// AMF in place of the AMF's; nssaiURI, when set, is the AMF's
	// Options.NSSAINotificationURI, the NSSF's notifications then
	// delivered to the AMF directly.
	nssfSlices []ident.SNSSAI
	nssaiURI   string
	// nssfLifetime, when set, is the longest subscription the NSSF
	// grants.
	nssfLifetime time.Duration
	// events, when set, is the AMF's Options.Events.
	events procevent.Recorder
}

// toAMF delivers the NSSF's notifications to the AMF, once it is set.
type toAMF struct{ a atomic.Pointer[amf.AMF] }

func (t *toAMF) NotifyNSSAIAvailability(ctx context.Context, uri string, n sbi.NSSAIAvailabilityNotification) error {
	if a := t.a.Load(); a != nil {
		a.NSSAIAvailabilityChanged(ctx, n)
	}
	return nil
}

func startCoreOpts(tb testing.TB, subscribers int, timers gmm.Timers, o coreOptions) *core {
	tb.Helper()
	log, maxRegistering := o.log, o.maxRegistering
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "keel.db"), sqlite.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	c := &core{st: st, tr: pipe.New(), reg: prometheus.NewRegistry()}
	subs := make([]*store.Subscriber, subscribers)
	for i := range subs {
		k, opc := secret.RandomKey128(), secret.RandomKey128()
		c.keys = append(c.keys, [2]secret.Key128{k, opc})
		subs[i] = &store.Subscriber{SUPI: supiOf(i), Auth: store.AuthData{K: k, OPc: opc, AMF: [2]byte{0x80, 0}},
			NSSAI: []ident.SNSSAI{{SST: 1}}}
	}
	if len(subs) > 0 {
		if err := st.ImportSubscribers(ctx, subs); err != nil {
			tb.Fatal(err)
		}
	}
	r, _ := udr.New(st, udr.Options{Logger: log})
	d, _ := udm.New(udm.Options{UDR: r, Logger: log, Keys: o.keys})
	ausfLog := log
	if o.ausfLog != nil {
		ausfLog = o.ausfLog
	}
	s, _ := ausf.New(ausf.Options{UDM: d, Logger: ausfLog})
	cfg := amfConfig()
	cfg.Integrity, cfg.Ciphering, cfg.T3512, cfg.Timers = []uint8{2}, []uint8{2, 0}, time.Hour, timers
	cfg.MaxRegistering = maxRegistering
	var sdm sbi.NudmSDM = d
	if o.sdm != nil {
		sdm = o.sdm(d)
	}
	observe := o.observe
	if observe == nil {
		observe = failOnPanic(tb)
	}
	rec, err := panics.New(panics.Options{Registry: c.reg, Observe: observe})
	if err != nil {
		tb.Fatal(err)
	}
	cfg.SBITimeout = o.sbiTimeout
	if o.config != nil {
		o.config(&cfg)
	}
	if o.storeRecords {
		o.records = st
	}
	if o.records != nil && o.wrapRecords != nil {
		o.records = o.wrapRecords(o.records)
	}
	forward := &toAMF{}
	nssfCfg := cfg
	if o.nssfSlices != nil {
		nssfCfg.Slices = o.nssfSlices
	}
	n := nssfWith(tb, nssfCfg, nssf.Options{Notifier: forward, SubscriptionLifetime: o.nssfLifetime})
	c.nssf = n
	svc := gmm.Services{AUSF: s, SDM: sdm, UECM: d, NSSF: n}
	if o.services != nil {
		svc = o.services(svc)
	}
	var avail sbi.NnssfNSSAIAvailability = n
	if o.availability != nil {
		avail = o.availability(n)
	}
	a, err := amf.New(cfg, amf.Options{Logger: log, Registry: c.reg, Services: svc, NSSAIAvailability: avail, Panics: rec, AfterFunc: o.afterFunc, Records: o.records,
		NSSAINotificationURI: o.nssaiURI, Events: o.events})
	if err != nil {
		tb.Fatal(err)
	}
	forward.a.Store(a)
	ln, err := c.tr.Listen(ctx, netip.MustParseAddrPort("127.0.0.1:38412"))
	if err != nil {
		tb.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { a.Serve(sctx, ln); close(done) }()
	tb.Cleanup(func() {
		stopCtx, c := context.WithTimeout(ctx, 5*time.Second)
		defer c()
		a.Stop(stopCtx)
		cancel()
		ln.Close()
		<-done
	})
	c.amf, c.addr, c.udm, c.cfg, c.svc = a, ln.Addr(), d, cfg, svc
	return c
}

func supiOf(i int) string { return fmt.Sprintf("imsi-00101%010d", i+1) }

func (c *core) gnb(tb testing.TB, id uint32) *gnb.GNB {
	tb.Helper()
	g, err := gnb.Connect(context.Background(), c.tr, c.addr, gnbConfig(id), nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { g.Close() })
	return g
}

func (c *core) ue(tb testing.TB, i int) *ue.UE {
	tb.Helper()
	u, err := ue.New(ue.Config{SUPI: supiOf(i), MCC: "001", MNC: "01", K: c.keys[i][0], OPc: c.keys[i][1],
		Scheme: ue.SchemeNull, SNSSAIs: []ident.SNSSAI{{SST: 1}}})
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

// Many UEs register at once over one gNB; each ends registered in the
// AMF with its own 5G-GUTI.
func TestRegistrationInProcess(t *testing.T) {
	const n = 64
	c := startCore(t, n, gmm.Timers{})
	g := c.gnb(t, 1)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, _, err := scenario.Register(ctx, g, c.ue(t, i)); err != nil {
				errs <- fmt.Errorf("UE %d: %w", i, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	gutis := map[string]bool{}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		gutis = map[string]bool{}
		for _, u := range c.amf.UEs() {
			if u.State == "registered" && u.GUTI != nil {
				gutis[u.GUTI.String()] = true
			}
		}
		if len(gutis) == n {
			break
		}
	}
	if len(gutis) != n {
		t.Errorf("AMF holds %d registered UEs with distinct GUTIs, want %d", len(gutis), n)
	}
}

// Secrets never reach the logs: a registration, a deregistration and bad
// input logged at debug level, then the output is searched for K, OPc and
// KgNB in hexadecimal.
func TestSecretsNotLogged(t *testing.T) {
	var buf logtest.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := startCoreLog(t, 1, gmm.Timers{}, log)
	g := c.gnb(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	u := c.ue(t, 0)
	s, _, err := scenario.Register(ctx, g, u)
	if err != nil {
		t.Fatal(err)
	}
	kgnb := u.KgNB()
	s.Conn.Send(ctx, []byte{0x7e, 0x02, 1, 2, 3, 4, 5, 0x7e, 0x00, 0x43})
	if err := s.Deregister(ctx); err != nil {
		t.Fatal(err)
	}
	out := strings.ToLower(buf.String())
	if !strings.Contains(out, "imsi-001010000000001") {
		t.Fatalf("debug log does not mention the UE at all:\n%s", out)
	}
	for name, secret := range map[string][]byte{"K": c.keys[0][0].Bytes(), "OPc": c.keys[0][1].Bytes(), "KgNB": kgnb.Bytes()} {
		if strings.Contains(out, hex.EncodeToString(secret)) {
			t.Errorf("%s appears in the log", name)
		}
	}
}

// A registered UE goes idle (the gNB asks for release) and comes back
// with a periodic registration update carrying its 5G-S-TMSI: no
// authentication, a Registration Accept, then release (TS 24.501
// §5.5.1.3). A mobility update follows the same way.
func TestRegistrationUpdate(t *testing.T) {
	c := startCore(t, 1, gmm.Timers{})
	g := c.gnb(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	u := c.ue(t, 0)
	s, _, err := scenario.Register(ctx, g, u)
	if err != nil {
		t.Fatal(err)
	}
	guti := u.GUTI()
	for _, periodic := range []bool{true, false} {
		if err := s.Release(ctx); err != nil {
			t.Fatal(err)
		}
		// The AMF handles the Release Complete after sending the command.
		var ues []amf.UE
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if ues = c.amf.UEs(); len(ues) == 1 && ues[0].State == "registered" && ues[0].GNB == "" {
				break
			}
		}
		if len(ues) != 1 || ues[0].State != "registered" || ues[0].GNB != "" {
			t.Fatalf("after release: %+v, want one idle registered UE", ues)
		}
		tmsi := tmsiOf(t, c)
		if _, err := s.Update(ctx, periodic, &tmsi); err != nil {
			t.Fatalf("registration update (periodic %v): %v", periodic, err)
		}
		if u.GUTI() != guti {
			t.Errorf("GUTI changed from %s to %s", guti, u.GUTI())
		}
	}
}

func tmsiOf(t *testing.T, c *core) ngap.FiveGSTMSI {
	t.Helper()
	ues := c.amf.UEs()
	if len(ues) != 1 || ues[0].GUTI == nil {
		t.Fatalf("UEs = %+v", ues)
	}
	return ngap.FiveGSTMSI{SetID: 1, Pointer: 0, TMSI: ues[0].GUTI.TMSI}
}

// A UE that stops answering is released after T3560's fifth expiry, and
// a UE sending garbage NAS gets 5GMM STATUS; neither disturbs another UE
// registering on the same gNB meanwhile.
func TestMisbehavingUEsIsolated(t *testing.T) {
	c := startCore(t, 3, gmm.Timers{T3550: 20 * time.Millisecond, T3560: 20 * time.Millisecond, T3570: 20 * time.Millisecond, T3522: 20 * time.Millisecond})
	g := c.gnb(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	silent := c.ue(t, 0)
	pdu, _ := silent.RegistrationRequest()
	silentConn, err := g.Attach(ctx, pdu, nil)
	if err != nil {
		t.Fatal(err)
	}
	noisy := c.ue(t, 1)
	pdu, _ = noisy.RegistrationRequest()
	noisyConn, err := g.Attach(ctx, pdu, nil)
	if err != nil {
		t.Fatal(err)
	}
	<-noisyConn.Downlink() // the Authentication Request
	if err := noisyConn.Send(ctx, []byte{0x7e, 0x00, 0x57, 0x2d}); err != nil {
		t.Fatal(err)
	}
	if d := <-noisyConn.Downlink(); len(d.NAS) != 4 || d.NAS[2] != 0x64 || d.NAS[3] != 96 {
		t.Errorf("answer to a truncated Authentication Response = % x, want 5GMM STATUS #96", d.NAS)
	}

	if _, _, err := scenario.Register(ctx, g, c.ue(t, 2)); err != nil {
		t.Errorf("well-behaved UE: %v", err)
	}

	// The silent UE saw the Authentication Request five times, then the
	// release.
	requests := 0
	for d := range silentConn.Downlink() {
		if d.Released {
			break
		}
		requests++
	}
	if requests != 5 {
		t.Errorf("silent UE got %d Authentication Requests before release, want 5", requests)
	}
}

// BenchmarkRegistration measures whole initial registrations (SUCI null
// scheme, 5G-AKA, security mode control, Initial Context Setup,
// Registration Complete, the connection released) of simulated UEs against the AMF with its
// UDR/UDM/AUSF and the SQLite store, over the in-memory transport: the
// core and the simulator share the process. One op is one registration.
func BenchmarkRegistration(b *testing.B) { benchmarkRegistration(b, false) }

// BenchmarkRegistrationSaved is BenchmarkRegistration with the UE
// contexts saved to the core's SQLite store (Options.Records), as an
// instance of an AMF set does: the cost of saving at procedure ends.
func BenchmarkRegistrationSaved(b *testing.B) { benchmarkRegistration(b, true) }

// BenchmarkRegistrationSavedPostgres is BenchmarkRegistration with the
// UE contexts saved to a PostgreSQL database (store.url), the store an
// AMF set shares: a round trip to the server per write.
func BenchmarkRegistrationSavedPostgres(b *testing.B) {
	url := pgtest.NewDatabase(b)
	db, err := postgres.Open(context.Background(), url, postgres.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	benchmarkRegistrationWith(b, coreOptions{records: db})
}

func benchmarkRegistration(b *testing.B, saved bool) {
	benchmarkRegistrationWith(b, coreOptions{storeRecords: saved})
}

func benchmarkRegistrationWith(b *testing.B, o coreOptions) {
	saved := o.storeRecords || o.records != nil
	var writes atomic.Int64
	o.wrapRecords = func(r store.Records) store.Records { return countingRecords{r, &writes} }
	const parallel = 64
	n := b.N
	// The AMF releases each UE's connection once it is registered, so
	// that Register returns then rather than after the simulator's
	// settle time (a UE whose connection is kept waits 2 s for downlink
	// that never comes, which would make the benchmark measure that
	// wait).
	o.config = func(cfg *amf.Config) {
		cfg.AfterRegistration = gmm.ReleaseAfterRegistration
	}
	c := startCoreOpts(b, n, gmm.Timers{}, o)
	g := c.gnb(b, 1)
	ues := make([]*ue.UE, n)
	for i := range ues {
		ues[i] = c.ue(b, i)
	}
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	var latency atomic.Int64
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_, lat, err := scenario.Register(ctx, g, ues[i])
			if err != nil {
				b.Error(err)
			}
			latency.Add(int64(lat))
		}()
	}
	wg.Wait()
	if saved {
		// The saves run behind the registrations: they are counted in
		// once each UE's context is in the store.
		for metrictest.Value(b, c.reg, "keel_amf_ue_context_saves_total", "result", "saved") < float64(n) {
			time.Sleep(20 * time.Millisecond)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "registrations/s")
	// CPU seconds of the whole process (core and simulator) per
	// registration: its inverse is registrations per second per core.
	cpu := (cpuTime() - cpu0).Seconds() / float64(n)
	b.ReportMetric(cpu*1e6, "cpu-µs/registration")
	// The UE's wait, from its Initial UE Message to its Registration
	// Complete, with 64 registering at once.
	b.ReportMetric(time.Duration(latency.Load()/int64(n)).Seconds()*1e3, "ms/registration-latency")
	if saved {
		b.ReportMetric(float64(writes.Load())/float64(n), "writes/registration")
	}
}

// countingRecords counts the record writes and deletions of the AMF.
type countingRecords struct {
	store.Records
	n *atomic.Int64
}

func (c countingRecords) PutRecord(ctx context.Context, r store.Record) (int64, error) {
	c.n.Add(1)
	return c.Records.PutRecord(ctx, r)
}

func (c countingRecords) DeleteRecord(ctx context.Context, kind store.RecordKind, key string, expect int64) error {
	c.n.Add(1)
	return c.Records.DeleteRecord(ctx, kind, key, expect)
}

// cpuTime is the process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Under overload the AMF sheds new registrations with 5GMM cause #22 and
// a back-off, tells its gNBs Overload Start, and recovers: once the
// registering UEs are gone it sends Overload Stop and registers again.
func TestOverloadSheds(t *testing.T) {
	c := startCoreWith(t, 4, gmm.Timers{T3550: 50 * time.Millisecond, T3560: 50 * time.Millisecond, T3570: 50 * time.Millisecond, T3522: 50 * time.Millisecond}, nil, 2)
	g := c.gnb(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Two UEs start registering and go silent: the AMF is at its limit.
	var silent []*gnb.UEConn
	for i := range 2 {
		pdu, _ := c.ue(t, i).RegistrationRequest()
		conn, err := g.Attach(ctx, pdu, nil)
		if err != nil {
			t.Fatal(err)
		}
		<-conn.Downlink() // Authentication Request
		silent = append(silent, conn)
	}
	// A third is refused with #22.
	_, _, err := scenario.Register(ctx, g, c.ue(t, 2))
	if scenario.Cause(err) != "5gmm-cause-22" {
		t.Fatalf("registration under overload = %v, want 5GMM cause #22", err)
	}
	if ev := waitEvent(t, g, "*message.OverloadStart"); ev == "" {
		t.Fatal("no Overload Start")
	}
	// The silent UEs time out (T3560) and are released: the AMF
	// recovers, says Overload Stop, and registers the next UE.
	for _, conn := range silent {
		untilReleased(conn)
	}
	if ev := waitEvent(t, g, "*message.OverloadStop"); ev == "" {
		t.Fatal("no Overload Stop")
	}
	if _, _, err := scenario.Register(ctx, g, c.ue(t, 3)); err != nil {
		t.Errorf("registration after the overload: %v", err)
	}
}

// waitEvent waits for the gNB to report a procedure.
func waitEvent(t *testing.T, g *gnb.GNB, proc string) string {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev, ok := <-g.Events():
			if !ok {
				return ""
			}
			if ev.Procedure == proc {
				return ev.Procedure
			}
		case <-timeout:
			return ""
		}
	}
}

// answerChallenge has u send its Registration Request through g and
// answer the Authentication Request as its SIM does, then waits until the
// AMF releases it: the tests of a SIM with the wrong K.
func answerChallenge(ctx context.Context, t *testing.T, g *gnb.GNB, u *ue.UE) {
	t.Helper()
	pdu, err := u.RegistrationRequest()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := g.Attach(ctx, pdu, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := <-conn.Downlink() // Authentication Request
	res, err := u.Handle(d.NAS)
	if err != nil {
		t.Fatal(err)
	}
	for _, up := range res.Uplink {
		if err := conn.Send(ctx, up); err != nil {
			t.Fatal(err)
		}
	}
	untilReleased(conn)
}

// untilReleased reads conn's downlink until the AMF releases it.
func untilReleased(conn *gnb.UEConn) {
	for d := range conn.Downlink() {
		if d.Released {
			return
		}
	}
}
