package testenv

import (
	"testing"
	"time"

	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// TestPCCRuleFlowOnTheWire configures a GBR PCC rule (5QI 1, MFBR) on the
// DNN: every session comes up with a second QoS flow — its QoS rule in
// the establishment accept the simulated UE parses, its GBR QoS Flow
// Setup Request item the simulated gNB admits, its SDF-filtered PDR at
// the UPF — while pings, which the rule's filter does not match, keep
// going by the default flow unlimited by the MFBR. tshark decodes the
// capture with no malformed frame.
func TestPCCRuleFlowOnTheWire(t *testing.T) {
	sctptest.RequireNetNS(t)
	stop := capture(t)
	core, token := startCoreWith(t, func(c *config.Config) {
		c.AMF.Ciphering = []string{"NEA0"}
		c.DNNs[0].PCCRules = []config.PCCRule{{
			ID: "voice", FlowDescriptions: []string{"permit out 17 from any 5000-5010 to assigned"}, FiveQI: 1,
			ARP:        config.PCCARP{PriorityLevel: 2},
			GFBRUplink: "64 Kbps", GFBRDownlink: "64 Kbps", MFBRUplink: "128 Kbps", MFBRDownlink: "128 Kbps",
		}}
	})
	// The SMF refuses sessions (#26) until its PFCP association is up.
	for deadline := time.Now().Add(5 * time.Second); scrapeMetrics(t, core)["keel_smf_upf_associated"][""] != 1; {
		if time.Now().After(deadline) {
			t.Fatal("the SMF did not associate with the UPF")
		}
		time.Sleep(10 * time.Millisecond)
	}
	sum, code, stderr := runSim(t, core.HTTPAddr().String(), token,
		"--amf", core.N2Addr().String(), "--ues", "4", "--provision", "--pdu", "--ping", "10.45.0.1")
	if code != 0 || sum.Sessions != 4 || sum.PingReplies != 4 || sum.Failed != 0 {
		t.Fatalf("keel sim = exit %d, %+v\n%s", code, sum, stderr)
	}
	pcap := stop()
	nas := []string{"-o", "nas-5gs.null_decipher:TRUE"}
	if bad := tshark(t, pcap, append(nas, "-Y", "_ws.malformed || _ws.expert.severity==error || sctp.checksum.status==0")...); bad != "" {
		t.Errorf("tshark found malformed frames, expert errors or bad checksums:\n%s", bad)
	}
	for filter, want := range map[string]int{
		// The voice flow's downlink PDR with its SDF filter, one a session.
		"pfcp.flow_desc == \"permit out 17 from any 5000-5010 to assigned\"": 4,
		// The default flow's pings: QFI 1 in every G-PDU, none in QFI 2.
		"gtp.ext_hdr.pdu_ses_con.qos_flow_id == 2": 0,
	} {
		if n := lines(tshark(t, pcap, append(nas, "-Y", filter)...)); n != want {
			t.Errorf("tshark: %d frames match %q, want %d", n, filter, want)
		}
	}
	// The accepts carry the voice flow's QoS rule and 5QI 1.
	if n := lines(tshark(t, pcap, append(nas, "-Y", "nas_5gs.sm.5qi == 1")...)); n < 1 {
		t.Error("tshark: no establishment accept with the 5QI 1 flow description")
	}
}
