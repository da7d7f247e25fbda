package upf

import (
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/gtpu"
	"github.com/keelcore/keel/internal/sctp/sctptest"
	"github.com/keelcore/keel/internal/tsharktest"
)

// TestTsharkDecodesN3 captures the N3 traffic of a session on lo and has
// tshark, a decoder written independently of Keel's, read it: G-PDUs
// both ways with their PDU Session Container and the ICMP inside, Echo
// Request and Response, an Error Indication; no malformed frame and no
// expert error.
func TestTsharkDecodesN3(t *testing.T) {
	sctptest.RequireNetNS(t)
	pcap := filepath.Join(t.TempDir(), "n3.pcap")
	capt := sctptest.StartCapture(t, pcap)

	d := newTestDatapath(t)
	if err := d.Apply(1, testRules(0x100, 0x200, testUE(), netip.MustParseAddr("127.0.0.2"))); err != nil {
		t.Fatal(err)
	}
	gnb := gnbSocket(t, "127.0.0.2")
	for seq := range uint16(3) {
		if _, _, ok := ping(t, d, gnb, seq, 5*time.Second); !ok {
			t.Fatalf("ping %d: no answer", seq)
		}
	}
	// A full-size T-PDU each way (the TUN MTU, 1400 octets).
	big := icmpEcho(testUE(), testGateway().Addr(), 7, 7, 1400-28)
	send(t, gnb, gtpu.AppendGPDU(nil, 0x100, 9, true, big), d.N3Addr())
	if p, _, ok := receive(t, gnb, 5*time.Second); !ok || len(p.Payload) != 1400 {
		t.Fatalf("no 1400-octet answer: %v, %d octets", ok, len(p.Payload))
	}
	send(t, gnb, gtpu.AppendEchoRequest(nil, 42), d.N3Addr())
	if p, _, ok := receive(t, gnb, 5*time.Second); !ok || p.Type != gtpu.MsgEchoResponse {
		t.Fatalf("no Echo Response: %+v", p)
	}
	send(t, gnb, gtpu.AppendGPDU(nil, 0xdead, 9, true, icmpEcho(testUE(), testGateway().Addr(), 1, 1, 8)), d.N3Addr())
	if p, _, ok := receive(t, gnb, 5*time.Second); !ok || p.Type != gtpu.MsgErrorIndication {
		t.Fatalf("no Error Indication: %+v", p)
	}
	time.Sleep(100 * time.Millisecond)
	capt.Finish(t)

	run := tsharktest.Runner(t, pcap)
	count := func(filter string) int {
		t.Helper()
		return len(strings.Fields(run("-Y", filter, "-T", "fields", "-e", "frame.number")))
	}
	// tshark exits 0 whatever it finds: count what it prints.
	const flagged = "_ws.malformed || _ws.expert.severity==error"
	if n := count(flagged); n > 0 {
		t.Errorf("tshark flags %d frames:\n%s", n, run("-Y", flagged, "-V"))
	}
	for filter, want := range map[string]int{
		// Uplink: UL PDU Session Information (PDU type 1), ICMP echo request.
		"gtp.message == 255 && gtp.teid == 0x100 && gtp.ext_hdr.pdu_ses_con.pdu_type == 1 && icmp.type == 8": 4,
		// Downlink: DL PDU Session Information (PDU type 0) with the QER's
		// QFI, the kernel's echo reply from the gateway.
		"gtp.message == 255 && gtp.teid == 0x200 && gtp.ext_hdr.pdu_ses_con.pdu_type == 0 && gtp.ext_hdr.pdu_ses_con.qos_flow_id == 9 && icmp.type == 0 && ip.src == 10.45.0.1": 4,
		"gtp.message == 255 && frame.len == 14 + 20 + 8 + 16 + 1400": 2,
		"gtp.message == 1":                                              1,
		"gtp.message == 2 && udp.srcport == 2152":                       1,
		"gtp.message == 26 && gtp.teid_data == 0xdead && gtp.teid == 0": 1,
	} {
		if got := count(filter); got != want {
			t.Errorf("tshark finds %d frames for %q, want %d", got, filter, want)
		}
	}
}
