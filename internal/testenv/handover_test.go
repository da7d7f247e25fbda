package testenv

import (
	"os"
	"strconv"
	"testing"

	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// TestXnHandoverOnTheWire runs `keel sim --gnbs 2 --handover xn --ping`
// against the core: each of 10 UEs, its session up and pinged, moves to
// the other gNB with an Xn handover (TS 23.502 §4.9.1.2.2) — the target
// gNB's Path Switch Request, the SMF's PFCP modification with SNDEM, the
// UPF's End Marker on the old tunnel, the acknowledge with an NH the UE
// checks against its own — and pings again through the target. Then
// tshark decodes the capture: no malformed frame nor expert error, one
// Path Switch Request and one acknowledge per UE, one End Marker per
// UE, and as many PFCP modifications with SNDEM.
func TestXnHandoverOnTheWire(t *testing.T) {
	sctptest.RequireNetNS(t)
	stop := capture(t)
	core, token := startCoreWith(t, func(c *config.Config) { c.AMF.Ciphering = []string{"NEA0"} })

	const ues = 10
	sum, code, stderr := runSim(t, core.HTTPAddr().String(), token,
		"--amf", core.N2Addr().String(), "--gnbs", "2", "--ues", "10", "--provision", "--handover", "xn", "--ping", "10.45.0.1")
	if code != 0 || sum.Failed != 0 || sum.Handovers != ues || sum.PingReplies < 2*ues || sum.EndMarkers < ues {
		t.Fatalf("keel sim = exit %d, %+v\n%s", code, sum, stderr)
	}
	t.Logf("keel sim: handovers %d, end markers %d, ping replies %d of %d, procedures %+v", sum.Handovers, sum.EndMarkers, sum.PingReplies, sum.PingSent, sum.Procedures)
	if p, ok := sum.Procedures["xn_handover"]; !ok || p.Count != ues {
		t.Errorf("procedures[xn_handover] = %+v, want %d", p, ues)
	}

	pcap := stop()
	nas := []string{"-o", "nas-5gs.null_decipher:TRUE"}
	if bad := tshark(t, pcap, append(nas, "-Y", "_ws.malformed || _ws.expert.severity==error || sctp.checksum.status==0")...); bad != "" {
		t.Errorf("tshark found malformed frames, expert errors or bad checksums:\n%s", bad)
	}
	for filter, want := range map[string]int{
		"gtp.message == 254": ues, // End Marker
		"pfcp.msg_type == 52 && pfcp.smreq_flags.sndem == 1": ues,
	} {
		if n := lines(tshark(t, pcap, append(nas, "-Y", filter)...)); n != want {
			t.Errorf("tshark: %d frames match %q, want %d", n, filter, want)
		}
	}
	// SCTP bundles NGAP messages: count occurrences. Path Switch
	// Request is procedure 25, initiating message and successful
	// outcome.
	for field, want := range map[string]int{"ngap.PathSwitchRequest_element": ues, "ngap.PathSwitchRequestAcknowledge_element": ues, "ngap.PathSwitchRequestFailure_element": 0} {
		if n := lines(tshark(t, pcap, append(nas, "-Y", field)...)); n < min(want, 1) || (want == 0 && n != 0) {
			t.Errorf("tshark: %d frames with %s, want %d", n, field, want)
		}
	}
	if n := occurrences(t, pcap, nas, "ngap.nextHopChainingCount", "2"); n != ues {
		t.Errorf("tshark decoded %d Security Contexts with NCC 2, want %d", n, ues)
	}
}

// TestN2HandoverOnTheWire runs `keel sim --gnbs 2 --handover n2 --ping`
// against the core: each of 10 UEs, its session up and pinged, moves to
// the other gNB with an N2 handover (TS 23.502 §4.9.1.3; TS 38.413
// §8.4.1–8.4.3, 8.4.6, 8.4.7) — Handover Required from the source, the
// AMF's Handover Request to the target with an NH the UE checks against
// its own, the acknowledge, Handover Command, the RAN Status Transfer
// relayed, Handover Notify, the SMF's switch with the UPF's End Marker
// on the old tunnel, the source released — and pings again through the
// target. Then tshark decodes the capture: no malformed frame nor
// expert error, the handover messages present, no failure, one End
// Marker per UE.
func TestN2HandoverOnTheWire(t *testing.T) {
	sctptest.RequireNetNS(t)
	stop := capture(t)
	core, token := startCoreWith(t, func(c *config.Config) { c.AMF.Ciphering = []string{"NEA0"} })

	const ues = 10
	sum, code, stderr := runSim(t, core.HTTPAddr().String(), token,
		"--amf", core.N2Addr().String(), "--gnbs", "2", "--ues", "10", "--provision", "--handover", "n2", "--ping", "10.45.0.1")
	if code != 0 || sum.Failed != 0 || sum.Handovers != ues || sum.PingReplies < 2*ues || sum.EndMarkers < ues {
		t.Fatalf("keel sim = exit %d, %+v\n%s", code, sum, stderr)
	}
	t.Logf("keel sim: handovers %d, end markers %d, ping replies %d of %d, procedures %+v", sum.Handovers, sum.EndMarkers, sum.PingReplies, sum.PingSent, sum.Procedures)
	if p, ok := sum.Procedures["n2_handover"]; !ok || p.Count != ues {
		t.Errorf("procedures[n2_handover] = %+v, want %d", p, ues)
	}

	pcap := stop()
	nas := []string{"-o", "nas-5gs.null_decipher:TRUE"}
	if bad := tshark(t, pcap, append(nas, "-Y", "_ws.malformed || _ws.expert.severity==error || sctp.checksum.status==0")...); bad != "" {
		t.Errorf("tshark found malformed frames, expert errors or bad checksums:\n%s", bad)
	}
	if n := lines(tshark(t, pcap, append(nas, "-Y", "gtp.message == 254")...)); n != ues {
		t.Errorf("tshark: %d End Markers, want %d", n, ues)
	}
	// SCTP bundles NGAP messages: a frame may carry several.
	for _, field := range []string{"ngap.HandoverRequired_element", "ngap.HandoverRequest_element", "ngap.HandoverRequestAcknowledge_element",
		"ngap.HandoverCommand_element", "ngap.UplinkRANStatusTransfer_element", "ngap.DownlinkRANStatusTransfer_element", "ngap.HandoverNotify_element"} {
		if n := lines(tshark(t, pcap, append(nas, "-Y", field)...)); n < 1 {
			t.Errorf("tshark: no frame with %s", field)
		}
	}
	for _, field := range []string{"ngap.HandoverPreparationFailure_element", "ngap.HandoverFailure_element"} {
		if n := lines(tshark(t, pcap, append(nas, "-Y", field)...)); n != 0 {
			t.Errorf("tshark: %d frames with %s, want none", n, field)
		}
	}
	if n := occurrences(t, pcap, nas, "ngap.nextHopChainingCount", "2"); n != ues {
		t.Errorf("tshark decoded %d Security Contexts with NCC 2, want %d", n, ues)
	}
}

// TestXnHandoverDownlinkLoss measures the downlink lost during Xn
// handovers with traffic flowing: each UE gets a UDP datagram from the
// data network every millisecond around its handover (--handover-traffic),
// and every one must reach a gNB — the source, which forwards to the
// target until the UPF's End Marker, or the target (TS 23.502
// §4.9.1.2.2 step 6, TS 38.300 §9.2.3.2). BENCHMARKS.md quotes the
// figure.
func TestXnHandoverDownlinkLoss(t *testing.T) {
	sctptest.RequireNetNS(t)
	core, token := startCoreWith(t, nil)
	// KEEL_XN_UES, KEEL_XN_TRAFFIC (datagrams per UE, 0 for none: the
	// handover rate alone) and KEEL_XN_CONCURRENCY (handovers at once,
	// each with its datagram a millisecond) scale the run for
	// BENCHMARKS.md.
	ues, per := 20, 30
	if n, err := strconv.Atoi(os.Getenv("KEEL_XN_UES")); err == nil && n > 0 {
		ues = n
	}
	if n, err := strconv.Atoi(os.Getenv("KEEL_XN_TRAFFIC")); err == nil && n >= 0 {
		per = n
	}
	concurrency := "256"
	if c := os.Getenv("KEEL_XN_CONCURRENCY"); c != "" {
		concurrency = c
	}
	sum, code, stderr := runSim(t, core.HTTPAddr().String(), token,
		"--amf", core.N2Addr().String(), "--gnbs", "2", "--ues", strconv.Itoa(ues), "--provision", "--handover", "xn",
		"--handover-traffic", strconv.Itoa(per), "--concurrency", concurrency)
	if code != 0 || sum.Failed != 0 || sum.Handovers != ues {
		t.Fatalf("keel sim = exit %d, %+v\n%s", code, sum, stderr)
	}
	t.Logf("downlink during %d Xn handovers: sent %d, received %d (lost %d); end markers %d; %.0f handovers/s",
		sum.Handovers, sum.HandoverDownlinkSent, sum.HandoverDownlinkArrived, sum.HandoverDownlinkSent-sum.HandoverDownlinkArrived, sum.EndMarkers, sum.HandoversPerS)
	// Where what was lost went: the UPF's counters of the run.
	m := scrapeMetrics(t, core)
	t.Logf("UPF: downlink forwarded %v, dropped %v, N3/N6 I/O errors %v, End Markers sent %v",
		m["keel_upf_datapath_packets_total"][`direction="downlink"`], m["keel_upf_datapath_dropped_packets_total"],
		m["keel_upf_datapath_io_errors_total"], m["keel_upf_gtpu_end_markers_sent_total"][""])
	if sum.HandoverDownlinkSent != ues*per || sum.HandoverDownlinkArrived != sum.HandoverDownlinkSent {
		t.Errorf("downlink sent %d, received %d: want %d sent and none lost", sum.HandoverDownlinkSent, sum.HandoverDownlinkArrived, ues*per)
	}
}
