package amf_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/amf"
	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sctp"
	"github.com/keelcore/keel/internal/sim/gnb"
	"github.com/keelcore/keel/internal/sim/scenario"
	"github.com/keelcore/keel/internal/sim/ue"
)

// failures records N1N2 transfer failure notifications.
type failures struct {
	mu   sync.Mutex
	list []string
}

func (f *failures) N1N2TransferFailed(_ context.Context, supi string, psi uint8, cause sbi.N1N2MessageTransferCause) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.list = append(f.list, fmt.Sprintf("%s/%d %s", supi, psi, cause))
}

func (f *failures) got() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.list...)
}

// pagingCore is a core whose SMF keeps the sessions the UEs open, with
// T3513 and the paging attempts of the test's choosing.
func pagingCore(t *testing.T, ues int, t3513 time.Duration, attempts int) (*core, *recordingSMF) {
	t.Helper()
	return pagingCoreTimers(t, ues, t3513, attempts, nil)
}

// pagingCoreTimers is pagingCore with the AMF's timers scheduled by
// afterFunc (nil: time.AfterFunc).
func pagingCoreTimers(t *testing.T, ues int, t3513 time.Duration, attempts int, afterFunc func(time.Duration, func()) func() bool) (*core, *recordingSMF) {
	t.Helper()
	smf := newRecordingSMF()
	c := startCoreOpts(t, ues, gmm.Timers{T3513: t3513}, coreOptions{
		services:  func(s gmm.Services) gmm.Services { s.SMF = smf; return s },
		config:    func(cfg *amf.Config) { cfg.PagingAttempts = attempts },
		afterFunc: afterFunc,
	})
	return c, smf
}

// timerGate holds back the expiries of the AMF's timers while it is
// shut: an expiry due then runs once it opens again. Its afterFunc is
// an amf.Options.AfterFunc. It starts open.
type timerGate struct {
	mu   sync.Mutex
	open chan struct{} // closed while expiries run; guarded by mu
}

func newTimerGate() *timerGate {
	g := &timerGate{open: make(chan struct{})}
	close(g.open)
	return g
}

func (g *timerGate) shut() {
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-g.open:
		g.open = make(chan struct{})
	default:
	}
}

func (g *timerGate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-g.open:
	default:
		close(g.open)
	}
}

func (g *timerGate) afterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, func() {
		g.mu.Lock()
		open := g.open
		g.mu.Unlock()
		<-open
		f()
	}).Stop
}

// idleWithSession registers UE i on g, opens PDU session 1 and releases
// the UE's connection; it returns the UE's 5G-S-TMSI once the AMF holds
// it idle.
func idleWithSession(t *testing.T, c *core, smf *recordingSMF, g *gnb.GNB, i int) ngap.FiveGSTMSI {
	t.Helper()
	_, tmsi := idleSession(t, c, smf, g, i)
	return tmsi
}

// idleSession is idleWithSession that also returns the UE's session.
func idleSession(t *testing.T, c *core, smf *recordingSMF, g *gnb.GNB, i int) (*scenario.Session, ngap.FiveGSTMSI) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s := connectedWithSession(t, c, smf, g, i)
	if err := s.Release(ctx); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if v, ok := ueView(c, supiOf(i)); ok && v.State == "registered" && v.GNB == "" && v.GUTI != nil {
			return s, ngap.FiveGSTMSI{SetID: 1, Pointer: 0, TMSI: v.GUTI.TMSI}
		}
		if time.Now().After(deadline) {
			t.Fatalf("UE %d not idle and registered in the AMF", i)
		}
	}
}

// connectedWithSession registers UE i on g and opens PDU session 1: the
// simulated gNB, without an N3 address here, answers the resource setup
// with a failure, and the SM context stays.
func connectedWithSession(t *testing.T, c *core, smf *recordingSMF, g *gnb.GNB, i int) *scenario.Session {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, _, err := scenario.Register(ctx, g, c.ue(t, i))
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
	for deadline := time.Now().Add(10 * time.Second); smf.updated(supiOf(i)) == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("UE %d: no PDU session resource setup answer reached the SMF", i)
		}
	}
	return s
}

func ueView(c *core, supi string) (amf.UE, bool) {
	for _, u := range c.amf.UEs() {
		if u.SUPI == supi {
			return u, true
		}
	}
	return amf.UE{}, false
}

// rawGNB opens an association and runs NG Setup for a gNB serving tacs.
func rawGNB(t *testing.T, c *core, id uint32, tacs ...uint32) sctp.Conn {
	t.Helper()
	cfg := gnbConfig(id)
	cfg.TAs = nil
	for _, tac := range tacs {
		cfg.TAs = append(cfg.TAs, ngap.TA{TAC: tac, PLMNs: []ident.PLMN{plmn}, Slices: []ident.SNSSAI{{SST: 1}}})
	}
	conn, err := c.tr.Dial(context.Background(), netip.Addr{}, c.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Abort() })
	if m := exchange(t, conn, setupPDU(t, cfg)); m.ProcedureCode() != 21 || m.MessageType() != message.MessageTypeSuccessfulOutcome {
		t.Fatalf("NG Setup of gNB %d answered with procedure %d type %d", id, m.ProcedureCode(), m.MessageType())
	}
	return conn
}

// pagings reads the Paging messages conn receives within d.
func pagings(t *testing.T, conn sctp.Conn, d time.Duration) []ngap.PagingRequest {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var out []ngap.PagingRequest
	for {
		in, err := conn.Recv(ctx)
		if err != nil {
			return out
		}
		m, err := ngap.Decode(in.Data)
		if err != nil {
			t.Fatalf("a message to the gNB does not decode: %v", err)
		}
		p, ok := m.(*message.Paging)
		if !ok {
			continue
		}
		if in.Stream != 0 {
			t.Errorf("Paging on stream %d, want 0 (not UE-associated)", in.Stream)
		}
		req, err := ngap.DecodePaging(p)
		if err != nil {
			t.Fatalf("DecodePaging: %v", err)
		}
		out = append(out, req)
	}
}

func transfer(ctx context.Context, c *core, supi string, notify sbi.N1N2FailureNotifier) (sbi.N1N2MessageTransferCause, error) {
	req := sbi.NewN1N2Transfer(1, nil, sbi.NgapPduResSetupReq, []byte{0})
	req.FailureNotify = notify
	rsp, err := c.amf.N1N2MessageTransfer(ctx, supi, req)
	return rsp.Cause, err
}

// TS 23.502 §4.2.3.3, TS 38.413 §8.5.1: an N1N2 transfer for an idle UE
// is answered ATTEMPTING_TO_REACH_UE and the UE is paged at every gNB
// serving a TA of its registration area (TACs 1 and 2), each with the
// TAIs it serves, and nowhere else (an association without NG Setup);
// T3513 repeats the Paging; the UE never answers, so after the last
// attempt the SMF is told UE_NOT_RESPONDING, once.
func TestPagingUENeverAnswers(t *testing.T) {
	c, smf := pagingCore(t, 1, 150*time.Millisecond, 3)
	g := c.gnb(t, 1) // TAC 1: the UE registers here
	tmsi := idleWithSession(t, c, smf, g, 0)
	paged, stop := g.WatchPaging(tmsi)
	defer stop()
	b := rawGNB(t, c, 2, 2)
	both := rawGNB(t, c, 3, 1, 2)
	silent, err := c.tr.Dial(context.Background(), netip.Addr{}, c.addr) // no NG Setup
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Abort()

	var f failures
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := transfer(ctx, c, supiOf(0), &f)
	if err != nil || res != sbi.N1N2AttemptingToReachUE {
		t.Fatalf("N1N2MessageTransfer = %v, %v, want ATTEMPTING_TO_REACH_UE", res, err)
	}
	select {
	case <-paged:
	case <-time.After(5 * time.Second):
		t.Error("the UE's gNB (TAC 1) was not paged")
	}
	var wg sync.WaitGroup
	var atB, atBoth, atSilent []ngap.PagingRequest
	wg.Add(3)
	go func() { defer wg.Done(); atB = pagings(t, b, 2*time.Second) }()
	go func() { defer wg.Done(); atBoth = pagings(t, both, 2*time.Second) }()
	go func() { defer wg.Done(); atSilent = pagings(t, silent, 2*time.Second) }()
	wg.Wait()
	tai := func(tac uint32) ident.TAI { return ident.TAI{PLMN: plmn, TAC: tac} }
	check := func(name string, got []ngap.PagingRequest, tais []ident.TAI) {
		if len(got) != 3 {
			t.Errorf("gNB %s got %d Pagings, want 3 (T3513 twice)", name, len(got))
		}
		for _, p := range got {
			if p.TMSI != tmsi || fmt.Sprint(p.TAIs) != fmt.Sprint(tais) {
				t.Errorf("gNB %s paged for %s in %v, want %s in %v", name, p.TMSI, p.TAIs, tmsi, tais)
			}
		}
	}
	check("TAC 2", atB, []ident.TAI{tai(2)})
	check("TACs 1, 2", atBoth, []ident.TAI{tai(1), tai(2)})
	if len(atSilent) != 0 {
		t.Errorf("an association without NG Setup got %d Pagings", len(atSilent))
	}
	for deadline := time.Now().Add(5 * time.Second); len(f.got()) == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
	}
	time.Sleep(200 * time.Millisecond)
	if got, want := fmt.Sprint(f.got()), fmt.Sprintf("[%s/1 UE_NOT_RESPONDING]", supiOf(0)); got != want {
		t.Errorf("failure notifications %s, want %s", got, want)
	}
	if n := counter(c, "keel_amf_paging_total", "no-answer"); n != 1 {
		t.Errorf("keel_amf_paging_total{outcome=no-answer} = %v, want 1", n)
	}
	if n := counter(c, "keel_amf_paging_attempts_total", ""); n != 3 {
		t.Errorf("keel_amf_paging_attempts_total = %v, want 3", n)
	}
	if v, ok := ueView(c, supiOf(0)); !ok || v.State != "registered" {
		t.Errorf("after paging failed the UE is %+v, want registered", v)
	}
}

// A flood of N1N2 transfers for idle UEs: each UE is paged once however
// many transfers wait for it, every call answers at once (attempting to
// reach the UE, or, past the UE's mailbox, NF_CONGESTION), and the
// transfers for one session are kept as one, so each UE's failure is
// notified once.
//
// T3513 expiries are held back until every transfer is answered: the
// test is of transfers that arrive while the UE is paged, and on a
// loaded machine the flood outlasts the one 300 ms attempt, after which
// a late transfer rightly starts a second paging run (a second Paging
// and a second notification).
func TestPagingFlood(t *testing.T) {
	const n, perUE = 4, 200
	gate := newTimerGate()
	c, smf := pagingCoreTimers(t, n, 300*time.Millisecond, 1, gate.afterFunc)
	t.Cleanup(gate.release) // before the core stops
	g := c.gnb(t, 1)
	tmsis := map[ngap.FiveGSTMSI]bool{}
	for i := range n {
		tmsis[idleWithSession(t, c, smf, g, i)] = true
	}
	b := rawGNB(t, c, 2, 2)
	var f failures
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	var mu sync.Mutex
	answers := map[string]int{}
	gate.shut()
	start := time.Now()
	for i := range n {
		for range perUE {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := transfer(ctx, c, supiOf(i), &f)
				key := res.String()
				switch {
				case errors.Is(err, sbi.ErrUnavailable):
					key = "unavailable"
				case err != nil:
					key = err.Error()
				}
				mu.Lock()
				answers[key]++
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	gate.release()
	t.Logf("answers: %v", answers)
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("%d transfers took %s", n*perUE, d)
	}
	if answers["ATTEMPTING_TO_REACH_UE"]+answers["unavailable"] != n*perUE || answers["ATTEMPTING_TO_REACH_UE"] < n {
		t.Errorf("answers %v, want only ATTEMPTING_TO_REACH_UE (at least %d) and unavailable", answers, n)
	}
	got := pagings(t, b, 2*time.Second)
	seen := map[ngap.FiveGSTMSI]int{}
	for _, p := range got {
		seen[p.TMSI]++
	}
	if len(got) != n || len(seen) != n {
		t.Errorf("%d Pagings for %d UEs, want one for each of %d", len(got), len(seen), n)
	}
	for tmsi := range seen {
		if !tmsis[tmsi] {
			t.Errorf("Paging for %s, no such UE", tmsi)
		}
	}
	for deadline := time.Now().Add(10 * time.Second); len(f.got()) < n && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
	}
	time.Sleep(200 * time.Millisecond)
	if len(f.got()) != n {
		t.Errorf("%d failure notifications, want %d (one per UE): %v", len(f.got()), n, f.got())
	}
}

// A transfer for a SUPI the AMF does not know, or for a UE that
// deregistered, is UE_NOT_REACHABLE (TS 29.518 §5.2.2.3.1).
func TestTransferUnreachable(t *testing.T) {
	c, _ := pagingCore(t, 1, 0, 0)
	g := c.gnb(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := transfer(ctx, c, supiOf(0), nil); !errors.Is(err, sbi.ErrUENotReachable) || !errors.Is(err, amf.ErrUnknownUE) {
		t.Errorf("transfer for an unknown SUPI = %v, want ErrUENotReachable and ErrUnknownUE", err)
	}
	s, _, err := scenario.Register(ctx, g, c.ue(t, 0))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Deregister(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := transfer(ctx, c, supiOf(0), nil); !errors.Is(err, sbi.ErrUENotReachable) {
		t.Errorf("transfer for a deregistered UE = %v, want ErrUENotReachable", err)
	}
}

// TS 24.501 §5.3.7: an idle UE that does not come back before the mobile
// reachable and the implicit deregistration timers expire is implicitly
// deregistered: its SM context released at the SMF, its registration at
// the UDM removed, its context forgotten.
func TestImplicitDeregistrationThroughNGAP(t *testing.T) {
	smf := newRecordingSMF()
	c := startCoreOpts(t, 1, gmm.Timers{MobileReachable: 150 * time.Millisecond, ImplicitDeregistration: 150 * time.Millisecond}, coreOptions{
		services: func(s gmm.Services) gmm.Services { s.SMF = smf; return s },
	})
	g := c.gnb(t, 1)
	idleWithSession(t, c, smf, g, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		_, held := ueView(c, supiOf(0))
		if !held && smf.of(supiOf(0)) == 0 && !registeredAt(ctx, c, supiOf(0)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("5 s after going idle: held %v, %d SM contexts, registered at the UDM %v; want none",
				held, smf.of(supiOf(0)), registeredAt(ctx, c, supiOf(0)))
		}
	}
	if n := counter(c, "keel_amf_procedures_total", "implicit"); n != 1 {
		t.Errorf("implicit deregistrations counted %v, want 1", n)
	}
	if _, err := transfer(ctx, c, supiOf(0), nil); !errors.Is(err, sbi.ErrUENotReachable) {
		t.Errorf("transfer after implicit deregistration = %v, want ErrUENotReachable", err)
	}
}

// counter sums the samples of a counter whose labels include value
// (any, for "").
func counter(c *core, name, value string) float64 {
	mfs, _ := c.reg.Gather()
	sum := 0.0
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			match := value == ""
			for _, l := range m.GetLabel() {
				match = match || l.GetValue() == value
			}
			if match {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}

// The paged UE answers with a Service Request of type mobile terminated
// services: paging stops (counted answered, no repetition) and the
// transfer that waited sets the session's user plane up in the Initial
// Context Setup, whose result goes to the SMF; no failure is notified.
func TestPagingAnswered(t *testing.T) {
	c, smf := pagingCore(t, 1, 300*time.Millisecond, 3)
	g := c.gnb(t, 1)
	s, tmsi := idleSession(t, c, smf, g, 0)
	paged, stop := g.WatchPaging(tmsi)
	defer stop()
	var f failures
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	before := smf.updated(supiOf(0))
	if res, err := transfer(ctx, c, supiOf(0), &f); err != nil || res != sbi.N1N2AttemptingToReachUE {
		t.Fatalf("N1N2MessageTransfer = %v, %v, want ATTEMPTING_TO_REACH_UE", res, err)
	}
	select {
	case <-paged:
	case <-ctx.Done():
		t.Fatal("the UE's gNB was not paged")
	}
	if _, err := s.ServiceRequest(ctx, ue.ServiceMobileTerminated); err != nil {
		t.Fatalf("Service Request: %v", err)
	}
	for deadline := time.Now().Add(5 * time.Second); smf.updated(supiOf(0)) == before; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the session's setup result never reached the SMF")
		}
	}
	time.Sleep(time.Second) // past three T3513 periods
	if n := counter(c, "keel_amf_paging_total", "answered"); n != 1 {
		t.Errorf("keel_amf_paging_total{outcome=answered} = %v, want 1", n)
	}
	if n := counter(c, "keel_amf_paging_attempts_total", ""); n != 1 {
		t.Errorf("keel_amf_paging_attempts_total = %v, want 1 (paging stopped)", n)
	}
	if got := f.got(); len(got) != 0 {
		t.Errorf("failure notifications %v, want none", got)
	}
}

// A CM-CONNECTED UE gets an N2SetupRequest transfer at once, as a PDU
// Session Resource Setup Request (N1_N2_TRANSFER_INITIATED), whose answer
// goes to the SMF.
func TestTransferConnectedThroughNGAP(t *testing.T) {
	c, smf := pagingCore(t, 1, 0, 0)
	g := c.gnb(t, 1)
	connectedWithSession(t, c, smf, g, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	before := smf.updated(supiOf(0))
	if res, err := transfer(ctx, c, supiOf(0), nil); err != nil || res != sbi.N1N2TransferInitiated {
		t.Fatalf("N1N2MessageTransfer = %v, %v, want N1_N2_TRANSFER_INITIATED", res, err)
	}
	for deadline := time.Now().Add(5 * time.Second); smf.updated(supiOf(0)) == before; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no PDU Session Resource Setup answer reached the SMF")
		}
	}
	if n := counter(c, "keel_amf_paging_attempts_total", ""); n != 0 {
		t.Errorf("keel_amf_paging_attempts_total = %v, want 0", n)
	}
}

// A UE being paged that registers afresh (a new context, by SUCI) leaves
// the old context's waiting transfer to no one: its sender is told the UE
// cannot be reached for it, rather than waiting for ever.
func TestPagedUERegistersAfresh(t *testing.T) {
	c, smf := pagingCore(t, 1, time.Minute, 3)
	g := c.gnb(t, 1)
	idleWithSession(t, c, smf, g, 0)
	var f failures
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if res, err := transfer(ctx, c, supiOf(0), &f); err != nil || res != sbi.N1N2AttemptingToReachUE {
		t.Fatalf("N1N2MessageTransfer = %v, %v, want ATTEMPTING_TO_REACH_UE", res, err)
	}
	if _, _, err := scenario.Register(ctx, g, c.ue(t, 0)); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); len(f.got()) == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
	}
	if got, want := fmt.Sprint(f.got()), fmt.Sprintf("[%s/1 UE_NOT_REACHABLE_FOR_SESSION]", supiOf(0)); got != want {
		t.Errorf("failure notifications %s, want %s", got, want)
	}
	if n := counter(c, "keel_amf_paging_total", "cancelled"); n != 1 {
		t.Errorf("keel_amf_paging_total{outcome=cancelled} = %v, want 1", n)
	}
}
