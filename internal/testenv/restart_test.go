package testenv

import (
	"strconv"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/amf"
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
	waitGNBs(t, core, token, func(l []amf.GNB) bool {
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
