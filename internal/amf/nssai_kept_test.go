package amf_test

import (
	"context"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/metrictest"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbi/sbitest"
	"github.com/keelcore/keel/internal/sim/scenario"
)

// waitKept waits until the AMF is subscribed and keeps want answers.
func waitKept(t *testing.T, c *core, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		sub, kept := c.amf.NSSAISubscribed()
		if sub && kept == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("subscribed %t, %d answers kept; want subscribed with %d", sub, kept, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TS 29.531 §5.3.2.3, §5.3.2.5: subscribed to the NSSF's NSSAI
// availability notifications, the AMF asks the NSSF once for the slices
// of registrations with the same query and keeps the answer, until a
// change of the S-NSSAIs supported in a TA (another AMF's report) is
// notified; it then asks again. At stop it unsubscribes.
func TestNSSAIAnswersKept(t *testing.T) {
	// The NSSF has SST 1 and 2 in the AMF's TAs, the AMF SST 1 only: its
	// report leaves SST 1 there, and another AMF's SST 2 changes that.
	calls := &sbitest.Faults{}
	// Runs after the core's own cleanup has stopped the AMF.
	t.Cleanup(func() {
		if n := calls.Calls("UnsubscribeNSSAIAvailability"); n != 1 {
			t.Errorf("%d unsubscriptions at stop, want 1", n)
		}
	})
	c := startCoreOpts(t, 4, gmm.Timers{}, coreOptions{nssfSlices: []ident.SNSSAI{{SST: 1}, {SST: 2}},
		nssaiURI: "http://amf.test/callbacks/v1/nssai-availability",
		availability: func(a sbi.NnssfNSSAIAvailability) sbi.NnssfNSSAIAvailability {
			return sbitest.NSSAIAvailability(a, calls)
		}})
	waitKept(t, c, 0)
	g := c.gnb(t, 1)
	register := func(i int) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, _, err := scenario.Register(ctx, g, c.ue(t, i)); err != nil {
			t.Fatalf("UE %d: %v", i, err)
		}
	}
	count := func(source string) float64 {
		return metrictest.Value(t, c.reg, "keel_amf_nsselection_total", "source", source)
	}
	for i := range 3 {
		register(i)
	}
	if asked, kept := count("nssf"), count("kept"); asked != 1 || kept != 2 {
		t.Errorf("NSSF asked %v times, kept answers used %v times; want 1 and 2", asked, kept)
	}
	waitKept(t, c, 1)

	other := "6f3f8d1e-7b7a-4c1e-9a57-0c2b6a3e00ff"
	if _, err := c.nssf.UpdateNSSAIAvailability(context.Background(), other, sbi.NSSAIAvailabilityInfo{SupportedNSSAIAvailabilityData: []sbi.SupportedNSSAIAvailabilityData{
		{TAI: ident.TAI{PLMN: c.cfg.PLMN, TAC: c.cfg.TACs[0]}, SupportedSNSSAIList: []ident.SNSSAI{{SST: 2}}}}}); err != nil {
		t.Fatal(err)
	}
	waitKept(t, c, 0)
	register(3)
	if asked, kept := count("nssf"), count("kept"); asked != 2 || kept != 2 {
		t.Errorf("after the notification: NSSF asked %v times, kept answers used %v times; want 2 and 2", asked, kept)
	}
}

// Without a notification URI the AMF neither subscribes nor keeps
// answers: every registration asks the NSSF.
func TestNSSAIAnswersNotKept(t *testing.T) {
	c := startCoreOpts(t, 2, gmm.Timers{}, coreOptions{})
	g := c.gnb(t, 1)
	for i := range 2 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, _, err := scenario.Register(ctx, g, c.ue(t, i))
		cancel()
		if err != nil {
			t.Fatalf("UE %d: %v", i, err)
		}
	}
	if sub, kept := c.amf.NSSAISubscribed(); sub || kept != 0 {
		t.Errorf("subscribed %t with %d answers kept, want neither", sub, kept)
	}
}

// TS 29.531 §5.3.2.3.1, §5.3.2.4: granted a short lifetime, the AMF
// subscribes again before it ends and deletes the old subscription,
// dropping the answers kept under it.
func TestNSSAISubscriptionRenewed(t *testing.T) {
	calls := &sbitest.Faults{}
	c := startCoreOpts(t, 1, gmm.Timers{}, coreOptions{nssaiURI: "http://amf.test/callbacks/v1/nssai-availability",
		nssfLifetime: 2 * time.Second,
		availability: func(a sbi.NnssfNSSAIAvailability) sbi.NnssfNSSAIAvailability {
			return sbitest.NSSAIAvailability(a, calls)
		}})
	waitKept(t, c, 0)
	g := c.gnb(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, _, err := scenario.Register(ctx, g, c.ue(t, 0)); err != nil {
		t.Fatal(err)
	}
	subscribed := calls.Calls("SubscribeNSSAIAvailability")
	deadline := time.Now().Add(10 * time.Second)
	for calls.Calls("SubscribeNSSAIAvailability") == subscribed || calls.Calls("UnsubscribeNSSAIAvailability") == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d subscriptions, %d unsubscriptions after 10 s with a 2 s lifetime; want a renewal and the old one deleted",
				calls.Calls("SubscribeNSSAIAvailability"), calls.Calls("UnsubscribeNSSAIAvailability"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if sub, kept := c.amf.NSSAISubscribed(); !sub || kept != 0 {
		t.Errorf("after the renewal: subscribed %t with %d answers kept, want subscribed with none", sub, kept)
	}
}
