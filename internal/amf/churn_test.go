package amf_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/metrictest"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sctp"
	"github.com/keelcore/keel/internal/sim/gnb"
	"github.com/keelcore/keel/internal/sim/scenario"
	"github.com/keelcore/keel/internal/sim/ue"
)

// An association goes down right behind a burst of UE Context Release
// Completes: the UEs' executors end those connections while the reader
// ends the association's. Each connection must end once, and only the
// connection that was on the association (an earlier AMF re-read the
// UE's connection after choosing it, found it gone and crashed on it).
func TestAssociationDownWhileReleasing(t *testing.T) {
	associationDownWhileReleasing(t, 12, 0)
}

// The same with the release of the association's UEs paced by 3 runs
// (the AMF's pace limit is 1,024, above the 60 UEs of the test): the
// connections are handed to their executors from a run of their own as
// runs end, and every one still ends.
func TestAssociationDownPaced(t *testing.T) {
	associationDownWhileReleasing(t, 4, 3)
}

func associationDownWhileReleasing(t *testing.T, rounds int, paceLimit int64) {
	const ues = 60
	c := startCore(t, ues, gmm.Timers{})
	if paceLimit > 0 {
		c.amf.SetPaceLimit(paceLimit)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for round := range rounds {
		conn, err := c.tr.Dial(ctx, netip.Addr{}, c.addr)
		if err != nil {
			t.Fatal(err)
		}
		cfg := gnbConfig(uint32(100 + round))
		if m := exchange(t, conn, setupPDU(t, cfg)); causeOf(m) != "" {
			t.Fatalf("NG Setup: %T %s", m, causeOf(m))
		}
		// Every UE starts registering; the Authentication Request names
		// its AMF UE NGAP ID.
		for i := range ues {
			pdu, err := c.ue(t, i).RegistrationRequest()
			if err != nil {
				t.Fatal(err)
			}
			im, err := ngap.InitialUEMessage(int64(i), pdu, ngap.UELocation{TAI: ident.TAI{PLMN: plmn, TAC: 1}, CellPLMN: plmn}, ngap.RRCCauseMOSignalling, nil)
			if err != nil {
				t.Fatal(err)
			}
			sendMsg(t, conn, im)
		}
		ids := map[int64]int64{}
		for len(ids) < ues {
			m := recvMsg(t, conn)
			if dl, ok := m.(*message.DownlinkNASTransport); ok {
				ids[dl.RANUENGAPID.Value] = dl.AMFUENGAPID.Value
			}
		}
		for ran, amf := range ids {
			sendMsg(t, conn, ngap.UEContextReleaseComplete(amf, ran))
		}
		conn.Abort()
		waitQuiet(t, c, fmt.Sprintf("after round %d", round))
	}
}

// TestChurnWithGNBLoss is the short run of churn for every test run;
// BenchmarkChurnWithGNBLoss is the long one.
func TestChurnWithGNBLoss(t *testing.T) {
	cycles := 30
	if testing.Short() {
		cycles = 5
	}
	churn(t, cycles, 1)
}

// BenchmarkChurnWithGNBLoss runs b.N cycles of churn with a fresh seed,
// the stress run (under -race, -benchtime=1000x or more): one op is one
// cycle of 16 UEs.
func BenchmarkChurnWithGNBLoss(b *testing.B) {
	churn(b, b.N, uint64(time.Now().UnixNano()))
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cycles/s")
}

// churn runs cycles in which UEs register over two gNBs, some go idle and
// come back on either gNB, and deregister, while one of the two gNBs
// loses its association (an ABORT, or a graceful shutdown) at a random
// moment. After each cycle the AMF must hold no connection and no
// context but those of registered idle UEs, and still serve.
func churn(tb testing.TB, cycles int, seed uint64) {
	const ues = 16
	c := startCoreWith(tb, ues, gmm.Timers{}, nil, 0)
	rng := rand.New(rand.NewPCG(seed, 7))
	failures, completed := map[string]int{}, 0
	for cycle := range cycles {
		gnbs := [2]*gnb.GNB{c.gnb(tb, uint32(2*cycle+1)), c.gnb(tb, uint32(2*cycle+2))}
		victim := rng.IntN(2)
		abort := rng.IntN(2) == 0
		lossAfter := time.Duration(rng.IntN(80)) * time.Millisecond
		var mu sync.Mutex
		var wg sync.WaitGroup
		for i := range ues {
			first, second, idle := rng.IntN(2), rng.IntN(2), rng.IntN(2) == 0
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := ueCycle(c.ue(tb, i), gnbs[first], gnbs[second], idle)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					failures[scenario.Cause(err)]++
				} else {
					completed++
				}
			}()
		}
		time.Sleep(lossAfter)
		if abort {
			gnbs[victim].Conn().Abort()
		} else {
			gnbs[victim].Conn().Close()
		}
		wg.Wait()
		gnbs[1-victim].Close()
		waitQuiet(tb, c, fmt.Sprintf("after cycle %d", cycle))
	}
	tb.Logf("%d cycles: %d UE cycles completed, the others cut short by the gNB loss: %v", cycles, completed, failures)
}

// ueCycle registers u over g, optionally goes idle and comes back over
// g2 (its Registration Request names its 5G-GUTI), then deregisters.
func ueCycle(u *ue.UE, g, g2 *gnb.GNB, idle bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, _, err := scenario.Register(ctx, g, u)
	if err != nil {
		return err
	}
	if idle {
		if err := s.Release(ctx); err != nil {
			return err
		}
		s.GNB = g2
		if _, err := s.Update(ctx, false, nil); err != nil {
			return err
		}
	}
	return s.Deregister(ctx)
}

// waitQuiet waits until the AMF has no gNB and no UE connection, and
// holds contexts only for the UEs it lists, all idle.
func waitQuiet(tb testing.TB, c *core, when string) {
	tb.Helper()
	var why string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		why = ""
		ues := c.amf.UEs()
		for _, u := range ues {
			if u.GNB != "" || u.AMFUENGAPID != 0 {
				why = fmt.Sprintf("UE %s still connected: %+v", u.SUPI, u)
			}
		}
		if g := c.amf.GNBs(); len(g) != 0 {
			why = fmt.Sprintf("gNBs still listed: %+v", g)
		}
		if n := metrictest.Value(tb, c.reg, "keel_amf_ue_contexts"); n != float64(len(ues)) {
			why = fmt.Sprintf("%v UE contexts held, %d listed", n, len(ues))
		}
		if why == "" {
			return
		}
	}
	tb.Fatalf("%s: %s", when, why)
}

// sendMsg encodes m and sends it on stream 0.
func sendMsg(tb testing.TB, c sctp.Conn, m message.Message) {
	tb.Helper()
	b, err := ngap.Encode(m)
	if err != nil {
		tb.Fatal(err)
	}
	if err := c.Send(context.Background(), sctp.Message{PPID: sctp.PPIDNGAP, Data: b}); err != nil {
		tb.Fatal(err)
	}
}

// recvMsg waits at most 10 s for a PDU and decodes it.
func recvMsg(tb testing.TB, c sctp.Conn) message.Message {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	in, err := c.Recv(ctx)
	if err != nil {
		tb.Fatalf("no PDU from the AMF: %v", err)
	}
	m, err := ngap.Decode(in.Data)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// A UE connected on gNB A comes back on gNB B (a mobility registration
// update naming its 5G-GUTI, as after a radio link failure) while A's
// association goes down. The end of A's association must end the UE's
// connection on A only: the one on B survives and carries the UE's
// deregistration. The test hook holds A's release between the listing of
// A's UE connections and their end, where the UE moves; an end that
// re-read the UE's connection there would end the one on B: against
// releaseRAN before it took each connection with its UE, the UE's
// deregistration on B is never answered.
func TestAssociationDownWhileUEMoves(t *testing.T) {
	c := startCore(t, 1, gmm.Timers{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	gA, gB := c.gnb(t, 1), c.gnb(t, 2)
	// With a follow-on request the AMF keeps the connection on B after
	// the update (TS 24.501 §5.5.1.3.4).
	u, err := ue.New(ue.Config{SUPI: supiOf(0), MCC: "001", MNC: "01", K: c.keys[0][0], OPc: c.keys[0][1],
		Scheme: ue.SchemeNull, SNSSAIs: []ident.SNSSAI{{SST: 1}}, FollowOnRequest: true})
	if err != nil {
		t.Fatal(err)
	}
	s, _, err := scenario.Register(ctx, gA, u)
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	moved := make(chan error, 1)
	c.amf.OnReleaseListed(func(end func()) {
		ran := false
		once.Do(func() {
			// A's connection is gone for the UE: it comes back on B.
			s.Conn, s.GNB = nil, gB
			_, err := s.Update(ctx, false, nil)
			end()
			ran = true
			moved <- err
		})
		if !ran {
			end()
		}
	})
	gA.Close()
	// The end of A's connections is in the UE's mailbox now, ahead of
	// anything the UE sends next.
	if err := <-moved; err != nil {
		t.Fatalf("UE coming back on gNB B while A's association ends: %v", err)
	}
	if err := s.Deregister(ctx); err != nil {
		t.Fatalf("UE deregistering on gNB B after A's association ended: %v", err)
	}
	if l := c.amf.GNBs(); len(l) != 1 || l[0].ID != "gnb-00101-2" {
		t.Errorf("GNBs() = %+v, want gNB B only", l)
	}
}
