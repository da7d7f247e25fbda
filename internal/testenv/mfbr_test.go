package testenv

import (
	"testing"
	"time"

	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// TestMFBROnTheWire: a UE asks for a GBR QoS flow (UE-requested PDU
// session modification, TS 23.502 §4.3.3.2) and sends UDP in it at
// twice its MFBR for mfbrFor, and the same meanwhile in its default QoS
// flow; Keel's UPF polices the GBR flow's QER at the MFBR (TS 29.244
// §5.2.1, §8.2.8; TS 23.501 §5.7.2.5). Its /metrics account for every
// uplink packet, forwarded to N6 or dropped with reason "mbr", none
// otherwise. What the GBR flow passed — forwarded, less the pings and
// the default flow's datagrams, all of which the MFBR must not limit —
// is within 5 % of the MFBR (the policer's 100 ms burst is 2 % of
// mfbrFor), and the policer dropped about half the flow's datagrams, so
// a missing policer fails, and one limiting the default flow too.
func TestMFBROnTheWire(t *testing.T) {
	sctptest.RequireNetNS(t)
	const (
		mfbr    = 2_000_000 // bit/s
		mfbrFor = 5 * time.Second
		size    = 200 // octets of each datagram of the flow (the sim's)
		pings   = 5
	)
	core, token := startCoreWith(t, func(c *config.Config) { c.AMF.Ciphering = []string{"NEA0"} })
	// The SMF refuses sessions (#26) until its PFCP association is up.
	for deadline := time.Now().Add(5 * time.Second); scrapeMetrics(t, core)["keel_smf_upf_associated"][""] != 1; {
		if time.Now().After(deadline) {
			t.Fatal("the SMF did not associate with the UPF")
		}
		time.Sleep(10 * time.Millisecond)
	}
	sum, code, stderr := runSim(t, core.HTTPAddr().String(), token,
		"--amf", core.N2Addr().String(), "--ues", "1", "--provision", "--ping", "10.45.0.1", "--ping-count", "5",
		"--qos-flow", "5qi=1,gfbr=1Mbps,mfbr=2Mbps", "--qos-flow-duration", mfbrFor.String(), "--default-flow-traffic")
	if code != 0 || sum.QoSFlows != 1 || sum.PingReplies != pings || sum.Failed != 0 {
		t.Fatalf("keel sim --qos-flow = exit %d, %+v\n%s", code, sum, stderr)
	}
	sent, other := float64(sum.QoSFlowPackets), float64(sum.DefaultFlowPackets)
	offered := sent * size * 8 / mfbrFor.Seconds()
	if offered < 1.5*mfbr || other*size*8/mfbrFor.Seconds() < 1.5*mfbr {
		t.Fatalf("the sim offered %.0f bit/s in the GBR flow, %.0f bit/s in the default flow, want about twice the MFBR of %d: too slow to measure",
			offered, other*size*8/mfbrFor.Seconds(), mfbr)
	}

	// The datapath adds its counters after each batch: wait until every
	// uplink packet is accounted for.
	var fwd, bytes, mbrDrops, otherDrops float64
	for deadline := time.Now().Add(3 * time.Second); ; {
		m := scrapeMetrics(t, core)
		fwd = m.sum("keel_upf_datapath_packets_total", "direction", "uplink")
		bytes = m.sum("keel_upf_datapath_bytes_total", "direction", "uplink")
		mbrDrops = m.sum("keel_upf_datapath_dropped_packets_total", "direction", "uplink", "reason", "mbr")
		otherDrops = m.sum("keel_upf_datapath_dropped_packets_total", "direction", "uplink") - mbrDrops
		if fwd+mbrDrops+otherDrops >= sent+other+pings || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if fwd+mbrDrops != sent+other+pings || otherDrops != 0 || mbrDrops > sent {
		t.Fatalf("uplink: %.0f forwarded, %.0f dropped by the MBR, %.0f otherwise, want %.0f + %.0f datagrams and %d pings forwarded or dropped by the MBR, at most %.0f dropped",
			fwd, mbrDrops, otherDrops, sent, other, pings, sent)
	}
	passed := fwd - pings - other
	if pingBytes := bytes - (passed+other)*size; pingBytes <= 0 || pingBytes > pings*1500 {
		t.Errorf("uplink: %.0f octets forwarded, %.0f datagrams of %d octets passed: %.0f octets for %d pings", bytes, passed, size, pingBytes, pings)
	}
	got := passed * size * 8 / mfbrFor.Seconds()
	if dev := (got - mfbr) / mfbr; dev < -0.05 || dev > 0.05 {
		t.Errorf("GBR flow offered %.0f bit/s: %.0f bit/s passed (%+.2f %%), want within 5 %% of its MFBR of %d (less: the default flow limited too)", offered, got, 100*dev, mfbr)
	}
	// Offered at twice the MFBR, about half is dropped: without a policer
	// none would be.
	if mbrDrops < 0.3*sent {
		t.Errorf("the policer dropped %.0f of %.0f datagrams, want about half", mbrDrops, sent)
	}
	t.Logf("MFBR %d bit/s, offered %.0f bit/s for %v: %.0f bit/s passed (%+.2f %%), %.0f of %.0f datagrams dropped by the MBR; %.0f datagrams alongside in the default flow",
		mfbr, offered, mfbrFor, got, 100*(got-mfbr)/mfbr, mbrDrops, sent, other)
}
