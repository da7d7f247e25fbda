package ngap

import (
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
	tsharktest.CheckClean(t, run, "sctp.checksum.status==0")

	var fields []string
	for _, c := range cases {
		fields = append(fields, c.element)
		for f := range c.want {
			fields = append(fields, f)
		}
	}
	for i, row := range tsharktest.Fields(t, run, len(cases), fields) {
		c := cases[i]
		for f, got := range row {
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
