package smf_test

import (
	"log/slog"
	"testing"

	"github.com/keelcore/keel/internal/logtest"
	"github.com/keelcore/keel/internal/nas/sm"
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
