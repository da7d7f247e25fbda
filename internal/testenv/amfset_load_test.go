package testenv

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sim/gnb"
	"github.com/keelcore/keel/internal/sim/scenario"
	"github.com/keelcore/keel/internal/sim/ue"
)

// TestAMFSetKillUnderLoad is the AMF set's instance loss under load (TS
// 23.501 §5.21.2.3): two AMF processes of one set on a shared PostgreSQL
// store (startAMFSet), keel-amf-b reaching it over a link that delays
// each way by storeDelay, as a database a network away does (so that
// a save takes long enough for the kill to fall inside one), and 24 UEs cycling through them without pause,
// each on a goroutine of its own: a UE registers (follow-on request) and
// establishes a PDU session, goes idle (AN release), comes back with a
// Service Request for its session's uplink data, goes idle again, and so
// on. The UEs start 40 ms apart, so that registrations go on beside
// Service Requests. At a random moment 0 to 2 s after keel-amf-b has
// registered 4 UEs (the seed is logged) it is killed with SIGKILL,
// whatever it is doing.
//
// The UEs act as UEs do (TS 24.501): a procedure that ends without an
// answer (the gNB releases the connections of the lost association,
// or the step's 10 s pass: T3510, T3517 expiry) is tried again, an
// establishment left without an answer is given up (T3580, §6.4.1.6)
// and requested again; a UE that holds a 5G-GUTI never registers
// again. (One liberty: a UE refused with #22 and a back-off tries again
// at once instead of after T3346, which would outlast the test.) The test goes on until every UE has completed a whole cycle
// begun after the gNB found keel-amf-b gone.
//
// Lost, and asserted to be none: a UE that held a 5G-GUTI and was
// refused as unknown (its registration gone: it would have to register
// again), or that had its PDU session and found it gone at a Service
// Request (not reactivated, or released by the PDU session status). So
// every UE that had completed a registration before the kill — the
// write-ahead (internal/amf/writeahead.go) makes that "the store had its
// context" — completes a Service Request through keel-amf-a with its
// session reactivated and without registering again; keel-amf-a
// restored at least as many contexts as UEs held a 5G-GUTI of
// keel-amf-b at the kill.
func TestAMFSetKillUnderLoad(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	set := startAMFSet(ctx, t, storeDelay)
	const n = 24
	ues := set.subscribers(ctx, t, 8000, n)
	seed := uint64(time.Now().UnixNano())
	r := rand.New(rand.NewPCG(seed, seed>>32))
	killAfter := time.Duration(r.Int64N(int64(2 * time.Second)))

	load := make([]*loadUE, n)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	start := time.Now()
	for i, u := range ues {
		l := &loadUE{u: u, g: set.g}
		load[i] = l
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case <-time.After(time.Duration(i) * 40 * time.Millisecond):
			case <-stop:
				return
			}
			l.run(ctx, stop)
		}()
	}
	stopLoad := func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		wg.Wait()
	}
	defer stopLoad()

	// The kill comes at a random moment once keel-amf-b serves some UEs:
	// how long registrations take depends on the machine's load.
	onBAtLeast := func(k int) bool {
		held := 0
		for _, l := range load {
			l.mu.Lock()
			if l.pointer == 2 {
				held++
			}
			l.mu.Unlock()
		}
		return held >= k
	}
	for deadline := time.Now().Add(60 * time.Second); !onBAtLeast(minOnB); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("fewer than %d UEs registered with keel-amf-b within 60 s", minOnB)
		}
	}
	time.Sleep(killAfter)
	set.b.kill()
	t.Logf("seed %d: keel-amf-b killed %v into the load, %v after it served %d UEs", seed,
		time.Since(start).Round(time.Millisecond), killAfter.Round(time.Millisecond), minOnB)
	var onB, inFlight int
	steps := map[string]int{}
	for _, l := range load {
		l.mu.Lock()
		if l.pointer == 2 {
			onB++
		}
		if l.step != "" {
			inFlight++
			steps[l.step]++
		}
		l.mu.Unlock()
	}
	t.Logf("at the kill: %d UEs held a 5G-GUTI of keel-amf-b, %d were in a procedure %v", onB, inFlight, steps)
	for deadline := time.Now().Add(30 * time.Second); set.g.AMFs()[1].Up; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the gNB still has keel-amf-b's association up 30 s after the kill")
		}
	}
	down := time.Now()
	for _, l := range load {
		l.mu.Lock()
		l.down = down
		l.mu.Unlock()
	}

	// Until every UE has completed a cycle begun once keel-amf-b was
	// known gone, or is lost.
	for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		done := 0
		for _, l := range load {
			l.mu.Lock()
			if l.after > 0 || l.lost != nil {
				done++
			}
			l.mu.Unlock()
		}
		if done == n {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("%d of %d UEs completed no cycle within 90 s of keel-amf-b's loss", n-done, n)
			break
		}
	}
	stopLoad()

	lost, cycles := 0, 0
	causes := map[string]int{}
	for _, l := range load {
		cycles += l.cycles
		for _, f := range l.failures {
			causes[f]++
		}
		if l.lost != nil {
			lost++
			t.Errorf("UE %s lost: %v", l.u.SUPI(), l.lost)
		}
	}
	m := scrapeMetricsAt(t, set.a.api.String())
	restored := m.sum("keel_amf_ue_context_restores_total", "result", "restored")
	if onB == 0 {
		t.Errorf("no UE held a 5G-GUTI of keel-amf-b at the kill: nothing was tested")
	}
	if restored < float64(onB) {
		t.Errorf("keel-amf-a: keel_amf_ue_context_restores_total{result=restored} = %v, want at least %d (the UEs holding a 5G-GUTI of keel-amf-b at the kill)", restored, onB)
	}
	if got := m.sum("keel_amf_ue_context_write_ahead_total", "result", "saved"); got == 0 {
		t.Errorf("keel-amf-a: keel_amf_ue_context_write_ahead_total{result=saved} = 0, want the accepts written ahead")
	}
	if t.Failed() {
		b, _ := os.ReadFile(set.b.log)
		t.Logf("keel-amf-a restores: not-found %v, error %v; keel-amf-b's log: %d failed saves\n%s\n%s\n%s",
			m.sum("keel_amf_ue_context_restores_total", "result", "not-found"), m.sum("keel_amf_ue_context_restores_total", "result", "error"),
			strings.Count(string(b), "saving the UE context failed"), set.a.tail(), set.b.tail(), set.c.procs["smf"].tail())
	}
	t.Logf("%d cycles in %v, %d UEs lost; keel-amf-a restored %v contexts; failed steps, retried: %s",
		cycles, time.Since(start).Round(time.Millisecond), lost, restored, summarize(causes))
}

// loadUE is one UE of TestAMFSetKillUnderLoad. Its goroutine (run) alone
// uses the UE and its session; mu guards what the test reads.
type loadUE struct {
	u *ue.UE
	g *gnb.GNB
	s *scenario.Session

	mu sync.Mutex
	// step is the procedure under way, "" between cycles; pointer the
	// AMF Pointer of the UE's 5G-GUTI, 0 before it has one.
	step    string
	pointer uint8
	// cycles counts the cycles completed; after those begun after down,
	// the moment the gNB found keel-amf-b gone (zero until then).
	cycles, after int
	down          time.Time
	// failures lists each failed step as "step: cause".
	failures []string
	// lost says why the UE is lost; its goroutine then ends.
	lost error
}

// minOnB is how many UEs keel-amf-b serves at least before the random
// moment of its kill comes.
const minOnB = 4

// storeDelay is the one-way delay between keel-amf-b and the store in
// TestAMFSetKillUnderLoad.
const storeDelay = 20 * time.Millisecond

// stepTimeout is how long a UE waits for the network in one step before
// it gives the procedure up and tries again (T3510, T3517: 15 s).
const stepTimeout = 10 * time.Second

// errLost marks what loses a UE.
var errLost = errors.New("lost")

// run cycles the UE until stop closes or the UE is lost.
func (l *loadUE) run(ctx context.Context, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		default:
		}
		l.mu.Lock()
		began, down := time.Now(), l.down
		l.mu.Unlock()
		err := l.cycle(ctx)
		l.noteGUTI()
		l.mu.Lock()
		l.step = ""
		switch {
		case errors.Is(err, errLost):
			l.lost = err
			l.mu.Unlock()
			return
		case err == nil:
			l.cycles++
			if !down.IsZero() && began.After(down) {
				l.after++
			}
		}
		l.mu.Unlock()
		if err != nil {
			// A UE does not retry in a busy loop.
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// noteGUTI records the AMF Pointer of the UE's 5G-GUTI.
func (l *loadUE) noteGUTI() {
	g, ok := l.u.FiveGGUTI()
	l.mu.Lock()
	if ok {
		l.pointer = g.Pointer
	}
	l.mu.Unlock()
}

// at records the step under way.
func (l *loadUE) at(step string) {
	l.mu.Lock()
	l.step = step
	l.mu.Unlock()
}

// failed records a failed step, drops the UE's connection if it still
// has one (the UE gives the procedure up: back to 5GMM-IDLE) and returns
// err.
func (l *loadUE) failed(step string, err error) error {
	l.mu.Lock()
	l.failures = append(l.failures, step+": "+scenario.Cause(err))
	l.mu.Unlock()
	if l.s != nil && l.s.Conn != nil {
		l.s.Conn.Close()
		l.s.Conn = nil
		l.u.ConnectionReleased()
	}
	return err
}

// cycle runs one cycle: registration and session (or, for a UE holding
// a 5G-GUTI, a Service Request) and the release to idle.
func (l *loadUE) cycle(ctx context.Context) error {
	step := func() (context.Context, context.CancelFunc) { return context.WithTimeout(ctx, stepTimeout) }
	if _, ok := l.u.FiveGGUTI(); !ok {
		if l.s != nil {
			return fmt.Errorf("%w: the UE held a 5G-GUTI and has to register again", errLost)
		}
		l.at("registration")
		sctx, cancel := step()
		s, _, err := scenario.Register(sctx, l.g, l.u)
		cancel()
		if err != nil {
			return l.failed("registration", err)
		}
		l.s = s
		l.noteGUTI()
	} else {
		l.u.AbortPDUSessionEstablishment(1)
		_, had := l.u.PDUSession(1)
		l.at("service-request")
		sctx, cancel := step()
		var err error
		if had {
			_, err = l.s.ServiceRequest(sctx, ue.ServiceData, 1)
		} else {
			_, err = l.s.ServiceRequest(sctx, ue.ServiceSignalling)
		}
		cancel()
		cause := scenario.Cause(err)
		_, has := l.u.PDUSession(1)
		_, registered := l.u.FiveGGUTI()
		switch {
		case !registered:
			return fmt.Errorf("%w: Service Request refused as unknown (%s): the UE has to register again", errLost, cause)
		case err == nil && had && !has:
			return fmt.Errorf("%w: its PDU session was released by the Service Request's PDU session status", errLost)
		case cause == "no-bearer" || (cause == "reactivation-failed" && strings.Contains(err.Error(), "#43")):
			return fmt.Errorf("%w: its PDU session was not reactivated: %v", errLost, err)
		case err != nil:
			return l.failed("service-request", err)
		}
	}
	if _, ok := l.u.PDUSession(1); !ok {
		l.at("pdu-session")
		sctx, cancel := step()
		_, _, err := l.s.EstablishPDUSession(sctx, 1, "", ident.SNSSAI{SST: 1})
		cancel()
		if err != nil {
			return l.failed("pdu-session", err)
		}
	}
	l.at("release")
	sctx, cancel := step()
	err := l.s.Release(sctx)
	cancel()
	if err != nil {
		return l.failed("release", err)
	}
	return nil
}

// summarize prints counts by key, in key order.
func summarize(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s ×%d", k, m[k])
	}
	if b.Len() == 0 {
		return "none"
	}
	return b.String()
}
