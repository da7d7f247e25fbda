package gmm_test

import (
	"log/slog"
	"testing"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/logtest"
	"github.com/keelcore/keel/internal/sim/ue"
)

// logging gives the world a fresh machine that writes its log as JSON
// lines into the returned buffer.
func (w *world) logging() *logtest.Buffer {
	buf := &logtest.Buffer{}
	w.m = gmm.New(w.cfg, w.svc, shell{w}, slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	return buf
}

// rejectMessages are the log messages of the rejects and statuses the
// AMF sends.
var rejectMessages = map[string]bool{
	"registration rejected": true, "authentication rejected": true, "service rejected": true,
	"5GMM STATUS sent": true, "5GSM message not forwarded": true,
	"registration refused for now: a service the AMF needs is unavailable": true,
}

// Every reject the AMF sends is logged once, at info level (a warning
// for an outage of the home network), with the UE's SUPI and the 5GMM
// cause as number and TS 24.501 §9.11.3.2 name (AUTHENTICATION REJECT
// has no cause: its reason instead).
func TestRejectsLoggedOnce(t *testing.T) {
	tests := []struct {
		name  string
		o     worldOptions
		setup func(w *world)
		drive func(w *world)
		msg   string
		level string
		cause float64 // 0: no cause in the line
		named string
	}{
		{name: "unknown subscriber", o: worldOptions{noSub: true},
			msg: "registration rejected", level: "INFO", cause: 7, named: "5GS services not allowed"},
		{name: "congestion", setup: func(w *world) { w.congested = true },
			msg: "registration rejected", level: "INFO", cause: 22, named: "Congestion"},
		{name: "store unavailable", o: worldOptions{diskFull: true},
			msg: "registration refused for now: a service the AMF needs is unavailable", level: "WARN", cause: 22, named: "Congestion"},
		{name: "no common integrity algorithm", o: worldOptions{ueIA: 0x80},
			msg: "registration rejected", level: "INFO", cause: 23, named: "UE security capabilities mismatch"},
		{name: "no slice allowed", o: worldOptions{subNSSAI: []ident.SNSSAI{{SST: 1}}, slices: []ident.SNSSAI{{SST: 2}}},
			msg: "registration rejected", level: "INFO", cause: 62, named: "No network slices available"},
		{name: "wrong RES*", drive: func(w *world) {
			w.register()
			w.drop()
			w.up("sends", []byte{0x7e, 0x00, 0x57, 0x2d, 0x10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
		}, msg: "authentication rejected", level: "INFO"},
		{name: "service request for an unknown 5G-S-TMSI", drive: func(w *world) {
			w.m = gmm.New(w.cfg, w.svc, shell{w}, slog.New(slog.DiscardHandler))
			w.register()
			w.deliver()
			w.idle()
		}, msg: "service rejected", level: "INFO", cause: 9, named: "UE identity cannot be derived by the network"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, tt.o)
			if tt.setup != nil {
				tt.setup(w)
			}
			var buf *logtest.Buffer
			if tt.name == "service request for an unknown 5G-S-TMSI" {
				tt.drive(w)
				buf = w.logging() // another AMF, without the UE's context
				w.serviceRequest(ue.ServiceSignalling)
			} else {
				buf = w.logging()
				if tt.drive != nil {
					tt.drive(w)
				} else {
					w.register()
				}
			}
			w.deliver()
			var found []map[string]any
			for _, rec := range buf.Records(t) {
				if rejectMessages[rec["msg"].(string)] {
					found = append(found, rec)
				}
			}
			if len(found) != 1 {
				t.Fatalf("%d reject lines, want 1:\n%s", len(found), buf)
			}
			rec := found[0]
			if rec["msg"] != tt.msg || rec["level"] != tt.level {
				t.Errorf("reject line %q at %v, want %q at %s", rec["msg"], rec["level"], tt.msg, tt.level)
			}
			if tt.name != "service request for an unknown 5G-S-TMSI" && rec["supi"] != supi {
				t.Errorf("reject line names supi %v, want %s: %v", rec["supi"], supi, rec)
			}
			if tt.cause == 0 {
				if _, ok := rec["cause"]; ok || rec["reason"] == nil {
					t.Errorf("reject line %v: want a reason and no cause", rec)
				}
				return
			}
			if rec["cause"] != tt.cause || rec["cause_name"] != tt.named {
				t.Errorf("reject line cause %v %q, want %v %q", rec["cause"], rec["cause_name"], tt.cause, tt.named)
			}
		})
	}
}
