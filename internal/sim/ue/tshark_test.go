package ue

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestTsharkDecodesSM has tshark, a NAS-5GS decoder written apart from
// both the UE and free5gc, read the 5GSM messages the UE sends (plain,
// as the network reads them after deciphering) and the golden accept:
// no malformed packet, no expert warning or error, and the message types
// and values the test built.
func TestTsharkDecodesSM(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark is not on PATH (Debian package tshark): the independent decoder check cannot run")
	}
	text2pcap, err := exec.LookPath("text2pcap")
	if err != nil {
		t.Skip("text2pcap is not on PATH (Debian package tshark): the independent decoder check cannot run")
	}
	u, n, request := establish(t)
	accept := dlNASTransport(t, 1, goldenAccept, 0)
	handle(t, u, n.protect(accept, 2))
	up, err := u.ReleasePDUSession(1)
	if err != nil {
		t.Fatal(err)
	}
	release := n.open(up, 2)
	complete := n.open(oneUplink(t, handle(t, u, n.protect(dlNASTransport(t, 1, "2e0102d324", 0), 2))), 2)

	dir := t.TempDir()
	dump, pcap := filepath.Join(dir, "nas.txt"), filepath.Join(dir, "nas.pcap")
	var buf bytes.Buffer
	for _, p := range [][]byte{request, accept, release, complete} {
		fmt.Fprint(&buf, "0000")
		for _, b := range p {
			fmt.Fprintf(&buf, " %02x", b)
		}
		fmt.Fprint(&buf, "\n\n")
	}
	if err := os.WriteFile(dump, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	// DLT 147 (USER0), which the option below hands to the nas-5gs dissector.
	if out, err := exec.Command(text2pcap, "-q", "-l", "147", dump, pcap).CombinedOutput(); err != nil {
		t.Fatalf("text2pcap: %v\n%s", err, out)
	}
	home := t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(tshark, append([]string{"-n", "-r", pcap, "-o", `uat:user_dlts:"User 0 (DLT=147)","nas-5gs","0","","0",""`}, args...)...)
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
	got := run("-T", "fields", "-E", "separator=|", "-e", "nas_5gs.mm.message_type", "-e", "nas_5gs.sm.message_type",
		"-e", "nas_5gs.pdu_session_id", "-e", "nas_5gs.sm.pdu_addr_inf_ipv4", "-e", "nas_5gs.sm.5qi", "-e", "nas_5gs.cmn.dnn")
	// The PDU session ID twice: the 5GSM header's and the transport's IE.
	want := strings.Join([]string{
		"0x67|0xc1|1,1|||internet",
		"0x68|0xc2|1,1|10.45.0.2|9|internet",
		"0x67|0xd1|1,1|||",
		"0x67|0xd4|1,1|||",
	}, "\n")
	if got != want {
		t.Errorf("tshark reads\n%s\nwant\n%s", got, want)
	}
}
