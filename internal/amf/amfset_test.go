package amf_test

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/free5gc/ngap/message"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/amf"
	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/amf/uerecord"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/metrictest"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/panics"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sim/gnb"
	"github.com/keelcore/keel/internal/sim/scenario"
	"github.com/keelcore/keel/internal/sim/ue"
	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/memrecords"
)

// waitContext returns the context of supi saved in m, waiting until ok
// accepts it.
func waitContext(t *testing.T, m store.Records, supi string, what string, ok func(uerecord.UE) bool) uerecord.UE {
	t.Helper()
	var last uerecord.UE
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		r, err := m.GetRecord(context.Background(), uerecord.Kind, uerecord.SUPIKey(supi))
		if err != nil {
			continue
		}
		u, err := uerecord.Unmarshal(r.Value)
		if err != nil {
			t.Fatalf("saved context of %s: %v", supi, err)
		}
		if last = u; ok(u) {
			return u
		}
	}
	t.Fatalf("saved context of %s %+v, want %s", supi, last, what)
	return uerecord.UE{}
}

// peer starts a second AMF instance of c's AMF set, with AMF Pointer
// pointer, on the same transport and services, sharing records; c's own
// AMF must have been given the same records.
//
// alive, when set, is B's Options.Alive: whether the instance that saved
// a UE's context is still in service.
func (c *core) peer(tb testing.TB, pointer uint8, records store.Records, alive ...func() bool) *core {
	tb.Helper()
	cfg := c.cfg
	cfg.GUAMI.Pointer = pointer
	cfg.Name = "keel-amf-b"
	cfg.InstanceID = ""
	p := *c
	p.reg = prometheus.NewRegistry()
	rec, err := panics.New(panics.Options{Registry: p.reg, Observe: failOnPanic(tb)})
	if err != nil {
		tb.Fatal(err)
	}
	opts := amf.Options{Registry: p.reg, Services: c.svc, Panics: rec, Records: records}
	if len(alive) > 0 {
		opts.Alive = func(context.Context, string) (bool, error) { return alive[0](), nil }
	}
	a, err := amf.New(cfg, opts)
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	ln, err := c.tr.Listen(ctx, netip.MustParseAddrPort("127.0.0.2:38412"))
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
	p.amf, p.addr, p.cfg = a, ln.Addr(), cfg
	return &p
}

// An AMF set of two instances sharing one store (TS 23.501 §5.21.2): a
// UE registers on A and establishes a PDU session, goes idle, and A
// stops; its Service Request, whose 5G-S-TMSI names A, reaches B, which
// reads the UE's context, checks the message with the restored keys and
// accepts it without authentication, reactivates the session at the SMF
// and gives the UE a 5G-GUTI of B (CONFIGURATION UPDATE COMMAND); the
// record is B's from then on. A replay of the UE's Service Request at B
// is refused by the integrity check; so is a forged one.
func TestAMFSetServiceRequestAtAnotherInstance(t *testing.T) {
	smf := newIdleSMF(t)
	records := memrecords.New()
	c := startCoreOpts(t, 1, gmm.Timers{}, coreOptions{
		services: func(s gmm.Services) gmm.Services { s.SMF = smf; return s },
		records:  records,
	})
	b := c.peer(t, 5, records)
	ga := c.gnbN3(t, 1)
	gb := b.gnbN3(t, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	u := c.ue(t, 0)
	s, _, err := scenario.Register(ctx, ga, u)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.EstablishPDUSession(ctx, 5, "internet", ident.SNSSAI{SST: 1}); err != nil {
		t.Fatal(err)
	}
	smf.waitEvents(t, "1", "setup-response")
	if err := s.Release(ctx); err != nil {
		t.Fatal(err)
	}
	waitCM(t, c, "idle")
	tmsi := tmsiOf(t, c)
	supi := supiOf(0)
	saved := waitContext(t, records, supi, "one session, saved idle with the UE's uplink COUNT", func(r uerecord.UE) bool {
		return len(r.Sessions) == 1 && r.Security.ULCount == u.NextULCount()
	})
	if saved.GUTI.Pointer != 0 || saved.GUTI.TMSI != tmsi.TMSI || saved.Sessions[0].Ref != "1" || saved.Sessions[0].DNN != "internet" {
		t.Errorf("saved context %+v, want A's 5G-GUTI and session 5 of SM context 1", saved)
	}

	// A goes away; its UEs' next messages go to B.
	stopCtx, stop := context.WithTimeout(ctx, 5*time.Second)
	if err := c.amf.Stop(stopCtx); err != nil {
		t.Fatal(err)
	}
	stop()

	count := u.NextULCount()
	sr, err := u.ServiceRequest(ue.ServiceData, 5)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := gb.Attach(ctx, sr, &tmsi)
	if err != nil {
		t.Fatal(err)
	}
	d := nextDownlink(ctx, t, conn)
	res, err := u.Handle(d.NAS)
	if err != nil || res.Event != ue.EventServiceAccepted {
		t.Fatalf("UE handles B's answer to its Service Request: %v, %v; want accepted", res.Event, err)
	}
	if !d.ContextSetup || d.KgNB != u.KgNBForCount(count) {
		t.Error("SERVICE ACCEPT not in an Initial Context Setup with the KgNB of the Service Request's uplink COUNT")
	}
	// A's DEACTIVATED at the release, B's as it restores the UE (the
	// SMF may not have had A's), then the reactivation.
	smf.waitEvents(t, "1", "setup-response", "DEACTIVATED", "DEACTIVATED", "ACTIVATING", "setup-response")
	// The new 5G-GUTI of B.
	d = nextDownlink(ctx, t, conn)
	res, err = u.Handle(d.NAS)
	if err != nil {
		t.Fatalf("UE handles B's CONFIGURATION UPDATE COMMAND: %v", err)
	}
	// Written ahead of the command: the new 5G-GUTI, and A's, which the
	// UE may still use until it completes (writeahead.go).
	if r := readContext(t, records, supi); r.GUTI.Pointer != 5 || r.Former == nil || r.Former.Pointer != 0 || r.Former.TMSI != tmsi.TMSI {
		t.Errorf("context when the UE got B's CONFIGURATION UPDATE COMMAND: 5G-GUTI %s, former %v; want B's and A's", r.GUTI, r.Former)
	}
	for _, up := range res.Uplink {
		if err := conn.Send(ctx, up); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(u.GUTI(), "5g-guti-00101010045") {
		t.Errorf("UE's 5G-GUTI after the Service Request at B = %s, want one of B (AMF ID 010045)", u.GUTI())
	}
	ues := waitUEs(t, b.amf, func(v amf.UE) bool { return v.GUTI != nil && v.GUTI.Pointer == 5 && v.CMState == "connected" })
	if ues.SUPI != supi {
		t.Errorf("B's UE %+v, want %s", ues, supi)
	}
	waitContext(t, records, supi, "B's 5G-GUTI", func(r uerecord.UE) bool { return r.GUTI.Pointer == 5 && len(r.Sessions) == 1 })
	if got := metrictest.Value(t, b.reg, "keel_amf_ue_context_restores_total", "result", "restored"); got != 1 {
		t.Errorf("B's keel_amf_ue_context_restores_total{result=restored} = %v, want 1", got)
	}
	if got := metrictest.Value(t, b.reg, "keel_amf_service_requests_total", "result", "accepted"); got != 1 {
		t.Errorf("B's keel_amf_service_requests_total{result=accepted} = %v, want 1", got)
	}

	// A replay of the Service Request, and a forged one, on new
	// connections: refused by the integrity check, so B asks for
	// authentication instead of accepting.
	forged := append([]byte(nil), sr...)
	forged[len(forged)-1] ^= 1
	for name, pdu := range map[string][]byte{"replayed": sr, "forged": forged} {
		conn, err := gb.Attach(ctx, pdu, &tmsi)
		if err != nil {
			t.Fatal(err)
		}
		d := nextDownlink(ctx, t, conn)
		if d.ContextSetup {
			t.Errorf("%s Service Request at B: accepted with an Initial Context Setup, want it refused", name)
		}
	}
	if got := metrictest.Value(t, b.reg, "keel_amf_service_requests_total", "result", "accepted"); got != 1 {
		t.Errorf("after a replayed and a forged Service Request, B's keel_amf_service_requests_total{result=accepted} = %v, want still 1", got)
	}
}

// waitUEs waits until a shows one UE that ok accepts.
func waitUEs(t *testing.T, a *amf.AMF, ok func(amf.UE) bool) amf.UE {
	t.Helper()
	var ues []amf.UE
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if ues = a.UEs(); len(ues) == 1 && ok(ues[0]) {
			return ues[0]
		}
	}
	t.Fatalf("UEs %+v, want one as the test expects", ues)
	return amf.UE{}
}

// nextDownlink waits for the AMF's next downlink to conn.
func nextDownlink(ctx context.Context, t *testing.T, conn *gnb.UEConn) gnb.Downlink {
	t.Helper()
	select {
	case d := <-conn.Downlink():
		return d
	case <-ctx.Done():
		t.Fatal("no downlink from the AMF")
		return gnb.Downlink{}
	}
}

// A mobility registration update whose 5G-GUTI names an instance of the
// set that has stopped succeeds at another without authentication (TS
// 23.502 §4.2.2.2.2, TS 24.501 §5.5.1.3.2): the REGISTRATION ACCEPT
// gives a 5G-GUTI of the new instance, which registers with the UDM, and
// the saved context is the new instance's, found by the new 5G-GUTI.
func TestAMFSetMobilityRegistrationAtAnotherInstance(t *testing.T) {
	records := memrecords.New()
	c := startCoreOpts(t, 1, gmm.Timers{}, coreOptions{records: records})
	b := c.peer(t, 7, records)
	ga := c.gnb(t, 1)
	gb := b.gnb(t, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	u := c.ue(t, 0)
	s, _, err := scenario.Register(ctx, ga, u)
	if err != nil {
		t.Fatal(err)
	}
	if s.Conn != nil {
		if err := s.Release(ctx); err != nil {
			t.Fatal(err)
		}
	}
	waitCM(t, c, "idle")
	supi := supiOf(0)
	old := waitContext(t, records, supi, "A's context", func(r uerecord.UE) bool { return r.GUTI.Pointer == 0 })
	stopCtx, stop := context.WithTimeout(ctx, 5*time.Second)
	if err := c.amf.Stop(stopCtx); err != nil {
		t.Fatal(err)
	}
	stop()

	s.GNB = gb
	if _, err := s.Update(ctx, false, nil); err != nil {
		t.Fatalf("mobility registration at B: %v", err)
	}
	if !strings.Contains(u.GUTI(), "5g-guti-00101010047") {
		t.Errorf("UE's 5G-GUTI after the registration at B = %s, want one of B (AMF ID 010047)", u.GUTI())
	}
	waitUEs(t, b.amf, func(v amf.UE) bool { return v.GUTI != nil && v.GUTI.Pointer == 7 && v.State == "registered" })
	// Saved ahead of the accept with A's 5G-GUTI as the former one, then
	// again once the REGISTRATION COMPLETE made B's the only one.
	now := waitContext(t, records, supi, "B's 5G-GUTI alone", func(r uerecord.UE) bool { return r.GUTI.Pointer == 7 && r.Former == nil })
	if now.Security.KAMF != old.Security.KAMF {
		t.Error("the context at B has another KAMF: the UE was authenticated again")
	}
	if got := metrictest.Value(t, b.reg, "keel_amf_procedures_total", "procedure", "authentication", "result", "success"); got != 0 {
		t.Errorf("authentications at B = %v, want 0", got)
	}
	if got := metrictest.Value(t, c.reg, "keel_amf_procedures_total", "procedure", "authentication", "result", "success"); got != 1 {
		t.Errorf("authentications at A = %v, want 1 (the metric's labels changed?)", got)
	}
	if _, err := records.GetRecord(ctx, uerecord.Kind, uerecord.GUTIKey(old.GUTI)); err == nil {
		t.Error("the index of A's 5G-GUTI is still in the store")
	}
}

// releasingSMF is an idleSMF that records the SM contexts released.
type releasingSMF struct {
	*idleSMF
	mu       sync.Mutex
	released []string
}

func (s *releasingSMF) ReleaseSMContext(_ context.Context, ref string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.released = append(s.released, ref)
	return nil
}

// An instance that still holds a UE another instance has taken over
// (the gNB sent the UE's Service Request elsewhere while the first was
// alive) does not undo the other's work: when the UE's implicit
// deregistration timer expires there, it finds the record written by
// the other instance and forgets the UE without releasing its sessions
// at the SMF or deleting its record (TS 23.501 §5.21.2.3).
func TestAMFSetStaleInstanceForgetsTheUE(t *testing.T) {
	smf := &releasingSMF{idleSMF: newIdleSMF(t)}
	records := memrecords.New()
	// A's timers are held until B has taken the UE over: only then may
	// A's mobile reachable and implicit deregistration timers run out.
	gate := newTimerGate()
	gate.shut()
	t.Cleanup(gate.release)
	c := startCoreOpts(t, 1, gmm.Timers{MobileReachable: 100 * time.Millisecond, ImplicitDeregistration: 100 * time.Millisecond}, coreOptions{
		services:  func(s gmm.Services) gmm.Services { s.SMF = smf; return s },
		records:   records,
		afterFunc: gate.afterFunc,
	})
	b := c.peer(t, 5, records)
	ga := c.gnbN3(t, 1)
	gb := b.gnbN3(t, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	u := c.ue(t, 0)
	s, _, err := scenario.Register(ctx, ga, u)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.EstablishPDUSession(ctx, 5, "internet", ident.SNSSAI{SST: 1}); err != nil {
		t.Fatal(err)
	}
	if err := s.Release(ctx); err != nil {
		t.Fatal(err)
	}
	waitCM(t, c, "idle")
	tmsi := tmsiOf(t, c)
	supi := supiOf(0)
	waitContext(t, records, supi, "A's context", func(r uerecord.UE) bool { return r.Security.ULCount == u.NextULCount() })

	// A is alive, but the UE's Service Request reaches B.
	sr, err := u.ServiceRequest(ue.ServiceData, 5)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := gb.Attach(ctx, sr, &tmsi)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := u.Handle(nextDownlink(ctx, t, conn).NAS); err != nil || res.Event != ue.EventServiceAccepted {
		t.Fatalf("Service Request at B: %v, %v", res.Event, err)
	}
	waitContext(t, records, supi, "written by B", func(r uerecord.UE) bool { return r.Security.DLCount > 100 })

	// A's copy of the UE reaches its implicit deregistration.
	gate.release()
	for deadline := time.Now().Add(5 * time.Second); len(c.amf.UEs()) != 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("A still holds %+v", c.amf.UEs())
		}
	}
	smf.mu.Lock()
	released := append([]string(nil), smf.released...)
	smf.mu.Unlock()
	if len(released) != 0 {
		t.Errorf("SM contexts released by the stale instance: %v, want none", released)
	}
	if _, err := records.GetRecord(ctx, uerecord.Kind, uerecord.SUPIKey(supi)); err != nil {
		t.Errorf("B's record after A forgot the UE: %v", err)
	}
	if got := metrictest.Value(t, c.reg, "keel_amf_procedures_total", "procedure", "deregistration", "result", "implicit"); got != 0 {
		t.Errorf("implicit deregistrations at A = %v, want 0", got)
	}
}

// TS 38.413 §8.7.1.2: NG Setup Response names the backup AMF of the
// AMF's GUAMI (amf.backup_amf_name), and an AMF without one names none.
func TestNGSetupBackupAMFName(t *testing.T) {
	for _, backup := range []string{"keel-amf-b", ""} {
		c := startCoreOpts(t, 0, gmm.Timers{}, coreOptions{config: func(cfg *amf.Config) { cfg.BackupName = backup }})
		conn, err := c.tr.Dial(context.Background(), netip.Addr{}, c.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Abort()
		m, ok := exchange(t, conn, setupPDU(t, gnbConfig(1))).(*message.NGSetupResponse)
		if !ok {
			t.Fatal("no NG Setup Response")
		}
		info, err := ngap.DecodeNGSetupResponse(m)
		if err != nil {
			t.Fatal(err)
		}
		want := map[ident.GUAMI]string{c.cfg.GUAMI: backup}
		if backup == "" {
			want = nil
		}
		if len(info.BackupAMFNames) != len(want) || info.BackupAMFNames[c.cfg.GUAMI] != want[c.cfg.GUAMI] {
			t.Errorf("backup AMF names in NG Setup Response = %v, want %v", info.BackupAMFNames, want)
		}
	}
}

// A record gone from under a UE's context (expired while the UE stayed
// connected, deleted) is written afresh at the UE's next procedure end:
// the UE stays served and findable by its 5G-GUTI.
func TestAMFSetRecordGoneIsWrittenAgain(t *testing.T) {
	smf := newIdleSMF(t)
	records := memrecords.New()
	c := startCoreOpts(t, 1, gmm.Timers{}, coreOptions{
		services: func(s gmm.Services) gmm.Services { s.SMF = smf; return s },
		records:  records,
	})
	g := c.gnbN3(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	u := c.ue(t, 0)
	s, _, err := scenario.Register(ctx, g, u)
	if err != nil {
		t.Fatal(err)
	}
	supi := supiOf(0)
	saved := waitContext(t, records, supi, "saved after the registration", func(uerecord.UE) bool { return true })
	for _, key := range []string{uerecord.SUPIKey(supi), uerecord.GUTIKey(saved.GUTI)} {
		if err := records.DeleteRecord(ctx, uerecord.Kind, key, 0); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := s.EstablishPDUSession(ctx, 5, "internet", ident.SNSSAI{SST: 1}); err != nil {
		t.Fatal(err)
	}
	waitContext(t, records, supi, "written again with the session", func(r uerecord.UE) bool { return len(r.Sessions) == 1 })
	if idx, err := records.GetRecord(ctx, uerecord.Kind, uerecord.GUTIKey(saved.GUTI)); err != nil || string(idx.Value) != supi {
		t.Errorf("index of the UE's 5G-GUTI = %q, %v; want %s", idx.Value, err, supi)
	}
	waitCM(t, c, "connected")
}

// Downlink for an idle UE whose AMF instance is gone reaches another
// instance of the set (TS 23.501 §5.21.2.3, TS 23.502 §4.2.3.3): the
// N1N2MessageTransfer the SMF sends there finds no context locally, reads
// the UE's from the store once the instance that saved it is out of
// service (and not before: a UE is served by one instance at a time),
// pages the UE with the 5G-S-TMSI it holds, and the UE's Service Request
// takes the transfer: the session's user plane is set up again.
func TestAMFSetDownlinkAtAnotherInstance(t *testing.T) {
	smf := newIdleSMF(t)
	records := memrecords.New()
	c := startCoreOpts(t, 1, gmm.Timers{}, coreOptions{
		services: func(s gmm.Services) gmm.Services { s.SMF = smf; return s },
		records:  records,
	})
	var aAlive atomic.Bool
	aAlive.Store(true)
	b := c.peer(t, 5, records, aAlive.Load)
	ga := c.gnbN3(t, 1)
	gb := b.gnbN3(t, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	u := c.ue(t, 0)
	s, _, err := scenario.Register(ctx, ga, u)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.EstablishPDUSession(ctx, 5, "internet", ident.SNSSAI{SST: 1}); err != nil {
		t.Fatal(err)
	}
	if err := s.Release(ctx); err != nil {
		t.Fatal(err)
	}
	waitCM(t, c, "idle")
	tmsi := tmsiOf(t, c)
	supi := supiOf(0)
	waitContext(t, records, supi, "saved idle", func(r uerecord.UE) bool { return r.Security.ULCount == u.NextULCount() })
	req := sbi.NewN1N2Transfer(5, nil, sbi.NgapPduResSetupReq, smf.n2)
	var f failures
	req.FailureNotify = &f

	// A serves the UE: B takes nothing over.
	if _, err := b.amf.N1N2MessageTransfer(ctx, supi, req); !errors.Is(err, sbi.ErrUENotReachable) {
		t.Fatalf("N1N2MessageTransfer at B while A serves the UE = %v, want UE not reachable", err)
	}
	stopCtx, stop := context.WithTimeout(ctx, 5*time.Second)
	if err := c.amf.Stop(stopCtx); err != nil {
		t.Fatal(err)
	}
	stop()
	aAlive.Store(false)

	paged, unwatch := gb.WatchPaging(tmsi)
	defer unwatch()
	rsp, err := b.amf.N1N2MessageTransfer(ctx, supi, req)
	if err != nil || rsp.Cause != sbi.N1N2AttemptingToReachUE {
		t.Fatalf("N1N2MessageTransfer at B once A is gone = %v, %v; want ATTEMPTING_TO_REACH_UE", rsp.Cause, err)
	}
	select {
	case <-paged:
	case <-ctx.Done():
		t.Fatal("B did not page the UE with its 5G-S-TMSI")
	}
	s.GNB = gb
	if _, err := s.ServiceRequest(ctx, ue.ServiceMobileTerminated); err != nil {
		t.Fatalf("Service Request at B in answer to the paging: %v", err)
	}
	smf.waitEvents(t, "1", "setup-response", "DEACTIVATED", "DEACTIVATED", "setup-response")
	if got := f.got(); len(got) != 0 {
		t.Errorf("failure notifications %v, want none", got)
	}
	if got := metrictest.Value(t, b.reg, "keel_amf_ue_context_restores_total", "result", "restored"); got != 1 {
		t.Errorf("B's keel_amf_ue_context_restores_total{result=restored} = %v, want 1", got)
	}
}
