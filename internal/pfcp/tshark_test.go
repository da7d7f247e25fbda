package pfcp

import (
	"slices"
	"strings"
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

	// tshark exits 0 whatever it finds: count what it prints.
	if bad := out("-Y", tsharktest.Flagged); bad != "" {
		t.Errorf("tshark flags packets:\n%s\n%s", bad, out("-Y", tsharktest.Flagged, "-V"))
	}
	var fields []string
	for _, c := range cases {
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
	rows := strings.Split(out(args...), "\n")
	if len(rows) != len(cases) {
		t.Fatalf("tshark decoded %d frames, want %d:\n%s", len(rows), len(cases), strings.Join(rows, "\n"))
	}
	for i, c := range cases {
		cols := strings.Split(rows[i], "|")
		if len(cols) != len(fields)+1 {
			t.Fatalf("%s: tshark row %q has %d columns, want %d", c.name, rows[i], len(cols), len(fields)+1)
		}
		for j, f := range fields {
			if want, ok := c.want[f]; ok && cols[j+1] != want {
				t.Errorf("%s: tshark %s = %q, want %q", c.name, f, cols[j+1], want)
			}
		}
	}
	if t.Failed() {
		t.Logf("tshark summary:\n%s", out())
	}
}
