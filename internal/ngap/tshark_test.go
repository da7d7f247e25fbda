package ngap

import (
	"slices"
	"strings"
	"testing"

	"github.com/keelcore/keel/internal/tsharktest"
)

// TestTsharkDecodesGolden has tshark, a decoder written independently of
// free5gc's, read every golden PDU: text2pcap wraps them in SCTP (port
// 38412, PPID 60, TS 38.412 §7) and tshark must report no malformed
// packet and no expert warning or error, recognise each message as the
// one built, decode the NAS-5GS message inside the NAS-PDU, and find the
// field values the builders were given (UE NGAP IDs, NR cell, TAC, RRC
// establishment cause, 5G-S-TMSI, KgNB, algorithm bitmaps, causes).
func TestTsharkDecodesGolden(t *testing.T) {
	cases := goldenCases()
	pdus := goldenPDUs(t)
	run := tsharktest.Runner(t, tsharktest.Pcap(t, []string{"-S", "40000,38412,60"}, pdus), "-o", "sctp.checksum:CRC 32c")

	// tshark exits 0 whatever it finds: count what it prints.
	const flagged = "_ws.malformed || _ws.expert.severity==error || _ws.expert.severity==warning || sctp.checksum.status==0"
	if bad := run("-Y", flagged); bad != "" {
		t.Errorf("tshark flags packets:\n%s\n%s", bad, run("-Y", flagged, "-V"))
	}

	var fields []string
	for _, c := range cases {
		fields = append(fields, c.element)
		for f := range c.want {
			fields = append(fields, f)
		}
	}
	slices.Sort(fields)
	fields = slices.Compact(fields)
	args := []string{"-T", "fields", "-E", "separator=|", "-E", "occurrence=a", "-e", "frame.number"}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	rows := strings.Split(run(args...), "\n")
	if len(rows) != len(cases) {
		t.Fatalf("tshark decoded %d frames, want %d:\n%s", len(rows), len(cases), strings.Join(rows, "\n"))
	}
	for i, c := range cases {
		cols := strings.Split(rows[i], "|")
		if len(cols) != len(fields)+1 {
			t.Fatalf("%s: tshark row %q has %d columns, want %d", c.name, rows[i], len(cols), len(fields)+1)
		}
		got := map[string]string{}
		for j, f := range fields {
			got[f] = cols[j+1]
		}
		for _, f := range fields {
			switch {
			case strings.HasSuffix(f, "_element"):
				// tshark shows exactly one message element: the one built.
				want := ""
				if f == c.element {
					want = "1"
				}
				if got[f] != want {
					t.Errorf("%s: tshark %s = %q, want %q", c.name, f, got[f], want)
				}
			default:
				if want, ok := c.want[f]; ok && got[f] != want {
					t.Errorf("%s: tshark %s = %q, want %q", c.name, f, got[f], want)
				}
			}
		}
	}
	if t.Failed() {
		t.Logf("tshark summary:\n%s", run())
	}
}
