package upf

import (
	"slices"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/pfcp"
)

// TestN4Idle runs a session through an idle period on N4 (TS 23.502
// §4.2.6, §4.2.3.3): the downlink FAR set to BUFF|NOCP under a BAR, the
// datapath's first buffered packet reported to the CP function in a
// Session Report Request with a Downlink Data Report (TS 29.244 §5.2.4.1,
// §7.5.8.2), DROBU dropping the buffer, and the FAR forwarding again.
func TestN4Idle(t *testing.T) {
	e := newN4Env(t)
	e.associate(cpBoot1)
	est, _ := e.establish(n4Request(0xc0de))
	seid := est.UPSEID

	idle := pfcp.ModificationRequest{SEID: seid,
		Create: pfcp.Rules{BARs: []pfcp.BAR{{ID: 1, SuggestedPackets: 16}}},
		Update: pfcp.Rules{FARs: []pfcp.FAR{{ID: 2, Buffer: true, NotifyCP: true, BARID: 1, Set: pfcp.FieldApplyAction | pfcp.FieldBARID}}}}
	if r, _ := e.modify(idle); r.Cause != pfcp.CauseRequestAccepted {
		t.Fatalf("modification to BUFF|NOCP: cause %d", r.Cause)
	}
	got, _ := e.dp.installed(seid)
	far := got.FARs[slices.IndexFunc(got.FARs, func(f FAR) bool { return f.ID == 2 })]
	if far.Action != Buffer || !far.Notify || got.BufferPackets != 16 {
		t.Fatalf("datapath FAR 2 = %+v, buffer packets %d; want Buffer, Notify, 16 from the BAR", far, got.BufferPackets)
	}

	e.dp.downlinkData(seid, DownlinkData{PDRID: 2, QFI: 9})
	select {
	case r := <-e.reports:
		if r.SEID != 0xc0de || r.DownlinkData == nil || *r.DownlinkData != (pfcp.DownlinkDataReport{PDRID: 2, QFI: 9}) || len(r.Usage) != 0 {
			t.Fatalf("Session Report Request = %+v, want CP SEID 0xc0de, DLDR for PDR 2, QFI 9", r)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the CP got no Session Report Request")
	}
	waitFor(t, func() bool { return e.metric("keel_upf_downlink_data_reports_total", "result", "sent") == 1 })

	// Paging failed: the CP function has the buffer dropped.
	if r, _ := e.modify(pfcp.ModificationRequest{SEID: seid, DropBuffered: true}); r.Cause != pfcp.CauseRequestAccepted {
		t.Fatalf("DROBU: cause %d", r.Cause)
	}
	e.dp.mu.Lock()
	dropped := slices.Clone(e.dp.dropped)
	e.dp.mu.Unlock()
	if !slices.Equal(dropped, []uint64{seid}) {
		t.Fatalf("DropBuffered calls = %v, want one for %#x", dropped, seid)
	}

	// The UE is back: forward, and the BAR goes.
	back := pfcp.ModificationRequest{SEID: seid, RemoveBARs: []uint8{1},
		Update: pfcp.Rules{FARs: []pfcp.FAR{{ID: 2, Forward: true, DestinationInterface: pfcp.InterfaceAccess,
			Outer: &pfcp.OuterHeader{TEID: 0x77, IPv4: n4GNB}, Set: pfcp.FieldApplyAction | pfcp.FieldDestination | pfcp.FieldOuterHeader | pfcp.FieldBARID}}}}
	if r, _ := e.modify(back); r.Cause != pfcp.CauseRequestAccepted {
		t.Fatalf("modification to FORW: cause %d", r.Cause)
	}
	got, _ = e.dp.installed(seid)
	far = got.FARs[slices.IndexFunc(got.FARs, func(f FAR) bool { return f.ID == 2 })]
	if far.Action != Forward || far.Notify || far.Outer == nil || far.Outer.TEID != 0x77 || got.BufferPackets != 0 {
		t.Fatalf("datapath FAR 2 = %+v, buffer packets %d; want Forward to TEID 0x77, no BAR", far, got.BufferPackets)
	}
}

// TestN4BARRefusals checks the BAR rules of a session: one BAR at most,
// and a FAR may name only the session's.
func TestN4BARRefusals(t *testing.T) {
	e := newN4Env(t)
	e.associate(cpBoot1)
	r := n4Request(1)
	r.Rules.FARs[1] = pfcp.FAR{ID: 2, Buffer: true, NotifyCP: true, DestinationInterface: pfcp.InterfaceAccess, BARID: 3}
	if est, _ := e.establish(r); est.Cause != pfcp.CauseRuleCreationModificationFailure {
		t.Errorf("establishment with a FAR naming a missing BAR: cause %d, want 73", est.Cause)
	}
	r.Rules.BARs = []pfcp.BAR{{ID: 3, SuggestedPackets: 8}}
	est, _ := e.establish(r)
	if est.Cause != pfcp.CauseRequestAccepted {
		t.Fatalf("establishment with its BAR: cause %d", est.Cause)
	}
	if got, _ := e.dp.installed(est.UPSEID); got.BufferPackets != 8 {
		t.Errorf("buffer packets = %d, want 8", got.BufferPackets)
	}
	if m, _ := e.modify(pfcp.ModificationRequest{SEID: est.UPSEID, Create: pfcp.Rules{BARs: []pfcp.BAR{{ID: 4}}}}); m.Cause != pfcp.CauseRuleCreationModificationFailure {
		t.Errorf("a second BAR: cause %d, want 73", m.Cause)
	}
	if m, _ := e.modify(pfcp.ModificationRequest{SEID: est.UPSEID, Update: pfcp.Rules{BARs: []pfcp.BAR{{ID: 3, SuggestedPackets: 4}}}}); m.Cause != pfcp.CauseRequestAccepted {
		t.Errorf("Update BAR: cause %d", m.Cause)
	}
	if got, _ := e.dp.installed(est.UPSEID); got.BufferPackets != 4 {
		t.Errorf("buffer packets after Update BAR = %d, want 4", got.BufferPackets)
	}
	// Removing the BAR leaves the FAR that named it without one.
	if m, _ := e.modify(pfcp.ModificationRequest{SEID: est.UPSEID, RemoveBARs: []uint8{3}}); m.Cause != pfcp.CauseRequestAccepted {
		t.Errorf("Remove BAR: cause %d", m.Cause)
	}
	if got, _ := e.dp.installed(est.UPSEID); got.BufferPackets != 0 {
		t.Errorf("buffer packets after Remove BAR = %d, want 0", got.BufferPackets)
	}
	if m, _ := e.modify(pfcp.ModificationRequest{SEID: est.UPSEID, RemoveBARs: []uint8{3}}); m.Cause != pfcp.CauseRuleCreationModificationFailure {
		t.Errorf("removing a BAR the session does not have: cause %d, want 73", m.Cause)
	}
}
