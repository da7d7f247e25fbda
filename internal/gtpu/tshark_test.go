package gtpu

import (
	"fmt"
	"testing"

	"github.com/keelcore/keel/internal/tsharktest"
)

// TestTsharkDecodesGolden has tshark, a GTP-U decoder written independently
// of this one, read every golden message: text2pcap wraps each in UDP from
// and to port 2152 (TS 29.281 §4.4.2), and tshark must flag no malformed
// packet and no expert error, with IPv4 header checksum validation on,
// must decode the ICMP echo request inside every G-PDU with a good
// checksum, and must find the field values the message was built with.
func TestTsharkDecodesGolden(t *testing.T) {
	gs := goldens()
	var pdus [][]byte
	for _, g := range gs {
		pdus = append(pdus, unhex(t, g.hex))
	}
	pcap := tsharktest.Pcap(t, []string{"-u", fmt.Sprintf("%d,%d", Port, Port)}, pdus)
	run := tsharktest.Runner(t, pcap, "-o", "ip.check_checksum:TRUE")

	// No malformed frame, no expert error, and no warning either: tshark
	// reports a bad ICMP checksum as a warning.
	tsharktest.CheckClean(t, run, "")

	// Every G-PDU's T-PDU: the inner IPv4 header (the second ip layer)
	// and the ICMP checksum verify.
	fields := []string{"gtp.flags.e", "ip.checksum.status", "icmp.checksum.status"}
	for _, g := range gs {
		for f := range g.tshark {
			fields = append(fields, f)
		}
	}
	for i, got := range tsharktest.Fields(t, run, len(gs), fields, "-E", "occurrence=l") {
		g := gs[i]
		for f, want := range g.tshark {
			if got[f] != want {
				t.Errorf("%s: tshark %s = %q, want %q", g.name, f, got[f], want)
			}
		}
		if g.want.Type == MsgGPDU {
			// 1 is "Good" for both checksum status fields (0 is "Bad").
			if got["ip.checksum.status"] != "1" || got["icmp.checksum.status"] != "1" {
				t.Errorf("%s: inner IPv4 checksum status %q, ICMP checksum status %q, want 1 (good) for both",
					g.name, got["ip.checksum.status"], got["icmp.checksum.status"])
			}
		}
	}
	if t.Failed() {
		t.Logf("tshark summary:\n%s", run())
	}
}
