package smf_test

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nas/sm"
	"github.com/keelcore/keel/internal/pcf"
	"github.com/keelcore/keel/internal/pfcp"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/smf"
)

var testPLMN = ident.PLMN{MCC: "001", MNC: "01"}

func tai(tac uint32) ident.TAI { return ident.TAI{PLMN: testPLMN, TAC: tac} }

// establishAt creates a session for a UE in tracking area tac (0: no
// location) that must be accepted.
func (w *world) establishAt(supi string, psi uint8, dnn string, s ident.SNSSAI, tac uint32) created {
	w.t.Helper()
	req := sbi.SmContextCreateData{Supi: supi, PduSessionID: psi, Dnn: dnn, SNssai: s, N1SmMsg: sbi.N1SM(request(psi, 1, 0, 0, false))}
	if tac != 0 {
		req.UeLocation = &sbi.UserLocation{NrLocation: &sbi.NrLocation{Tai: tai(tac)}}
	}
	c, err := w.smf.CreateSMContext(context.Background(), req)
	out := outcome(w.t, c, err)
	if out.Reject {
		w.t.Fatalf("establishment of %s/%d on %s in TAC %d rejected with #%d", supi, psi, dnn, tac, out.Cause)
	}
	return out
}

// upfOf names the UPF Sessions lists for a session.
func (w *world) upfOf(supi string, psi uint8) string {
	w.t.Helper()
	info, ok := w.session(supi, psi)
	if !ok {
		w.t.Fatalf("session %s/%d not listed", supi, psi)
	}
	return info.UPF
}

// TestUPFSelection: a PDU session goes to a UPF serving its DNN in its
// slice (TS 23.501 §6.3.3.2), one serving the UE's tracking area first,
// then the least loaded; its address comes from that UPF's pool, and a
// UPF configured without DNNs serves the SMF's.
func TestUPFSelection(t *testing.T) {
	w := newWorld(t, worldOptions{
		dnns: []smf.DNNConfig{{Name: "ims", IPv4Pool: netip.MustParsePrefix("10.46.0.0/24")}},
		upfs: []smf.UPFConfig{
			{Name: "upf-a", TAIs: []ident.TAI{tai(1)},
				DNNs: []smf.DNNConfig{{Name: "internet", IPv4Pool: netip.MustParsePrefix("10.45.0.0/17")}}},
			{Name: "upf-b", TAIs: []ident.TAI{tai(2)}, DNNs: []smf.DNNConfig{
				{Name: "internet", IPv4Pool: netip.MustParsePrefix("10.45.128.0/17")},
				{Name: "iot", SNSSAI: &slice2, IPv6Pool: netip.MustParsePrefix("2001:db8:47::/64")}}},
			{Name: "upf-c"},
		},
	})
	for _, tc := range []struct {
		supi    string
		psi     uint8
		dnn     string
		slice   ident.SNSSAI
		tac     uint32
		want    string
		wantNet string
	}{
		{supi1, 1, "internet", slice1, 2, "upf-b", "10.45.128.0/17"}, // its area
		{supi1, 2, "internet", slice1, 1, "upf-a", "10.45.0.0/17"},   // its area
		{supi1, 3, "iot", slice2, 1, "upf-b", ""},                    // the only one with iot, out of its area
		{supi1, 4, "ims", slice1, 1, "upf-c", "10.46.0.0/24"},        // the SMF's DNNs
		{supi2, 1, "internet", slice1, 0, "upf-a", "10.45.0.0/17"},   // no location: the least loaded (a 1, b 2)
		{supi1, 5, "internet", slice1, 3, "upf-a", "10.45.0.0/17"},   // an area no UPF claims: a 2, b 2, the first
	} {
		w.establishAt(tc.supi, tc.psi, tc.dnn, tc.slice, tc.tac)
		info, _ := w.session(tc.supi, tc.psi)
		if info.UPF != tc.want {
			t.Errorf("%s/%d %s in TAC %d: UPF %s, want %s", tc.supi, tc.psi, tc.dnn, tc.tac, info.UPF, tc.want)
		}
		if tc.wantNet != "" && !netip.MustParsePrefix(tc.wantNet).Contains(info.IPv4) {
			t.Errorf("%s/%d on %s: address %s, want one of %s", tc.supi, tc.psi, info.UPF, info.IPv4, tc.wantNet)
		}
	}
	if got := []int{w.upfs[0].count(), w.upfs[1].count(), w.upfs[2].count()}; !slices.Equal(got, []int{3, 2, 1}) {
		t.Errorf("N4 sessions at the UPFs = %v, want [3 2 1]", got)
	}
	// A DNN none of the UPFs serves in the slice: #27.
	if c := w.create(supi1, 9, "iot", slice1, request(9, 1, 0, 0, false)); !c.Reject || c.Cause != sm.CauseMissingOrUnknownDNN {
		t.Errorf("iot in slice 1 = %+v, want #27", c)
	}
}

// TestUPFSelectionLoad: UPFs alike share the sessions by load; sessions
// released leave their UPF less loaded.
func TestUPFSelectionLoad(t *testing.T) {
	w := newWorld(t, worldOptions{upfs: []smf.UPFConfig{{Name: "a"}, {Name: "b"}}})
	var got []string
	for psi := uint8(1); psi <= 4; psi++ {
		w.establish(supi1, psi, "internet", slice1)
		got = append(got, w.upfOf(supi1, psi))
	}
	if want := []string{"a", "b", "a", "b"}; !slices.Equal(got, want) {
		t.Errorf("UPFs of four sessions = %v, want %v", got, want)
	}
	for _, psi := range []uint8{1, 3} {
		info, _ := w.session(supi1, psi)
		if err := w.smf.ReleaseSMContext(context.Background(), fmt.Sprint(info.SEID)); err != nil {
			t.Fatal(err)
		}
	}
	w.establish(supi2, 1, "internet", slice1)
	if u := w.upfOf(supi2, 1); u != "a" {
		t.Errorf("after a's sessions were released, a new session went to %s, want a", u)
	}
}

// TestUPFSelectionSkipsDown: a UPF without association is never
// selected; with none left the session is refused #26.
func TestUPFSelectionSkipsDown(t *testing.T) {
	w := newWorld(t, worldOptions{hbEvery: 50 * time.Millisecond, pfcp: pfcp.Options{T1: 50 * time.Millisecond, N1: 1},
		upfs: []smf.UPFConfig{{Name: "silent", N4: netip.MustParseAddrPort("127.0.0.1:9")}, {Name: "b"}}})
	for psi := uint8(1); psi <= 3; psi++ {
		w.establish(supi1, psi, "internet", slice1)
		if u := w.upfOf(supi1, psi); u != "b" {
			t.Errorf("session %d on %s, want b (the other never answers)", psi, u)
		}
	}
	w.upf.setDead(true)
	w.waitFor("b's association dropped", func() bool { return !w.smf.Associated() })
	if c := w.create(supi2, 1, "internet", slice1, request(1, 1, 0, 0, false)); !c.Reject || c.Cause != sm.CauseInsufficientResources {
		t.Errorf("establishment with no UPF associated = %+v, want #26", c)
	}
}

// TestUPFLost: a UPF stops answering heartbeats. Each of its sessions
// is released with #39 "reactivation requested" through the AMF — the
// active one with the gNB's release, the idle one with the UE's
// command alone — and established again it lands on the other UPF; the
// other UPF's sessions are not touched. When the lost UPF answers again,
// the SMF deletes there the N4 sessions of the PDU sessions released
// meanwhile.
func TestUPFLost(t *testing.T) {
	w := newWorld(t, worldOptions{hbEvery: 50 * time.Millisecond, pfcp: pfcp.Options{T1: 50 * time.Millisecond, N1: 1},
		upfs: []smf.UPFConfig{{Name: "a"}, {Name: "b"}}})
	a, b := w.upfs[0], w.upfs[1]
	refs := map[key]string{}
	for i, k := range []key{{supi1, 1}, {supi1, 2}, {supi1, 3}, {supi1, 4}} {
		c := w.establish(k.supi, k.psi, "internet", slice1)
		refs[k] = c.SmContextRef
		w.update(c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2SetupResponse, N2SmInfo: sbi.N2SM(setupResponse(t, uint32(0x500+i)))})
	}
	onA, onB := []key{{supi1, 1}, {supi1, 3}}, []key{{supi1, 2}, {supi1, 4}}
	for _, k := range onA {
		if u := w.upfOf(k.supi, k.psi); u != "a" {
			t.Fatalf("%v on %s, want a", k, u)
		}
	}
	w.update(refs[key{supi1, 3}], sbi.SmContextUpdateData{UpCnxState: sbi.UpCnxDeactivated}) // idle
	before := map[key]sbi.SessionInfo{}
	for _, k := range onB {
		before[k], _ = w.session(k.supi, k.psi)
	}
	a.Trace()
	b.Trace()

	a.setDead(true)
	w.waitFor("a's sessions released", func() bool {
		return w.metric("keel_smf_upf_lost_sessions_total", map[string]string{"result": "reactivation_requested"}) == 2
	})
	if got := w.metric("keel_smf_upf_failures_total", map[string]string{"reason": "heartbeat"}); got != 1 {
		t.Errorf("keel_smf_upf_failures_total{heartbeat} = %v, want 1", got)
	}
	calls := w.amf.taken()
	slices.SortFunc(calls, func(x, y n1n2) int { return int(x.psi) - int(y.psi) })
	if len(calls) != 2 {
		t.Fatalf("%d N1N2MessageTransfers, want 2 (a's sessions)", len(calls))
	}
	for i, c := range calls {
		if c.supi != onA[i].supi || c.psi != onA[i].psi {
			t.Errorf("transfer %d for %s/%d, want %v", i, c.supi, c.psi, onA[i])
		}
		if len(c.n1) != 5 || c.n1[3] != sm.MsgReleaseCommand || c.n1[4] != sm.CauseReactivationRequested {
			t.Errorf("transfer for %s/%d: N1 %x, want a PDU SESSION RELEASE COMMAND with #39", c.supi, c.psi, c.n1)
		}
	}
	if calls[0].n2Type != sbi.N2ReleaseCommand || calls[1].n2 != nil {
		t.Errorf("N2 of the transfers: active %v, idle %x; want the release command transfer, none", calls[0].n2Type, calls[1].n2)
	}
	// b's sessions: no N4 request, same state.
	if tr := b.Trace(); len(tr) != 0 {
		t.Errorf("b saw %q, want nothing", tr)
	}
	for _, k := range onB {
		if now, _ := w.session(k.supi, k.psi); now != before[k] {
			t.Errorf("%v on b changed: %+v, was %+v", k, now, before[k])
		}
	}

	// The UEs complete the release and establish their sessions again.
	for _, k := range onA {
		u := w.update(refs[k], sbi.SmContextUpdateData{N1SmMsg: sbi.N1SM(sm.AppendReleaseComplete(nil, k.psi, 0, 0))})
		if !u.Released {
			t.Errorf("%v: release complete = %+v, want released", k, u)
		}
		w.establish(k.supi, k.psi, "internet", slice1)
		if u := w.upfOf(k.supi, k.psi); u != "b" {
			t.Errorf("%v established again on %s, want b", k, u)
		}
	}
	if n := b.count(); n != 4 {
		t.Errorf("b holds %d N4 sessions, want 4", n)
	}

	// a answers again, its sessions kept: the SMF deletes them.
	a.setDead(false)
	w.waitFor("a's stale sessions deleted", func() bool { return a.count() == 0 })
	var dels int
	for _, l := range a.Trace() {
		if strings.HasPrefix(l, "deletion up_seid=") {
			dels++
		}
	}
	if dels != 2 {
		t.Errorf("a saw %d deletions, want 2", dels)
	}
}

type key struct {
	supi string
	psi  uint8
}

// TestUPFLostNoAlternative: the sessions of a lost UPF that no other
// UPF can serve are kept, the UE not signalled, until it answers again.
func TestUPFLostNoAlternative(t *testing.T) {
	w := newWorld(t, worldOptions{hbEvery: 50 * time.Millisecond, pfcp: pfcp.Options{T1: 50 * time.Millisecond, N1: 1},
		upfs: []smf.UPFConfig{
			{Name: "ims-only", DNNs: []smf.DNNConfig{{Name: "ims", IPv4Pool: netip.MustParsePrefix("10.46.0.0/24")}}},
			{Name: "internet-only", DNNs: []smf.DNNConfig{{Name: "internet", IPv4Pool: netip.MustParsePrefix("10.45.0.0/16")}}},
		}})
	w.establish(supi1, 1, "ims", slice1)
	w.upfs[0].setDead(true)
	w.waitFor("the session kept", func() bool {
		return w.metric("keel_smf_upf_lost_sessions_total", map[string]string{"result": "kept"}) == 1
	})
	if n := w.amf.count(); n != 0 {
		t.Errorf("%d N1N2MessageTransfers, want none", n)
	}
	if _, ok := w.session(supi1, 1); !ok {
		t.Error("the session is no longer listed")
	}
	w.upfs[0].setDead(false)
	w.waitFor("association again", func() bool { return w.metric("keel_smf_upf_associated", nil) == 2 })
	if n := w.upfs[0].count(); n != 1 {
		t.Errorf("the UPF back holds %d sessions, want 1 (kept)", n)
	}
}

// TestUPFConfigErrors: configurations the SMF refuses name the problem.
func TestUPFConfigErrors(t *testing.T) {
	sdm := &fakeSDM{}
	p, err := pcf.New(pcf.Options{SDM: sdm})
	if err != nil {
		t.Fatal(err)
	}
	base := smf.Options{N4: netip.MustParseAddrPort("127.0.0.1:0"), PCF: p, SDM: sdm,
		DNNs: []smf.DNNConfig{{Name: "internet", IPv4Pool: netip.MustParsePrefix("10.45.0.0/16")}}}
	a := netip.MustParseAddrPort("127.0.0.1:8805")
	for _, tc := range []struct {
		name string
		upfs []smf.UPFConfig
		want string
	}{
		{"none", nil, "no UPF"},
		{"twice", []smf.UPFConfig{{N4: a}, {N4: a}}, "configured twice"},
		{"wildcard", []smf.UPFConfig{{N4: netip.MustParseAddrPort("0.0.0.0:8805")}}, "specific address"},
		{"overlap", []smf.UPFConfig{{N4: a}, {N4: netip.MustParseAddrPort("127.0.0.1:8806"),
			DNNs: []smf.DNNConfig{{Name: "internet", IPv4Pool: netip.MustParsePrefix("10.45.1.0/24")}}}}, "overlap"},
	} {
		o := base
		o.UPFs = tc.upfs
		s, err := smf.New(context.Background(), o)
		if err == nil {
			s.Close()
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: New = %v, want an error with %q", tc.name, err, tc.want)
		}
	}
}

// TestReportFromOtherUPF: a UPF's Session Report Request about a
// session on another UPF is answered "Session context not found" and
// counts nothing.
func TestReportFromOtherUPF(t *testing.T) {
	w := newWorld(t, worldOptions{upfs: []smf.UPFConfig{{Name: "a"}, {Name: "b"}}})
	w.establish(supi1, 1, "internet", slice1)
	info, _ := w.session(supi1, 1)
	if info.UPF != "a" {
		t.Fatalf("session on %s, want a", info.UPF)
	}
	r, err := w.upfs[1].report(info.SEID, pfcp.UsageReport{URRID: 1, Trigger: pfcp.TriggerVolumeThreshold, Uplink: 100, Total: 100, SeqN: 1})
	if err != nil || r.Cause != pfcp.CauseSessionContextNotFound {
		t.Errorf("report from b = cause %d, %v; want 65", r.Cause, err)
	}
	if r, err = w.upfs[0].report(info.SEID, pfcp.UsageReport{URRID: 1, Trigger: pfcp.TriggerVolumeThreshold, Uplink: 7, Total: 7, SeqN: 1}); err != nil || r.Cause != pfcp.CauseRequestAccepted {
		t.Errorf("report from a = cause %d, %v; want 1", r.Cause, err)
	}
	if now, _ := w.session(supi1, 1); now.ULBytes != 7 {
		t.Errorf("uplink bytes %d, want 7 (a's report alone)", now.ULBytes)
	}
}

// TestAddAndRetireUPF: a UPF added after New (as found at the NRF) is
// associated and selected with its own pool; one at a known address is
// not added twice, one whose pool overlaps another is refused; a
// retired UPF gets no new session, keeps the one it has, and is removed
// once that one is released.
func TestAddAndRetireUPF(t *testing.T) {
	w := newWorld(t, worldOptions{upfs: []smf.UPFConfig{{Name: "a"}}})
	w.establish(supi1, 1, "internet", slice1)
	b := newFakeUPF(t)
	b.Trace()
	pool := netip.MustParsePrefix("10.47.0.0/16")
	added, err := w.smf.AddUPF(smf.UPFConfig{Name: "b", N4: b.addr, DNNs: []smf.DNNConfig{{Name: "internet", IPv4Pool: pool}, {Name: "unknown"}}})
	if !added || err != nil {
		t.Fatalf("AddUPF(b) = %v, %v, want added", added, err)
	}
	w.waitFor("association with b", func() bool { return w.metric("keel_smf_upf_associated", nil) == 2 })
	if added, err := w.smf.AddUPF(smf.UPFConfig{Name: "b again", N4: b.addr}); added || err != nil {
		t.Errorf("AddUPF(b again) = %v, %v, want not added, no error", added, err)
	}
	c := newFakeUPF(t)
	if added, err := w.smf.AddUPF(smf.UPFConfig{Name: "c", N4: c.addr, DNNs: []smf.DNNConfig{{Name: "internet", IPv4Pool: netip.MustParsePrefix("10.45.1.0/24")}}}); added || err == nil {
		t.Errorf("AddUPF(c) with a pool inside the SMF's 10.45.0.0/16 = %v, %v, want an error", added, err)
	}
	w.establish(supi1, 2, "internet", slice1)
	info, _ := w.session(supi1, 2)
	if info.UPF != "b" || !pool.Contains(info.IPv4) {
		t.Fatalf("session 2 on %s with %s, want b (the least loaded) with an address of %s", info.UPF, info.IPv4, pool)
	}

	if !w.smf.RetireUPF(b.addr) || w.smf.RetireUPF(b.addr) {
		t.Errorf("RetireUPF(b) twice: want true, then false")
	}
	for psi := uint8(3); psi <= 4; psi++ {
		w.establish(supi1, psi, "internet", slice1)
		if got := w.upfOf(supi1, psi); got != "a" {
			t.Errorf("session %d on %s with b retired, want a", psi, got)
		}
	}
	if n := b.count(); n != 1 {
		t.Errorf("b holds %d N4 sessions while retired, want its 1 kept", n)
	}
	if err := w.smf.ReleaseSMContext(context.Background(), fmt.Sprint(info.SEID)); err != nil {
		t.Fatal(err)
	}
	w.waitFor("b removed", func() bool { return w.metric("keel_smf_upf_associated", nil) == 1 })
	// Listed again, it is a new UPF, associated and selected again.
	if added, err := w.smf.AddUPF(smf.UPFConfig{Name: "b", N4: b.addr, DNNs: []smf.DNNConfig{{Name: "internet", IPv4Pool: pool}}}); !added || err != nil {
		t.Fatalf("AddUPF(b) after its removal = %v, %v, want added", added, err)
	}
	w.waitFor("association with b again", func() bool { return w.metric("keel_smf_upf_associated", nil) == 2 })
	w.establish(supi1, 5, "internet", slice1)
	if got := w.upfOf(supi1, 5); got != "b" {
		t.Errorf("session 5 on %s, want b, listed again and the least loaded", got)
	}
}

// TestAddUPFPoolShare: a UPF's pool replaces the SMF's for the DNN,
// unless the SMF's lies within it — the SMF's share of the UPF's
// addresses, as when several SMFs use one UPF.
func TestAddUPFPoolShare(t *testing.T) {
	share := netip.MustParsePrefix("10.45.128.0/17")
	dnns := []smf.DNNConfig{{Name: "internet", IPv4Pool: share}}
	w := newWorld(t, worldOptions{dnns: dnns, upfs: []smf.UPFConfig{{Name: "a", DNNs: []smf.DNNConfig{{Name: "internet", IPv4Pool: netip.MustParsePrefix("10.60.0.0/16")}}}}})
	b := newFakeUPF(t)
	if added, err := w.smf.AddUPF(smf.UPFConfig{Name: "b", N4: b.addr, DNNs: []smf.DNNConfig{{Name: "internet", IPv4Pool: netip.MustParsePrefix("10.45.0.0/16")}}}); !added || err != nil {
		t.Fatalf("AddUPF(b) = %v, %v", added, err)
	}
	w.waitFor("association with b", func() bool { return w.metric("keel_smf_upf_associated", nil) == 2 })
	w.establish(supi1, 1, "internet", slice1) // on a
	w.establish(supi1, 2, "internet", slice1) // on b, the least loaded
	info, _ := w.session(supi1, 2)
	if info.UPF != "b" || !share.Contains(info.IPv4) {
		t.Errorf("session on %s with %s, want b with an address of the SMF's share %s", info.UPF, info.IPv4, share)
	}
}

// TestUPFReleasesAssociation: a UPF asks for the release of its PFCP
// association (Association Update Request with SARR, TS 29.244 §6.2.7.3):
// answered accepted, each of its sessions is released with #39 at once
// and the SMF releases the association, which deletes the N4 sessions
// at the UPF (§6.2.8);
// new sessions go to the other UPF, the other's sessions untouched.
func TestUPFReleasesAssociation(t *testing.T) {
	w := newWorld(t, worldOptions{hbEvery: time.Hour, upfs: []smf.UPFConfig{{Name: "a"}, {Name: "b"}}})
	a, b := w.upfs[0], w.upfs[1]
	w.establish(supi1, 1, "internet", slice1)
	w.establish(supi1, 2, "internet", slice1)
	if w.upfOf(supi1, 1) != "a" || w.upfOf(supi1, 2) != "b" {
		t.Fatalf("sessions on %s and %s, want a and b", w.upfOf(supi1, 1), w.upfOf(supi1, 2))
	}
	a.Trace()
	b.Trace()
	r, err := b.leave()
	if err != nil || r.Cause != pfcp.CauseRequestAccepted {
		t.Fatalf("Association Update Request with SARR answered %+v, %v; want accepted", r, err)
	}
	var seen []string
	w.waitFor("b's session released with #39 and the association with b released", func() bool {
		seen = append(seen, b.Trace()...)
		return w.metric("keel_smf_upf_lost_sessions_total", map[string]string{"result": "reactivation_requested"}) == 1 &&
			slices.Contains(seen, "association release")
	})
	if got := w.metric("keel_smf_upf_failures_total", map[string]string{"reason": "released"}); got != 1 {
		t.Errorf("keel_smf_upf_failures_total{released} = %v, want 1", got)
	}
	calls := w.amf.taken()
	if len(calls) != 1 || calls[0].psi != 2 || len(calls[0].n1) != 5 || calls[0].n1[3] != sm.MsgReleaseCommand || calls[0].n1[4] != sm.CauseReactivationRequested {
		t.Errorf("N1N2MessageTransfers %+v, want one for session 2 with a PDU SESSION RELEASE COMMAND #39", calls)
	}
	if n := b.count(); n != 0 {
		t.Errorf("b holds %d N4 sessions, want its one deleted", n)
	}
	if tr := a.Trace(); len(tr) != 0 {
		t.Errorf("a saw %q, want nothing", tr)
	}
	w.establish(supi1, 3, "internet", slice1)
	if got := w.upfOf(supi1, 3); got != "a" {
		t.Errorf("a new session on %s, want a (b released its association)", got)
	}
}
