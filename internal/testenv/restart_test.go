package testenv

import (
	"context"
	"errors"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/amf"
	"github.com/keelcore/keel/internal/api"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sctp"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// TestRestartedGNBOnTheWire: a gNB that restarted comes back over
// userspace SCTP from its address while its old association is still up.
// Its NG Setup succeeds at once (TS 38.413 §8.7.1): the AMF aborts the
// old association (an SCTP ABORT on the wire, RFC 9260 §9.1) and lists
// the new one.
func TestRestartedGNBOnTheWire(t *testing.T) {
	sctptest.RequireNetNS(t)
	stop := capture(t)
	core, token := startCore(t)
	tr := n2Transport(t)
	old := connectGNB(t, tr, core, simGNB(0x21))
	restarted := connectGNB(t, tr, core, simGNB(0x21))
	timeout := time.After(10 * time.Second)
	for open := true; open; {
		select {
		case _, open = <-old.Events():
		case <-timeout:
			t.Fatal("the old association is still up 10 s after the restarted gNB's NG Setup")
		}
	}
	waitGNBs(t, core, token, func(l []api.GNBInfo) bool {
		return len(l) == 1 && l[0].Address == restarted.Conn().LocalAddr().String() && l[0].State == "ready"
	}, "the restarted gNB listed alone")
	m := scrapeMetrics(t, core)
	if got := m.sum("keel_ngap_ng_setups_total", "outcome", "superseded"); got != 1 {
		t.Errorf("keel_ngap_ng_setups_total{outcome=superseded} = %v, want 1", got)
	}
	// Both AMF panic boundaries are listed, at zero, before any panic.
	for _, c := range []string{"amf-ue", "amf-n2"} {
		if v, ok := m["keel_panics_total"][`component="`+c+`"`]; !ok || v != 0 {
			t.Errorf("keel_panics_total{component=%q} = %v (listed %v), want 0, listed", c, v, ok)
		}
	}
	pcap := stop()
	aborts := tshark(t, pcap, "-Y", "sctp.chunk_type == 6 && sctp.srcport == "+strconv.Itoa(int(core.N2Addr().Port())))
	if lines(aborts) != 1 {
		t.Errorf("tshark saw %d ABORTs from the AMF, want 1:\n%s", lines(aborts), aborts)
	}
}

// TestSilentGNBReplacedOnTheWire: the association holding a gNB ID, from
// another address, does not answer the AMF's liveness probe (an AMF
// Configuration Update, which its SCTP stack takes but its NGAP layer
// never reads); after the probe timeout the new NG Setup wins and the
// silent association is aborted.
func TestSilentGNBReplacedOnTheWire(t *testing.T) {
	sctptest.RequireNetNS(t)
	core, token := startCore(t)
	tr := n2Transport(t)
	silent := dialN2From(t, tr, core, netip.MustParseAddr("127.0.0.2"))
	if m := exchangeN2(t, silent, sctp.PPIDNGAP, encodeNGAP(t, mustBuild(ngap.NGSetupRequest(setupInfo(simGNB(0x22)))))); answerOf(m) != "NGSetupResponse" {
		t.Fatalf("NG Setup of the association that goes silent: %s", answerOf(m))
	}
	began := time.Now()
	g := connectGNB(t, tr, core, simGNB(0x22))
	if d := time.Since(began); d < amf.DefaultProbeTimeout {
		t.Errorf("set up after %v, before the probe timeout %v", d, amf.DefaultProbeTimeout)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	in, err := silent.Recv(ctx)
	if err != nil {
		t.Fatalf("the silent association got no probe: %v", err)
	}
	if m, err := ngap.Decode(in.Data); err != nil || m.ProcedureCode() != message.ProcedureCodeAMFConfigurationUpdate {
		t.Errorf("the silent association got %T (%v), want the AMF Configuration Update probe", m, err)
	}
	var down *sctp.DownError
	if _, err := silent.Recv(ctx); !errors.As(err, &down) || down.Reason != sctp.DownAbort {
		t.Errorf("silent association after the new NG Setup: Recv = %v, want aborted by the peer", err)
	}
	waitGNBs(t, core, token, func(l []api.GNBInfo) bool {
		return len(l) == 1 && l[0].Address == g.Conn().LocalAddr().String() && l[0].State == "ready"
	}, "the new gNB listed alone")
}
