package amf_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/logtest"
	"github.com/keelcore/keel/internal/metrictest"
	"github.com/keelcore/keel/internal/nas/sm"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/panics"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sctp"
	"github.com/keelcore/keel/internal/sctp/pipe"
	"github.com/keelcore/keel/internal/sim/gnb"
	"github.com/keelcore/keel/internal/sim/scenario"
	"github.com/keelcore/keel/internal/sim/ue"
)

// panickingSDM is the UDM's Nudm_SDM with a bug for one subscriber: the
// AMF calls it from the UE's executor during registration.
type panickingSDM struct {
	sbi.NudmSDM
	supi string
}

func (s panickingSDM) AccessAndMobility(ctx context.Context, supi string) (sbi.AMData, error) {
	if supi == s.supi {
		panic("injected: Nudm_SDM for " + supi)
	}
	return s.NudmSDM.AccessAndMobility(ctx, supi)
}

// A panic in one UE's handling ends that UE only: its connection is
// released with misc/unspecified and its context forgotten, the panic is
// logged once with its stack and counted, and every other UE registers,
// stays registered and deregisters.
func TestUEPanicContained(t *testing.T) {
	const victim = 1
	var logs logtest.Buffer
	var observed []panics.Panic
	var mu sync.Mutex
	c := startCoreOpts(t, 6, gmm.Timers{}, coreOptions{
		log: slog.New(slog.NewJSONHandler(&logs, nil)),
		sdm: func(d sbi.NudmSDM) sbi.NudmSDM { return panickingSDM{NudmSDM: d, supi: supiOf(victim)} },
		observe: func(p panics.Panic) {
			mu.Lock()
			observed = append(observed, p)
			mu.Unlock()
		},
	})
	g := c.gnb(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	before, _, err := scenario.Register(ctx, g, c.ue(t, 0))
	if err != nil {
		t.Fatalf("UE registered before the panic: %v", err)
	}

	// The victim registers alongside four others.
	var wg sync.WaitGroup
	errs := make([]error, 6)
	var cause string
	for i := 2; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, _, err := scenario.Register(ctx, g, c.ue(t, i))
			if err == nil {
				err = s.Deregister(ctx)
			}
			errs[i] = err
		}()
	}
	cause, errs[victim] = registerUntilReleased(ctx, g, c.ue(t, victim))
	wg.Wait()
	for i, err := range errs {
		if i != victim && err != nil {
			t.Errorf("UE %d beside the panicking one: %v", i, err)
		}
	}
	if errs[victim] != nil {
		t.Fatalf("panicking UE: %v", errs[victim])
	}
	// TS 38.413 §9.3.1.2: misc/unspecified (5), none of the other groups.
	if cause != "misc/5" {
		t.Errorf("panicking UE released with cause %s, want misc/5 (unspecified)", cause)
	}
	if err := before.Deregister(ctx); err != nil {
		t.Errorf("UE registered before the panic, deregistering after it: %v", err)
	}
	for _, u := range c.amf.UEs() {
		if u.SUPI == supiOf(victim) {
			t.Errorf("the panicking UE's context is still held: %+v", u)
		}
	}
	// A fresh registration of the same UE meets the same bug, and the
	// AMF survives it again.
	if cause, err := registerUntilReleased(ctx, g, c.ue(t, victim)); err != nil || cause != "misc/5" {
		t.Errorf("second registration of the panicking UE: cause %q, %v", cause, err)
	}

	if got := metrictest.Value(t, c.reg, "keel_panics_total", "component", "amf-ue"); got != 2 {
		t.Errorf("keel_panics_total{component=amf-ue} = %v, want 2", got)
	}
	mu.Lock()
	if len(observed) != 2 || !strings.Contains(fmt.Sprint(observed[0].Value), "injected") {
		t.Errorf("observed panics %+v, want the two injected", observed)
	}
	mu.Unlock()
	errorLines(t, logs.String(), 2, "panickingSDM.AccessAndMobility")
}

// registerUntilReleased runs a registration over g until the AMF
// releases the UE's connection, and returns the release's cause.
func registerUntilReleased(ctx context.Context, g *gnb.GNB, u *ue.UE) (string, error) {
	pdu, err := u.RegistrationRequest()
	if err != nil {
		return "", err
	}
	conn, err := g.Attach(ctx, pdu, nil)
	if err != nil {
		return "", err
	}
	for {
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("no release: %w", ctx.Err())
		case d := <-conn.Downlink():
			if d.Released {
				return d.Cause, nil
			}
			res, err := u.Handle(d.NAS)
			if err != nil {
				return "", err
			}
			for _, up := range res.Uplink {
				if err := conn.Send(ctx, up); err != nil {
					return "", err
				}
			}
		}
	}
}

// errorLines checks that a JSON log has exactly n error records, each
// with a stack through frame.
func errorLines(t *testing.T, log string, n int, frame string) {
	t.Helper()
	var errs []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["level"] == "ERROR" {
			errs = append(errs, rec)
		}
	}
	if len(errs) != n {
		t.Fatalf("%d error records, want %d:\n%s", len(errs), n, log)
	}
	for _, rec := range errs {
		if stack, _ := rec["stack"].(string); !strings.Contains(stack, frame) {
			t.Errorf("error record without a stack through %s: %v", frame, rec)
		}
	}
}

// panickingTransport is the in-memory transport whose AMF-side
// associations panic in Send once armed, as a bug below the NGAP
// handling would: the AMF's reader meets it while answering the gNB.
type panickingTransport struct {
	*pipe.Transport
	accepted chan *panickingConn
}

type panickingListener struct {
	sctp.Listener
	accepted chan *panickingConn
}

type panickingConn struct {
	sctp.Conn
	armed atomic.Bool
}

func (t *panickingTransport) Listen(ctx context.Context, addr netip.AddrPort) (sctp.Listener, error) {
	ln, err := t.Transport.Listen(ctx, addr)
	if err != nil {
		return nil, err
	}
	return &panickingListener{Listener: ln, accepted: t.accepted}, nil
}

func (l *panickingListener) Accept(ctx context.Context) (sctp.Conn, error) {
	c, err := l.Listener.Accept(ctx)
	if err != nil {
		return nil, err
	}
	pc := &panickingConn{Conn: c}
	l.accepted <- pc
	return pc, nil
}

func (c *panickingConn) Send(ctx context.Context, m sctp.Message) error {
	if c.armed.CompareAndSwap(true, false) {
		panic("injected: N2 send")
	}
	return c.Conn.Send(ctx, m)
}

// A panic in an association's reader ends that association only: it is
// aborted and its gNB forgotten, the panic logged once with its stack and
// counted, and the other gNB and its UEs go on; the gNB can set up again.
func TestAssociationPanicContained(t *testing.T) {
	tr := &panickingTransport{Transport: pipe.New(), accepted: make(chan *panickingConn, 8)}
	var logs logtest.Buffer
	var observed atomic.Int32
	h := startWith(t, tr, slog.New(slog.NewJSONHandler(&logs, nil)), func(panics.Panic) { observed.Add(1) })
	bystander, err := h.connect(gnbConfig(2))
	if err != nil {
		t.Fatal(err)
	}
	defer bystander.Close()
	<-tr.accepted
	victim, err := h.connect(gnbConfig(1))
	if err != nil {
		t.Fatal(err)
	}
	defer victim.Close()
	(<-tr.accepted).armed.Store(true)

	cu, _ := ngap.RANConfigurationUpdate("renamed", nil)
	pdu, _ := ngap.Encode(cu)
	victim.Send(context.Background(), pdu)
	// The victim's association ends: its events channel closes.
	for ev := range victim.Events() {
		t.Errorf("victim gNB got %+v, want its association aborted", ev)
	}
	if _, err := victim.Conn().Recv(context.Background()); !errors.Is(err, sctp.ErrAssociationDown) {
		t.Errorf("victim's association after the panic: Recv = %v, want association down", err)
	}
	for deadline := time.Now().Add(5 * time.Second); len(h.amf.GNBs()) != 1; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("GNBs() = %+v, want the bystander only", h.amf.GNBs())
		}
	}
	if l := h.amf.GNBs(); l[0].ID != "gnb-00101-2" {
		t.Errorf("GNBs() = %+v, want the bystander", l)
	}
	bystander.Send(context.Background(), pdu)
	if ev := next(t, bystander); ev.Procedure != "RANConfigurationUpdateAcknowledge" {
		t.Errorf("bystander after the victim's panic: %+v", ev)
	}
	again, err := h.connect(gnbConfig(1))
	if err != nil {
		t.Fatalf("victim's gNB ID setting up again: %v", err)
	}
	again.Close()

	if got := metrictest.Value(t, h.reg, "keel_panics_total", "component", "amf-n2"); got != 1 {
		t.Errorf("keel_panics_total{component=amf-n2} = %v, want 1", got)
	}
	if n := observed.Load(); n != 1 {
		t.Errorf("%d panics observed, want 1", n)
	}
	errorLines(t, logs.String(), 1, "panickingConn).Send")
}

// recordingSMF is an SMF that keeps the SM contexts the AMF creates and
// releases, and whose UpdateSMContext panics for one armed subscriber, as
// a bug reached from the AMF's executor would.
type recordingSMF struct {
	mu       sync.Mutex
	next     int
	contexts map[string]string // SUPI by SM context reference
	updates  map[string]int    // UpdateSMContext calls by SUPI
	armed    string
}

func newRecordingSMF() *recordingSMF {
	return &recordingSMF{contexts: map[string]string{}, updates: map[string]int{}}
}

func (s *recordingSMF) CreateSMContext(_ context.Context, req sbi.SmContextCreateData) (sbi.SmContextCreatedData, error) {
	er, err := sm.ParseEstablishmentRequest(req.N1SmMsg.Bytes())
	if err != nil {
		return sbi.SmContextCreatedData{}, err
	}
	n1, err := sm.EstablishmentAccept(nil, sm.Accept{PDUSessionID: req.PduSessionID, PTI: er.PTI, PDUType: 1, SSCMode: 1,
		QFI: 1, FiveQI: 9, AMBRUplink: 1e6, AMBRDownlink: 1e6, IPv4: netip.MustParseAddr("10.45.0.2"), SST: 1, DNN: req.Dnn})
	if err != nil {
		return sbi.SmContextCreatedData{}, err
	}
	n2, err := ngap.SetupRequestTransfer{AMBRUplink: 1e6, AMBRDownlink: 1e6, PDUType: 1,
		UL: ngap.Tunnel{Addr: netip.MustParseAddr("192.0.2.1"), TEID: 1}, Flows: []ngap.QoSFlow{{QFI: 1, FiveQI: 9, ARPPriority: 8}}}.Encode()
	if err != nil {
		return sbi.SmContextCreatedData{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	ref := fmt.Sprint(s.next)
	s.contexts[ref] = req.Supi
	return sbi.SmContextCreatedData{SmContextRef: ref, N1SmMsg: sbi.N1SM(n1), N2SmInfo: sbi.N2SM(n2)}, nil
}

func (s *recordingSMF) UpdateSMContext(_ context.Context, ref string, _ sbi.SmContextUpdateData) (sbi.SmContextUpdatedData, error) {
	s.mu.Lock()
	supi, ok := s.contexts[ref]
	armed := ok && supi == s.armed
	s.updates[supi]++
	s.mu.Unlock()
	if armed {
		panic("injected: Nsmf_PDUSession_UpdateSMContext for " + supi)
	}
	if !ok {
		return sbi.SmContextUpdatedData{}, sbi.ErrSMContextNotFound
	}
	return sbi.SmContextUpdatedData{}, nil
}

func (s *recordingSMF) ReleaseSMContext(_ context.Context, ref string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.contexts[ref]; !ok {
		return sbi.ErrSMContextNotFound
	}
	delete(s.contexts, ref)
	return nil
}

func (s *recordingSMF) arm(supi string) {
	s.mu.Lock()
	s.armed = supi
	s.mu.Unlock()
}

// updated counts the UpdateSMContext calls for supi's contexts.
func (s *recordingSMF) updated(supi string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.updates[supi]
}

// of counts the SM contexts of supi.
func (s *recordingSMF) of(supi string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, v := range s.contexts {
		if v == supi {
			n++
		}
	}
	return n
}

// A UE context forgotten after a panic takes its PDU session with it at
// the SMF and its registration at the UDM (TS 23.502 §4.2.2.3.2), without
// its machine running again; another UE's session and registration stay.
func TestUEPanicReleasesSessions(t *testing.T) {
	smf := newRecordingSMF()
	var observed atomic.Int32
	c := startCoreOpts(t, 2, gmm.Timers{}, coreOptions{
		services: func(s gmm.Services) gmm.Services { s.SMF = smf; return s },
		observe:  func(panics.Panic) { observed.Add(1) },
	})
	g := c.gnb(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	victim, bystander := supiOf(0), supiOf(1)
	var sessions [2]*scenario.Session
	for i := range sessions {
		s, _, err := scenario.Register(ctx, g, c.ue(t, i))
		if err != nil {
			t.Fatal(err)
		}
		// The PDU session is set up at the SMF; the simulated gNB, which
		// has no N3 address here, answers the resource setup with a
		// failure, and the SMF keeps the SM context (its user plane
		// inactive), as it would for a UE to be set up again later.
		pdu, err := s.UE.EstablishPDUSession(1, "internet", ident.SNSSAI{SST: 1}, ue.PDUTypeIPv4)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Conn.Send(ctx, pdu); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(10 * time.Second); smf.updated(supiOf(i)) == 0; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("UE %d: no PDU session resource setup answer reached the SMF", i)
			}
		}
		sessions[i] = s
	}
	for _, supi := range []string{victim, bystander} {
		if n := smf.of(supi); n != 1 {
			t.Fatalf("%s has %d SM contexts before the panic, want 1", supi, n)
		}
		if _, ok := c.udm.AMF(ctx, supi); !ok {
			t.Fatalf("%s not registered at the UDM before the panic", supi)
		}
	}

	// The victim goes idle: the AMF tells the SMF its user plane is down,
	// and that call panics.
	smf.arm(victim)
	if err := sessions[0].Release(ctx); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); smf.of(victim) != 0 || registeredAt(ctx, c, victim); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("10 s after the panic: %d SM contexts of the victim at the SMF, registered at the UDM %v; want none",
				smf.of(victim), registeredAt(ctx, c, victim))
		}
	}
	if n := observed.Load(); n != 1 {
		t.Errorf("%d panics observed, want 1", n)
	}
	for _, u := range c.amf.UEs() {
		if u.SUPI == victim {
			t.Errorf("the panicking UE's context is still held: %+v", u)
		}
	}
	if n := smf.of(bystander); n != 1 || !registeredAt(ctx, c, bystander) {
		t.Errorf("bystander after the victim's panic: %d SM contexts, registered %v; want 1, true", n, registeredAt(ctx, c, bystander))
	}
	// The bystander goes on; its deregistration releases its own session.
	if err := sessions[1].Deregister(ctx); err != nil {
		t.Fatalf("bystander deregistering: %v", err)
	}
	// The release is a notification issued off the UE's executor
	// (gmm releaseSessions): it may reach the SMF after the UE has its
	// DEREGISTRATION ACCEPT.
	for deadline := time.Now().Add(10 * time.Second); smf.of(bystander) != 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("bystander deregistered: %d SM contexts left 10 s later", smf.of(bystander))
		}
	}
	// The victim registers afresh, and stays registered at the UDM: the
	// release of its failed context does not undo the new registration.
	if _, _, err := scenario.Register(ctx, g, c.ue(t, 0)); err != nil {
		t.Fatalf("victim registering again: %v", err)
	}
	if !registeredAt(ctx, c, victim) {
		t.Error("victim registered again but not at the UDM")
	}
}

func registeredAt(ctx context.Context, c *core, supi string) bool {
	_, ok := c.udm.AMF(ctx, supi)
	return ok
}

// holdingUECM is the UDM's Nudm_UECM whose deregistrations wait for gate
// and are counted once done.
type holdingUECM struct {
	sbi.NudmUECM
	gate   chan struct{}
	deregs atomic.Int32
}

func (h *holdingUECM) DeregisterAMF(ctx context.Context, supi string, guami ident.GUAMI) error {
	<-h.gate
	defer h.deregs.Add(1)
	return h.NudmUECM.DeregisterAMF(ctx, supi, guami)
}

// The UDM deregistration of a context forgotten after a panic cannot
// undo the UE's next registration: a registration that comes while the
// deregistration is still under way waits for it (within its deadline).
func TestUEPanicDeregistrationBeforeNewRegistration(t *testing.T) {
	smf := newRecordingSMF()
	uecm := &holdingUECM{gate: make(chan struct{})}
	c := startCoreOpts(t, 1, gmm.Timers{}, coreOptions{
		sbiTimeout: 10 * time.Second,
		services: func(s gmm.Services) gmm.Services {
			uecm.NudmUECM = s.UECM
			s.SMF, s.UECM = smf, uecm
			return s
		},
		observe: func(panics.Panic) {},
	})
	g := c.gnb(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	victim := supiOf(0)
	s, _, err := scenario.Register(ctx, g, c.ue(t, 0))
	if err != nil {
		t.Fatal(err)
	}
	pdu, err := s.UE.EstablishPDUSession(1, "internet", ident.SNSSAI{SST: 1}, ue.PDUTypeIPv4)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Conn.Send(ctx, pdu); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); smf.updated(victim) == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no PDU session resource setup answer reached the SMF")
		}
	}
	smf.arm(victim)
	if err := s.Release(ctx); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); smf.of(victim) != 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the victim's SM context not released after the panic")
		}
	}
	smf.arm("")
	// The UE registers afresh while the old context's deregistration is
	// held at the UDM.
	done := make(chan error, 1)
	go func() {
		_, _, err := scenario.Register(ctx, g, c.ue(t, 0))
		done <- err
	}()
	select {
	case err := <-done:
		done <- err
	case <-time.After(2 * time.Second):
	}
	close(uecm.gate)
	if err := <-done; err != nil {
		t.Fatalf("registering again: %v", err)
	}
	for deadline := time.Now().Add(10 * time.Second); uecm.deregs.Load() == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the failed context's UDM deregistration never ran")
		}
	}
	if !registeredAt(ctx, c, victim) {
		t.Error("the failed context's UDM deregistration undid the UE's new registration")
	}
}
