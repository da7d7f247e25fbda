package amf_test

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/metrictest"
	"github.com/keelcore/keel/internal/sctp"
	"github.com/keelcore/keel/internal/sim/gnb"
	"github.com/keelcore/keel/internal/sim/scenario"
)

// A gNB that restarted before its old association timed out comes back
// from the same address and sets up at once (TS 38.413 §8.7.1): the old
// association is aborted, its UEs' connections are released (a
// registered UE stays registered, idle), and UEs register over the new
// one.
func TestRestartedGNBSameAddress(t *testing.T) {
	c := startCore(t, 2, gmm.Timers{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	old := c.gnb(t, 1)
	if _, _, err := scenario.Register(ctx, old, c.ue(t, 0)); err != nil {
		t.Fatal(err)
	}
	waitUE(t, c, "registered", "gnb-00101-1")
	restarted := c.gnb(t, 1)
	waitDown(t, old)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		l := c.amf.GNBs()
		if len(l) == 1 && l[0].Address == restarted.Conn().LocalAddr().String() && l[0].State == "ready" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GNBs() = %+v, want the restarted gNB alone", l)
		}
	}
	waitUE(t, c, "registered", "")
	if _, _, err := scenario.Register(ctx, restarted, c.ue(t, 1)); err != nil {
		t.Errorf("registration over the restarted gNB: %v", err)
	}
	for _, m := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"keel_ngap_ng_setups_total", []string{"outcome", "superseded"}, 1},
		{"keel_ngap_ng_setups_total", []string{"outcome", "accepted"}, 2},
		{"keel_amf_gnbs_connected", nil, 1},
		{"keel_amf_n2_associations", nil, 1},
	} {
		if got := metrictest.Value(t, c.reg, m.name, m.labels...); got != m.want {
			t.Errorf("%s%v = %v, want %v", m.name, m.labels, got, m.want)
		}
	}
}

// waitUE waits until the AMF lists one UE, in state, on gNB ("" for
// idle).
func waitUE(t *testing.T, c *core, state, gnb string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		ues := c.amf.UEs()
		if len(ues) == 1 && ues[0].State == state && ues[0].GNB == gnb {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("UEs() = %+v, want one UE %s on gNB %q", ues, state, gnb)
		}
	}
}

// waitDown waits for the AMF to end a gNB's association: the gNB's
// events channel closes.
func waitDown(t *testing.T, g *gnb.GNB) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case _, ok := <-g.Events():
			if !ok {
				return
			}
		case <-timeout:
			t.Fatal("the old association is still up after 10 s")
		}
	}
}

// A gNB comes back from another address while its old association is
// silent: the old one gets a liveness probe, does not answer within the
// probe timeout, and is aborted; the new one is set up.
func TestRestartedGNBOldSilent(t *testing.T) {
	h := start(t, nil)
	old := h.rawFrom(netip.MustParseAddr("127.0.0.2"))
	if m := exchange(t, old, setupPDU(t, gnbConfig(1))); causeOf(m) != "" {
		t.Fatalf("NG Setup: %T %s", m, causeOf(m))
	}
	began := time.Now()
	g, err := h.connect(gnbConfig(1))
	if err != nil {
		t.Fatalf("NG Setup with the ID of a silent association: %v", err)
	}
	defer g.Close()
	if d := time.Since(began); d < probeTimeout {
		t.Errorf("set up after %v, before the probe timeout %v", d, probeTimeout)
	}
	if m := recvMsg(t, old); m.ProcedureCode() != message.ProcedureCodeAMFConfigurationUpdate {
		t.Errorf("silent association got %T, want the AMF Configuration Update probe", m)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var down *sctp.DownError
	if _, err := old.Recv(ctx); !errors.As(err, &down) || down.Reason != sctp.DownAbort {
		t.Errorf("silent association after the new NG Setup: Recv = %v, want aborted", err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		l := h.amf.GNBs()
		if len(l) == 1 && l[0].Address == g.Conn().LocalAddr().String() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GNBs() = %+v, want the new association alone", l)
		}
	}
}
