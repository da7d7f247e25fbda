package ngap

import (
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
	tsharktest.CheckClean(t, run, "sctp.checksum.status==0")

	var fields []string
	for _, c := range cases {
		fields = append(fields, c.element)
		for f := range c.want {
			fields = append(fields, f)
		}
	}
	for i, got := range tsharktest.Fields(t, run, len(cases), fields) {
		c := cases[i]
		for f, v := range got {
			switch {
			case strings.HasSuffix(f, "_element"):
				// tshark shows exactly one message element: the one built.
				want := ""
				if f == c.element {
					want = "1"
				}
				if v != want {
					t.Errorf("%s: tshark %s = %q, want %q", c.name, f, v, want)
				}
			default:
				if want, ok := c.want[f]; ok && v != want {
					t.Errorf("%s: tshark %s = %q, want %q", c.name, f, v, want)
				}
			}
		}
	}
	if t.Failed() {
		t.Logf("tshark summary:\n%s", run())
	}
}
