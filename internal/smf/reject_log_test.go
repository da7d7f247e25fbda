package smf_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/logtest"
	"github.com/keelcore/keel/internal/nas/sm"
	"github.com/keelcore/keel/internal/procevent"
)

// A PDU SESSION ESTABLISHMENT REJECT is logged once, at info level, with
// the SUPI and the 5GSM cause as number and TS 24.501 §9.11.4.2 name.
func TestEstablishmentRejectLoggedOnce(t *testing.T) {
	var buf logtest.Buffer
	w := newWorld(t, worldOptions{log: slog.New(slog.NewJSONHandler(&buf, nil))})
	c := w.create(supi1, 1, "enterprise", slice1, request(1, 1, 0, 0, false))
	if !c.Reject || c.Cause != sm.CauseMissingOrUnknownDNN {
		t.Fatalf("establishment on an unserved DNN = %+v, want a reject #27", c)
	}
	var found []map[string]any
	for _, rec := range buf.Records(t) {
		if rec["msg"] == "PDU session establishment rejected" {
			found = append(found, rec)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d reject lines, want 1:\n%s", len(found), &buf)
	}
	rec := found[0]
	if rec["level"] != "INFO" || rec["supi"] != supi1 || rec["cause"] != float64(27) || rec["cause_name"] != "Missing or unknown DNN" || rec["dnn"] != "enterprise" {
		t.Errorf("reject line %v, want INFO with supi %s, cause 27 \"Missing or unknown DNN\" and dnn enterprise", rec, supi1)
	}
}

// A PDU SESSION ESTABLISHMENT REJECT is an event with its 5GSM cause; an
// accepted establishment is none.
func TestEstablishmentRejectRecorded(t *testing.T) {
	ring := procevent.NewRing(8)
	w := newWorld(t, worldOptions{events: ring})
	if c := w.create(supi1, 1, "internet", slice1, request(1, 1, 0, 0, false)); c.Reject {
		t.Fatalf("establishment on internet refused: %+v", c)
	}
	if got := ring.Recent(8, nil); len(got) != 0 {
		t.Fatalf("an accepted establishment recorded %+v", got)
	}
	w.create(supi1, 2, "enterprise", slice1, request(2, 2, 0, 0, false))
	got := ring.Recent(8, nil)
	want := procevent.Event{Procedure: "pdu-session-establishment", Result: "rejected", Cause: "Missing or unknown DNN (5GSM #27)",
		SUPI: supi1, Detail: `PDU session 2, DNN "enterprise"`}
	if len(got) != 1 || got[0].Time.IsZero() {
		t.Fatalf("events = %+v, want one", got)
	}
	got[0].Time = time.Time{}
	if got[0] != want {
		t.Errorf("event = %+v, want %+v", got[0], want)
	}
}
