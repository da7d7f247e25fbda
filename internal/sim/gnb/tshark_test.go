package gnb

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestTsharkDecodesGTPU has tshark read what the gNB puts on N3 — an
// uplink G-PDU with a PDU Session Container around an ICMP echo request,
// and an Echo Response — wrapped in UDP port 2152 by text2pcap: no
// malformed packet, no expert warning or error, good ICMP and IPv4
// checksums, and the values the test built.
func TestTsharkDecodesGTPU(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark is not on PATH (Debian package tshark): the independent decoder check cannot run")
	}
	text2pcap, err := exec.LookPath("text2pcap")
	if err != nil {
		t.Skip("text2pcap is not on PATH (Debian package tshark): the independent decoder check cannot run")
	}
	ping := appendEchoRequest(nil, netip.MustParseAddr("10.45.0.7"), netip.MustParseAddr("10.45.0.1"), 0x0102, 0x0304)
	gpdu, err := appendGPDU(nil, 0xdeadbeef, 9, ping)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	dump, pcap := filepath.Join(dir, "n3.txt"), filepath.Join(dir, "n3.pcap")
	var buf bytes.Buffer
	for _, p := range [][]byte{gpdu, echoResponse(nil, 0xbeef)} {
		fmt.Fprint(&buf, "0000")
		for _, b := range p {
			fmt.Fprintf(&buf, " %02x", b)
		}
		fmt.Fprint(&buf, "\n\n")
	}
	if err := os.WriteFile(dump, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(text2pcap, "-q", "-u", "2152,2152", dump, pcap).CombinedOutput(); err != nil {
		t.Fatalf("text2pcap: %v\n%s", err, out)
	}
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
	const flagged = "_ws.malformed || _ws.expert.severity==error || _ws.expert.severity==warning"
	if bad := run("-Y", flagged); bad != "" {
		t.Errorf("tshark flags packets:\n%s\n%s", bad, run("-Y", flagged, "-V"))
	}
	got := run("-T", "fields", "-E", "separator=|", "-E", "occurrence=l", "-e", "gtp.message", "-e", "gtp.teid",
		"-e", "gtp.ext_hdr.pdu_ses_con.pdu_type", "-e", "gtp.ext_hdr.pdu_ses_con.qos_flow_id", "-e", "gtp.seq_number",
		"-e", "ip.src", "-e", "ip.checksum.status", "-e", "icmp.type", "-e", "icmp.ident", "-e", "icmp.seq", "-e", "icmp.checksum.status")
	// occurrence=l: the inner IPv4 header's fields; checksum status 1 is good.
	want := "0xff|0xdeadbeef|1|9||10.45.0.7|1|8|258|772|1\n" +
		"0x02|0x00000000|||0xbeef|10.1.1.1|1||||"
	if got != want {
		t.Errorf("tshark reads\n%s\nwant\n%s", got, want)
	}
}
