package userspace

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/logtest"
	"github.com/keelcore/keel/internal/oracle"
	"github.com/keelcore/keel/internal/sctp"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// usrsctp's example programs (Debian package libusrsctp-examples) are an
// independent SCTP implementation. Started with UDP encapsulation port 0
// they speak SCTP over raw IP, like this package, in the test's namespace.
const usrsctpDir = "/usr/lib/usrsctp"

func usrsctpProgram(t *testing.T, name string) string {
	t.Helper()
	sctptest.RequireNetNS(t)
	path := filepath.Join(usrsctpDir, name)
	if _, err := os.Stat(path); err != nil {
		oracle.Missing(t, "usrsctp example program missing (install Debian package libusrsctp-examples): %v", err)
	}
	return path
}

// startProgram starts a program for the test's lifetime: it is killed and
// reaped at cleanup.
func startProgram(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", cmd.Path, err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
}

// TestInteropUsrsctpClient has usrsctp's client open an association to a
// listener of this package and exchange lines with it: usrsctp's INIT
// carries parameters pion refuses (Supported Address Types among them),
// which the adapter strips. The client sends each line of its standard
// input as a message and prints what it receives; closing its input makes
// it shut the association down.
//
//	client remote_addr remote_port local_port local_encaps_port remote_encaps_port
func TestInteropUsrsctpClient(t *testing.T) {
	prog := usrsctpProgram(t, "client")
	var logs logtest.Buffer
	tr := newTransport(t, Options{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	l, err := tr.Listen(t.Context(), netip.AddrPortFrom(sctptest.Loopback, sctp.PortNGAP))
	if err != nil {
		t.Fatalf("Listen() = %v", err)
	}
	defer l.Close()

	cmd := exec.Command(prog, "127.0.0.1", fmt.Sprint(sctp.PortNGAP), "0", "0", "0")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stdout logtest.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stdout
	startProgram(t, cmd)

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, err := l.Accept(ctx)
	if err != nil {
		t.Fatalf("Accept() = %v; client output:\n%s", err, stdout.String())
	}
	defer c.Abort()

	var lines []string
	for i := range 20 {
		lines = append(lines, fmt.Sprintf("line %d %s\n", i, strings.Repeat("x", i*3)))
	}
	if _, err := io.WriteString(stdin, strings.Join(lines, "")); err != nil {
		t.Fatal(err)
	}
	for _, want := range lines {
		m, err := c.Recv(ctx)
		if err != nil {
			t.Fatalf("Recv() = %v; client output:\n%s", err, stdout.String())
		}
		// The client sends without send info: stream 0, PPID 0.
		if m.Stream != 0 || m.PPID != 0 || string(m.Data) != want {
			t.Fatalf("Recv() = stream %d, ppid %d, %q, want stream 0, ppid 0, %q", m.Stream, m.PPID, m.Data, want)
		}
		if err := c.Send(ctx, m); err != nil {
			t.Fatalf("Send() = %v", err)
		}
	}
	want := strings.Join(lines, "")
	for !strings.Contains(stdout.String(), want) {
		if ctx.Err() != nil {
			t.Fatalf("client did not print the echoed lines; output:\n%s", stdout.String())
		}
		time.Sleep(10 * time.Millisecond)
	}

	stdin.Close()
	_, err = c.Recv(ctx)
	wantDown(t, err, sctp.DownShutdown)
	if err := cmd.Wait(); err != nil {
		t.Errorf("client exited with %v; output:\n%s", err, stdout.String())
	}
	if st := tr.Stats(); st.ParamsStripped == 0 || st.ChecksumErrors != 0 {
		t.Errorf("Stats() = %+v, want parameters stripped from usrsctp's INIT and no checksum error", st)
	}
	// Supported Address Types (12), which pion would drop the INIT for.
	stripped := ""
	for line := range strings.Lines(logs.String()) {
		if strings.Contains(line, "INIT parameters stripped") {
			stripped = line
		}
	}
	t.Logf("usrsctp's INIT: %s", strings.TrimSpace(stripped))
	if !strings.Contains(stripped, "chunk=1 ") || !regexp.MustCompile(`types="\[([0-9 ]* )?12[ \]]`).MatchString(stripped) {
		t.Errorf("no record of Supported Address Types (12) stripped from usrsctp's INIT; got %q", stripped)
	}
}

// TestInteropUsrsctpEchoServer opens an association from this package to
// usrsctp's echo_server (port 7), which sends every message back on its
// stream with its PPID and, line buffered through stdbuf, prints what it
// received: that shows the PPID and stream as usrsctp decoded them, which
// an echo alone would not (a symmetric bug survives a round trip). Idle,
// the association's HEARTBEATs must come back from usrsctp with this
// side's Heartbeat Info.
//
//	echo_server [local_encaps_port [remote_encaps_port]]
func TestInteropUsrsctpEchoServer(t *testing.T) {
	prog := usrsctpProgram(t, "echo_server")
	args := []string{prog, "0"}
	if sb, err := exec.LookPath("stdbuf"); err == nil {
		args = append([]string{sb, "-oL"}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	var stdout logtest.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stdout
	startProgram(t, cmd)

	// Heartbeats every 50 ms once idle: usrsctp must echo this side's
	// Heartbeat Info (RFC 9260 §8.3).
	tr := newTransport(t, Options{HeartbeatInterval: 50 * time.Millisecond})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	server := netip.AddrPortFrom(sctptest.Loopback, 7)
	var c sctp.Conn
	for {
		// echo_server needs a moment to listen; until then INITs go
		// unanswered.
		dctx, dcancel := context.WithTimeout(ctx, 300*time.Millisecond)
		var err error
		c, err = tr.Dial(dctx, netip.Addr{}, server)
		dcancel()
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("Dial(%v) = %v; echo_server output:\n%s", server, err, stdout.String())
		}
	}
	defer c.Abort()
	// We offer 32 outbound streams; usrsctp admits up to 2048 inbound.
	if c.OutStreams() != 32 {
		t.Errorf("OutStreams() = %d, want 32", c.OutStreams())
	}

	sizes := []int{1, 100, 1400, 1500, 3000, 8000}
	ppids := []uint32{sctp.PPIDNGAP, 46, 0x12345678}
	var sent []sctp.Message
	for i, n := range sizes {
		m := sctp.Message{Stream: uint16(i % 4), PPID: ppids[i%len(ppids)], Data: sctptest.Payload(n, byte(i))}
		sent = append(sent, m)
		if err := c.Send(ctx, m); err != nil {
			t.Fatalf("Send(%d bytes) = %v", n, err)
		}
		got, err := c.Recv(ctx)
		if err != nil {
			t.Fatalf("Recv() = %v; echo_server output:\n%s", err, stdout.String())
		}
		if got.Stream != m.Stream || got.PPID != m.PPID || !bytes.Equal(got.Data, m.Data) {
			t.Errorf("echo of %d bytes = stream %d, ppid %d, %d bytes, want stream %d, ppid %d",
				n, got.Stream, got.PPID, len(got.Data), m.Stream, m.PPID)
		}
	}
	for st := tr.Stats(); st.HeartbeatAcks < 3; st = tr.Stats() {
		select {
		case <-ctx.Done():
			t.Fatalf("usrsctp answered %d HEARTBEATs of %d, want 3 (Stats() = %+v)", st.HeartbeatAcks, st.Heartbeats, st)
		case <-time.After(20 * time.Millisecond):
		}
	}
	if n := tr.Stats().HeartbeatAcksDropped; n != 0 {
		t.Errorf("Stats().HeartbeatAcksDropped = %d, want every HEARTBEAT ACK from usrsctp to echo ours", n)
	}
	if err := c.Close(); err != nil {
		t.Errorf("Close() = %v, want a completed shutdown", err)
	}

	if len(args) > 2 {
		out := stdout.String()
		for _, m := range sent {
			want := fmt.Sprintf("Msg of length %d received from ", len(m.Data))
			detail := fmt.Sprintf("on stream %d with", m.Stream)
			ppid := fmt.Sprintf("PPID %d,", m.PPID)
			if !containsLine(out, want, detail, ppid) {
				t.Errorf("echo_server did not report %q ... %q ... %q; output:\n%s", want, detail, ppid, out)
			}
		}
	}
}

// containsLine reports whether a line of out contains every part.
func containsLine(out string, parts ...string) bool {
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(sc.Text(), p)
		}
		if ok {
			return true
		}
	}
	return false
}
