package upf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sys/unix"

	"github.com/keelcore/keel/internal/gtpu"
	"github.com/keelcore/keel/internal/metrictest"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// The datapath tests run in the namespace of TestMain: the UPF listens on
// 127.0.0.1:2152, a test socket plays the gNB on another loopback
// address, port 2152, and the TUN device keel0 carries the gateway
// 10.45.0.1/16, which the kernel answers pings to.
const testN3 = "127.0.0.1:2152"

func testGateway() netip.Prefix { return netip.MustParsePrefix("10.45.0.1/16") }
func testUE() netip.Addr        { return netip.MustParseAddr("10.45.0.2") }

type testDatapath struct {
	*tunDatapath
	reg *prometheus.Registry
}

func newTestDatapath(t testing.TB) testDatapath {
	t.Helper()
	return newTestDatapathOn(t, testN3)
}

func newTestDatapathOn(t testing.TB, n3 string) testDatapath {
	t.Helper()
	sctptest.RequireNetNS(t)
	reg := prometheus.NewRegistry()
	dp, err := NewDatapath(DatapathOptions{
		N3:       netip.MustParseAddrPort(n3),
		Gateways: []netip.Prefix{testGateway()},
		Logger:   slog.New(slog.NewTextHandler(testWriter{t}, nil)),
		Registry: reg,
	})
	if err != nil {
		t.Fatalf("NewDatapath() = %v", err)
	}
	t.Cleanup(func() {
		if err := dp.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	})
	return testDatapath{dp.(*tunDatapath), reg}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(b), "\n"))
	return len(b), nil
}

// metric reads a counter or gauge; labels are name, value pairs.
func (d testDatapath) metric(t testing.TB, name string, labels ...string) float64 {
	t.Helper()
	return metrictest.Value(t, d.reg, name, labels...)
}

// waitMetric waits for a metric to reach want: the readers add to the
// counters after each batch, just after sending.
func (d testDatapath) waitMetric(t testing.TB, want float64, name string, labels ...string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := d.metric(t, name, labels...)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%s%v = %v, want %v", name, labels, got, want)
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// gnbSocket is the gNB's GTP-U socket on addr, port 2152.
func gnbSocket(t testing.TB, addr string) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(netip.MustParseAddr(addr), gtpu.Port)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func send(t testing.TB, c *net.UDPConn, msg []byte, to netip.AddrPort) {
	t.Helper()
	if _, err := c.WriteToUDPAddrPort(msg, to); err != nil {
		t.Fatal(err)
	}
}

// receive waits up to timeout for the next GTP-U message on c; ok is
// false if none came.
func receive(t testing.TB, c *net.UDPConn, timeout time.Duration) (p gtpu.Packet, from netip.AddrPort, ok bool) {
	t.Helper()
	buf := make([]byte, 65536)
	c.SetReadDeadline(time.Now().Add(timeout))
	n, from, err := c.ReadFromUDPAddrPort(buf)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return p, from, false
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := gtpu.Parse(buf[:n], &p); err != nil {
		t.Fatalf("received %x from %v: %v", buf[:n], from, err)
	}
	return p, from, true
}

// ping sends an ICMP echo request from the UE to the gateway through
// TEID 0x100 and returns the request and the G-PDU that came back, if
// one did.
func ping(t testing.TB, d testDatapath, gnb *net.UDPConn, seq uint16, timeout time.Duration) (req []byte, p gtpu.Packet, ok bool) {
	t.Helper()
	req = icmpEcho(testUE(), testGateway().Addr(), 0x4b1d, seq, 56)
	send(t, gnb, gtpu.AppendGPDU(nil, 0x100, 9, true, req), d.N3Addr())
	p, _, ok = receive(t, gnb, timeout)
	return req, p, ok
}

func TestPingTheGatewayThroughTheTUN(t *testing.T) {
	d := newTestDatapath(t)
	if err := d.Apply(1, testRules(0x100, 0x200, testUE(), netip.MustParseAddr("127.0.0.2"))); err != nil {
		t.Fatal(err)
	}
	gnb := gnbSocket(t, "127.0.0.2")
	req, p, ok := ping(t, d, gnb, 1, 5*time.Second)
	if !ok {
		t.Fatal("no answer to the ping")
	}
	// The kernel's echo reply, in a G-PDU to the FAR's TEID with the DL
	// PDU Session Container and the QER's QFI.
	if p.Type != gtpu.MsgGPDU || p.TEID != 0x200 || !p.HasQFI || p.QFI != 9 || p.Uplink {
		t.Fatalf("gNB received %+v, want a G-PDU for TEID 0x200, DL QFI 9", p)
	}
	rep := p.Payload
	wantHdr := []byte{10, 45, 0, 1, 10, 45, 0, 2} // 10.45.0.1 -> 10.45.0.2
	if len(rep) != len(req) || rep[0] != 0x45 || rep[9] != 1 || !bytes.Equal(rep[12:20], wantHdr) ||
		rep[20] != 0 || !bytes.Equal(rep[24:], req[24:]) {
		t.Fatalf("T-PDU = %x, want the echo reply to %x", rep, req)
	}
	want := []Usage{{URRID: 1, Uplink: uint64(len(req)), Downlink: uint64(len(rep)), UplinkPkts: 1, DownPkts: 1}}
	got, err := d.Usage(1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Usage(1) (-want +got):\n%s", diff)
	}
	d.waitMetric(t, 1, "keel_upf_datapath_packets_total", "direction", "uplink")
	d.waitMetric(t, 1, "keel_upf_datapath_packets_total", "direction", "downlink")
	d.waitMetric(t, float64(len(req)), "keel_upf_datapath_bytes_total", "direction", "uplink")
	d.waitMetric(t, 1, "keel_upf_datapath_sessions")

	// Many pings, answered in order.
	for seq := uint16(2); seq < 50; seq++ {
		_, p, ok := ping(t, d, gnb, seq, 5*time.Second)
		if !ok || len(p.Payload) < 28 || binary.BigEndian.Uint16(p.Payload[26:]) != seq {
			t.Fatalf("ping %d: answer %v %x", seq, ok, p.Payload)
		}
	}
	if u, _ := d.Usage(1); u[0].UplinkPkts != 49 || u[0].DownPkts != 49 {
		t.Errorf("Usage(1) = %+v, want 49 packets each way", u)
	}
}

func TestErrorIndicationForAnUnknownTEID(t *testing.T) {
	d := newTestDatapath(t)
	gnb := gnbSocket(t, "127.0.0.3")
	send(t, gnb, gtpu.AppendGPDU(nil, 0xdead, 1, true, icmpEcho(testUE(), testGateway().Addr(), 1, 1, 8)), d.N3Addr())
	p, from, ok := receive(t, gnb, 5*time.Second)
	if !ok {
		t.Fatal("no Error Indication")
	}
	if p.Type != gtpu.MsgErrorIndication || p.TEID != 0 || from != d.N3Addr() {
		t.Fatalf("received %+v from %v, want an Error Indication from %v", p, from, d.N3Addr())
	}
	teid, peer, err := gtpu.ParseErrorIndication(&p)
	if err != nil || teid != 0xdead || peer != d.N3Addr().Addr() {
		t.Errorf("Error Indication = TEID %#x, peer %v, %v; want 0xdead, %v", teid, peer, err, d.N3Addr().Addr())
	}
	d.waitMetric(t, 1, "keel_upf_gtpu_unknown_teid_total")
	d.waitMetric(t, 1, "keel_upf_gtpu_error_indications_sent_total")
	d.waitMetric(t, 1, "keel_upf_datapath_dropped_packets_total", "direction", "uplink", "reason", "unknown_teid")
}

// TestWildcardN3 listens on the wildcard addresses: the Error
// Indication names the address each G-PDU was sent to, which the socket
// reports per datagram, and G-PDUs reach IPv4 gNBs from a dual-stack
// socket too. (Port 2153: the test's gNB has 2152 on a loopback address.)
func TestWildcardN3(t *testing.T) {
	for _, n3 := range []string{"0.0.0.0:2153", "[::]:2153"} {
		t.Run(n3, func(t *testing.T) {
			d := newTestDatapathOn(t, n3)
			if err := d.Apply(1, testRules(0x100, 0x200, testUE(), netip.MustParseAddr("127.0.0.2"))); err != nil {
				t.Fatal(err)
			}
			gnb := gnbSocket(t, "127.0.0.2")
			for _, to := range []string{"127.0.0.1:2153", "127.0.0.9:2153"} {
				send(t, gnb, gtpu.AppendGPDU(nil, 0xbad, 1, true, icmpEcho(testUE(), testGateway().Addr(), 1, 1, 8)), netip.MustParseAddrPort(to))
				p, _, ok := receive(t, gnb, 5*time.Second)
				if !ok {
					t.Fatalf("no Error Indication for a G-PDU sent to %s", to)
				}
				if _, peer, err := gtpu.ParseErrorIndication(&p); err != nil || netip.AddrPortFrom(peer, 2153).String() != to {
					t.Errorf("Error Indication for a G-PDU sent to %s names %v (%v)", to, peer, err)
				}
			}
			req := icmpEcho(testUE(), testGateway().Addr(), 1, 1, 8)
			send(t, gnb, gtpu.AppendGPDU(nil, 0x100, 9, true, req), netip.MustParseAddrPort("127.0.0.1:2153"))
			if p, _, ok := receive(t, gnb, 5*time.Second); !ok || p.TEID != 0x200 || len(p.Payload) != len(req) {
				t.Errorf("ping answered by %+v (%v), want a G-PDU for TEID 0x200", p, ok)
			}
		})
	}
}

func TestEchoRequest(t *testing.T) {
	d := newTestDatapath(t)
	// From any port: the response goes back to it (TS 29.281 §4.4.2.2).
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 4)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	send(t, c, gtpu.AppendEchoRequest(nil, 77), d.N3Addr())
	p, _, ok := receive(t, c, 5*time.Second)
	if !ok || p.Type != gtpu.MsgEchoResponse || !p.HasSeq || p.Seq != 77 {
		t.Fatalf("received %+v (%v), want an Echo Response with sequence number 77", p, ok)
	}
	d.waitMetric(t, 1, "keel_upf_gtpu_echo_requests_total")
}

func TestGateClosedDrops(t *testing.T) {
	d := newTestDatapath(t)
	gnb := gnbSocket(t, "127.0.0.2")
	r := testRules(0x100, 0x200, testUE(), netip.MustParseAddr("127.0.0.2"))

	r.QERs[0].GateUL = false
	if err := d.Apply(1, r); err != nil {
		t.Fatal(err)
	}
	if _, p, ok := ping(t, d, gnb, 1, 300*time.Millisecond); ok {
		t.Errorf("uplink gate closed, yet an answer: %+v", p)
	}
	d.waitMetric(t, 1, "keel_upf_datapath_dropped_packets_total", "direction", "uplink", "reason", "gate_closed")

	r.QERs[0].GateUL, r.QERs[0].GateDL = true, false
	if err := d.Apply(1, r); err != nil {
		t.Fatal(err)
	}
	if _, p, ok := ping(t, d, gnb, 2, 300*time.Millisecond); ok {
		t.Errorf("downlink gate closed, yet an answer: %+v", p)
	}
	d.waitMetric(t, 1, "keel_upf_datapath_dropped_packets_total", "direction", "downlink", "reason", "gate_closed")
	if u, _ := d.Usage(1); u[0].UplinkPkts != 1 || u[0].DownPkts != 0 {
		t.Errorf("Usage(1) = %+v, want the uplink packet only", u)
	}

	r.QERs[0].GateDL = true
	if err := d.Apply(1, r); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := ping(t, d, gnb, 3, 5*time.Second); !ok {
		t.Error("no answer with both gates open again")
	}
}

// TestDownlinkBufferedUntilTheTunnel is the start of a PDU session (TS
// 23.502 §4.3.2.2.1): the SMF establishes the session with the downlink
// FAR buffering, the UE already sends, and the reply goes out when the
// modification brings the gNB's tunnel.
func TestDownlinkBufferedUntilTheTunnel(t *testing.T) {
	d := newTestDatapath(t)
	r := testRules(0x100, 0x200, testUE(), netip.MustParseAddr("127.0.0.2"))
	far := r.FARs[1]
	r.FARs[1] = FAR{ID: 2, Action: Buffer, Destination: Access}
	if err := d.Apply(1, r); err != nil {
		t.Fatal(err)
	}
	gnb := gnbSocket(t, "127.0.0.2")
	req, p, ok := ping(t, d, gnb, 1, 300*time.Millisecond)
	if ok {
		t.Fatalf("an answer while the FAR buffers: %+v", p)
	}
	d.waitMetric(t, 1, "keel_upf_datapath_buffered_packets_total")
	r.FARs[1] = far
	if err := d.Apply(1, r); err != nil {
		t.Fatal(err)
	}
	p, _, ok = receive(t, gnb, 5*time.Second)
	if !ok || p.Type != gtpu.MsgGPDU || p.TEID != 0x200 || p.QFI != 9 || len(p.Payload) != len(req) || p.Payload[20] != 0 {
		t.Fatalf("after the modification the gNB received %+v (%v), want the echo reply", p, ok)
	}
	if u, _ := d.Usage(1); u[0].DownPkts != 1 {
		t.Errorf("Usage(1) = %+v, want the released packet counted", u)
	}
	d.waitMetric(t, 1, "keel_upf_datapath_packets_total", "direction", "downlink")
}

// TestDownlinkIdleNotifiesAndDiscards is an idle UE's downlink on the
// real datapath (TS 29.244 §5.2.4.1): with the FAR at BUFF|NOCP the
// kernel's echo replies are kept and the first is reported once; DROBU
// discards them (counted), and a new packet reports again; the FAR
// forwarding sends what is kept.
func TestDownlinkIdleNotifiesAndDiscards(t *testing.T) {
	d := newTestDatapath(t)
	notes := make(chan DownlinkData, 10)
	d.SetDownlinkNotifier(func(seid uint64, dd DownlinkData) {
		if seid == 1 {
			notes <- dd
		}
	})
	r := testRules(0x100, 0x200, testUE(), netip.MustParseAddr("127.0.0.2"))
	far := r.FARs[1]
	r.FARs[1] = FAR{ID: 2, Action: Buffer, Notify: true, Destination: Access}
	if err := d.Apply(1, r); err != nil {
		t.Fatal(err)
	}
	gnb := gnbSocket(t, "127.0.0.2")
	for seq := range uint16(2) {
		if _, p, ok := ping(t, d, gnb, seq, 200*time.Millisecond); ok {
			t.Fatalf("an answer while the FAR buffers: %+v", p)
		}
	}
	d.waitMetric(t, 2, "keel_upf_datapath_buffered_packets_total")
	select {
	case dd := <-notes:
		if dd != (DownlinkData{PDRID: 2, QFI: 9}) {
			t.Errorf("notified %+v, want PDR 2, QFI 9", dd)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no downlink data notification")
	}
	if len(notes) != 0 {
		t.Fatalf("%d more notifications for the same buffering period", len(notes))
	}
	if n, err := d.DropBuffered(1); n != 2 || err != nil {
		t.Fatalf("DropBuffered(1) = %d, %v, want 2", n, err)
	}
	d.waitMetric(t, 2, "keel_upf_datapath_dropped_packets_total", "direction", "downlink", "reason", "discarded")
	for seq := uint16(3); seq < 6; seq++ {
		ping(t, d, gnb, seq, 100*time.Millisecond)
	}
	select {
	case <-notes:
	case <-time.After(5 * time.Second):
		t.Fatal("no notification for the packets after DROBU")
	}
	if len(notes) != 0 {
		t.Fatalf("%d more notifications after DROBU", len(notes))
	}
	d.waitMetric(t, 5, "keel_upf_datapath_buffered_packets_total")
	r.FARs[1] = far
	if err := d.Apply(1, r); err != nil {
		t.Fatal(err)
	}
	// The kept replies go to the gNB in the order they came.
	for seq := uint16(3); seq < 6; seq++ {
		p, _, ok := receive(t, gnb, 5*time.Second)
		if !ok || p.TEID != 0x200 || len(p.Payload) < 28 || binary.BigEndian.Uint16(p.Payload[26:]) != seq {
			t.Fatalf("after the FAR forwards the gNB received %+v (%v), want the kept reply %d", p, ok, seq)
		}
	}
}

func TestMBRLimitsUplink(t *testing.T) {
	d := newTestDatapath(t)
	const mbr = 8_000_000 // bit/s
	r := testRules(0x100, 0x200, testUE(), netip.MustParseAddr("127.0.0.2"))
	r.QERs[0].MBRUL = mbr
	if err := d.Apply(1, r); err != nil {
		t.Fatal(err)
	}
	// A sink on the gateway takes the datagrams, so the kernel sends no
	// ICMP back.
	sink, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(10, 45, 0, 1), Port: 9})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	gnb := gnbSocket(t, "127.0.0.2")
	msg := gtpu.AppendGPDU(nil, 0x100, 9, true,
		udpPacket(netip.AddrPortFrom(testUE(), 5000), netip.MustParseAddrPort("10.45.0.1:9"), 1400))
	// Offer twice the MBR, in bursts of 16 every 11 ms: a backlog the
	// reader would then police all at once stays small.
	start := time.Now()
	var offered int
	tick := time.NewTicker(11 * time.Millisecond)
	defer tick.Stop()
	for time.Since(start) < time.Second {
		for range 16 {
			send(t, gnb, msg, d.N3Addr())
			offered++
		}
		<-tick.C
	}
	elapsed := time.Since(start)
	time.Sleep(50 * time.Millisecond)
	u, _ := d.Usage(1)
	want := (elapsed + mbrBurst).Seconds() * mbr / 8
	got := float64(u[0].Uplink)
	t.Logf("offered %d packets (%.0f Mbit/s), %d forwarded: %.2f Mbit/s over %v", offered,
		float64(offered*1400*8)/elapsed.Seconds()/1e6, u[0].UplinkPkts, got*8/elapsed.Seconds()/1e6, elapsed)
	if float64(offered*1400) < 1.5*want {
		t.Skipf("offered only %d octets, too few to test an MBR of %d bit/s", offered*1400, mbr)
	}
	if got < 0.5*want || got > 1.3*want {
		t.Errorf("forwarded %.0f octets in %v at an MBR of %d bit/s, want about %.0f", got, elapsed, mbr, want)
	}
	if d.metric(t, "keel_upf_datapath_dropped_packets_total", "direction", "uplink", "reason", "mbr") == 0 {
		t.Error("no packet counted as dropped for the MBR")
	}
}

func TestURRThresholdReportsOnceOnTheWire(t *testing.T) {
	d := newTestDatapath(t)
	type report struct {
		seid uint64
		Usage
	}
	reports := make(chan report, 10)
	d.SetReporter(func(seid uint64, u Usage) { reports <- report{seid, u} })
	r := testRules(0x100, 0x200, testUE(), netip.MustParseAddr("127.0.0.2"))
	r.URRs[0].VolumeThreshold = 1000 // octets: 6 pings of 84 each way
	if err := d.Apply(5, r); err != nil {
		t.Fatal(err)
	}
	gnb := gnbSocket(t, "127.0.0.2")
	for seq := range uint16(5) {
		if _, _, ok := ping(t, d, gnb, seq, 5*time.Second); !ok {
			t.Fatalf("ping %d: no answer", seq)
		}
	}
	select {
	case u := <-reports:
		t.Fatalf("report below the threshold: %+v", u)
	case <-time.After(100 * time.Millisecond):
	}
	for seq := range uint16(5) {
		if _, _, ok := ping(t, d, gnb, 10+seq, 5*time.Second); !ok {
			t.Fatalf("ping %d: no answer", 10+seq)
		}
	}
	select {
	case u := <-reports:
		if u.seid != 5 || !u.ThresholdReached || u.URRID != 1 || u.Uplink+u.Downlink < 1000 {
			t.Errorf("report = %+v, want session 5, URR 1 at 1000 octets or more", u)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no report after crossing the threshold")
	}
	select {
	case u := <-reports:
		t.Errorf("second report: %+v", u)
	case <-time.After(300 * time.Millisecond):
	}
}

func TestDeleteReturnsFinalUsage(t *testing.T) {
	d := newTestDatapath(t)
	if err := d.Apply(9, testRules(0x100, 0x200, testUE(), netip.MustParseAddr("127.0.0.2"))); err != nil {
		t.Fatal(err)
	}
	gnb := gnbSocket(t, "127.0.0.2")
	var req []byte
	for seq := range uint16(3) {
		var ok bool
		if req, _, ok = ping(t, d, gnb, seq, 5*time.Second); !ok {
			t.Fatalf("ping %d: no answer", seq)
		}
	}
	got, err := d.Delete(9)
	if err != nil {
		t.Fatal(err)
	}
	n := uint64(3 * len(req)) // the replies are as long as the requests
	want := []Usage{{URRID: 1, Uplink: n, Downlink: n, UplinkPkts: 3, DownPkts: 3}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Delete(9) (-want +got):\n%s", diff)
	}
	if _, err := d.Usage(9); !errors.Is(err, ErrUnknownSession) {
		t.Errorf("Usage(deleted) = %v, want ErrUnknownSession", err)
	}
	if _, err := d.Delete(9); !errors.Is(err, ErrUnknownSession) {
		t.Errorf("Delete(deleted) = %v, want ErrUnknownSession", err)
	}
	// The TEID is gone: the gNB is told.
	_, p, ok := ping(t, d, gnb, 4, 5*time.Second)
	if !ok || p.Type != gtpu.MsgErrorIndication {
		t.Errorf("after Delete the gNB received %+v (%v), want an Error Indication", p, ok)
	}
	d.waitMetric(t, 0, "keel_upf_datapath_sessions")
}

func TestApplyRefusesInconsistentRulesOnTheDatapath(t *testing.T) {
	d := newTestDatapath(t)
	r := testRules(0x100, 0x200, testUE(), netip.MustParseAddr("127.0.0.2"))
	r.PDRs[1].FARID = 3
	if err := d.Apply(1, r); !errors.Is(err, ErrRules) {
		t.Errorf("Apply(PDR naming a missing FAR) = %v, want ErrRules", err)
	}
	if _, err := d.Usage(1); !errors.Is(err, ErrUnknownSession) {
		t.Errorf("Usage(refused session) = %v, want ErrUnknownSession", err)
	}
}

func TestCloseRemovesTheDevice(t *testing.T) {
	sctptest.RequireNetNS(t)
	dp, err := NewDatapath(DatapathOptions{N3: netip.MustParseAddrPort("127.0.0.1:0"), TUN: "keeltest0", Gateways: []netip.Prefix{testGateway()}})
	if err != nil {
		t.Fatal(err)
	}
	if dp.N3Addr().Port() == 0 {
		t.Errorf("N3Addr() = %v, want the port picked", dp.N3Addr())
	}
	if _, err := net.InterfaceByName("keeltest0"); err != nil {
		t.Errorf("no device keeltest0 while the datapath runs: %v", err)
	}
	if err := dp.Close(); err != nil {
		t.Fatal(err)
	}
	if err := dp.Close(); err != nil {
		t.Errorf("second Close() = %v", err)
	}
	if _, err := net.InterfaceByName("keeltest0"); err == nil {
		t.Error("device keeltest0 still there after Close")
	}
	if err := dp.Apply(1, testRules(1, 2, testUE(), netip.MustParseAddr("127.0.0.2"))); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Apply() after Close = %v, want net.ErrClosed", err)
	}
}

func TestTUNErrorSaysWhatIsMissing(t *testing.T) {
	err := tunError("keel0", unix.EPERM)
	want := "upf: creating TUN device keel0: operation not permitted: the UPF needs CAP_NET_ADMIN (run as root)"
	if err.Error() != want || !errors.Is(err, unix.EPERM) {
		t.Errorf("tunError(EPERM) = %q, want %q", err, want)
	}
}
