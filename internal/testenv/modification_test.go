package testenv

import (
	"testing"

	"github.com/keelcore/keel/internal/bench"
	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// modUEs is how many UEs the modification test runs.
const modUEs = 5

// TestQoSFlowOnTheWire: UEs register with a PDU session, ping, then each
// asks for a GBR flow for the ping address (UE-requested PDU session
// modification, TS 23.502 §4.3.3.2): the PCF authorises it, the SMF adds
// the flow, the PDU SESSION MODIFICATION COMMAND reaches the UE in a PDU
// Session Resource Modify Request, the gNB and the UE answer, and the UE
// sends traffic in the flow. tshark decodes the capture (NEA0) with no
// malformed frame and no expert error and finds each message once per
// UE.
func TestQoSFlowOnTheWire(t *testing.T) {
	sctptest.RequireNetNS(t)
	stop := capture(t)
	core, token := startCoreWith(t, func(c *config.Config) { c.AMF.Ciphering = []string{"NEA0"} })

	sum, code, stderr := runSim(t, core.HTTPAddr().String(), token,
		"--amf", core.N2Addr().String(), "--ues", "5", "--provision", "--ping", "10.45.0.1",
		"--qos-flow", "5qi=1,gfbr=64kbps,mfbr=128kbps")
	if code != 0 || sum.Registered != modUEs || sum.QoSFlows != modUEs || sum.QoSFlowPackets == 0 || sum.Failed != 0 {
		t.Fatalf("keel sim --qos-flow = exit %d, %+v\n%s", code, sum, stderr)
	}
	if p := sum.Procedures[bench.ProcPDUSessionModification]; p.Count != modUEs || p.P50 <= 0 {
		t.Errorf("procedures[%s] = %+v, want %d", bench.ProcPDUSessionModification, p, modUEs)
	}

	pcap := stop()
	nas := []string{"-o", "nas-5gs.null_decipher:TRUE"}
	if bad := tshark(t, pcap, append(nas, "-Y", "_ws.malformed || _ws.expert.severity==error || sctp.checksum.status==0")...); bad != "" {
		t.Errorf("tshark found malformed frames, expert errors or bad checksums:\n%s", bad)
	}
	for _, c := range []struct {
		name, field, value string
		want               int
	}{
		{"PDU SESSION MODIFICATION REQUESTs", "nas_5gs.sm.message_type", "0xc9", modUEs},
		{"PDU SESSION MODIFICATION COMMANDs", "nas_5gs.sm.message_type", "0xcb", modUEs},
		{"PDU SESSION MODIFICATION COMPLETEs", "nas_5gs.sm.message_type", "0xcc", modUEs},
		{"PDU Session Resource Modify Requests and Responses", "ngap.procedureCode", "26", 2 * modUEs},
	} {
		if n := occurrences(t, pcap, nas, c.field, c.value); n != c.want {
			t.Errorf("tshark decoded %d %s, want %d", n, c.name, c.want)
		}
	}
}
