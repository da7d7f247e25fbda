package testenv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/cli"
	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// TestSplitSMFKilled kills one of two SMF processes while 200 UEs
// register and establish PDU sessions. Both SMFs share the one UPF, each
// with a PFCP Node ID (smf.n4.address) and a UE address range of its
// own. The AMF, which selects an SMF by S-NSSAI and DNN through the NRF,
// sends new establishments to the surviving SMF after a connection
// failure (TS 29.500 §6.10.3); a UE whose establishment was in flight at
// the dead SMF gets its request back with a 5GMM cause (TS 24.501
// §5.4.5.2.5) and none waits until the simulator's timeout. A second
// run then establishes every session on the survivor; with both SMFs
// killed, every establishment ends with 5GMM cause #90.
func TestSplitSMFKilled(t *testing.T) {
	sctptest.RequireNetNS(t)
	c := newSplitCore(t)
	// The UPF takes N4 from the second SMF's Node ID too.
	appendFile(t, filepath.Join(c.dir, "keel.yaml"), "upf:\n  n4:\n    peers: [127.0.0.2]\n")
	for _, nf := range config.NFNames() {
		c.start(nf, nf)
	}
	for _, nfType := range []string{"UDR", "UDM", "AUSF", "PCF", "SMF", "AMF"} {
		c.waitListed(nfType, 1)
	}
	smf2cfg := filepath.Join(c.dir, "smf2.yaml")
	base, err := os.ReadFile(filepath.Join(c.dir, "keel.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// Within the UPF's 10.45.0.0/16, apart from the first SMF's
	// addresses, which count up from 10.45.0.2.
	appendFile(t, smf2cfg, string(base)+"smf:\n  n4:\n    address: 127.0.0.2\n"+
		"dnns:\n  - name: internet\n    ipv4_pool: 10.45.128.0/17\n    dns: [8.8.8.8]\n")
	smf2 := c.start("smf2", "smf", "--config", smf2cfg)
	c.waitListed("SMF", 2)
	udr := c.procs["udr"]
	n2 := config.Default().N2.Address.String()
	amfGoroutines := func() float64 { return scrapeMetricsAt(t, c.procs["amf"].api.String())["go_goroutines"][""] }
	idle := amfGoroutines()

	type result struct {
		sum    cli.SimSummary
		code   int
		stderr string
	}
	done := make(chan result, 1)
	go func() {
		// At most 20 UEs in flight: the home network's answers (SUCI
		// deconcealment, SQN advance) then come within the AMF's 5 s
		// deadline however slow the machine, and a UE refused #22 for a
		// slow AUSF is not mistaken for one the SMF's loss failed.
		sum, code, stderr := runSim(t, udr.api.String(), c.token(), "--amf", n2, "--gnbs", "2", "--ues", "200",
			"--provision", "--pdu", "--deregister", "--rate", "100", "--concurrency", "20", "--timeout", "20s")
		done <- result{sum, code, stderr}
	}()
	// The AMF ranks SMFs by priority and locality: kill the one it uses,
	// once it holds sessions, while UEs keep arriving.
	accepted := func(p *nfProc) float64 {
		return scrapeMetricsAt(t, p.api.String())["keel_smf_pdu_session_establishments_total"][`result="accepted"`]
	}
	victim, survivor := c.procs["smf"], smf2
	var onKilled float64
	for deadline := time.Now().Add(60 * time.Second); onKilled < 20 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if onKilled = accepted(victim); onKilled == 0 && accepted(survivor) > 0 {
			victim, survivor = survivor, victim
		}
	}
	victim.kill()
	killed := time.Now()
	r := <-done
	if r.sum.UEs != 200 || r.sum.Registered+r.sum.UEsFailed != 200 {
		t.Fatalf("keel sim with an SMF killed: %+v\n%s", r.sum, r.stderr)
	}
	for cause, n := range r.sum.Failures {
		if strings.Contains(cause, "timeout") || strings.HasSuffix(cause, "error") {
			t.Errorf("%d UEs failed with %q: a procedure did not end with a protocol cause (%+v)\n%s", n, cause, r.sum.Failures, c.procs["amf"].tail())
		}
	}
	if r.sum.Sessions < 100 {
		t.Errorf("%d of 200 UEs established a session with one of two SMFs killed, want most: %+v", r.sum.Sessions, r.sum.Failures)
	}
	if onKilled < 20 {
		t.Errorf("the SMF killed had accepted %v establishments, want 20 before the kill", onKilled)
	}
	if accepted(survivor) == 0 {
		t.Errorf("the surviving SMF accepted no establishment: no reselection after the other was killed")
	}
	t.Logf("SMF killed under load (after accepting %v sessions): %d registered, %d sessions, failures %v (run ended %v after the kill)",
		onKilled, r.sum.Registered, r.sum.Sessions, r.sum.Failures, time.Since(killed).Round(time.Millisecond))

	// Every later establishment goes to the survivor, whatever the
	// AMF's cached discovery still lists.
	before := accepted(survivor)
	sum, code, stderr := runSim(t, udr.api.String(), c.token(), "--amf", n2, "--ues", "20", "--imsi", "1000",
		"--provision", "--pdu", "--deregister", "--timeout", "20s")
	if code != 0 || sum.Registered != 20 || sum.Sessions != 20 || sum.Failed != 0 {
		t.Fatalf("keel sim after the SMF was killed = exit %d, %+v\n%s\n%s", code, sum, stderr, c.procs["amf"].tail())
	}
	after := accepted(survivor)
	if after-before != 20 {
		t.Errorf("the surviving SMF accepted %v establishments after the kill, want 20", after-before)
	}

	// Every UE's procedures ended, and so did the AMF's goroutines for
	// them: what is left over its count at start is a few HTTP/2
	// connections to peers, not one per UE or per failed call.
	n := amfGoroutines()
	for deadline := time.Now().Add(5 * time.Second); n > idle+20 && time.Now().Before(deadline); n = amfGoroutines() {
		time.Sleep(100 * time.Millisecond)
	}
	if n > idle+20 {
		t.Errorf("the AMF runs %v goroutines after 220 UEs deregistered, %v at start: leaked", n, idle)
	}

	// With no SMF left, each establishment comes back to its UE as not
	// forwarded, 5GMM cause #90 (TS 24.501 §5.4.5.2.5), at once.
	survivor.kill()
	sum, _, stderr = runSim(t, udr.api.String(), c.token(), "--amf", n2, "--ues", "5", "--imsi", "2000",
		"--provision", "--pdu", "--timeout", "20s")
	if sum.Sessions != 0 || sum.UEsFailed != 5 || sum.Failures["ue 5gmm-cause-90"] != 5 {
		t.Errorf("keel sim with both SMFs killed = %+v, want 5 UEs failed with 5gmm-cause-90\n%s", sum, stderr)
	}
}

func appendFile(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}
