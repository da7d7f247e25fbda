package upf

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/pfcp"
	"github.com/keelcore/keel/internal/sctp/sctptest"
	"github.com/keelcore/keel/internal/tsharktest"
)

// TestTsharkDecodesN4 captures a session's N4 exchange on lo — heartbeat,
// association setup, establishment, modification with a usage query, a
// volume threshold report, deletion, and a malformed request refused —
// and has tshark, a decoder written independently of Keel's, read it: no
// malformed frame, no expert warning or error, every message type there,
// and every response matched to its request by sequence number.
func TestTsharkDecodesN4(t *testing.T) {
	sctptest.RequireNetNS(t)
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

	// Both ends use ports of their own, not 8805: tell tshark.
	run := tsharktest.Runner(t, pcap,
		"-d", "udp.port=="+strconv.Itoa(int(e.upf.Addr().Port()))+",pfcp",
		"-d", "udp.port=="+strconv.Itoa(int(e.cp.Addr().Port()))+",pfcp")
	tsharktest.CheckClean(t, run, "")
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
