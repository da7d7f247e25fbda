package gnb

import (
	"net/netip"
	"testing"

	"github.com/keelcore/keel/internal/tsharktest"
)

// TestTsharkDecodesGTPU has tshark read what the gNB puts on N3 — an
// uplink G-PDU with a PDU Session Container around an ICMP echo request,
// and an Echo Response — wrapped in UDP port 2152 by text2pcap: no
// malformed packet, no expert warning or error, good ICMP and IPv4
// checksums, and the values the test built.
func TestTsharkDecodesGTPU(t *testing.T) {
	ping := appendEchoRequest(nil, netip.MustParseAddr("10.45.0.7"), netip.MustParseAddr("10.45.0.1"), 0x0102, 0x0304)
	gpdu, err := appendGPDU(nil, 0xdeadbeef, 9, ping)
	if err != nil {
		t.Fatal(err)
	}
	pcap := tsharktest.Pcap(t, []string{"-u", "2152,2152"}, [][]byte{gpdu, echoResponse(nil, 0xbeef)})
	run := tsharktest.Runner(t, pcap, "-o", "ip.check_checksum:TRUE")
	tsharktest.CheckClean(t, run, "")
	got := run("-T", "fields", "-E", "separator=|", "-E", "occurrence=l", "-e", "gtp.message", "-e", "gtp.teid",
		"-e", "gtp.ext_hdr.pdu_ses_con.pdu_type", "-e", "gtp.ext_hdr.pdu_ses_con.qos_flow_id", "-e", "gtp.seq_number",
		"-e", "ip.src", "-e", "ip.checksum.status", "-e", "icmp.type", "-e", "icmp.ident", "-e", "icmp.seq", "-e", "icmp.checksum.status")
	// occurrence=l: the inner IPv4 header's fields; checksum status 1 is good.
	want := "0xff|0xdeadbeef|1|9||10.45.0.7|1|8|258|772|1\n" +
		"0x02|0x00000000|||0xbeef|10.1.1.1|1||||"
	if got != want {
		t.Errorf("tshark reads\n%s\nwant\n%s", got, want)
	}
}
