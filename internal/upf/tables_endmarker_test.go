package upf

import (
	"bytes"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/gtpu"
	"github.com/keelcore/keel/internal/pfcp"
)

// sent is one message the tables handed to sendDL.
type sent struct {
	p  gtpu.Packet
	to netip.AddrPort
}

func recordSent(tb *tables) (*sync.Mutex, *[]sent) {
	var mu sync.Mutex
	var out []sent
	tb.sendDL = func(b []byte, to netip.AddrPort) {
		var p gtpu.Packet
		if err := gtpu.Parse(bytes.Clone(b), &p); err != nil {
			panic(err)
		}
		mu.Lock()
		out = append(out, sent{p, to})
		mu.Unlock()
	}
	return &mu, &out
}

// TestEndMarkerOnSwitch checks TS 29.281 §7.3.2 and TS 29.244 §5.2.2.4:
// an Apply that switches the downlink tunnel with End Markers sends one
// End Marker, type 254 with the old TEID, to the old gNB, and the
// downlink packets that follow go to the new tunnel.
func TestEndMarkerOnSwitch(t *testing.T) {
	tb := newTables(false)
	mu, out := recordSent(tb)
	ue, oldGNB, newGNB := mustAddr("10.45.0.2"), mustAddr("127.0.0.2"), mustAddr("127.0.0.3")
	if err := tb.apply(1, testRules(0x100, 0x200, ue, oldGNB)); err != nil {
		t.Fatal(err)
	}
	r := testRules(0x100, 0x300, ue, newGNB)
	r.EndMarkers = []OuterHeader{{TEID: 0x200, Addr: oldGNB}}
	if err := tb.apply(1, r); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	got := *out
	mu.Unlock()
	if len(got) != 1 || got[0].p.Type != gtpu.MsgEndMarker || got[0].p.TEID != 0x200 || len(got[0].p.Payload) != 0 ||
		got[0].to != netip.AddrPortFrom(oldGNB, gtpu.Port) {
		t.Fatalf("sent %+v, want one End Marker for TEID 0x200 to %v:%d", got, oldGNB, gtpu.Port)
	}
	w := &downlinkWorker{t: tb}
	buf := make([]byte, tunBufSize)
	pkt := icmpEcho(mustAddr("10.45.0.1"), ue, 1, 1, 8)
	copy(buf[tunReadOffset:], pkt)
	to, ok := w.handle(buf, len(pkt), 0)
	if !ok || to.Addr() != newGNB {
		t.Errorf("downlink after the switch goes to %v (%v), want %v", to, ok, newGNB)
	}
}

// TestEndMarkerWaitsForBatch checks that the End Marker waits for the
// downlink batch in hand (dlPhase odd), which may still carry packets
// for the old tunnel, and goes once it is sent.
func TestEndMarkerWaitsForBatch(t *testing.T) {
	tb := newTables(false)
	mu, out := recordSent(tb)
	ue, oldGNB := mustAddr("10.45.0.2"), mustAddr("127.0.0.2")
	if err := tb.apply(1, testRules(0x100, 0x200, ue, oldGNB)); err != nil {
		t.Fatal(err)
	}
	tb.dlPhase.Add(1) // a batch in hand
	done := make(chan struct{})
	go func() {
		defer close(done)
		r := testRules(0x100, 0x300, ue, mustAddr("127.0.0.3"))
		r.EndMarkers = []OuterHeader{{TEID: 0x200, Addr: oldGNB}}
		if err := tb.apply(1, r); err != nil {
			t.Error(err)
		}
	}()
	time.Sleep(20 * time.Millisecond)
	mu.Lock()
	early := len(*out)
	mu.Unlock()
	if early != 0 {
		t.Fatalf("End Marker sent while the batch was in hand")
	}
	tb.dlPhase.Add(1) // the batch sent
	<-done
	mu.Lock()
	defer mu.Unlock()
	if len(*out) != 1 || (*out)[0].p.Type != gtpu.MsgEndMarker {
		t.Fatalf("sent %+v after the batch, want one End Marker", *out)
	}
}

// TestEndMarkersOfUpdate checks which Update FARs call for End Markers:
// SNDEM with a new outer header sends one on the old tunnel; SNDEM with
// the same tunnel, or no SNDEM, none.
func TestEndMarkersOfUpdate(t *testing.T) {
	old := &pfcp.OuterHeader{TEID: 0x200, IPv4: mustAddr("127.0.0.2")}
	cur := pfcp.Rules{FARs: []pfcp.FAR{{ID: 2, Forward: true, Outer: old}}}
	moved := &pfcp.OuterHeader{TEID: 0x300, IPv4: mustAddr("127.0.0.3")}
	for _, c := range []struct {
		name string
		u    pfcp.FAR
		want int
	}{
		{"switch with SNDEM", pfcp.FAR{ID: 2, Outer: moved, SendEndMarker: true}, 1},
		{"switch without SNDEM", pfcp.FAR{ID: 2, Outer: moved}, 0},
		{"same tunnel", pfcp.FAR{ID: 2, Outer: old, SendEndMarker: true}, 0},
		{"other FAR", pfcp.FAR{ID: 9, Outer: moved, SendEndMarker: true}, 0},
	} {
		got := endMarkers(cur, []pfcp.FAR{c.u})
		if len(got) != c.want || (c.want == 1 && got[0] != (OuterHeader{TEID: 0x200, Addr: old.IPv4})) {
			t.Errorf("%s: endMarkers = %+v, want %d on the old tunnel", c.name, got, c.want)
		}
	}
}
