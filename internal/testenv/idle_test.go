package testenv

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/keelcore/keel/internal/app"

	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// idleUEs is how many UEs the idle-mode tests run.
const idleUEs = 10

// TestIdleServiceRequestOnTheWire: UEs register with a PDU session, their
// gNB has them released for user inactivity, each sends a Service
// Request (TS 24.501 §5.6.1) that re-establishes its session's tunnel,
// and a ping through it gets its reply. tshark decodes the capture (NEA0,
// so the NAS message containers and the Service Accepts read in clear)
// with no malformed frame and no expert error, and finds each step.
func TestIdleServiceRequestOnTheWire(t *testing.T) {
	sctptest.RequireNetNS(t)
	stop := capture(t)
	core, token := startCoreWith(t, func(c *config.Config) { c.AMF.Ciphering = []string{"NEA0"} })

	sum, code, stderr := runSim(t, core.HTTPAddr().String(), token,
		"--amf", core.N2Addr().String(), "--ues", "10", "--provision", "--idle", "--ping", "10.45.0.1")
	if code != 0 || sum.Registered != idleUEs || sum.Sessions != idleUEs || sum.ServiceRequests != idleUEs ||
		sum.PingReplies != idleUEs || sum.Failed != 0 {
		t.Fatalf("keel sim --idle = exit %d, %+v\n%s", code, sum, stderr)
	}
	if p := sum.Procedures["service_request"]; p.Count != idleUEs || p.P50 <= 0 || p.P99 < p.P50 {
		t.Errorf("procedures[service_request] = %+v, want %d ordered percentiles", p, idleUEs)
	}

	pcap := stop()
	nas := []string{"-o", "nas-5gs.null_decipher:TRUE"}
	bad := tshark(t, pcap, append(nas, "-Y", "_ws.malformed || _ws.expert.severity==error || sctp.checksum.status==0")...)
	if bad != "" {
		t.Errorf("tshark found malformed frames, expert errors or bad checksums:\n%s", bad)
	}
	// A Service Request twice per UE: the message, and the entire one in
	// its NAS message container; service type data (1) in both.
	for _, c := range []struct {
		name, field, value string
		want               int
	}{
		{"Service Requests", "nas_5gs.mm.message_type", "0x4c", 2 * idleUEs},
		{"Service Requests of type data", "nas_5gs.mm.serv_type", "1", 2 * idleUEs},
		{"Service Accepts", "nas_5gs.mm.message_type", "0x4e", idleUEs},
		{"UE Context Release Requests", "ngap.procedureCode", "42", idleUEs},
		{"echo replies", "icmp.type", "0", idleUEs},
	} {
		if n := occurrences(t, pcap, nas, c.field, c.value); n != c.want {
			t.Errorf("tshark decoded %d %s, want %d", n, c.name, c.want)
		}
	}
}

// TestPagingOnTheWire: UEs register with a PDU session and go idle; a
// datagram sent to each UE's address from the data network's side
// enters the core through N6, is buffered, the UE is paged (NGAP Paging,
// TS 38.413 §8.5.1), answers with a Service Request of type mobile
// terminated services and receives the datagram on its new tunnel.
// tshark decodes Paging, Service Request and Service Accept with no
// malformed frame and no expert error.
func TestPagingOnTheWire(t *testing.T) {
	sctptest.RequireNetNS(t)
	stop := capture(t)
	core, token := startCoreWith(t, func(c *config.Config) { c.AMF.Ciphering = []string{"NEA0"} })

	sum, code, stderr := runSim(t, core.HTTPAddr().String(), token,
		"--amf", core.N2Addr().String(), "--ues", "10", "--provision", "--paging")
	if code != 0 || sum.Sessions != idleUEs || sum.Pagings != idleUEs || sum.ServiceRequests != idleUEs || sum.Failed != 0 {
		t.Fatalf("keel sim --paging = exit %d, %+v\n%s\nthe core's idle-mode metrics:\n%s", code, sum, stderr, idleMetrics(t, core))
	}
	if p := sum.Procedures["paging"]; p.Count != idleUEs || p.P50 <= 0 || p.P99 < p.P50 {
		t.Errorf("procedures[paging] = %+v, want %d ordered percentiles", p, idleUEs)
	}

	pcap := stop()
	nas := []string{"-o", "nas-5gs.null_decipher:TRUE"}
	bad := tshark(t, pcap, append(nas, "-Y", "_ws.malformed || _ws.expert.severity==error || sctp.checksum.status==0")...)
	if bad != "" {
		t.Errorf("tshark found malformed frames, expert errors or bad checksums:\n%s", bad)
	}
	for _, c := range []struct {
		name, field, value string
		want               int
	}{
		{"Service Requests of type mobile terminated services", "nas_5gs.mm.serv_type", "2", 2 * idleUEs},
		{"Service Accepts", "nas_5gs.mm.message_type", "0x4e", idleUEs},
		{"downlink datagrams in GTP-U", "udp.dstport", "9", idleUEs},
	} {
		if n := occurrences(t, pcap, nas, c.field, c.value); n < c.want {
			t.Errorf("tshark decoded %d %s, want at least %d", n, c.name, c.want)
		}
	}
	// Paging (procedure code 24) at least once per UE: T3513 may repeat
	// it to a UE that was slow to answer.
	if n := occurrences(t, pcap, nas, "ngap.procedureCode", "24"); n < idleUEs {
		t.Errorf("tshark decoded %d Paging messages, want at least %d", n, idleUEs)
	}
}

// TestIdleThenPaging runs both scenarios on the same UEs: a Service
// Request and a ping after the first idle period, paging after the
// second.
func TestIdleThenPaging(t *testing.T) {
	sctptest.RequireNetNS(t)
	core, token := startCore(t)
	sum, code, stderr := runSim(t, core.HTTPAddr().String(), token,
		"--amf", core.N2Addr().String(), "--gnbs", "2", "--ues", "10", "--provision", "--idle", "--paging", "--ping", "10.45.0.1", "--deregister")
	if code != 0 || sum.ServiceRequests != 2*idleUEs || sum.Pagings != idleUEs || sum.PingReplies != idleUEs || sum.Failed != 0 {
		t.Fatalf("keel sim --idle --paging = exit %d, %+v\n%s", code, sum, stderr)
	}
	if sum.ServiceRequestsPerS <= 0 || sum.Procedures["service_request"].Count != 2*idleUEs || sum.Procedures["paging"].Count != idleUEs {
		t.Errorf("rate %v, procedures %+v", sum.ServiceRequestsPerS, sum.Procedures)
	}
}

// idleMetrics lists the core's metrics of paging, downlink buffering and
// Service Requests, to tell where a lost downlink went.
func idleMetrics(t *testing.T, core *app.App) string {
	var out []string
	for name, series := range scrapeMetrics(t, core) {
		for _, k := range []string{"paging", "buffer", "report", "service_request", "n1n2", "datapath_packets", "dropped", "up_cnx", "sessions"} {
			if strings.Contains(name, k) {
				for labels, v := range series {
					out = append(out, fmt.Sprintf("%s%s %v", name, labels, v))
				}
				break
			}
		}
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}
