package amf_test

import (
	"context"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/amf"
	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/procevent"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/sim/scenario"
	"github.com/keelcore/keel/internal/sim/ue"
)

// A registration the network refuses is an event with its 5GMM cause and
// the UE's identity; a registration that succeeds is none.
func TestRegistrationFailureRecorded(t *testing.T) {
	ring := procevent.NewRing(16)
	c := startCoreOpts(t, 1, gmm.Timers{}, coreOptions{events: ring})
	g := c.gnb(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, _, err := scenario.Register(ctx, g, c.ue(t, 0)); err != nil {
		t.Fatal(err)
	}
	if got := ring.Recent(10, nil); len(got) != 0 {
		t.Fatalf("a successful registration recorded events %+v", got)
	}
	var n amf.UECounts
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && n.Registered == 0; time.Sleep(5 * time.Millisecond) {
		n = c.amf.UECounts()
	}
	if n.Contexts != 1 || n.Registered != 1 || n.Connected+n.Idle != 1 {
		t.Errorf("UECounts() after one registration = %+v", n)
	}
	if u, ok := c.amf.UE(supiOf(0)); !ok || u.SUPI != supiOf(0) || u.State != "registered" {
		t.Errorf("UE(%s) = %+v, %v", supiOf(0), u, ok)
	}
	if _, ok := c.amf.UE(supiOf(41)); ok {
		t.Errorf("UE of an unknown SUPI found")
	}
	// A UE whose subscription the home network does not hold.
	stranger, err := ue.New(ue.Config{SUPI: supiOf(41), MCC: "001", MNC: "01", K: secret.RandomKey128(), OPc: secret.RandomKey128(),
		Scheme: ue.SchemeNull, SNSSAIs: []ident.SNSSAI{{SST: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := scenario.Register(ctx, g, stranger); err == nil {
		t.Fatal("a UE without a subscription registered")
	}
	var got []procevent.Event
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && len(got) == 0; time.Sleep(5 * time.Millisecond) {
		got = ring.Recent(10, nil)
	}
	if len(got) != 1 {
		t.Fatalf("events after a refused registration = %+v, want 1", got)
	}
	e := got[0]
	if e.Procedure != "registration" || e.Result != "rejected" || e.Cause != "5GS services not allowed (5GMM #7)" || e.SUPI != supiOf(41) || e.Time.IsZero() {
		t.Errorf("event = %+v, want a rejected registration with its cause", e)
	}
	if n := ring.Counts(); len(n) != 1 || n[0].Count != 1 || n[0].Cause != e.Cause {
		t.Errorf("Counts() = %+v", n)
	}
}
