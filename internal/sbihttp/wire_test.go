package sbihttp

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp/pcaptest"
	"github.com/keelcore/keel/internal/tsharktest"
)

// TestH2COnTheWire records the TCP streams of an h2c exchange (a
// creation, a read, a deletion, an error answer) and has tshark decode
// them as HTTP/2: no malformed frame, no expert warning, and the
// requests and answers it sees are the ones sent (RFC 9113, TS 29.500
// §5.2.1).
func TestH2COnTheWire(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rec := pcaptest.Listen(ln)
	srv := echoServer(ServerConfig{})
	srv.Start(rec)
	root := "http://" + ln.Addr().String()
	c := NewClient(ClientConfig{Resolver: StaticResolver{"nkeel-echo": {root}}})

	resp, err := c.Do(context.Background(), Request{Service: "nkeel-echo", Method: "POST", Path: "/echoes", Body: echoIn{Supi: "imsi-001010000000001"}}, &echoOut{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Do(context.Background(), Request{Method: "GET", URI: resp.Location}, &echoOut{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Do(context.Background(), Request{Method: "DELETE", URI: resp.Location}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Do(context.Background(), Request{Service: "nkeel-echo", Method: "POST", Path: "/echoes", Body: echoIn{Supi: "imsi-unknown"}}, nil); !errors.Is(err, sbi.ErrUserNotFound) {
		t.Fatalf("unknown SUPI: %v", err)
	}
	c.CloseIdle()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Stop(ctx); err != nil {
		t.Fatal(err)
	}

	pcap := filepath.Join(t.TempDir(), "sbi.pcap")
	if err := rec.WritePcap(pcap); err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	run := tsharktest.Runner(t, pcap, "-d", "tcp.port=="+port+",http2", "-o", "tcp.check_checksum:TRUE")
	tsharktest.CheckClean(t, run, "tcp.checksum.status==0 || ip.checksum.status==0 || tcp.analysis.flags")

	out := run("-Y", "http2.type==1", "-T", "fields", "-E", "occurrence=a", "-E", "separator=|",
		"-e", "http2.headers.method", "-e", "http2.headers.path", "-e", "http2.headers.status", "-e", "http2.headers.content_type")
	got := strings.Split(out, "\n")
	want := []string{
		"POST|/nkeel-echo/v1/echoes||application/json",
		"||201|application/json",
		"GET|/nkeel-echo/v1/echoes/imsi-001010000000001||",
		"||200|application/json",
		"DELETE|/nkeel-echo/v1/echoes/imsi-001010000000001||",
		"||204|",
		"POST|/nkeel-echo/v1/echoes||application/json",
		"||404|application/problem+json",
	}
	// Every request and answer, in order (a retry under a loaded machine
	// may add rows; none may be missing or garbled).
	i := 0
	for _, row := range got {
		if i < len(want) && row == want[i] {
			i++
		}
	}
	if i != len(want) {
		t.Errorf("tshark's HEADERS frames:\n%s\nwant, in this order:\n%s", out, strings.Join(want, "\n"))
	}
	if data := run("-Y", "http2.type==0 && http2.data.data", "-T", "fields", "-e", "http2.streamid"); data == "" {
		t.Errorf("tshark decodes no DATA frame")
	}
}
