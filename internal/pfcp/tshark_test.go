package pfcp

import (
	"testing"

	"github.com/keelcore/keel/internal/tsharktest"
)

// TestTsharkDecodesGolden has tshark, a decoder written independently of
// go-pfcp and of this package, read every golden message: text2pcap
// wraps them in UDP on port 8805 (TS 29.244 §4.2.2), and tshark must
// report no malformed packet and no expert warning or error, recognise
// each message type, and find the values the builders were given
// (sequence numbers, SEIDs, Node IDs, F-TEIDs, outer headers, MBRs,
// thresholds, usage report triggers and volumes, causes).
func TestTsharkDecodesGolden(t *testing.T) {
	cases := goldenCases()
	out := tsharktest.Runner(t, tsharktest.Pcap(t, []string{"-u", "8805,8805"}, goldenBytes(t)))

	tsharktest.CheckClean(t, out, "")
	var fields []string
	for _, c := range cases {
		for f := range c.want {
			fields = append(fields, f)
		}
	}
	for i, got := range tsharktest.Fields(t, out, len(cases), fields) {
		c := cases[i]
		for f, want := range c.want {
			if got[f] != want {
				t.Errorf("%s: tshark %s = %q, want %q", c.name, f, got[f], want)
			}
		}
	}
	if t.Failed() {
		t.Logf("tshark summary:\n%s", out())
	}
}
