package gmm_test

import (
	"testing"

	"github.com/keelcore/keel/internal/secret"
)

// TestNextHop checks the AMF's NH chain against the simulated UE's own
// derivation (TS 33.501 §6.9.2.1.1, Annex A.10): after the Initial
// Context Setup of a registration the AMF holds NH(1) = KDF(KAMF,
// KgNB) with NCC 1, and each handover takes the next link, NCC going up
// by one modulo 8 while the chain goes on.
func TestNextHop(t *testing.T) {
	w := newWorld(t, worldOptions{})
	if _, ok := w.m.Handover(); ok {
		t.Fatal("Handover() of a UE not registered = ok")
	}
	if _, _, ok := w.m.NextHop(); ok {
		t.Fatal("NextHop() before any Initial Context Setup = ok")
	}
	w.register()
	w.deliver()
	hc, ok := w.m.Handover()
	if !ok || len(hc.AllowedNSSAI) == 0 || hc.Capabilities.NRIntegrity == 0 {
		t.Fatalf("Handover() of a registered, connected UE = %+v, %v", hc, ok)
	}
	want := w.ue.NextHop(w.setup.KgNB) // NCC 1, kept by the AMF
	for i, ncc := range []uint8{2, 3, 4, 5, 6, 7, 0, 1, 2} {
		want = w.ue.NextHop(want)
		nh, got, ok := w.m.NextHop()
		if !ok || got != ncc || !nh.Equal(want) || nh == (secret.Key256{}) {
			t.Fatalf("handover %d: NextHop() = NCC %d, NH equal %v, %v; want NCC %d and the UE's NH", i+1, got, nh.Equal(want), ok, ncc)
		}
	}
}
