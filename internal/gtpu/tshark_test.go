package gtpu

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

// TestTsharkDecodesGolden has tshark, a GTP-U decoder written independently
// of this one, read every golden message: text2pcap wraps each in UDP from
// and to port 2152 (TS 29.281 §4.4.2), and tshark must flag no malformed
// packet and no expert error, with IPv4 header checksum validation on,
// must decode the ICMP echo request inside every G-PDU with a good
// checksum, and must find the field values the message was built with.
func TestTsharkDecodesGolden(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark is not on PATH (Debian package tshark): the independent decoder check cannot run")
	}
	text2pcap, err := exec.LookPath("text2pcap")
	if err != nil {
		t.Skip("text2pcap is not on PATH (Debian package tshark): the independent decoder check cannot run")
	}
	gs := goldens()
	dir := t.TempDir()
	dump, pcap := filepath.Join(dir, "gtpu.txt"), filepath.Join(dir, "gtpu.pcap")
	var buf bytes.Buffer
	for _, g := range gs {
		writeHexdump(&buf, unhex(t, g.hex))
	}
	if err := os.WriteFile(dump, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(text2pcap, "-q", "-u", fmt.Sprintf("%d,%d", Port, Port), dump, pcap).CombinedOutput(); err != nil {
		t.Fatalf("text2pcap: %v\n%s", err, out)
	}

	// A private HOME keeps the user's Wireshark profile out of the decoding.
	home := t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(tshark, append([]string{"-n", "-r", pcap, "-o", "ip.check_checksum:TRUE"}, args...)...)
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
