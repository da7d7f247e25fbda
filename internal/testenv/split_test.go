package testenv

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// startSplit starts every network function as a process of its own, in
// the order of config.NFNames (the NRF first, the UDR before the UDM,
// which reads the key file of their shared data directory), and waits
// until the NRF lists each NF that registers.
func startSplit(t *testing.T) *splitCore {
	t.Helper()
	c := newSplitCore(t)
	for _, nf := range config.NFNames() {
		c.start(nf, nf)
	}
	for _, nfType := range []string{"UDR", "UDM", "AUSF", "PCF", "SMF", "AMF"} {
		c.waitListed(nfType, 1)
	}
	return c
}

// listed counts the instances of nfType the NRF lists (NFListRetrieval,
// TS 29.510 §5.2.2.6); -1 when the NRF does not answer.
func (c *splitCore) listed(nfType string) int {
	cl := sbihttp.NewClient(sbihttp.ClientConfig{Timeout: time.Second})
	var list struct {
		Total int `json:"totalItemCount"`
	}
	_, err := cl.Do(context.Background(), sbihttp.Request{Method: http.MethodGet, URI: c.nrf,
		Path: "/nnrf-nfm/v1/nf-instances", Query: map[string][]string{"nf-type": {nfType}}}, &list)
	if err != nil {
		return -1
	}
	return list.Total
}

func (c *splitCore) waitListed(nfType string, want int) {
	c.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	got := -1
	for time.Now().Before(deadline) {
		if got = c.listed(nfType); got == want {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.t.Fatalf("the NRF lists %d %s instances, want %d", got, nfType, want)
}

// TestSplitUDRApart keeps the subscriber store apart: the NRF and the
// UDR in one process, every other NF in another, which reads the
// subscriptions over Nudr_DataRepository (TS 29.504) on HTTP/2 while 10
// UEs register, establish a session, ping and deregister.
func TestSplitUDRApart(t *testing.T) {
	sctptest.RequireNetNS(t)
	c := newSplitCore(t)
	home := c.start("home", "nrf,udr")
	c.start("core", "nssf,udm,ausf,pcf,upf,smf,amf")
	c.waitListed("UDR", 1)
	c.waitListed("UDM", 1)
	sum, code, stderr := runSim(t, home.api.String(), c.token(), "--amf", config.Default().N2.Address.String(),
		"--ues", "10", "--provision", "--pdu", "--ping", "10.45.0.1", "--deregister")
	if code != 0 || sum.Registered != 10 || sum.Sessions != 10 || sum.PingReplies != 10 || sum.Failed != 0 {
		t.Fatalf("keel sim with the UDR apart = exit %d, %+v\n%s\n%s", code, sum, stderr, c.procs["core"].tail())
	}
}
