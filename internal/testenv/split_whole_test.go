package testenv

import (
	"strings"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/cli"
	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// TestSplitWholeSystem runs the whole system with every network function
// in its own process, meeting over HTTP/2 through the NRF: 20 UEs
// register (SUCI profile A, concealed with the keys the UDR's management
// API publishes and de-concealed by the UDM of another process), each
// establishes a PDU session through an SMF and a PCF of other processes,
// pings the UPF's N6 gateway through GTP-U, and deregisters.
func TestSplitWholeSystem(t *testing.T) {
	sctptest.RequireNetNS(t)
	c := startSplit(t)
	udr := c.procs["udr"]
	sum, code, stderr := runSim(t, udr.api.String(), c.token(),
		"--amf", config.Default().N2.Address.String(), "--gnbs", "2", "--ues", "20", "--provision",
		"--pdu", "--ping", "10.45.0.1", "--deregister")
	if code != 0 || sum.Registered != 20 || sum.Sessions != 20 || sum.PingReplies != 20 || sum.Failed != 0 {
		t.Fatalf("keel sim against the split core = exit %d, %+v\n%s\n%s\n%s", code, sum, stderr, c.procs["amf"].tail(), c.procs["smf"].tail())
	}
}

// TestSplitFaults kills NF processes under load. An AUSF with a second
// instance is killed while 200 UEs register: the AMF reselects the other
// AUSF for new authentications, and every UE either registers or fails
// with the 5GMM cause of its procedure — none waits until the
// simulator's timeout (TS 29.500 §6.10.3; TS 24.501 §5.5.1.2.5). The
// NRF is then killed and restarted on its address: every NF registers
// again (TS 29.510 §5.2.2.3.2), and UEs register, establish sessions and
// deregister through NFs found by discovery anew.
func TestSplitFaults(t *testing.T) {
	sctptest.RequireNetNS(t)
	c := startSplit(t)
	ausf2 := c.start("ausf2", "ausf")
	c.waitListed("AUSF", 2)
	udr := c.procs["udr"]
	n2 := config.Default().N2.Address.String()

	type result struct {
		sum    cli.SimSummary
		code   int
		stderr string
	}
	done := make(chan result, 1)
	go func() {
		sum, code, stderr := runSim(t, udr.api.String(), c.token(), "--amf", n2, "--gnbs", "2", "--ues", "200",
			"--provision", "--rate", "100", "--timeout", "20s")
		done <- result{sum, code, stderr}
	}()
	time.Sleep(700 * time.Millisecond)
	c.procs["ausf"].kill()
	r := <-done
	if r.sum.UEs != 200 || r.sum.Registered+r.sum.UEsFailed != 200 {
		t.Fatalf("keel sim with an AUSF killed: %+v\n%s", r.sum, r.stderr)
	}
	if r.sum.Registered < 100 {
		t.Errorf("%d of 200 UEs registered with one of two AUSFs killed, want most: %+v", r.sum.Registered, r.sum.Failures)
	}
	for cause, n := range r.sum.Failures {
		if strings.Contains(cause, "timeout") || strings.HasSuffix(cause, "error") {
			t.Errorf("%d UEs failed with %q: a procedure did not end with a protocol cause (%+v)", n, cause, r.sum.Failures)
		}
	}
	// The UEs after the kill were authenticated by the other AUSF.
	if n := scrapeMetricsAt(t, ausf2.api.String())["keel_ausf_authentications_total"][`result="success"`]; n == 0 {
		t.Errorf("the second AUSF confirmed no authentication: no reselection after the first was killed")
	}
	t.Logf("AUSF killed under load: %d registered, failures %v", r.sum.Registered, r.sum.Failures)

	// The NRF restarts empty: each NF registers again at its next
	// heartbeat.
	nrf := c.procs["nrf"]
	nrf.kill()
	nrf.restart()
	for _, nfType := range []string{"UDR", "UDM", "AUSF", "PCF", "SMF", "AMF"} {
		c.waitListed(nfType, 1)
	}
	sum, code, stderr := runSim(t, udr.api.String(), c.token(), "--amf", n2, "--ues", "20", "--imsi", "1000",
		"--provision", "--pdu", "--deregister")
	if code != 0 || sum.Registered != 20 || sum.Sessions != 20 || sum.Failed != 0 {
		t.Fatalf("keel sim after the NRF restarted = exit %d, %+v\n%s", code, sum, stderr)
	}
}
