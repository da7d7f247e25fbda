package upf

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/pfcp"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// TestTsharkDecodesN4 captures a session's N4 exchange on lo — heartbeat,
// association setup, establishment, modification with a usage query, a
// volume threshold report, deletion, and a malformed request refused —
// and has tshark, a decoder written independently of Keel's, read it: no
// malformed frame, no expert warning or error, every message type there,
// and every response matched to its request by sequence number.
func TestTsharkDecodesN4(t *testing.T) {
	sctptest.RequireNetNS(t)
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark missing (install Debian package tshark)")
	}
	pcap := filepath.Join(t.TempDir(), "n4.pcap")
	capt := sctptest.StartCapture(t, pcap)

	e := newN4Env(t)
	hb, _ := pfcp.HeartbeatRequest(0, cpBoot1)
	e.request(hb)
	e.associate(cpBoot1)
	est, _ := e.establish(n4Request(0xc0de))
	e.modify(pfcp.ModificationRequest{SEID: est.UPSEID, QueryURRs: true})
	e.dp.crossThreshold(est.UPSEID, Usage{URRID: 1, Uplink: 600_000, Downlink: 500_000, UplinkPkts: 600, DownPkts: 500})
	<-e.reports
	waitFor(t, func() bool { return e.metric("keel_upf_usage_reports_total", "result", "sent") == 1 })
	e.delete(est.UPSEID)
	m, _ := n4Request(1).Message(0)
	m.NodeID = nil
	e.request(m)
	time.Sleep(100 * time.Millisecond)
	capt.Finish(t)

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	home := t.TempDir()
	// Both ends use ports of their own, not 8805: tell tshark.
	decodeAs := []string{"-n", "-r", pcap,
		"-d", "udp.port==" + strconv.Itoa(int(e.upf.Addr().Port())) + ",pfcp",
		"-d", "udp.port==" + strconv.Itoa(int(e.cp.Addr().Port())) + ",pfcp"}
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(ctx, tshark, append(slices.Clone(decodeAs), args...)...)
		cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+home)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("tshark %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return strings.TrimSpace(string(out))
	}
	// tshark exits 0 whatever it finds: count what it prints.
	const flagged = "_ws.malformed || _ws.expert.severity==error || _ws.expert.severity==warning"
	if bad := run("-Y", flagged); bad != "" {
		t.Errorf("tshark flags frames:\n%s\n%s", bad, run("-Y", flagged, "-V"))
	}
	types := strings.Fields(run("-Y", "pfcp", "-T", "fields", "-e", "pfcp.msg_type"))
	for _, want := range []string{"1", "2", "5", "6", "50", "51", "52", "53", "54", "55", "56", "57"} {
		if !slices.Contains(types, want) {
			t.Errorf("no PFCP message of type %s on the wire; types seen: %v", want, types)
		}
	}
	responses := strings.Fields(run("-Y", "pfcp.msg_type in {2, 6, 51, 53, 55, 57}", "-T", "fields", "-e", "frame.number"))
	matched := strings.Fields(run("-Y", "pfcp.response_to", "-T", "fields", "-e", "frame.number"))
	if len(responses) == 0 || len(matched) != len(responses) {
		t.Errorf("tshark matched %d of %d responses to their request", len(matched), len(responses))
	}
	// The refusal of the request without a Node ID names the missing IE.
	if got := run("-Y", "pfcp.cause == 66", "-T", "fields", "-e", "pfcp.offending_ie"); got != "60" {
		t.Errorf("offending IE of the refusal = %q, want 60", got)
	}
	if got := run("-Y", "pfcp.msg_type == 56", "-T", "fields", "-e", "pfcp.volume_measurement.tovol", "-e", "pfcp.usage_report_trigger_flags.volth"); got != "1100000\t1" {
		t.Errorf("Session Report Request: total volume, VOLTH = %q, want 1100000, 1", got)
	}
	if t.Failed() {
		t.Logf("tshark summary:\n%s", run())
	}
}
