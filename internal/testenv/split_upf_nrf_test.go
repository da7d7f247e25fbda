package testenv

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// TestSplitUPFsFromNRF runs UPF processes that register at the NRF (NF
// profiles with upfInfo: the DNN with the UE pool each routes, TS 29.510
// UpfInfo) and an SMF without smf.upfs, which besides the UPF at its
// n4.address finds the other by NF discovery (TS 23.501 §6.3.3.2),
// associates with it and spreads sessions over both, with the pool it
// announces; a third UPF registering later is
// found when the NRF notifies the SMF (NFStatusNotify of its status
// subscription to UPFs), associated and given sessions; stopped gracefully, it asks the
// SMF to release its association (PFCP Association Update Request with
// SARR), and the SMF releases its sessions with #39 before the process
// has stopped.
func TestSplitUPFsFromNRF(t *testing.T) {
	sctptest.RequireNetNS(t)
	c := newSplitCore(t)
	base, err := os.ReadFile(filepath.Join(c.dir, "keel.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	conf := func(name, extra string) string {
		p := filepath.Join(c.dir, name+".yaml")
		appendFile(t, p, string(base)+extra)
		return p
	}
	upf := func(name, ip, tun, pool string) string {
		return conf(name, "n4:\n  address: "+ip+":8805\nn3:\n  address: "+ip+":2152\nupf:\n  tun: "+tun+"\n  n4:\n    peers: [127.0.0.1]\n"+
			"dnns:\n  - name: internet\n    ipv4_pool: "+pool+"\n    dns: [8.8.8.8]\n")
	}
	upfA := upf("upf-a", "127.0.0.1", "keela", "10.45.0.0/18")
	upfB := upf("upf-b", "127.0.0.3", "keelb", "10.45.64.0/18")
	upfC := upf("upf-c", "127.0.0.4", "keelc", "10.45.128.0/18")
	// The SMF's UPF at n4.address (127.0.0.1:8805, upf-a) has the
	// SMF's pool; the others are found at the NRF with theirs.
	smf := conf("smf", "dnns:\n  - name: internet\n    ipv4_pool: 10.45.0.0/18\n    dns: [8.8.8.8]\n"+
		"smf:\n  n4:\n    heartbeat_interval: 200ms\n")
	for _, nf := range []string{"nrf", "nssf", "udr", "udm", "ausf", "pcf"} {
		c.start(nf, nf)
	}
	a := c.start("upf-a", "upf", "--config", upfA)
	b := c.start("upf-b", "upf", "--config", upfB)
	for deadline := time.Now().Add(20 * time.Second); c.listed("UPF") != 2; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the NRF lists %d UPFs, want 2\n%s\n%s", c.listed("UPF"), a.tail(), b.tail())
		}
	}
	s := c.start("smf", "smf", "--config", smf)
	c.start("amf", "amf")
	for _, nfType := range []string{"UDR", "UDM", "AUSF", "PCF", "SMF", "AMF"} {
		c.waitListed(nfType, 1)
	}
	metric := func(p *nfProc, name, labels string) float64 { return scrapeMetricsAt(t, p.api.String())[name][labels] }
	associated := func(n float64) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); metric(s, "keel_smf_upf_associated", "") != n; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the SMF is associated with %v UPFs, want %v\n%s", metric(s, "keel_smf_upf_associated", ""), n, s.tail())
			}
		}
	}
	associated(2)
	udr := c.procs["udr"]
	n2 := config.Default().N2.Address.String()

	sum, code, stderr := runSim(t, udr.api.String(), c.token(), "--amf", n2, "--ues", "10", "--provision", "--ping", "10.45.0.1", "--timeout", "20s")
	if code != 0 || sum.Sessions != 10 || sum.PingReplies != 10 {
		t.Fatalf("keel sim with two UPFs found at the NRF = exit %d, %+v\n%s\n%s", code, sum, stderr, s.tail())
	}
	if onA, onB := metric(a, "keel_upf_sessions", ""), metric(b, "keel_upf_sessions", ""); onA != 5 || onB != 5 {
		t.Errorf("sessions at the UPFs found at the NRF: %v and %v, want 5 and 5 (by load)", onA, onB)
	}

	// A third UPF registers: the NRF notifies the SMF (its status
	// subscription to UPFs), which discovers it then — not at its next
	// resync, a minute on — and gives it sessions, the least loaded.
	third := c.start("upf-c", "upf", "--config", upfC)
	associated(3)
	if got := metric(s, "keel_smf_upf_status_notifications_total", `event="NF_REGISTERED"`); got < 1 {
		t.Errorf("keel_smf_upf_status_notifications_total{event=NF_REGISTERED} = %v, want at least 1 (the third UPF's)", got)
	}
	if got := metric(s, "keel_smf_upf_discoveries_total", `trigger="notification"`); got < 1 {
		t.Errorf("keel_smf_upf_discoveries_total{trigger=notification} = %v, want at least 1", got)
	}
	sum, code, stderr = runSim(t, udr.api.String(), c.token(), "--amf", n2, "--ues", "10", "--imsi", "100", "--provision", "--ping", "10.45.128.1", "--timeout", "20s")
	if code != 0 || sum.Sessions != 10 || sum.PingReplies != 10 {
		t.Fatalf("keel sim with a third UPF = exit %d, %+v\n%s\n%s", code, sum, stderr, s.tail())
	}
	onC := metric(third, "keel_upf_sessions", "")
	if onC < 5 {
		t.Errorf("the UPF registered later holds %v sessions of 10 new ones, want at least 5 (it was the least loaded)", onC)
	}

	// Stopped gracefully, the third UPF asks the SMF to release its
	// association (TS 29.244 §6.2.7.3): the SMF releases its sessions
	// with #39 at once — not after heartbeats went unanswered — and the
	// UPF process stops cleanly, deregistered from the NRF.
	third.stop()
	moved := func() float64 {
		return metric(s, "keel_smf_upf_lost_sessions_total", `result="reactivation_requested"`) + metric(s, "keel_smf_upf_lost_sessions_total", `result="released_locally"`)
	}
	for deadline := time.Now().Add(10 * time.Second); metric(s, "keel_smf_upf_failures_total", `reason="released"`) != 1 || moved() != onC; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the SMF counts %v UPFs that released their association and %v of the leaving UPF's %v sessions released\n%s",
				metric(s, "keel_smf_upf_failures_total", `reason="released"`), moved(), onC, s.tail())
		}
	}
	if got := metric(s, "keel_smf_upf_failures_total", `reason="heartbeat"`); got != 0 {
		t.Errorf("keel_smf_upf_failures_total{heartbeat} = %v, want 0: the UPF said it was leaving", got)
	}
	c.waitListed("UPF", 2)
	for deadline := time.Now().Add(10 * time.Second); metric(s, "keel_smf_upf_status_notifications_total", `event="NF_DEREGISTERED"`) < 1; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the SMF was not notified of the third UPF's deregistration\n%s", s.tail())
		}
	}
}
