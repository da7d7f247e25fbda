package hometest_test

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/tsharktest"
)

// TestHomeOnTheWire records the h2c traffic of the home services over
// HTTP (5G AKA with a SUCI, subscriber data, UECM) and has tshark decode
// every server's streams as HTTP/2 with no malformed frame and no expert
// warning, and find the requests Keel sent (RFC 9113, TS 29.500 §5.2.1).
func TestHomeOnTheWire(t *testing.T) {
	c := newCore(t, true)
	u := c.ues[0]
	c.authenticate(t, u, sbi.AuthRequest{SUCI: c.suciOf(t, u, 0)})
	if _, err := c.sdm.SessionManagement(t.Context(), u.supi); err != nil {
		t.Fatal(err)
	}
	paths := map[string]bool{}
	for i, rec := range c.captures {
		if rec.Bytes() == 0 {
			continue
		}
		pcap := filepath.Join(t.TempDir(), fmt.Sprintf("sbi%d.pcap", i))
		if err := rec.WritePcap(pcap); err != nil {
			t.Fatal(err)
		}
		port := strconv.Itoa(rec.Addr().(*net.TCPAddr).Port)
		run := tsharktest.Runner(t, pcap, "-d", "tcp.port=="+port+",http2")
		tsharktest.CheckClean(t, run, "")
		for _, p := range strings.Fields(strings.ReplaceAll(run("-Y", "http2.headers.path", "-T", "fields", "-e", "http2.headers.path"), ",", " ")) {
			paths[p] = true
		}
	}
	for _, want := range []string{
		"/nausf-auth/v1/ue-authentications",
		"/nudm-ueau/v1/" + c.suciOf(t, u, 0).String() + "/security-information/generate-auth-data",
		"/nudm-ueau/v1/" + u.supi + "/auth-events",
		"/nudr-dr/v2/subscription-data/" + u.supi + "/authentication-data/authentication-subscription",
		"/nudm-sdm/v2/" + u.supi + "/sm-data",
		"/nudr-dr/v2/subscription-data/subs-to-notify",
	} {
		if !paths[want] {
			t.Errorf("tshark decodes no request for %s; it saw %v", want, paths)
		}
	}
}
