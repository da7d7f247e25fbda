package gtpu

import (
	"fmt"
	"slices"
	"strings"
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

	// tshark exits 0 whatever it finds: count what it prints.
	const flagged = "_ws.malformed || _ws.expert.severity==error"
	if bad := run("-Y", flagged); bad != "" {
		t.Errorf("tshark flags packets:\n%s\n%s", bad, run("-Y", flagged, "-V"))
	}
	// Warnings too: tshark reports a bad ICMP checksum as a warning.
	if warn := run("-Y", "_ws.expert.severity==warning"); warn != "" {
		t.Errorf("tshark warns about packets:\n%s\n%s", warn, run("-Y", "_ws.expert.severity==warning", "-V"))
	}

	// Every G-PDU's T-PDU: the inner IPv4 header (the second ip layer)
	// and the ICMP checksum verify.
	fields := []string{"gtp.flags.e", "ip.checksum.status", "icmp.checksum.status"}
	for _, g := range gs {
		for f := range g.tshark {
			fields = append(fields, f)
		}
	}
	slices.Sort(fields)
	fields = slices.Compact(fields)
	args := []string{"-T", "fields", "-E", "separator=|", "-E", "occurrence=l", "-e", "frame.number"}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	rows := strings.Split(run(args...), "\n")
	if len(rows) != len(gs) {
		t.Fatalf("tshark decoded %d frames, want %d:\n%s", len(rows), len(gs), strings.Join(rows, "\n"))
	}
	for i, g := range gs {
		cols := strings.Split(rows[i], "|")
		if len(cols) != len(fields)+1 {
			t.Fatalf("%s: tshark row %q has %d columns, want %d", g.name, rows[i], len(cols), len(fields)+1)
		}
		got := map[string]string{}
		for j, f := range fields {
			got[f] = cols[j+1]
		}
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
