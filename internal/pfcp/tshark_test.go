package pfcp

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestTsharkDecodesGolden has tshark, a decoder written independently of
// go-pfcp and of this package, read every golden message: text2pcap
// wraps them in UDP on port 8805 (TS 29.244 §4.2.2), and tshark must
// report no malformed packet and no expert warning or error, recognise
// each message type, and find the values the builders were given
// (sequence numbers, SEIDs, Node IDs, F-TEIDs, outer headers, MBRs,
// thresholds, usage report triggers and volumes, causes).
func TestTsharkDecodesGolden(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark is not on PATH (Debian package tshark): the independent decoder check cannot run")
	}
	text2pcap, err := exec.LookPath("text2pcap")
	if err != nil {
		t.Skip("text2pcap is not on PATH (Debian package tshark): the independent decoder check cannot run")
	}
	cases := goldenCases()
	msgs := goldenBytes(t)

	dir := t.TempDir()
	dump, pcap := filepath.Join(dir, "pfcp.txt"), filepath.Join(dir, "pfcp.pcap")
	var buf bytes.Buffer
	for _, b := range msgs {
		writeHexdump(&buf, b)
	}
	if err := os.WriteFile(dump, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(text2pcap, "-q", "-u", "8805,8805", dump, pcap).CombinedOutput(); err != nil {
		t.Fatalf("text2pcap: %v\n%s", err, out)
	}
	out := runTshark(t, tshark, pcap)

	// tshark exits 0 whatever it finds: count what it prints.
	const flagged = "_ws.malformed || _ws.expert.severity==error || _ws.expert.severity==warning"
	if bad := out("-Y", flagged); bad != "" {
		t.Errorf("tshark flags packets:\n%s\n%s", bad, out("-Y", flagged, "-V"))
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

// runTshark returns a function running tshark on pcap with a private
// HOME, which keeps the user's Wireshark profile out of the decoding.
func runTshark(t *testing.T, tshark, pcap string) func(args ...string) string {
	home := t.TempDir()
	return func(args ...string) string {
		t.Helper()
		cmd := exec.Command(tshark, append([]string{"-n", "-r", pcap}, args...)...)
		cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+home)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("tshark %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return strings.TrimSpace(string(out))
	}
}

// writeHexdump writes b in the format of od -Ax -tx1 -v, which text2pcap
// reads; an offset of 0 starts a new packet.
func writeHexdump(w *bytes.Buffer, b []byte) {
	for i := 0; i < len(b); i += 16 {
		fmt.Fprintf(w, "%06x", i)
		for _, c := range b[i:min(i+16, len(b))] {
			fmt.Fprintf(w, " %02x", c)
		}
		w.WriteByte('\n')
	}
	fmt.Fprintf(w, "%06x\n", len(b))
}
