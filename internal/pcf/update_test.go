package pcf_test

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/pcf"
	"github.com/keelcore/keel/internal/sbi"
)

// TestUpdate: the PCF authorises UE-requested resources within the
// subscription and refuses the rest with ErrPolicyContextDenied.
func TestUpdate(t *testing.T) {
	ctx := context.Background()
	sdm := fakeSDM{sm: []sbi.SMData{{DNN: "internet", SNSSAI: ident.SNSSAI{SST: 1}, SessionAMBRUplink: 10e6, SessionAMBRDownlink: 20e6}}}
	reg := prometheus.NewRegistry()
	p, err := pcf.New(pcf.Options{SDM: sdm, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	pol, err := p.Create(ctx, sbi.SmPolicyContextData{Supi: supi, PduSessionID: 1, Dnn: "internet", SliceInfo: ident.SNSSAI{SST: 1}})
	if err != nil {
		t.Fatal(err)
	}
	fd := []string{"permit out 17 from 10.45.0.1 5000 to assigned"}
	voice := sbi.UeInitiatedResourceRequest{FiveQI: 1, GFBRUplink: 64e3, GFBRDownlink: 64e3, MFBRUplink: 128e3, MFBRDownlink: 128e3, FlowDescriptions: fd}
	for _, tc := range []struct {
		name string
		req  func(sbi.UeInitiatedResourceRequest) sbi.UeInitiatedResourceRequest
		ok   bool
	}{
		{"voice", func(r sbi.UeInitiatedResourceRequest) sbi.UeInitiatedResourceRequest { return r }, true},
		{"non-GBR 5QI 8 without bit rates", func(r sbi.UeInitiatedResourceRequest) sbi.UeInitiatedResourceRequest {
			return sbi.UeInitiatedResourceRequest{FiveQI: 8, FlowDescriptions: fd}
		}, true},
		{"non-GBR 5QI with bit rates", func(r sbi.UeInitiatedResourceRequest) sbi.UeInitiatedResourceRequest { r.FiveQI = 8; return r }, false},
		{"unknown 5QI", func(r sbi.UeInitiatedResourceRequest) sbi.UeInitiatedResourceRequest { r.FiveQI = 200; return r }, false},
		{"no filter", func(r sbi.UeInitiatedResourceRequest) sbi.UeInitiatedResourceRequest {
			r.FlowDescriptions = nil
			return r
		}, false},
		{"GBR without MFBR", func(r sbi.UeInitiatedResourceRequest) sbi.UeInitiatedResourceRequest {
			r.MFBRUplink = 0
			r.GFBRUplink = 0
			return r
		}, false},
		{"GFBR above MFBR", func(r sbi.UeInitiatedResourceRequest) sbi.UeInitiatedResourceRequest { r.GFBRDownlink = 1e6; return r }, false},
		{"MFBR above the session AMBR", func(r sbi.UeInitiatedResourceRequest) sbi.UeInitiatedResourceRequest { r.MFBRDownlink = 30e6; return r }, false},
	} {
		req := tc.req(voice)
		got, err := p.Update(ctx, pol.ID, sbi.SmPolicyUpdateContextData{UeInitResReq: &req})
		switch {
		case tc.ok && (err != nil || len(got.PCCRules) == 0 || got.SessionAMBRDownlink != pol.SessionAMBRDownlink):
			t.Errorf("%s: Update = %+v, %v, want the decision with a PCC rule for the request", tc.name, got, err)
		case tc.ok:
			r := got.PCCRules[len(got.PCCRules)-1]
			if r.FiveQI != req.FiveQI || r.MFBRDownlink != req.MFBRDownlink || len(r.FlowDescriptions) != 1 || r.ARP.PriorityLevel != pol.ARPPriority {
				t.Errorf("%s: PCC rule %+v, want the request's", tc.name, r)
			}
		case !tc.ok && !errors.Is(err, sbi.ErrPolicyContextDenied):
			t.Errorf("%s: Update = %v, want ErrPolicyContextDenied", tc.name, err)
		}
	}
	// The rules the SMF reports inactive go.
	if got, err := p.Update(ctx, pol.ID, sbi.SmPolicyUpdateContextData{InactiveRules: []string{"ue-1"}}); err != nil || len(got.PCCRules) != 1 || got.PCCRules[0].ID != "ue-2" {
		t.Errorf("Update with rule ue-1 inactive = %+v, %v, want rule ue-2 left", got.PCCRules, err)
	}
	if _, err := p.Update(ctx, "nope", sbi.SmPolicyUpdateContextData{UeInitResReq: &voice}); !errors.Is(err, sbi.ErrPolicyNotFound) {
		t.Errorf("Update of an unknown association: %v, want ErrPolicyNotFound", err)
	}
	if got := counter(t, reg, "keel_pcf_sm_policy_updates_total", "policy_context_denied"); got != 6 {
		t.Errorf("denied updates = %v, want 6", got)
	}
}

// changingSDM serves session management data a test changes.
type changingSDM struct {
	mu sync.Mutex
	sm []sbi.SMData
}

func (f *changingSDM) AccessAndMobility(context.Context, string) (sbi.AMData, error) {
	return sbi.AMData{}, nil
}

func (f *changingSDM) SessionManagement(context.Context, string) ([]sbi.SMData, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sm, nil
}

type notified struct {
	mu   sync.Mutex
	pols []sbi.SmPolicyDecision
}

func (n *notified) SMPolicyUpdated(_ context.Context, p sbi.SmPolicyDecision) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.pols = append(n.pols, p)
	return nil
}

// TestSubscriptionDataChanged: a changed session AMBR is sent to the SMF
// as UpdateNotify for each association of the subscriber, once; other
// subscribers and unchanged data send nothing.
func TestSubscriptionDataChanged(t *testing.T) {
	ctx := context.Background()
	sdm := &changingSDM{sm: []sbi.SMData{{DNN: "internet", SNSSAI: ident.SNSSAI{SST: 1}, SessionAMBRUplink: 10e6, SessionAMBRDownlink: 20e6}}}
	p, err := pcf.New(pcf.Options{SDM: sdm})
	if err != nil {
		t.Fatal(err)
	}
	n := &notified{}
	p.SetNotifier(n)
	pol, err := p.Create(ctx, sbi.SmPolicyContextData{Supi: supi, PduSessionID: 1, Dnn: "internet", SliceInfo: ident.SNSSAI{SST: 1}})
	if err != nil {
		t.Fatal(err)
	}
	p.SubscriptionDataChanged(ctx, supi)
	p.SubscriptionDataChanged(ctx, "imsi-001010000000002")
	if len(n.pols) != 0 {
		t.Fatalf("notified %+v for unchanged data", n.pols)
	}
	sdm.mu.Lock()
	sdm.sm = []sbi.SMData{{DNN: "internet", SNSSAI: ident.SNSSAI{SST: 1}, SessionAMBRUplink: 5e6, SessionAMBRDownlink: 7e6}}
	sdm.mu.Unlock()
	p.SubscriptionDataChanged(ctx, supi)
	p.SubscriptionDataChanged(ctx, supi)
	want := pol
	want.SessionAMBRUplink, want.SessionAMBRDownlink = 5e6, 7e6
	if len(n.pols) != 1 || !reflect.DeepEqual(n.pols[0], want) {
		t.Errorf("notified %+v, want once %+v", n.pols, want)
	}
}
