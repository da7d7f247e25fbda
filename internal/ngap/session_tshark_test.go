package ngap

import (
	"slices"
	"strings"
	"testing"

	"github.com/keelcore/keel/internal/tsharktest"
)

// TestTsharkDecodesSessions has tshark read every PDU session golden PDU
// as TestTsharkDecodesGolden does for the others. Beyond recognising the
// message, tshark must decode the SMF's transfers inside it (TS 38.413
// §9.3.4: GTP tunnels, QoS flows, 5QI, ARP, session AMBR, PDU session
// type, causes) and the 5GSM message in the NAS-PDU, to the values the
// builders were given.
func TestTsharkDecodesSessions(t *testing.T) {
	cases := sessionGoldenCases(t)
	pdus := sessionGoldenPDUs(t)
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
		for j, f := range fields {
			got := cols[j+1]
			want, ok := c.want[f]
			switch {
			case ok:
			case strings.HasSuffix(f, "_element"):
				// Of the message elements, tshark shows the one built only.
				want, ok = "", true
				if f == c.element {
					want = "1"
				}
			}
			if ok && got != want {
				t.Errorf("%s: tshark %s = %q, want %q", c.name, f, got, want)
			}
		}
	}
	if t.Failed() {
		t.Logf("tshark:\n%s", run("-V"))
	}
}
