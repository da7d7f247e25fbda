package testenv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// TestSplitSimFacingTwoAMFs runs the simulator's gNBs against two AMF
// processes of one AMF set (pointers 0 and 1), the other network
// functions in processes of their own. Each gNB sets up an association
// with both AMFs, and UEs registering without a 5G-S-TMSI spread over
// them by relative capacity. One AMF is then killed (SIGKILL) while UEs
// keep arriving: the run ends, its failures only the UEs the dead AMF
// held or was sent before the gNBs found its association gone (released,
// timeout), the others registered through the survivor. With the dead
// AMF missing at start, the gNBs set up with the survivor and every UE
// registers through it.
func TestSplitSimFacingTwoAMFs(t *testing.T) {
	sctptest.RequireNetNS(t)
	c := newSplitCore(t)
	for _, nf := range config.NFNames() {
		c.start(nf, nf)
	}
	for _, nfType := range []string{"UDR", "UDM", "AUSF", "PCF", "SMF", "AMF"} {
		c.waitListed(nfType, 1)
	}
	amf2cfg := filepath.Join(c.dir, "amf2.yaml")
	if err := os.WriteFile(amf2cfg, []byte("n2:\n  sctp: userspace\n  address: 127.0.0.2:38412\n"+
		"amf:\n  ciphering: [NEA0]\n  name: keel-amf-2\n  pointer: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	amf2 := c.start("amf2", "amf", "--config", amf2cfg)
	c.waitListed("AMF", 2)
	n2 := config.Default().N2.Address.String()
	udr := c.procs["udr"]

	sum, code, stderr := runSim(t, udr.api.String(), c.token(), "--amf", n2+",127.0.0.2:38412", "--gnbs", "2", "--ues", "20",
		"--provision", "--deregister", "--timeout", "20s")
	if code != 0 || sum.Registered != 20 || len(sum.AMFs) != 2 {
		t.Fatalf("keel sim facing two AMFs = exit %d, %+v\n%s", code, sum, stderr)
	}
	for _, a := range sum.AMFs {
		// Equal capacities: the round robin of each gNB alternates.
		if a.GNBsUp != 2 || a.SetUps != 2 || a.InitialUEMessages < 16 {
			t.Errorf("AMF %+v: want both gNBs up, 2 NG Setups and half of the 20 registrations and their deregistrations", a)
		}
	}
	if sum.AMFs[1].Name != "keel-amf-2" {
		t.Errorf("second AMF named %q, want keel-amf-2", sum.AMFs[1].Name)
	}

	// Kill the second AMF once it holds registrations of this run, while
	// UEs keep arriving. Userspace SCTP: the dead process sends no ABORT,
	// so the gNBs find the association gone after --timeout of silence.
	type result struct {
		sum    simResult
		code   int
		stderr string
	}
	done := make(chan result, 1)
	go func() {
		sum, code, stderr := runSim(t, udr.api.String(), c.token(), "--amf", n2+",127.0.0.2:38412", "--gnbs", "2", "--ues", "60",
			"--imsi", "1000", "--provision", "--rate", "10", "--timeout", "20s", "--amf-reconnect", "0")
		done <- result{simResult{sum.UEs, sum.Registered, sum.UEsFailed, sum.Failures}, code, stderr}
	}()
	registrations := func(p *nfProc) float64 {
		n := 0.0
		for labels, v := range scrapeMetricsAt(t, p.api.String())["keel_amf_procedures_total"] {
			if strings.Contains(labels, `procedure="registration"`) {
				n += v
			}
		}
		return n
	}
	before := registrations(amf2)
	for deadline := time.Now().Add(30 * time.Second); registrations(amf2) < before+5 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
	}
	amf2.kill()
	killed := time.Now()
	r := <-done
	ended := time.Since(killed)
	if r.sum.ues != 60 || r.sum.registered == 60 {
		t.Fatalf("keel sim with an AMF killed: %+v\n%s", r.sum, r.stderr)
	}
	for cause, n := range r.sum.failures {
		switch cause {
		case "ue released", "ue timeout", "ue transport":
		default:
			t.Errorf("%d UEs failed with %q, want only UEs the killed AMF held (%v)\n%s", n, cause, r.sum.failures, c.procs["amf"].tail())
		}
	}
	if r.sum.registered < 25 {
		t.Errorf("%d of 60 UEs registered with one of two AMFs killed: %v", r.sum.registered, r.sum.failures)
	}
	t.Logf("AMF killed under load: %d of 60 registered, failures %v (run ended %v after the kill)", r.sum.registered, r.sum.failures, ended.Round(time.Millisecond))
	if ended > 60*time.Second {
		t.Errorf("keel sim ended %v after the kill", ended)
	}

	// The dead AMF missing at start: with reconnection (the default with
	// several AMFs) the gNBs set up with the survivor, keep trying the
	// other, and every UE registers through the survivor.
	sum, code, stderr = runSim(t, udr.api.String(), c.token(), "--amf", n2+",127.0.0.2:38412", "--gnbs", "2", "--ues", "10",
		"--imsi", "2000", "--provision", "--deregister", "--timeout", "20s")
	if code != 0 || sum.Registered != 10 || len(sum.AMFs) != 2 || sum.AMFs[1].GNBsUp != 0 || sum.AMFs[0].InitialUEMessages < 20 {
		t.Errorf("keel sim with the second AMF dead = exit %d, %+v\n%s", code, sum, stderr)
	}
}

// simResult is what TestSplitSimFacingTwoAMFs reads of a summary.
type simResult struct {
	ues, registered, failed int
	failures                map[string]int
}
