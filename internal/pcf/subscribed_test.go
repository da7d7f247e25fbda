package pcf_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/pcf"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/store/memrecords"
)

// countingSDM counts the session management data reads of fakeSDM.
type countingSDM struct {
	fakeSDM
	reads atomic.Int32
}

func (c *countingSDM) SessionManagement(ctx context.Context, s string) ([]sbi.SMData, error) {
	c.reads.Add(1)
	return c.fakeSDM.SessionManagement(ctx, s)
}

// TestCreateFromSMFSubscription: with the subscribed session AMBR and
// default QoS in the request (TS 29.512 §4.2.2.5, §4.2.2.6), a PCF
// without the subscribers' PCC rules decides from them and reads no
// session management data; one with them reads it and decides from it.
func TestCreateFromSMFSubscription(t *testing.T) {
	ctx := context.Background()
	rule := sbi.PCCRule{ID: "voice", FlowDescriptions: []string{"permit out 17 from any to assigned"}, FiveQI: 1, ARP: sbi.ARP{PriorityLevel: 2}}
	sdm := &countingSDM{fakeSDM: fakeSDM{sm: []sbi.SMData{
		{DNN: "internet", SNSSAI: ident.SNSSAI{SST: 1}, SessionAMBRUplink: 10e6, SessionAMBRDownlink: 20e6, FiveQI: 6, ARPPriority: 4, PCCRules: []sbi.PCCRule{rule}},
	}}}
	req := sbi.SmPolicyContextData{Supi: supi, PduSessionID: 1, Dnn: "internet", SliceInfo: ident.SNSSAI{SST: 1},
		SubsSessAmbr: &sbi.Ambr{Uplink: "100 Mbps", Downlink: "0.3 Gbps"},
		SubsDefQos:   &sbi.SubscribedDefaultQos{FiveQI: 8, Arp: sbi.Arp{PriorityLevel: 2, PreemptCap: "NOT_PREEMPT", PreemptVuln: "PREEMPTABLE"}}}

	p, err := pcf.New(pcf.Options{SDM: sdm})
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Create(ctx, req)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	want := sbi.SmPolicyDecision{ID: got.ID, SessionAMBRUplink: 100e6, SessionAMBRDownlink: 300e6, FiveQI: 8, ARPPriority: 2}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Create with subsSessAmbr and subsDefQos (-want +got):\n%s", diff)
	}
	// No default QoS and a session AMBR of 0: the PCF's defaults.
	req.PduSessionID, req.SubsDefQos, req.SubsSessAmbr = 2, nil, &sbi.Ambr{Uplink: "0 bps", Downlink: "0 bps"}
	if got, err = p.Create(ctx, req); err != nil {
		t.Fatalf("Create: %v", err)
	}
	want = sbi.SmPolicyDecision{ID: got.ID, SessionAMBRUplink: pcf.DefaultSessionAMBR, SessionAMBRDownlink: pcf.DefaultSessionAMBR, FiveQI: pcf.DefaultFiveQI, ARPPriority: pcf.DefaultARPPriority}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Create with a zero subsSessAmbr (-want +got):\n%s", diff)
	}
	if n := sdm.reads.Load(); n != 0 {
		t.Errorf("session management data read %d times, want 0", n)
	}

	// A PCF whose UDM gives the subscribers' PCC rules reads them.
	p, err = pcf.New(pcf.Options{SDM: sdm, SubscriberPCCRules: true})
	if err != nil {
		t.Fatal(err)
	}
	req.PduSessionID = 1
	if got, err = p.Create(ctx, req); err != nil {
		t.Fatalf("Create: %v", err)
	}
	want = sbi.SmPolicyDecision{ID: got.ID, SessionAMBRUplink: 10e6, SessionAMBRDownlink: 20e6, FiveQI: 6, ARPPriority: 4, PCCRules: []sbi.PCCRule{rule}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Create with the subscribers' PCC rules (-want +got):\n%s", diff)
	}
	if n := sdm.reads.Load(); n != 1 {
		t.Errorf("session management data read %d times, want 1", n)
	}
}

// TestCreateBadSMFSubscription: a malformed subscribed session AMBR or
// ARP is an incorrect attribute (TS 29.500 §5.2.7.2, 400
// MANDATORY_IE_INCORRECT), and makes no association.
func TestCreateBadSMFSubscription(t *testing.T) {
	recs := memrecords.New()
	p, err := pcf.New(pcf.Options{SDM: fakeSDM{}, Records: recs})
	if err != nil {
		t.Fatal(err)
	}
	good := sbi.Arp{PriorityLevel: 1, PreemptCap: "MAY_PREEMPT", PreemptVuln: "NOT_PREEMPTABLE"}
	for _, tc := range []struct {
		name string
		ambr sbi.Ambr
		qos  *sbi.SubscribedDefaultQos
	}{
		{"uplink", sbi.Ambr{Uplink: "fast", Downlink: "1 Mbps"}, nil},
		{"downlink", sbi.Ambr{Uplink: "1 Mbps", Downlink: "1 mbps"}, nil},
		{"ARP priority 0", sbi.Ambr{Uplink: "1 Mbps", Downlink: "1 Mbps"}, &sbi.SubscribedDefaultQos{FiveQI: 9, Arp: sbi.Arp{PreemptCap: "NOT_PREEMPT", PreemptVuln: "PREEMPTABLE"}}},
		{"ARP priority 16", sbi.Ambr{Uplink: "1 Mbps", Downlink: "1 Mbps"}, &sbi.SubscribedDefaultQos{FiveQI: 9, Arp: sbi.Arp{PriorityLevel: 16, PreemptCap: good.PreemptCap, PreemptVuln: good.PreemptVuln}}},
		{"preemptCap", sbi.Ambr{Uplink: "1 Mbps", Downlink: "1 Mbps"}, &sbi.SubscribedDefaultQos{FiveQI: 9, Arp: sbi.Arp{PriorityLevel: 1, PreemptVuln: good.PreemptVuln}}},
		{"preemptVuln", sbi.Ambr{Uplink: "1 Mbps", Downlink: "1 Mbps"}, &sbi.SubscribedDefaultQos{FiveQI: 9, Arp: sbi.Arp{PriorityLevel: 1, PreemptCap: good.PreemptCap, PreemptVuln: "preemptable"}}},
	} {
		req := sbi.SmPolicyContextData{Supi: supi, PduSessionID: 1, Dnn: "internet", SliceInfo: ident.SNSSAI{SST: 1}, SubsSessAmbr: &tc.ambr, SubsDefQos: tc.qos}
		if _, err := p.Create(context.Background(), req); !errors.Is(err, sbi.ErrInvalidRequest) {
			t.Errorf("%s: Create = %v, want %v", tc.name, err, sbi.ErrInvalidRequest)
		}
	}
	req := sbi.SmPolicyContextData{Supi: supi, PduSessionID: 1, Dnn: "internet", SliceInfo: ident.SNSSAI{SST: 1},
		SubsSessAmbr: &sbi.Ambr{Uplink: "1 Mbps", Downlink: "2 Mbps"}, SubsDefQos: &sbi.SubscribedDefaultQos{FiveQI: 9, Arp: good}}
	pol, err := p.Create(context.Background(), req)
	if err != nil {
		t.Fatalf("Create after the refusals: %v", err)
	}
	if list, err := recs.ListRecords(context.Background(), pcf.RecordKind, "", "", 0); err != nil || len(list) != 1 || list[0].Key != pol.ID {
		t.Errorf("associations after the refusals = %v, %v, want only %s (a refused request makes no association)", len(list), err, pol.ID)
	}
}
