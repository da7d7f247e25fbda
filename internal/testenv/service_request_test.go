package testenv

import (
	"testing"

	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// TestServiceRequestOnTheWire runs 10 UEs through registration, a PDU
// session, AN release (user inactivity) and a Service Request with the
// session's uplink data, then a ping through the reactivated user plane,
// against the whole core with 128-NEA0, and has tshark decode the
// capture: zero malformed frames and expert errors, and each UE's
// SERVICE REQUEST (and the one in its NAS message container), SERVICE
// ACCEPT and Initial Context Setup with the session's resources decoded
// (TS 24.501 §5.6.1, TS 38.413 §8.3.1, §8.3.2); one UE Radio Capability
// Info Indication per UE, the capability back in the Service Request's
// Initial Context Setup Request (§8.14.1).
func TestServiceRequestOnTheWire(t *testing.T) {
	sctptest.RequireNetNS(t)
	stop := capture(t)
	core, token := startCoreWith(t, func(c *config.Config) { c.AMF.Ciphering = []string{"NEA0"} })

	sum, code, stderr := runSim(t, core.HTTPAddr().String(), token,
		"--amf", core.N2Addr().String(), "--ues", "10", "--provision", "--pdu", "--idle", "--ping", "10.45.0.1")
	if code != 0 || sum.Registered != 10 || sum.Sessions != 10 || sum.ServiceRequests != 10 || sum.PingReplies != 10 {
		t.Fatalf("keel sim = exit %d, %+v\n%s", code, sum, stderr)
	}
	m := scrapeMetrics(t, core)
	if got := m.sum("keel_amf_service_requests_total", "result", "accepted"); got != 10 {
		t.Errorf("/metrics: keel_amf_service_requests_total{result=accepted} = %v, want 10", got)
	}
	// UE Radio Capability Info Indication (TS 38.413 §8.14.1) once per
	// UE, after the registration's Initial Context Setup, which had none;
	// the Service Request's carries the one the AMF kept, so the gNB
	// reports no second one. (Counted by the AMF: the capture may miss a
	// frame of a burst.)
	if got := m.sum("keel_amf_ue_radio_capabilities_total", "result", "stored"); got != 10 {
		t.Errorf("/metrics: keel_amf_ue_radio_capabilities_total{result=stored} = %v, want 10", got)
	}

	pcap := stop()
	nas := []string{"-o", "nas-5gs.null_decipher:TRUE"}
	bad := tshark(t, pcap, append(nas, "-Y", "_ws.malformed || _ws.expert.severity==error || sctp.checksum.status==0")...)
	if bad != "" {
		t.Errorf("tshark found malformed frames, expert errors or bad checksums:\n%s", bad)
	}
	for _, c := range []struct {
		field, value string
		want         int
	}{
		{"nas_5gs.mm.message_type", "0x4c", 20}, // SERVICE REQUEST, outer and in the container
		{"nas_5gs.mm.message_type", "0x4e", 10}, // SERVICE ACCEPT
		{"nas_5gs.mm.message_type", "0x4d", 0},  // no SERVICE REJECT
		{"nas_5gs.mm.serv_type", "1", 20},       // data
		{"nas_5gs.ul_data_sts_psi_1_b1", "1", 10},
		{"ngap.procedureCode", "42", 10}, // UE Context Release Request (user inactivity), one per UE
	} {
		if n := occurrences(t, pcap, nas, c.field, c.value); n != c.want {
			t.Errorf("tshark decoded %s = %s %d times, want %d", c.field, c.value, n, c.want)
		}
	}
	// Initial Context Setup Requests with a PDU Session Resource Setup
	// List: the Service Requests' (the registrations' have none).
	if n := lines(tshark(t, pcap, append(nas, "-Y", "ngap.PDUSessionResourceSetupListCxtReq")...)); n == 0 {
		t.Errorf("tshark found no Initial Context Setup Request with a PDU session list")
	}
	// The Service Requests' Initial Context Setup Requests carry the UE
	// Radio Capability the gNB reported, down to its NR bands.
	if n := lines(tshark(t, pcap, append(nas, "-Y", "ngap.InitialContextSetupRequest_element && ngap.UERadioCapability && nr-rrc.bandNR == 78")...)); n == 0 {
		t.Errorf("tshark found no Initial Context Setup Request with the UE Radio Capability")
	}
}
