package userspace

import (
	"context"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/sctp"
	"github.com/keelcore/keel/internal/sctp/sctptest"
	"github.com/keelcore/keel/internal/tsharktest"
)

// errorIndication is an NGAP PDU (TS 38.413 §9.2.7.1): initiatingMessage,
// procedure code id-ErrorIndication (9), criticality ignore, no IEs.
var errorIndication = []byte{0x00, 0x09, 0x40, 0x03, 0x00, 0x00, 0x00}

// TestTsharkDecodes captures this package's traffic on lo and has tshark,
// an independent decoder, check every packet: no malformed packet, no
// expert error, every CRC32c correct. The traffic covers association
// setup, NGAP on port 38412 with PPID 60, messages fragmented over
// several packets on several streams, heartbeats on an idle association,
// graceful shutdown and abort.
func TestTsharkDecodes(t *testing.T) {
	sctptest.RequireNetNS(t)
	pcap := filepath.Join(t.TempDir(), "sctp.pcap")
	capt := sctptest.StartCapture(t, pcap)

	tr := newTransport(t, Options{})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()

	// NGAP: the gNB sends, the AMF answers.
	ngap, err := tr.Listen(ctx, netip.AddrPortFrom(sctptest.Loopback, sctp.PortNGAP))
	if err != nil {
		t.Fatal(err)
	}
	defer ngap.Close()
	sctptest.EchoServer(t, ngap)
	gnb := sctptest.Dial(t, tr, ngap.Addr())
	for s := range uint16(3) {
		m := sctp.Message{Stream: s, PPID: sctp.PPIDNGAP, Data: errorIndication}
		if err := gnb.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
		if _, err := gnb.Recv(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := gnb.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}

	// Opaque data on a port tshark maps to no protocol, sizes up to
	// several packets.
	data := sctptest.Listen(t, tr)
	sctptest.EchoServer(t, data)
	c := sctptest.Dial(t, tr, data.Addr())
	for i, n := range []int{1, 1452, 1453, 5000, 20000} {
		m := sctp.Message{Stream: uint16(i % 4), PPID: 0, Data: sctptest.Payload(n, byte(i))}
		if err := c.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Recv(ctx); err != nil {
			t.Fatal(err)
		}
	}
	c.Abort()
	// The association engine sends the ABORT from its write loop and
	// gives it at most 200 ms; on a loaded machine (the whole suite
	// under the race detector on two cores) that bound can pass first.
	// Two more aborted associations make an ABORT on the wire certain
	// enough for this decoding test.
	for range 2 {
		a := sctptest.Dial(t, tr, data.Addr())
		if err := a.Send(ctx, sctp.Message{PPID: 0, Data: []byte("x")}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Recv(ctx); err != nil {
			t.Fatal(err)
		}
		a.Abort()
	}

	// Heartbeats (RFC 9260 §8.3): an idle association whose listening side
	// probes every 50 ms, answered by the other side.
	hb := newTransport(t, Options{HeartbeatInterval: 50 * time.Millisecond})
	hl := sctptest.Listen(t, hb)
	idle := sctptest.Dial(t, tr, hl.Addr())
	sctptest.Accept(t, hl)
	for hb.Stats().HeartbeatAcks < 3 {
		select {
		case <-ctx.Done():
			t.Fatalf("heartbeats answered: %d, want 3 (Stats() = %+v)", hb.Stats().HeartbeatAcks, hb.Stats())
		case <-time.After(20 * time.Millisecond):
		}
	}
	if err := idle.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}

	time.Sleep(100 * time.Millisecond)
	capt.Finish(t)

	tshark := tsharktest.Runner(t, pcap, "-o", "sctp.checksum:CRC 32c")
	run := func(args ...string) []string {
		t.Helper()
		return strings.Fields(tshark(args...))
	}
	// tshark exits 0 whatever it finds: count what it prints.
	const flagged = "_ws.malformed || _ws.expert.severity==error || sctp.checksum.status==0"
	if bad := run("-Y", flagged); len(bad) > 0 {
		t.Errorf("tshark flags packets:\n%s", tshark("-Y", flagged, "-V"))
	}
	good := run("-Y", "sctp.checksum.status==1", "-T", "fields", "-e", "frame.number")
	all := run("-Y", "sctp", "-T", "fields", "-e", "frame.number")
	if len(good) == 0 || len(good) != len(all) {
		t.Errorf("tshark verified %d checksums of %d SCTP packets, want all", len(good), len(all))
	}
	// Every chunk type of the exchange must have been on the wire.
	var types []string
	for _, f := range run("-Y", "sctp", "-T", "fields", "-e", "sctp.chunk_type") {
		types = append(types, strings.Split(f, ",")...)
	}
	for name, typ := range map[string]string{
		"DATA": "0", "INIT": "1", "INIT ACK": "2", "SACK": "3", "ABORT": "6", "SHUTDOWN": "7",
		"SHUTDOWN ACK": "8", "COOKIE ECHO": "10", "COOKIE ACK": "11", "SHUTDOWN COMPLETE": "14",
		"HEARTBEAT": "4", "HEARTBEAT ACK": "5",
	} {
		if !slices.Contains(types, typ) {
			t.Errorf("no %s chunk in the capture", name)
		}
	}
	// Kernel-like wire format: DATA chunks, never I-DATA (RFC 8260, chunk
	// type 64), and I-DATA not offered in Supported Extensions.
	if slices.Contains(types, "64") {
		t.Errorf("I-DATA chunks on the wire, want DATA only")
	}
	for _, f := range run("-Y", "sctp.chunk_type == 1 || sctp.chunk_type == 2", "-T", "fields", "-e", "sctp.supported_chunk_type") {
		if slices.Contains(strings.Split(f, ","), "64") {
			t.Errorf("INIT or INIT ACK offers I-DATA (supported chunk types %s)", f)
		}
	}
	if n := len(run("-Y", "ngap.procedureCode == 9 && sctp.data_payload_proto_id == 60")); n < 6 {
		t.Errorf("tshark decoded %d NGAP ErrorIndication messages, want 6", n)
	}
}
