// Package tsharktest runs tshark, Wireshark's decoder, as the independent
// oracle of Keel's tests: it wraps raw PDUs into a capture with text2pcap,
// runs tshark on a capture with a private profile, checks that tshark
// flags no frame, and reads the fields tshark decodes, frame by frame.
// Tests that use it skip, saying what is missing (oracle.Missing), when
// the Debian package tshark is not installed; .ci/run installs it and
// sets KEEL_REQUIRE_ORACLES=1, so in CI they fail rather than skip.
package tsharktest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/keelcore/keel/internal/oracle"
)

// Flagged selects what tshark must never report on Keel's output:
// malformed frames and expert errors or warnings. tshark exits 0 whatever
// it finds, so a test counts what this filter prints.
const Flagged = "_ws.malformed || _ws.expert.severity==error || _ws.expert.severity==warning"

// lookPath finds a tool of the tshark package or skips the test.
func lookPath(t testing.TB, tool string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		oracle.Missing(t, "%s is not on PATH (Debian package tshark): the independent decoder check cannot run", tool)
	}
	return p
}

// Pcap writes pdus into a capture file with text2pcap, which wraps each
// in the headers wrap asks for ("-S", "40000,38412,60" for NGAP over
// SCTP, "-u", "8805,8805" for PFCP over UDP), and returns its path.
func Pcap(t testing.TB, wrap []string, pdus [][]byte) string {
	t.Helper()
	lookPath(t, "tshark")
	text2pcap := lookPath(t, "text2pcap")
	var dump bytes.Buffer
	for _, p := range pdus {
		WriteHexdump(&dump, p)
	}
	dir := t.TempDir()
	txt, pcap := filepath.Join(dir, "pdus.txt"), filepath.Join(dir, "pdus.pcap")
	if err := os.WriteFile(txt, dump.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append(append([]string{"-q"}, wrap...), txt, pcap)
	if out, err := exec.Command(text2pcap, args...).CombinedOutput(); err != nil {
		t.Fatalf("text2pcap: %v\n%s", err, out)
	}
	return pcap
}

// Runner returns a function that runs tshark on pcap with opts before its
// own arguments and returns what it prints, trimmed. tshark gets a
// private HOME, which keeps the user's Wireshark profile out of the
// decoding.
func Runner(t testing.TB, pcap string, opts ...string) func(args ...string) string {
	t.Helper()
	tshark := lookPath(t, "tshark")
	home := t.TempDir()
	return func(args ...string) string {
		t.Helper()
		cmd := exec.Command(tshark, append(append([]string{"-n", "-r", pcap}, opts...), args...)...)
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

// CheckClean fails t, with tshark's full decoding of the frames at fault,
// if run (from Runner) finds a frame Flagged or, when extra is not empty,
// one matching the display filter extra ("sctp.checksum.status==0").
func CheckClean(t testing.TB, run func(args ...string) string, extra string) {
	t.Helper()
	filter := Flagged
	if extra != "" {
		filter += " || " + extra
	}
	if bad := run("-Y", filter); bad != "" {
		t.Errorf("tshark flags frames:\n%s\n%s", bad, run("-Y", filter, "-V"))
	}
}

// Fields has run (from Runner) print fields, each once, for every frame
// and returns one map per frame from field to what tshark prints for it:
// "" when absent, every occurrence joined by commas unless opts (tshark
// options put before the fields) say otherwise, as "-E", "occurrence=l"
// does. It stops t unless tshark prints frames rows of one column per
// field.
func Fields(t testing.TB, run func(args ...string) string, frames int, fields []string, opts ...string) []map[string]string {
	t.Helper()
	fields = slices.Compact(slices.Sorted(slices.Values(fields)))
	args := append([]string{"-T", "fields", "-E", "separator=|", "-E", "occurrence=a"}, opts...)
	args = append(args, "-e", "frame.number")
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	rows := strings.Split(run(args...), "\n")
	if len(rows) != frames {
		t.Fatalf("tshark decoded %d frames, want %d:\n%s", len(rows), frames, strings.Join(rows, "\n"))
	}
	got := make([]map[string]string, frames)
	for i, row := range rows {
		cols := strings.Split(row, "|")
		if len(cols) != len(fields)+1 {
			t.Fatalf("frame %d: tshark row %q has %d columns, want %d", i+1, row, len(cols), len(fields)+1)
		}
		got[i] = make(map[string]string, len(fields))
		for j, f := range fields {
			got[i][f] = cols[j+1]
		}
	}
	return got
}

// WriteHexdump writes b in the format of od -Ax -tx1 -v, which text2pcap
// reads; an offset of 0 starts a new packet.
func WriteHexdump(w *bytes.Buffer, b []byte) {
	for i := 0; i < len(b); i += 16 {
		fmt.Fprintf(w, "%06x", i)
		for _, c := range b[i:min(i+16, len(b))] {
			fmt.Fprintf(w, " %02x", c)
		}
		w.WriteByte('\n')
	}
	fmt.Fprintf(w, "%06x\n", len(b))
}
