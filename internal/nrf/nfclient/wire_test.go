package nfclient

import (
	"context"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/accesstoken"
	"github.com/keelcore/keel/internal/nrf"
	"github.com/keelcore/keel/internal/nrf/nnrf"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/pcaptest"
	"github.com/keelcore/keel/internal/tsharktest"
)

// TestNRFOnTheWire: an NF's exchanges with the NRF over h2c — register,
// heartbeat, discover, token, deregister — decoded by tshark as HTTP/2
// with no malformed frame, each HEADERS frame with the method, path,
// status and content type of TS 29.510.
func TestNRFOnTheWire(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rec := pcaptest.Listen(ln)
	key, err := accesstoken.GenerateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	n, err := nrf.New(nrf.Options{InstanceID: nrfID, APIRoot: "http://" + ln.Addr().String(), SigningKey: key, Registry: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	srv := sbihttp.NewServer(sbihttp.ServerConfig{})
	n.Routes(srv)
	srv.Start(rec)

	p, err := Profile(amfSpec())
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Options{NRF: "http://" + ln.Addr().String(), Profile: p})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.register(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.heartbeat(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Discover(ctx, nnrf.Query{TargetNFType: sbi.NFTypeAMF, ServiceNames: []string{"namf-comm"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Token(ctx, "namf-comm"); err != nil {
		t.Fatal(err)
	}
	if err := c.deregister(ctx); err != nil {
		t.Fatal(err)
	}
	c.hc.CloseIdleConnections()
	c.sbi.CloseIdle()
	if err := srv.Stop(ctx); err != nil {
		t.Fatal(err)
	}

	pcap := filepath.Join(t.TempDir(), "nrf.pcap")
	if err := rec.WritePcap(pcap); err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	run := tsharktest.Runner(t, pcap, "-d", "tcp.port=="+port+",http2", "-o", "tcp.check_checksum:TRUE")
	tsharktest.CheckClean(t, run, "tcp.checksum.status==0 || ip.checksum.status==0 || tcp.analysis.flags")
	out := run("-Y", "http2.type==1", "-T", "fields", "-E", "occurrence=a", "-E", "separator=|",
		"-e", "http2.headers.method", "-e", "http2.headers.path", "-e", "http2.headers.status", "-e", "http2.headers.content_type")
	var got []string
	for _, line := range strings.Split(out, "\n") {
		// The discovery query's parameters vary in order; keep the path.
		if i := strings.Index(line, "?"); i >= 0 {
			j := strings.Index(line[i:], "|")
			line = line[:i] + line[i+j:]
		}
		got = append(got, line)
	}
	inst := "/nnrf-nfm/v1/nf-instances/" + amfID
	want := []string{
		"PUT|" + inst + "||application/json",
		"||201|application/json",
		"PATCH|" + inst + "||application/json-patch+json",
		"||204|",
		"GET|/nnrf-disc/v1/nf-instances||",
		"||200|application/json",
		"POST|/oauth2/token||application/x-www-form-urlencoded",
		"||200|application/json",
		"DELETE|" + inst + "||",
		"||204|",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("tshark's HEADERS frames:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
