package testenv

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keelcore/keel/internal/cli"
	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// TestSplitOAuth2 runs every NF in its own process with access tokens on
// (sbi.oauth2, TS 33.501 §13.4.1). Every SBI request between them
// carries a token of the NRF's, which the producers check with the
// public key `keel nrf public-key` printed before the NRF first started.
// 5 UEs register, establish a session, ping and deregister; a request
// without a token to the UDM is refused 401; the NRF, restarted, signs
// with the key it kept, and 5 more UEs do it all again.
func TestSplitOAuth2(t *testing.T) {
	sctptest.RequireNetNS(t)
	c := newSplitCore(t)
	var pub, stderr bytes.Buffer
	env := cli.Env{Stdin: strings.NewReader(""), Stdout: &pub, Stderr: &stderr, Getenv: func(string) string { return "" }}
	if code := cli.Main(context.Background(), env, []string{"nrf", "public-key", "--data", filepath.Join(c.dir, "data-nrf")}); code != cli.ExitOK {
		t.Fatalf("keel nrf public-key: exit %d: %s", code, stderr.String())
	}
	keyFile := filepath.Join(c.dir, "nrf.pub")
	if err := os.WriteFile(keyFile, pub.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(c.dir, "keel.yaml"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("sbi:\n  oauth2:\n    enabled: true\n    nrf_key: " + keyFile + "\n")
	f.Close()

	for _, nf := range config.NFNames() {
		c.start(nf, nf)
	}
	nrf, udr, udm := c.procs["nrf"], c.procs["udr"], c.procs["udm"]
	for _, nfType := range []string{"UDR", "UDM", "AUSF", "PCF", "SMF", "AMF"} {
		c.waitListed(nfType, 1)
	}
	sim := func(what string, args ...string) {
		t.Helper()
		sum, code, stderr := runSim(t, udr.api.String(), c.token(), append([]string{"--amf", config.Default().N2.Address.String(),
			"--ues", "5", "--pdu", "--ping", "10.45.0.1", "--deregister"}, args...)...)
		if code != 0 || sum.Registered != 5 || sum.Sessions != 5 || sum.PingReplies != 5 || sum.Failed != 0 {
			t.Fatalf("%s: keel sim = exit %d, %+v\n%s\n%s\n%s", what, code, sum, stderr, c.procs["amf"].tail(), c.procs["smf"].tail())
		}
	}
	sim("with tokens", "--provision")
	// No request between the NFs was refused for its token: the NSSF
	// reports and notifications included, which the UEs do not wait for.
	for name, p := range c.procs {
		b, _ := os.ReadFile(p.log)
		for _, refused := range []string{"sbi: unauthorized", "sbi: forbidden", "refused its access token", "nfclient: token"} {
			if strings.Contains(string(b), refused) {
				t.Errorf("%s logged %q\n%s", name, refused, p.tail())
			}
		}
	}

	resp, err := (&http.Client{Transport: sbihttp.NewTransport(nil)}).Get("http://" + udm.sbi.String() + "/nudm-sdm/v2/imsi-001010000000001/am-data")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != "Bearer" {
		t.Errorf("am-data without a token = %d %q, want 401 Bearer", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}

	nrf.stop()
	nrf.restart()
	for _, nfType := range []string{"UDR", "UDM", "AUSF", "PCF", "SMF", "AMF"} {
		c.waitListed(nfType, 1)
	}
	sim("after the NRF restarted", "--provision", "--imsi", "101")
}
