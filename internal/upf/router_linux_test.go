package upf

import (
	"encoding/hex"
	"net/netip"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/gtpu"
)

// TestRouterAdvertisementOnTheWire runs the IPv6 router through the real
// datapath: no RA while the downlink FAR buffers; one to the gNB's
// socket when it forwards; a Router Solicitation from the UE answered
// with another, and nothing forwarded to N6.
func TestRouterAdvertisementOnTheWire(t *testing.T) {
	d := newTestDatapath(t)
	gnbAddr := netip.MustParseAddr("127.0.0.2")
	gnb := gnbSocket(t, gnbAddr.String())
	if err := d.Apply(1, ipv6Rules(gnbAddr, Buffer)); err != nil {
		t.Fatal(err)
	}
	if p, _, ok := receive(t, gnb, 200*time.Millisecond); ok {
		t.Fatalf("received %+v while the downlink FAR buffers", p)
	}
	check := func(what string) {
		t.Helper()
		p, from, ok := receive(t, gnb, 5*time.Second)
		if !ok {
			t.Fatalf("%s: no Router Advertisement", what)
		}
		if p.Type != gtpu.MsgGPDU || p.TEID != 0x200 || !p.HasQFI || p.QFI != 9 || from != d.N3Addr() || hex.EncodeToString(p.Payload) != goldenRA {
			t.Errorf("%s: got %+v from %v, want the golden RA in a G-PDU to TEID 0x200, QFI 9, from %v", what, p, from, d.N3Addr())
		}
	}
	if err := d.Apply(1, ipv6Rules(gnbAddr, Forward)); err != nil {
		t.Fatal(err)
	}
	check("tunnel known")
	rs := routerSolicitation(netip.MustParseAddr("fe80::1"), allRouters, 255)
	send(t, gnb, gtpu.AppendGPDU(nil, 0x100, 9, true, rs), d.N3Addr())
	check("solicited")
	time.Sleep(100 * time.Millisecond) // the readers flush their counts after each batch
	for name, want := range map[string]float64{
		"keel_upf_router_advertisements_total": 2,
		"keel_upf_router_solicitations_total":  1,
	} {
		if got := d.metric(t, name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if got := d.metric(t, "keel_upf_datapath_packets_total", "direction", "uplink"); got != 0 {
		t.Errorf("uplink packets forwarded to N6 = %v, want 0", got)
	}
}
