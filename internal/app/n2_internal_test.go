package app

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nas"
)

// amfConfig carries the Registration Accept keys of amf.* to the AMF.
func TestAMFConfigAcceptIEs(t *testing.T) {
	cfg := config.Default()
	cfg.AMF.T3502 = 30 * time.Minute
	cfg.AMF.IMSVoiceOverPS = true
	cfg.AMF.EmergencyNumbers = []config.EmergencyNumber{{Number: "112", Categories: []string{"police", "fire"}}, {Number: "999"}}
	cfg.AMF.ServiceAreaTACs = []uint32{1, 7}
	plmn := ident.PLMN{MCC: "001", MNC: "01"}
	want := gmm.AcceptIEs{
		T3502:    30 * time.Minute,
		Features: nas.NetworkFeatures{IMSVoPS: true},
		EmergencyNumbers: []nas.EmergencyNumber{{Categories: nas.EmergencyPolice | nas.EmergencyFireBrigade, Digits: "112"},
			{Digits: "999"}},
		ServiceArea: []ident.TAI{{PLMN: plmn, TAC: 1}, {PLMN: plmn, TAC: 7}},
	}
	if diff := cmp.Diff(want, amfConfig(cfg).Accept); diff != "" {
		t.Errorf("amfConfig(cfg).Accept (-want +got):\n%s", diff)
	}
	if got := amfConfig(config.Default()).Accept; got.T3502 != gmm.DefaultT3502 || got.Features != (nas.NetworkFeatures{}) ||
		got.EmergencyNumbers != nil || got.ServiceArea != nil {
		t.Errorf("amfConfig(Default()).Accept = %+v, want T3502 12m and nothing else", got)
	}
}

// The AMF's call deadlines come from amf.deadlines.
func TestAMFConfigDeadlines(t *testing.T) {
	cfg := config.Default()
	cfg.AMF.Deadlines = config.AMFDeadlines{Authentication: 2 * time.Second, Subscription: 3 * time.Second, Session: 9 * time.Second, Reactivation: 4 * time.Second}
	want := gmm.Deadlines{Authentication: 2 * time.Second, Subscription: 3 * time.Second, Session: 9 * time.Second, Reactivation: 4 * time.Second}
	if got := amfConfig(cfg).Deadlines; got != want {
		t.Errorf("amfConfig(...).Deadlines = %+v, want %+v", got, want)
	}
}
