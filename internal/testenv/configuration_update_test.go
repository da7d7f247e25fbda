package testenv

import (
	"testing"

	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// TestConfigurationUpdateOnTheWire runs UEs against the whole core with
// 128-NEA0 and its default configuration, and has tshark decode the
// capture: zero malformed frames and expert errors. Ten UEs register
// with the follow-on request bit set and open a PDU session (--pdu): each
// gets one CONFIGURATION UPDATE COMMAND with the network's names and
// time after its REGISTRATION COMPLETE (TS 24.501 §5.4.4.2) and keeps
// its connection. Ten more register without follow-on request and
// deregister: the AMF releases each one's connection after its
// registration (§5.5.1.2.4), and each comes back with a Service Request
// to deregister.
func TestConfigurationUpdateOnTheWire(t *testing.T) {
	sctptest.RequireNetNS(t)
	stop := capture(t)
	core, token := startCoreWith(t, func(c *config.Config) { c.AMF.Ciphering = []string{"NEA0"} })

	sum, code, stderr := runSim(t, core.HTTPAddr().String(), token,
		"--amf", core.N2Addr().String(), "--ues", "10", "--provision", "--pdu")
	if code != 0 || sum.Registered != 10 || sum.Sessions != 10 || sum.ConfigurationUpdates != 10 {
		t.Fatalf("keel sim --pdu = exit %d, %+v\n%s", code, sum, stderr)
	}
	sum, code, stderr = runSim(t, core.HTTPAddr().String(), token,
		"--amf", core.N2Addr().String(), "--ues", "10", "--imsi", "101", "--provision", "--deregister")
	if code != 0 || sum.Registered != 10 || sum.ConfigurationUpdates != 10 || sum.UEsFailed != 0 {
		t.Fatalf("keel sim --deregister = exit %d, %+v\n%s", code, sum, stderr)
	}
	m := scrapeMetrics(t, core)
	if got := m.sum("keel_amf_procedures_total", "procedure", "configuration-update"); got != 20 {
		t.Errorf("/metrics: keel_amf_procedures_total{procedure=configuration-update} = %v, want 20", got)
	}
	// UE Context Release Commands: one after each registration without
	// follow-on request, one after each deregistration; none for the UEs
	// with follow-on request.
	if got := m.sum("keel_ngap_messages_total", "direction", "tx", "procedure", "UEContextRelease", "type", "initiating"); got != 20 {
		t.Errorf("/metrics: UE Context Release Commands sent = %v, want 20", got)
	}
	// Service Requests of the UEs released after their registration, to
	// deregister.
	if got := m.sum("keel_amf_service_requests_total", "result", "accepted"); got != 10 {
		t.Errorf("/metrics: keel_amf_service_requests_total{result=accepted} = %v, want 10", got)
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
		{"nas_5gs.mm.message_type", "0x54", 20}, // CONFIGURATION UPDATE COMMAND
		{"gsm_a.dtap.text_string", "Keel", 40},  // its full and short names
		{"gsm_a.dtap.dst_adjustment", "0", 20},  // UTC: no daylight saving
		{"nas_5gs.mm.conf_upd_ind.ack", "1", 0}, // NITZ needs no acknowledgement
		{"nas_5gs.mm.message_type", "0x55", 0},  // so no CONFIGURATION UPDATE COMPLETE
		{"nas_5gs.mm.for", "1", 20},             // follow-on request with --pdu, outer and in the Security Mode Complete
		{"nas_5gs.mm.serv_type", "0", 20},       // Service Requests for signalling, outer and in the container
		{"ngap.procedureCode", "42", 0},         // no UE Context Release Request from the gNB
	} {
		if n := occurrences(t, pcap, nas, c.field, c.value); n != c.want {
			t.Errorf("tshark decoded %s = %s %d times, want %d", c.field, c.value, n, c.want)
		}
	}
}

// With amf.release_after_registration off the AMF keeps the connection
// of a UE registered without follow-on request: the simulator waits for
// a release that does not come, then deregisters on the same connection.
func TestKeepConnectionAfterRegistrationOnTheWire(t *testing.T) {
	sctptest.RequireNetNS(t)
	core, token := startCoreWith(t, func(c *config.Config) { c.AMF.ReleaseAfterRegistration = false })
	sum, code, stderr := runSim(t, core.HTTPAddr().String(), token,
		"--amf", core.N2Addr().String(), "--ues", "5", "--provision", "--deregister")
	if code != 0 || sum.Registered != 5 || sum.UEsFailed != 0 || sum.ConfigurationUpdates != 5 {
		t.Fatalf("keel sim --deregister = exit %d, %+v\n%s", code, sum, stderr)
	}
	m := scrapeMetrics(t, core)
	// Released only after the deregistrations.
	if got := m.sum("keel_ngap_messages_total", "direction", "tx", "procedure", "UEContextRelease", "type", "initiating"); got != 5 {
		t.Errorf("/metrics: UE Context Release Commands sent = %v, want 5", got)
	}
	if got := m.sum("keel_amf_service_requests_total"); got != 0 {
		t.Errorf("/metrics: keel_amf_service_requests_total = %v, want 0", got)
	}
}
