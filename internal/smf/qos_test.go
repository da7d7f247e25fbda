package smf_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/free5gc/ngap/ie"
	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/nas/sm"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/pfcp"
	"github.com/keelcore/keel/internal/sbi"
)

// voice is a PCC rule for a voice bearer: 5QI 1 (GBR), RTP ports.
var voice = sbi.PCCRule{
	ID:               "voice",
	FlowDescriptions: []string{"permit out 17 from any 5000-5010 to assigned", "permit out 17 from 198.51.100.0/24 to assigned 4000"},
	FiveQI:           1,
	ARP:              sbi.ARP{PriorityLevel: 2, PreemptionCapability: true},
	GFBRUplink:       64_000, GFBRDownlink: 128_000, MFBRUplink: 128_000, MFBRDownlink: 2_000_000,
}

// A PCC rule of the DNN with a GBR 5QI gets its own QoS flow (QFI 2):
// a QoS rule and flow description for the UE, a QoS Flow Setup Request
// item with GBR QoS Flow Information for the gNB, and at the UPF an
// uplink PDR on QFI 2, a downlink PDR with the flow descriptions as SDF
// filters before the default flow's, and a QER with the MFBR (TS
// 23.502 §4.3.2.2.1, TS 29.244 §5.2.1).
func TestEstablishmentGBRFlow(t *testing.T) {
	w := newWorld(t, worldOptions{pccRules: map[string][]sbi.PCCRule{"IMS": {voice}}})
	c := w.create(supi1, 6, "ims", slice1, request(6, 1, sm.PDUTypeIPv4, 0, false))
	if c.Reject {
		t.Fatalf("rejected with #%d", c.Cause)
	}
	a, err := sm.ParseEstablishmentAccept(c.N1SmMsg.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	wantRules := []sm.QoSRule{{ID: 2, Op: sm.RuleOpCreate, Precedence: 10, QFI: 2, Filters: []sm.PacketFilter{
		{ID: 1, Direction: sm.FilterBidirectional, Components: []sm.FilterComponent{
			{Type: sm.ComponentProtocol, Value: 17}, {Type: sm.ComponentRemotePortRange, Low: 5000, High: 5010}}},
		{ID: 2, Direction: sm.FilterBidirectional, Components: []sm.FilterComponent{
			{Type: sm.ComponentIPv4Remote, Prefix: netip.MustParsePrefix("198.51.100.0/24")},
			{Type: sm.ComponentProtocol, Value: 17}, {Type: sm.ComponentLocalPort, Low: 4000}}},
	}}}
	prefixes := cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })
	if d := cmp.Diff(wantRules, a.Rules, prefixes); d != "" {
		t.Errorf("accept QoS rules (-want +got):\n%s", d)
	}
	wantFlows := []sm.QoSFlowDescription{{QFI: 2, Op: sm.FlowOpCreate, FiveQI: 1,
		GFBRUplink: 64_000, GFBRDownlink: 128_000, MFBRUplink: 128_000, MFBRDownlink: 2_000_000}}
	if d := cmp.Diff(wantFlows, a.Flows); d != "" {
		t.Errorf("accept QoS flow descriptions (-want +got):\n%s", d)
	}
	if a.QFI != 1 || a.FiveQI != 5 {
		t.Errorf("default flow QFI %d 5QI %d, want 1 and 5", a.QFI, a.FiveQI)
	}

	n2, err := ngap.DecodeSetupRequestTransfer(c.N2SmInfo.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	wantN2 := []ngap.QoSFlow{{QFI: 1, FiveQI: 5, ARPPriority: 1},
		{QFI: 2, FiveQI: 1, ARPPriority: 2, MayPreempt: true,
			GBR: &ngap.GBRInfo{MFBRUplink: 128_000, MFBRDownlink: 2_000_000, GFBRUplink: 64_000, GFBRDownlink: 128_000}}}
	if d := cmp.Diff(wantN2, n2.Flows); d != "" {
		t.Errorf("QoS Flow Setup Request List (-want +got):\n%s", d)
	}

	info, _ := w.session(supi1, 6)
	up, ok := w.upf.session(info.UPSEID)
	if !ok {
		t.Fatal("no UPF session")
	}
	var got []pfcp.PDR
	for _, p := range up.rules.PDRs {
		p.FTEID = nil
		got = append(got, p)
	}
	ue := netip.MustParseAddr("10.46.0.2")
	wantPDRs := []pfcp.PDR{
		{ID: 1, Precedence: 255, SourceInterface: pfcp.InterfaceAccess, NetworkInstance: "ims", QFI: 1, RemoveOuterHeader: true, FARID: 1, QERIDs: []uint32{2, 1}, URRIDs: []uint32{1}},
		{ID: 2, Precedence: 255, SourceInterface: pfcp.InterfaceCore, UEIPv4: ue, NetworkInstance: "ims", FARID: 2, QERIDs: []uint32{2, 1}, URRIDs: []uint32{1}},
		{ID: 3, Precedence: 10, SourceInterface: pfcp.InterfaceAccess, NetworkInstance: "ims", QFI: 2, RemoveOuterHeader: true, FARID: 1, QERIDs: []uint32{3, 1}, URRIDs: []uint32{1}},
		{ID: 4, Precedence: 10, SourceInterface: pfcp.InterfaceCore, UEIPv4: ue, NetworkInstance: "ims",
			SDFFilters: voice.FlowDescriptions, FARID: 2, QERIDs: []uint32{3, 1}, URRIDs: []uint32{1}},
	}
	if d := cmp.Diff(wantPDRs, got, addrComparer, prefixes); d != "" {
		t.Errorf("PDRs (-want +got):\n%s", d)
	}
	wantQERs := []pfcp.QER{{ID: 1, GateUL: true, GateDL: true, MBRUL: 1_000_000_000, MBRDL: 1_000_000_000},
		{ID: 2, GateUL: true, GateDL: true, QFI: 1}, {ID: 3, GateUL: true, GateDL: true, MBRUL: 128_000, MBRDL: 2_000_000, QFI: 2}}
	if d := cmp.Diff(wantQERs, up.rules.QERs); d != "" {
		t.Errorf("QERs (-want +got):\n%s", d)
	}
}

// A policy whose PCC rule the SMF cannot enforce refuses the session
// with #31 rather than setting up a flow without its filters.
func TestEstablishmentBadPCCRule(t *testing.T) {
	bad := voice
	bad.FlowDescriptions = []string{"permit in 17 from any to assigned"}
	w := newWorld(t, worldOptions{pccRules: map[string][]sbi.PCCRule{"ims": {bad}}})
	c := w.create(supi1, 6, "ims", slice1, request(6, 1, sm.PDUTypeIPv4, 0, false))
	if !c.Reject || c.Cause != sm.CauseRequestRejectedUnspecified {
		t.Errorf("CreateSMContext = reject %t cause #%d, want #31", c.Reject, c.Cause)
	}
}

func TestCheckPCCRule(t *testing.T) {
	for _, c := range []struct {
		edit func(*sbi.PCCRule)
		want string
	}{
		{func(r *sbi.PCCRule) { r.ID = "" }, "id: required"},
		{func(r *sbi.PCCRule) { r.FlowDescriptions = nil }, "flow_descriptions: 0"},
		{func(r *sbi.PCCRule) { r.FlowDescriptions = []string{"permit out 17 from any to assigned", "x"} }, "flow_descriptions[1]:"},
		{func(r *sbi.PCCRule) { r.FiveQI = 0 }, "5qi: required"},
		{func(r *sbi.PCCRule) { r.ARP.PriorityLevel = 16 }, "arp.priority_level: 16"},
		{func(r *sbi.PCCRule) { r.MFBRDownlink = 0 }, "mfbr_downlink: required"},
		{func(r *sbi.PCCRule) { r.MFBRUplink = 1000 }, "mfbr_uplink: 1000 bit/s below gfbr_uplink"},
		{func(r *sbi.PCCRule) { r.FiveQI = 9 }, "gfbr_uplink: 5QI 9 is not a GBR 5QI"},
	} {
		r := voice
		r.FlowDescriptions = append([]string(nil), voice.FlowDescriptions...)
		c.edit(&r)
		if err := sbi.CheckPCCRule(r); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("CheckPCCRule = %v, want an error with %q", err, c.want)
		}
	}
	if err := sbi.CheckPCCRule(voice); err != nil {
		t.Errorf("CheckPCCRule(voice) = %v", err)
	}
}

// QoS flows the gNB did not admit at establishment, or released later,
// leave the session: the UPF removes their PDRs and QER, the default
// flow stays (TS 23.502 §4.3.2.2.1, §4.3.3.2 step 1e).
func TestFlowNotAdmitted(t *testing.T) {
	video := voice
	video.ID, video.FiveQI = "video", 2
	video.FlowDescriptions = []string{"permit out 17 from any 6000 to assigned"}
	for _, how := range []string{"setup response", "notify"} {
		t.Run(how, func(t *testing.T) {
			w := newWorld(t, worldOptions{pccRules: map[string][]sbi.PCCRule{"ims": {voice, video}}})
			c := w.create(supi1, 6, "ims", slice1, request(6, 1, sm.PDUTypeIPv4, 0, false))
			resp := ngap.SetupResponseTransfer{DL: ngap.Tunnel{Addr: gnbN3, TEID: 0x77}, QFIs: []uint8{1, 2, 3}}
			if how == "setup response" {
				resp = ngap.SetupResponseTransfer{DL: ngap.Tunnel{Addr: gnbN3, TEID: 0x77}, QFIs: []uint8{1, 3},
					Failed: map[uint8]*ie.Cause{2: ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentRadioResourcesNotAvailable)}}
			}
			b, err := resp.Encode()
			if err != nil {
				t.Fatal(err)
			}
			w.update(c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2SetupResponse, N2SmInfo: sbi.N2SM(b)})
			if how == "notify" {
				n, err := ngap.NotifyTransfer{Released: map[uint8]*ie.Cause{2: ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentRadioResourcesNotAvailable)}}.Encode()
				if err != nil {
					t.Fatal(err)
				}
				w.update(c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2NotifyTransfer, N2SmInfo: sbi.N2SM(n)})
			}
			info, _ := w.session(supi1, 6)
			up, _ := w.upf.session(info.UPSEID)
			var pdrs []uint16
			for _, p := range up.rules.PDRs {
				pdrs = append(pdrs, p.ID)
			}
			var qers []uint32
			for _, q := range up.rules.QERs {
				qers = append(qers, q.ID)
			}
			if d := cmp.Diff([]uint16{1, 2, 5, 6}, pdrs); d != "" {
				t.Errorf("PDRs at the UPF (-want +got):\n%s", d)
			}
			if d := cmp.Diff([]uint32{1, 2, 4}, qers); d != "" {
				t.Errorf("QERs at the UPF (-want +got):\n%s", d)
			}
			// The UE was given the flow's QoS rule and description in
			// the accept: a network-requested modification, N1 only,
			// deletes them (TS 23.502 §4.3.3.2 step 1e).
			w.waitFor("the deletion sent to the UE", func() bool { return w.amf.count() > 0 })
			calls := w.amf.taken()
			if len(calls) != 1 || calls[0].n2Type != sbi.N2None || calls[0].notify == nil {
				t.Fatalf("N1N2 transfers %+v, want one N1-only transfer with a failure notifier", calls)
			}
			cmd, err := sm.ParseModificationCommand(calls[0].n1)
			if err != nil || cmd.PTI != sm.NoPTI || cmd.HasAMBR {
				t.Fatalf("command %+v, %v, want a network-requested one without Session-AMBR", cmd, err)
			}
			rules, err := sm.ParseQoSRules(cmd.QoSRules)
			if err != nil || len(rules) != 1 || rules[0].Op != sm.RuleOpDelete {
				t.Errorf("QoS rules %+v, %v, want one deletion", rules, err)
			}
			descs, err := sm.ParseQoSFlowDescriptions(cmd.QoSFlowDescriptions)
			if err != nil || len(descs) != 1 || descs[0].QFI != 2 || descs[0].Op != sm.FlowOpDelete {
				t.Errorf("QoS flow descriptions %+v, %v, want QFI 2 deleted", descs, err)
			}
			w.update(c.SmContextRef, sbi.SmContextUpdateData{N1SmMsg: sbi.N1SM(sm.AppendModificationComplete(nil, 6, sm.NoPTI))})
			if got := w.modifications("network", "completed"); got != 1 {
				t.Errorf("completed network-requested modifications = %v, want 1", got)
			}
		})
	}
}
