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
	"github.com/keelcore/keel/internal/logtest"
	"github.com/keelcore/keel/internal/metrictest"
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
