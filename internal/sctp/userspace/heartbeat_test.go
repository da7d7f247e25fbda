package userspace

import (
	"bytes"
	"flag"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/sctp"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

var idleReal = flag.Duration("idle-real", 0,
	"run TestIdleAssociationStaysUp for this long at the default heartbeat interval and peer timeout (e.g. 3m)")

// TestIdleAssociationStaysUp leaves an association idle with a peer that
// never probes on its own and answers only well-formed HEARTBEATs, as
// pion does (it ignores one without Heartbeat Info, RFC 9260 §3.3.5).
// Only this side's heartbeats, and the peer's answers to them, can keep
// the association up past PeerTimeout (RFC 9260 §8.3).
//
// The liveness loop decides from elapsed times measured against
// HeartbeatInterval and PeerTimeout (its tick is a tenth of the
// interval), so shortening both shortens the test without changing what
// it checks. Three minutes idle at the defaults (30 s, 60 s) spans 6
// heartbeat intervals and 3 peer timeouts; here 6 s at 100 ms and 2 s span
// 60 intervals and 3 peer timeouts. The peer timeout is a larger multiple
// of the interval than by default so that a loaded machine delaying an
// answer does not fail the test; without answers it still expires three
// times over. -idle-real=3m runs the same test in real time at the
// defaults.
func TestIdleAssociationStaysUp(t *testing.T) {
	opts := Options{HeartbeatInterval: 100 * time.Millisecond, PeerTimeout: 2 * time.Second}
	idle := 6 * time.Second
	if *idleReal > 0 {
		opts, idle = Options{}, *idleReal
	}
	// The AMF side, under test.
	amf := newTransport(t, opts)
	// The gNB side: its own probes would refresh the AMF's view of it,
	// so it sends none within the test.
	gnb := newTransport(t, Options{HeartbeatInterval: time.Hour})
	l := sctptest.Listen(t, amf)
	c := sctptest.Dial(t, gnb, l.Addr())
	s := sctptest.Accept(t, l)

	time.Sleep(idle)
	if err := s.Send(t.Context(), sctp.Message{PPID: sctp.PPIDNGAP, Data: []byte("still there")}); err != nil {
		t.Fatalf("Send() after %v idle = %v", idle, err)
	}
	if m, err := c.Recv(t.Context()); err != nil || string(m.Data) != "still there" {
		t.Fatalf("peer Recv() after %v idle = %q, %v", idle, m.Data, err)
	}
	st := amf.Stats()
	if st.AssociationsDown != 0 {
		t.Errorf("Stats().AssociationsDown = %d, want 0", st.AssociationsDown)
	}
	if st.Heartbeats == 0 || st.HeartbeatAcks == 0 {
		t.Errorf("Stats() Heartbeats = %d, HeartbeatAcks = %d, want both above 0", st.Heartbeats, st.HeartbeatAcks)
	}
	t.Logf("%v idle: %d HEARTBEATs sent, %d answered", idle, st.Heartbeats, st.HeartbeatAcks)
}

// pionHeartbeat is a HEARTBEAT as pion v1.12.1 puts it on the wire:
// chunk type 4, length 4, no Heartbeat Info (ports as pion sees them).
const pionHeartbeat = `13881388 0a0b0c0d 00000000 04000004`

func TestCompleteHeartbeats(t *testing.T) {
	q := unhex(t, pionHeartbeat)
	cs, err := chunks(q, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !hasEmptyHeartbeat(cs) {
		t.Fatalf("hasEmptyHeartbeat(% x) = false", q)
	}
	h := heartbeatInfo{nonce: 0x0102030405060708, dst: netip.MustParseAddr("10.1.2.3")}
	got := h.completeHeartbeats(q, cs, time.Unix(0, 0x1122334455667788))
	// RFC 9260 §3.3.5: one Heartbeat Info parameter (type 1, length 24):
	// send time, nonce, destination address.
	want := unhex(t, `13881388 0a0b0c0d 00000000
		0400001c 00010018 11223344 55667788 01020304 05060708 0a010203`)
	if !bytes.Equal(got, want) {
		t.Errorf("completeHeartbeats() =\n% x\nwant\n% x", got, want)
	}

	// Bundled with other chunks, the empty HEARTBEAT is completed in place.
	q = unhex(t, `13881388 0a0b0c0d 00000000 03000010 00000005 00010000 00000000 04000004 0b000004`)
	cs, _ = chunks(q, nil)
	got = h.completeHeartbeats(q, cs, time.Unix(0, 0x1122334455667788))
	want = unhex(t, `13881388 0a0b0c0d 00000000 03000010 00000005 00010000 00000000
		0400001c 00010018 11223344 55667788 01020304 05060708 0a010203 0b000004`)
	if !bytes.Equal(got, want) {
		t.Errorf("completeHeartbeats(bundle) =\n% x\nwant\n% x", got, want)
	}

	// A HEARTBEAT that has its parameter is left alone.
	q = unhex(t, `13881388 0a0b0c0d 00000000 0400000c 00010008 01020304`)
	if cs, _ = chunks(q, nil); hasEmptyHeartbeat(cs) {
		t.Errorf("hasEmptyHeartbeat(% x) = true for a complete HEARTBEAT", q)
	}
}

func TestTakeAcks(t *testing.T) {
	h := heartbeatInfo{nonce: 0x0102030405060708, dst: netip.MustParseAddr("10.1.2.3")}
	const (
		hdr   = `9c40960c 0a0b0c0d 00000000 `
		ours  = `0500001c 00010018 11223344 55667788 01020304 05060708 0a010203 `
		sack  = `03000010 00000005 00010000 00000000 `
		empty = `05000004 `
	)
	for _, tt := range []struct {
		name, in, want   string // want "" means the packet is consumed
		matched, dropped int
	}{
		{"ours alone", hdr + ours, "", 1, 0},
		{"ours with a SACK", hdr + sack + ours, hdr + sack, 1, 0},
		{"no HEARTBEAT ACK", hdr + sack, hdr + sack, 0, 0},
		{"empty", hdr + empty, "", 0, 1},
		{"other nonce", hdr + `0500001c 00010018 11223344 55667788 01020304 05060709 0a010203`, "", 0, 1},
		{"other address", hdr + `0500001c 00010018 11223344 55667788 01020304 05060708 0a010204`, "", 0, 1},
		{"other parameter", hdr + `0500001c 00020018 11223344 55667788 01020304 05060708 0a010203`, "", 0, 1},
		{"short", hdr + `05000014 00010010 11223344 55667788 01020304`, "", 0, 1},
		{"pion's own", hdr + `05000010 0001000c 11223344 55667788`, "", 0, 1},
	} {
		p := unhex(t, tt.in)
		cs, err := chunks(p, nil)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got, n := h.takeAcks(p, cs)
		var want []byte
		if tt.want != "" {
			want = unhex(t, tt.want)
		}
		if !bytes.Equal(got, want) || n != (heartbeatAcks{tt.matched, tt.dropped}) {
			t.Errorf("%s: takeAcks() = % x, %+v; want % x, {matched:%d dropped:%d}", tt.name, got, n, want, tt.matched, tt.dropped)
		}
	}
}

// FuzzTakeAcks feeds arbitrary packets to the inbound HEARTBEAT ACK check:
// it must not panic, never leave a HEARTBEAT ACK for pion, and keep every
// other chunk in order.
func FuzzTakeAcks(f *testing.F) {
	f.Add(unhex(f, `9c40960c 0a0b0c0d 00000000 0500001c 00010018 11223344 55667788 01020304 05060708 0a010203`))
	f.Add(unhex(f, `9c40960c 0a0b0c0d 00000000 03000010 00000005 00010000 00000000 05000004`))
	f.Add(unhex(f, `9c40960c 0a0b0c0d 00000000 05000006 0001`))
	f.Fuzz(func(t *testing.T, p []byte) {
		cs, err := chunks(p, nil)
		if err != nil {
			return
		}
		h := heartbeatInfo{nonce: 0x0102030405060708, dst: netip.MustParseAddr("10.1.2.3")}
		out, n := h.takeAcks(p, cs)
		if !slices.ContainsFunc(cs, func(c chunk) bool { return c.typ() == ctHeartbeatAck }) {
			if !bytes.Equal(out, p) || n != (heartbeatAcks{}) {
				t.Fatalf("takeAcks(% x) = % x, %+v; want the packet unchanged", p, out, n)
			}
			return
		}
		var others []byte
		for _, c := range cs {
			if c.typ() != ctHeartbeatAck {
				others = append(others, c...)
				others = append(others, make([]byte, pad4(len(c))-len(c))...)
			}
		}
		if out == nil {
			if len(others) != 0 {
				t.Fatalf("takeAcks(% x) dropped the packet, which had other chunks", p)
			}
			return
		}
		if !bytes.Equal(out[commonHeaderLen:], others) {
			t.Fatalf("takeAcks(% x) = % x, want the other chunks % x", p, out, others)
		}
	})
}
