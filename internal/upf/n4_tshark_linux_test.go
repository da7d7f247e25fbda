package upf

import (
	"fmt"
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

// TestTsharkDecodesN4Idle captures a session going idle and its downlink
// data on lo — the Session Modification Request setting the downlink FAR
// to BUFF|NOCP under a BAR, the Session Report Request with a Downlink
// Data Report (TS 29.244 §7.5.8.2), and a modification with DROBU — and
// has tshark check them: clean, and the flags and IDs where TS 29.244
// puts them.
func TestTsharkDecodesN4Idle(t *testing.T) {
	sctptest.RequireNetNS(t)
	pcap := filepath.Join(t.TempDir(), "n4idle.pcap")
	capt := sctptest.StartCapture(t, pcap)

	e := newN4Env(t)
	e.associate(cpBoot1)
	est, _ := e.establish(n4Request(0xc0de))
	e.modify(pfcp.ModificationRequest{SEID: est.UPSEID,
		Create: pfcp.Rules{BARs: []pfcp.BAR{{ID: 1, SuggestedPackets: 16}}},
		Update: pfcp.Rules{FARs: []pfcp.FAR{{ID: 2, Buffer: true, NotifyCP: true, BARID: 1, Set: pfcp.FieldApplyAction | pfcp.FieldBARID}}}})
	e.dp.downlinkData(est.UPSEID, DownlinkData{PDRID: 2, QFI: 9})
	<-e.reports
	waitFor(t, func() bool { return e.metric("keel_upf_downlink_data_reports_total", "result", "sent") == 1 })
	e.modify(pfcp.ModificationRequest{SEID: est.UPSEID, DropBuffered: true})
	time.Sleep(100 * time.Millisecond)
	capt.Finish(t)

	run := tsharktest.Runner(t, pcap,
		"-d", "udp.port=="+strconv.Itoa(int(e.upf.Addr().Port()))+",pfcp",
		"-d", "udp.port=="+strconv.Itoa(int(e.cp.Addr().Port()))+",pfcp")
	tsharktest.CheckClean(t, run, "")
	for _, c := range []struct{ filter, fields, want string }{
		{"pfcp.msg_type == 52 && pfcp.apply_action.buff == 1", "pfcp.far_id,pfcp.apply_action.nocp,pfcp.bar_id,pfcp.suggested_buffering_packets_count.packet_count", "2\t1\t1,1\t16"},
		{"pfcp.msg_type == 56", "pfcp.report_type.dldr,pfcp.report_type.usar,pfcp.pdr_id,pfcp.dl_data_service_inf.qfii,pfcp.qfi_value,pfcp.seid", "1\t0\t2\t1\t0x09\t0x000000000000c0de"},
		{"pfcp.msg_type == 57", "pfcp.cause", "1"},
		{"pfcp.msg_type == 52 && pfcp.smreq_flags.drobu == 1", "pfcp.seid", fmt.Sprintf("0x%016x", est.UPSEID)},
	} {
		args := []string{"-Y", c.filter, "-T", "fields", "-E", "occurrence=a"}
		for _, f := range strings.Split(c.fields, ",") {
			args = append(args, "-e", f)
		}
		if got := run(args...); got != c.want {
			t.Errorf("tshark %q %s = %q, want %q", c.filter, c.fields, got, c.want)
		}
	}
	if t.Failed() {
		t.Logf("tshark summary:\n%s", run())
	}
}
