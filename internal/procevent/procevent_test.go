package procevent_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/procevent"
)

func TestRingKeepsLatestNewestFirst(t *testing.T) {
	r := procevent.NewRing(3)
	t0 := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)
	for i := range 5 {
		r.Record(procevent.Event{Time: t0.Add(time.Duration(i) * time.Second), Procedure: "registration", Result: "rejected",
			Cause: "Congestion (5GMM #22)", SUPI: fmt.Sprintf("imsi-00101000000000%d", i)})
	}
	got := r.Recent(10, nil)
	var supis []string
	for _, e := range got {
		supis = append(supis, e.SUPI)
	}
	if diff := cmp.Diff([]string{"imsi-001010000000004", "imsi-001010000000003", "imsi-001010000000002"}, supis); diff != "" {
		t.Errorf("Recent(10) SUPIs (-want +got):\n%s", diff)
	}
	if got := r.Recent(1, nil); len(got) != 1 || got[0].SUPI != "imsi-001010000000004" {
		t.Errorf("Recent(1) = %+v", got)
	}
	keep := func(e *procevent.Event) bool { return e.SUPI == "imsi-001010000000003" }
	if got := r.Recent(10, keep); len(got) != 1 || got[0].SUPI != "imsi-001010000000003" {
		t.Errorf("Recent with a filter = %+v", got)
	}
	if diff := cmp.Diff([]procevent.CauseCount{{"Congestion (5GMM #22)", 5}}, r.Counts()); diff != "" {
		t.Errorf("Counts() counts events the ring dropped (-want +got):\n%s", diff)
	}
}

func TestRingPartlyFilled(t *testing.T) {
	r := procevent.NewRing(0)
	if got := r.Recent(10, nil); len(got) != 0 {
		t.Fatalf("empty ring Recent = %v", got)
	}
	r.Record(procevent.Event{Procedure: "service-request", Result: "timeout"})
	r.Record(procevent.Event{Procedure: "registration", Result: "rejected", Cause: "a"})
	r.Record(procevent.Event{Procedure: "registration", Result: "rejected", Cause: "a"})
	got := r.Recent(10, nil)
	if len(got) != 3 || got[2].Result != "timeout" || got[2].Time.IsZero() {
		t.Fatalf("Recent = %+v, want 3 events, the oldest last, stamped", got)
	}
	if diff := cmp.Diff([]procevent.CauseCount{{"a", 2}, {"timeout", 1}}, r.Counts()); diff != "" {
		t.Errorf("Counts() (-want +got):\n%s", diff)
	}
}

func TestCausesBounded(t *testing.T) {
	r := procevent.NewRing(10)
	for i := range 1000 {
		r.Record(procevent.Event{Cause: fmt.Sprint(i)})
	}
	c := r.Counts()
	if len(c) > 257 || c[0].Cause != "other" || c[0].Count != 1000-256 {
		t.Errorf("Counts() over 1000 causes: %d entries, first %+v", len(c), c[0])
	}
}

func TestConcurrentRecord(t *testing.T) {
	r := procevent.NewRing(64)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 500 {
				r.Record(procevent.Event{Cause: "x"})
				r.Recent(5, nil)
			}
		})
	}
	wg.Wait()
	if c := r.Counts(); len(c) != 1 || c[0].Count != 2000 {
		t.Errorf("Counts() = %+v, want x: 2000", c)
	}
}

func TestCauseText(t *testing.T) {
	if got := procevent.FiveGMMCause(22, "Congestion"); got != "Congestion (5GMM #22)" {
		t.Errorf("FiveGMMCause = %q", got)
	}
	if got := procevent.FiveGSMCause(27, "Missing or unknown DNN"); got != "Missing or unknown DNN (5GSM #27)" {
		t.Errorf("FiveGSMCause = %q", got)
	}
}
