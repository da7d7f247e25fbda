package testenv

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// TestSplitUPFLost runs one SMF with two UPF processes (smf.upfs), each
// with its own N3 and N4 address, TUN device and half of the DNN's
// pool. The SMF spreads the first UEs' sessions over both by load, and
// every UE pings through its UPF. Then one UPF is killed: the SMF finds
// it lost when its heartbeats go unanswered (TS 29.244 §6.2.2) and
// releases every session it held — with #39 "reactivation requested"
// through the AMF, or locally for a UE that cannot be reached (TS
// 23.502 §4.3.4.2) — while the other UPF keeps its sessions; new
// sessions all go to the survivor, and their pings work.
func TestSplitUPFLost(t *testing.T) {
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
	upfA := conf("upf-a", "n4:\n  address: 127.0.0.1:8805\nn3:\n  address: 127.0.0.1:2152\nupf:\n  tun: keela\n"+
		"dnns:\n  - name: internet\n    ipv4_pool: 10.45.0.0/17\n    dns: [8.8.8.8]\n")
	upfB := conf("upf-b", "n4:\n  address: 127.0.0.3:8805\nn3:\n  address: 127.0.0.3:2152\nupf:\n  tun: keelb\n  n4:\n    peers: [127.0.0.1]\n"+
		"dnns:\n  - name: internet\n    ipv4_pool: 10.45.128.0/17\n    dns: [8.8.8.8]\n")
	smf := conf("smf", "dnns:\n  - name: internet\n    ipv4_pool: 10.45.0.0/16\n    dns: [8.8.8.8]\n"+
		"smf:\n  n4:\n    heartbeat_interval: 200ms\n  upfs:\n"+
		"    - name: upf-a\n      n4: 127.0.0.1:8805\n      dnns: [{name: internet, ipv4_pool: 10.45.0.0/17}]\n"+
		"    - name: upf-b\n      n4: 127.0.0.3:8805\n      dnns: [{name: internet, ipv4_pool: 10.45.128.0/17}]\n")
	for _, nf := range []string{"nrf", "nssf", "udr", "udm", "ausf", "pcf"} {
		c.start(nf, nf)
	}
	a := c.start("upf-a", "upf", "--config", upfA)
	b := c.start("upf-b", "upf", "--config", upfB)
	s := c.start("smf", "smf", "--config", smf)
	c.start("amf", "amf")
	for _, nfType := range []string{"UDR", "UDM", "AUSF", "PCF", "SMF", "AMF"} {
		c.waitListed(nfType, 1)
	}
	metric := func(p *nfProc, name, labels string) float64 { return scrapeMetricsAt(t, p.api.String())[name][labels] }
	for deadline := time.Now().Add(10 * time.Second); metric(s, "keel_smf_upf_associated", "") != 2; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the SMF is associated with %v UPFs, want 2\n%s", metric(s, "keel_smf_upf_associated", ""), s.tail())
		}
	}
	udr := c.procs["udr"]
	n2 := config.Default().N2.Address.String()

	sum, code, stderr := runSim(t, udr.api.String(), c.token(), "--amf", n2, "--ues", "10", "--provision", "--ping", "10.45.0.1", "--timeout", "20s")
	if code != 0 || sum.Sessions != 10 || sum.PingReplies != 10 {
		t.Fatalf("keel sim with two UPFs = exit %d, %+v\n%s\n%s", code, sum, stderr, s.tail())
	}
	onA, onB := metric(a, "keel_upf_sessions", ""), metric(b, "keel_upf_sessions", "")
	if onA != 5 || onB != 5 {
		t.Errorf("sessions at the UPFs: %v and %v, want 5 and 5 (by load)", onA, onB)
	}

	a.kill()
	lost := func() float64 {
		var n float64
		for _, r := range []string{"reactivation_requested", "released_locally", "kept"} {
			n += metric(s, "keel_smf_upf_lost_sessions_total", `result="`+r+`"`)
		}
		return n
	}
	for deadline := time.Now().Add(40 * time.Second); lost() < onA; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%v of the lost UPF's %v sessions handled after 40 s\n%s", lost(), onA, s.tail())
		}
	}
	if got := metric(s, "keel_smf_upf_failures_total", `reason="heartbeat"`); got != 1 {
		t.Errorf("keel_smf_upf_failures_total{heartbeat} = %v, want 1", got)
	}
	if kept := metric(s, "keel_smf_upf_lost_sessions_total", `result="kept"`); kept != 0 {
		t.Errorf("%v sessions kept on the lost UPF, want none (the other serves the DNN)", kept)
	}
	if got := metric(b, "keel_upf_sessions", ""); got != onB {
		t.Errorf("the surviving UPF holds %v sessions after the other was lost, want %v (untouched)", got, onB)
	}
	t.Logf("UPF killed: its %v sessions released (reactivation requested %v, released locally %v)", onA,
		metric(s, "keel_smf_upf_lost_sessions_total", `result="reactivation_requested"`),
		metric(s, "keel_smf_upf_lost_sessions_total", `result="released_locally"`))

	sum, code, stderr = runSim(t, udr.api.String(), c.token(), "--amf", n2, "--ues", "10", "--imsi", "100", "--provision", "--ping", "10.45.128.1", "--timeout", "20s")
	if code != 0 || sum.Sessions != 10 || sum.PingReplies != 10 {
		t.Fatalf("keel sim with one UPF left = exit %d, %+v\n%s\n%s", code, sum, stderr, s.tail())
	}
	if got := metric(b, "keel_upf_sessions", ""); got != onB+10 {
		t.Errorf("the surviving UPF holds %v sessions, want %v", got, onB+10)
	}
}
