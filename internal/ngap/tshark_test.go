package ngap

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
// free5gc's, read every golden PDU: text2pcap wraps them in SCTP (port
// 38412, PPID 60, TS 38.412 §7) and tshark must report no malformed
// packet and no expert warning or error, recognise each message as the
// one built, decode the NAS-5GS message inside the NAS-PDU, and find the
// field values the builders were given (UE NGAP IDs, NR cell, TAC, RRC
// establishment cause, 5G-S-TMSI, KgNB, algorithm bitmaps, causes).
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
	pdus := goldenPDUs(t)

	dir := t.TempDir()
	dump, pcap := filepath.Join(dir, "ngap.txt"), filepath.Join(dir, "ngap.pcap")
	var buf bytes.Buffer
	for _, p := range pdus {
		writeHexdump(&buf, p)
	}
	if err := os.WriteFile(dump, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(text2pcap, "-q", "-S", "40000,38412,60", dump, pcap).CombinedOutput(); err != nil {
		t.Fatalf("text2pcap: %v\n%s", err, out)
	}

	// A private HOME keeps the user's Wireshark profile out of the decoding.
	home := t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(tshark, append([]string{"-n", "-r", pcap, "-o", "sctp.checksum:CRC 32c"}, args...)...)
		cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+home)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("tshark %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return strings.TrimSpace(string(out))
	}

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
