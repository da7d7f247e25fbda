package sbihttp_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/pcf"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
)

const supi = "imsi-001010000000001"

// subscriberSDM serves one subscriber's session management data, which
// a test may change.
type subscriberSDM struct {
	mu sync.Mutex
	sm []sbi.SMData
}

func (f *subscriberSDM) AccessAndMobility(context.Context, string) (sbi.AMData, error) {
	return sbi.AMData{}, nil
}

func (f *subscriberSDM) SessionManagement(_ context.Context, s string) ([]sbi.SMData, error) {
	if s != supi {
		return nil, fmt.Errorf("fake: %w", sbi.ErrUserNotFound)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sm, nil
}

type policyInbox struct {
	mu   sync.Mutex
	pols []sbi.SmPolicyDecision
}

func (n *policyInbox) SMPolicyUpdated(_ context.Context, p sbi.SmPolicyDecision) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.pols = append(n.pols, p)
	return nil
}

// npcfBindings give a PCF to an SMF directly or over HTTP/2, its
// UpdateNotify reaching n.
var npcfBindings = []struct {
	name string
	bind func(t *testing.T, p *pcf.PCF, n sbi.NpcfSMPolicyNotifier) sbi.NpcfSMPolicyControl
}{
	{"direct", func(t *testing.T, p *pcf.PCF, n sbi.NpcfSMPolicyNotifier) sbi.NpcfSMPolicyControl {
		p.SetNotifier(n)
		return p
	}},
	{"http2", func(t *testing.T, p *pcf.PCF, n sbi.NpcfSMPolicyNotifier) sbi.NpcfSMPolicyControl {
		pl := newPlane(t)
		srv := sbihttp.NewNpcfServer(pl.notifier)
		p.SetNotifier(srv)
		srv.Serve(pl.producer, p)
		pl.cb.SetPolicyNotifier(n)
		pl.start(t)
		return sbihttp.NewNpcfClient(pl.client, pl.cb)
	}},
}

// TestNpcfSMPolicyControl: the same behaviour of a PCF, called directly
// and over HTTP/2: Create, Update with a UE's resource request and with
// inactive rules, UpdateNotify after a subscription change, Delete, and
// the refusals (TS 29.512 §4.2.2-§4.2.5).
func TestNpcfSMPolicyControl(t *testing.T) {
	for _, b := range npcfBindings {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			sdm := &subscriberSDM{sm: []sbi.SMData{{DNN: "internet", SNSSAI: ident.SNSSAI{SST: 1}, SessionAMBRUplink: 10e6, SessionAMBRDownlink: 20e6, FiveQI: 9, ARPPriority: 8,
				PCCRules: []sbi.PCCRule{{ID: "video", FlowDescriptions: []string{"permit out 17 from any 6000 to assigned"}, FiveQI: 2, ARP: sbi.ARP{PriorityLevel: 4},
					GFBRUplink: 1e6, GFBRDownlink: 2e6, MFBRUplink: 1e6, MFBRDownlink: 4e6}}}}}
			p, err := pcf.New(pcf.Options{SDM: sdm})
			if err != nil {
				t.Fatal(err)
			}
			inbox := &policyInbox{}
			s := b.bind(t, p, inbox)

			pol, err := s.Create(ctx, sbi.SmPolicyContextData{Supi: supi, PduSessionID: 1, PduSessionType: "IPV4", Dnn: "internet", SliceInfo: ident.SNSSAI{SST: 1}})
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			want := sbi.SmPolicyDecision{SessionAMBRUplink: 10e6, SessionAMBRDownlink: 20e6, FiveQI: 9, ARPPriority: 8, PCCRules: sdm.sm[0].PCCRules}
			ignoreID := cmpopts.IgnoreFields(sbi.SmPolicyDecision{}, "ID")
			if diff := cmp.Diff(want, pol, ignoreID); diff != "" || pol.ID == "" {
				t.Errorf("Create = ID %q (-want +got):\n%s", pol.ID, diff)
			}

			// The SMF's subscribed session AMBR and default QoS (TS 29.512
			// §4.2.2.5, §4.2.2.6) go as subsSessAmbr and subsDefQos; the PCF
			// decides from them.
			withSubs, err := s.Create(ctx, sbi.SmPolicyContextData{Supi: supi, PduSessionID: 2, PduSessionType: "IPV4", Dnn: "internet", SliceInfo: ident.SNSSAI{SST: 1},
				SubsSessAmbr: &sbi.Ambr{Uplink: "30 Mbps", Downlink: "40 Mbps"},
				SubsDefQos:   &sbi.SubscribedDefaultQos{FiveQI: 6, Arp: sbi.Arp{PriorityLevel: 3, PreemptCap: "NOT_PREEMPT", PreemptVuln: "PREEMPTABLE"}}})
			if err != nil {
				t.Fatalf("Create with subsSessAmbr and subsDefQos: %v", err)
			}
			want = sbi.SmPolicyDecision{SessionAMBRUplink: 30e6, SessionAMBRDownlink: 40e6, FiveQI: 6, ARPPriority: 3}
			if diff := cmp.Diff(want, withSubs, ignoreID); diff != "" {
				t.Errorf("Create with subsSessAmbr and subsDefQos (-want +got):\n%s", diff)
			}
			if err := s.Delete(ctx, withSubs.ID); err != nil {
				t.Fatalf("Delete: %v", err)
			}

			voice := sbi.UeInitiatedResourceRequest{FiveQI: 1, GFBRUplink: 64e3, GFBRDownlink: 64e3, MFBRUplink: 128e3, MFBRDownlink: 128e3,
				FlowDescriptions: []string{"permit out 17 from 10.45.0.1 5000 to assigned"}}
			got, err := s.Update(ctx, pol.ID, sbi.SmPolicyUpdateContextData{UeInitResReq: &voice})
			if err != nil || got.ID != pol.ID || len(got.PCCRules) != 2 {
				t.Fatalf("Update(voice) = %+v, %v; want the decision %q with a second PCC rule", got, err, pol.ID)
			}
			ue := got.PCCRules[1]
			if !strings.HasPrefix(ue.ID, "ue-") || ue.FiveQI != 1 || ue.MFBRDownlink != 128e3 || ue.GFBRUplink != 64e3 || !cmp.Equal(ue.FlowDescriptions, voice.FlowDescriptions) {
				t.Errorf("UE's PCC rule = %+v, want 5QI 1, GFBR 64 kbit/s, MFBR 128 kbit/s and the filter", ue)
			}
			tooMuch := voice
			tooMuch.MFBRDownlink = 30e6
			if _, err := s.Update(ctx, pol.ID, sbi.SmPolicyUpdateContextData{UeInitResReq: &tooMuch}); !errors.Is(err, sbi.ErrPolicyContextDenied) {
				t.Errorf("Update(MFBR above the AMBR) = %v, want ErrPolicyContextDenied", err)
			}
			got, err = s.Update(ctx, pol.ID, sbi.SmPolicyUpdateContextData{InactiveRules: []string{ue.ID}})
			if err != nil || len(got.PCCRules) != 1 || got.PCCRules[0].ID != "video" {
				t.Errorf("Update(%s inactive) = %+v, %v; want the video rule alone", ue.ID, got, err)
			}

			sdm.mu.Lock()
			sdm.sm = []sbi.SMData{{DNN: "internet", SNSSAI: ident.SNSSAI{SST: 1}, SessionAMBRUplink: 5e6, SessionAMBRDownlink: 7e6, FiveQI: 9, ARPPriority: 8, PCCRules: sdm.sm[0].PCCRules}}
			sdm.mu.Unlock()
			p.SubscriptionDataChanged(ctx, supi)
			inbox.mu.Lock()
			notified := inbox.pols
			inbox.mu.Unlock()
			if len(notified) != 1 || notified[0].ID != pol.ID || notified[0].SessionAMBRUplink != 5e6 || notified[0].SessionAMBRDownlink != 7e6 {
				t.Errorf("UpdateNotify = %+v, want once the decision %q with AMBR 5/7 Mbit/s", notified, pol.ID)
			}

			if err := s.Delete(ctx, pol.ID); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if err := s.Delete(ctx, pol.ID); !errors.Is(err, sbi.ErrPolicyNotFound) {
				t.Errorf("second Delete = %v, want ErrPolicyNotFound", err)
			}
			if _, err := s.Update(ctx, pol.ID, sbi.SmPolicyUpdateContextData{InactiveRules: []string{"video"}}); !errors.Is(err, sbi.ErrPolicyNotFound) {
				t.Errorf("Update after Delete = %v, want ErrPolicyNotFound", err)
			}
			for _, tc := range []struct {
				req  sbi.SmPolicyContextData
				want error
			}{
				{sbi.SmPolicyContextData{Supi: supi, PduSessionID: 2, PduSessionType: "IPV4", Dnn: "ims", SliceInfo: ident.SNSSAI{SST: 1}}, sbi.ErrPolicyContextDenied},
				{sbi.SmPolicyContextData{Supi: "imsi-001019999999999", PduSessionID: 1, PduSessionType: "IPV4", Dnn: "internet", SliceInfo: ident.SNSSAI{SST: 1}}, sbi.ErrUserNotFound},
				{sbi.SmPolicyContextData{Supi: supi, PduSessionID: 16, PduSessionType: "IPV4", Dnn: "internet", SliceInfo: ident.SNSSAI{SST: 1}}, sbi.ErrInvalidRequest},
			} {
				if _, err := s.Create(ctx, tc.req); !errors.Is(err, tc.want) {
					t.Errorf("Create(%+v) = %v, want %v", tc.req, err, tc.want)
				}
			}
		})
	}
}
