package smf_test

import (
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/nas/sm"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/pfcp"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/upf"
)

// fakeDatapath is an in-memory upf.Datapath: it keeps the rules each
// session was given and counters the test sets.
type fakeDatapath struct {
	mu       sync.Mutex
	rules    map[uint64]upf.Rules
	counters map[uint64]upf.Usage // URR 1's, cumulative
	reporter func(uint64, upf.Usage)
	notifier func(uint64, upf.DownlinkData)
	dropped  map[uint64]int // DropBuffered calls by session
}

func newFakeDatapath() *fakeDatapath {
	return &fakeDatapath{rules: map[uint64]upf.Rules{}, counters: map[uint64]upf.Usage{}, dropped: map[uint64]int{}}
}

func (d *fakeDatapath) Apply(seid uint64, r upf.Rules) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.rules[seid] = r
	return nil
}

func (d *fakeDatapath) Delete(seid uint64) ([]upf.Usage, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.rules, seid)
	u, ok := d.counters[seid]
	delete(d.counters, seid)
	if !ok {
		return nil, nil
	}
	return []upf.Usage{u}, nil
}

func (d *fakeDatapath) Usage(seid uint64) ([]upf.Usage, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return []upf.Usage{d.counters[seid]}, nil
}

func (d *fakeDatapath) SetReporter(f func(uint64, upf.Usage)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.reporter = f
}

func (d *fakeDatapath) SetDownlinkNotifier(f func(uint64, upf.DownlinkData)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.notifier = f
}

func (d *fakeDatapath) DropBuffered(seid uint64) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.dropped[seid]++
	return 0, nil
}

// downlinkData reports the first buffered downlink packet of a session,
// as the datapath does for a FAR buffering with NOCP.
func (d *fakeDatapath) downlinkData(seid uint64, dd upf.DownlinkData) {
	d.mu.Lock()
	f := d.notifier
	d.mu.Unlock()
	f(seid, dd)
}

func (d *fakeDatapath) N3Addr() netip.AddrPort { return netip.AddrPortFrom(upfN3, 2152) }
func (d *fakeDatapath) Close() error           { return nil }

// count adds traffic to a session's URR and, when report is set, like a
// datapath whose threshold is reached, reports it.
func (d *fakeDatapath) count(seid, ul, dl uint64, report bool) {
	d.mu.Lock()
	u := d.counters[seid]
	u.URRID, u.Uplink, u.Downlink, u.ThresholdReached = 1, u.Uplink+ul, u.Downlink+dl, report
	d.counters[seid] = u
	reporter := d.reporter
	d.mu.Unlock()
	if report {
		reporter(seid, u)
	}
}

// only returns the rules of the one session the datapath has.
func (d *fakeDatapath) only(t *testing.T) (uint64, upf.Rules) {
	t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.rules) != 1 {
		t.Fatalf("the datapath has %d sessions, want 1", len(d.rules))
	}
	for seid, r := range d.rules {
		return seid, r
	}
	return 0, upf.Rules{}
}

func startUPF(t *testing.T, addr netip.AddrPort, dp upf.Datapath, boot time.Time) *upf.UPF {
	t.Helper()
	u, err := upf.New(context.Background(), upf.Options{N4: addr, NodeID: upfNode, Datapath: dp,
		PFCP: pfcp.Options{Now: func() time.Time { return boot }}})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// startUPFOutsideEphemeral starts a UPF that the test restarts on the
// same address (onStablePort).
func startUPFOutsideEphemeral(t *testing.T, dp upf.Datapath, boot time.Time) *upf.UPF {
	t.Helper()
	var u *upf.UPF
	onStablePort(t, func(addr netip.AddrPort) (err error) {
		u, err = upf.New(context.Background(), upf.Options{N4: addr, NodeID: upfNode, Datapath: dp,
			PFCP: pfcp.Options{Now: func() time.Time { return boot }}})
		return err
	})
	return u
}

// TestWithUPF runs a session's life against Keel's UPF with an in-memory
// datapath: the rules it gets, the downlink towards the gNB, usage
// reports, the UPF's restart, and the release.
func TestWithUPF(t *testing.T) {
	boot := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	dp := newFakeDatapath()
	u := startUPFOutsideEphemeral(t, dp, boot)
	addr := u.Addr()
	closeUPF := sync.OnceFunc(func() { u.Close() })
	t.Cleanup(func() { closeUPF() })
	w := newWorld(t, worldOptions{upf: addr, hbEvery: 20 * time.Millisecond})

	c := w.establish(supi1, 1, "internet", slice1)
	n2, err := ngap.DecodeSetupRequestTransfer(c.N2SmInfo.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	seid, rules := dp.only(t)
	ue := netip.MustParseAddr("10.45.0.2")
	want := upf.Rules{
		PDRs: []upf.PDR{
			{ID: 1, Precedence: 255, Source: upf.Access, TEID: n2.UL.TEID, QFI: 1, RemoveOuterHeader: true, FARID: 1, QERIDs: []uint32{2, 1}, URRIDs: []uint32{1}},
			{ID: 2, Precedence: 255, Source: upf.Core, UEAddr: ue, UEPrefix: netip.MustParsePrefix("2001:db8:45::/64"), FARID: 2, QERIDs: []uint32{2, 1}, URRIDs: []uint32{1}},
		},
		FARs: []upf.FAR{{ID: 1, Action: upf.Forward, Destination: upf.Core}, {ID: 2, Action: upf.Buffer, Destination: upf.Access}},
		QERs: []upf.QER{{ID: 1, GateUL: true, GateDL: true, MBRUL: 100_000_000, MBRDL: 300_000_000}, {ID: 2, GateUL: true, GateDL: true, QFI: 1}},
		URRs: []upf.URR{{ID: 1}},
		// The UE IPv6 prefix in the downlink PDR makes the UPF the
		// session's IPv6 router (TS 23.501 §5.8.2.2.3).
		Router: &upf.IPv6Router{Prefix: netip.MustParsePrefix("2001:db8:45::/64")},
	}
	opts := []cmp.Option{addrComparer, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })}
	if n2.UL.Addr != upfN3 {
		t.Errorf("N2 uplink tunnel address %s, want the UPF's N3 %s", n2.UL.Addr, upfN3)
	}
	if diff := cmp.Diff(want, rules, opts...); diff != "" {
		t.Errorf("datapath rules (-want +got):\n%s", diff)
	}

	w.update(c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2SetupResponse, N2SmInfo: sbi.N2SM(setupResponse(t, 0xabc))})
	_, rules = dp.only(t)
	if far := rules.FARs[1]; far.Action != upf.Forward || far.Outer == nil || *far.Outer != (upf.OuterHeader{TEID: 0xabc, Addr: gnbN3}) {
		t.Errorf("downlink FAR after the setup response = %+v, want forward to 0xabc@%s", far, gnbN3)
	}

	dp.count(seid, 1000, 4000, true)
	w.waitFor("usage report", func() bool { s, _ := w.session(supi1, 1); return s.DLBytes == 4000 })
	dp.count(seid, 500, 0, true)
	w.waitFor("second usage report", func() bool { s, _ := w.session(supi1, 1); return s.ULBytes == 1500 })

	// The UPF restarts with an empty datapath.
	closeUPF()
	dp2 := newFakeDatapath()
	u2 := startUPF(t, addr, dp2, boot.Add(time.Minute))
	t.Cleanup(func() { u2.Close() })
	w.waitFor("re-established session", func() bool {
		return w.metric("keel_smf_upf_restored_sessions_total", map[string]string{"result": "ok"}) == 1
	})
	seid2, rules2 := dp2.only(t)
	want.FARs[1] = upf.FAR{ID: 2, Action: upf.Forward, Destination: upf.Access, Outer: &upf.OuterHeader{TEID: 0xabc, Addr: gnbN3}}
	if diff := cmp.Diff(want, rules2, opts...); diff != "" {
		t.Errorf("datapath rules after the UPF's restart (-want +got):\n%s", diff)
	}

	dp2.count(seid2, 10, 20, true)
	w.waitFor("usage report after restart", func() bool { s, _ := w.session(supi1, 1); return s.DLBytes == 4020 })
	dp2.count(seid2, 0, 80, false) // reported at deletion
	upd := w.update(c.SmContextRef, sbi.SmContextUpdateData{N1SmMsg: sbi.N1SM(sm.AppendReleaseRequest(nil, 1, 3, 0))})
	if upd.N2SmInfoType != sbi.N2ReleaseCommand {
		t.Errorf("release: N2 type %d, want a release command", upd.N2SmInfoType)
	}
	if s, _ := w.session(supi1, 1); s.ULBytes != 1510 || s.DLBytes != 4100 {
		t.Errorf("counters after the deletion = %d/%d, want 1510/4100", s.ULBytes, s.DLBytes)
	}
	dp2.mu.Lock()
	left := len(dp2.rules)
	dp2.mu.Unlock()
	if left != 0 {
		t.Errorf("%d datapath sessions after release, want none", left)
	}
}

// TestIdleWithUPF runs an idle period against Keel's UPF with an
// in-memory datapath (TS 23.502 §4.2.6, §4.2.3.3): AN release makes the
// downlink FAR buffer and notify; the datapath's first buffered packet
// reaches the SMF as a Downlink Data Report and the AMF as an
// N1N2MessageTransfer; paging fails and the UPF's datapath drops its
// buffer (DROBU); the UE comes back and the FAR forwards.
func TestIdleWithUPF(t *testing.T) {
	dp := newFakeDatapath()
	u := startUPF(t, netip.MustParseAddrPort("127.0.0.1:0"), dp, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	t.Cleanup(func() { u.Close() })
	w := newWorld(t, worldOptions{upf: u.Addr()})
	w.amf.set(sbi.N1N2AttemptingToReachUE, nil)

	c := w.establish(supi1, 1, "internet", slice1)
	w.update(c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2SetupResponse, N2SmInfo: sbi.N2SM(setupResponse(t, 0xabc))})
	w.update(c.SmContextRef, sbi.SmContextUpdateData{UpCnxState: sbi.UpCnxDeactivated})
	seid, rules := dp.only(t)
	if far := rules.FARs[1]; far.Action != upf.Buffer || !far.Notify {
		t.Fatalf("downlink FAR of the idle session = %+v, want Buffer with Notify", far)
	}

	dp.downlinkData(seid, upf.DownlinkData{PDRID: 2, QFI: 1})
	w.waitFor("the N1N2MessageTransfer", func() bool { return w.amf.count() == 1 })
	call := w.amf.taken()[0]
	if call.n2Type != sbi.N2SetupRequest || call.notify == nil {
		t.Fatalf("N1N2MessageTransfer = %+v, want the setup request with a failure notifier", call)
	}
	call.notify.N1N2TransferFailed(context.Background(), supi1, 1, sbi.N1N2UENotResponding)
	dp.mu.Lock()
	dropped := dp.dropped[seid]
	dp.mu.Unlock()
	if dropped != 1 {
		t.Fatalf("DropBuffered calls = %d, want 1", dropped)
	}

	// The UE's Service Request: ACTIVATING, then the gNB's tunnel.
	if upd := w.update(c.SmContextRef, sbi.SmContextUpdateData{UpCnxState: sbi.UpCnxActivating}); upd.N2SmInfoType != sbi.N2SetupRequest {
		t.Fatalf("ACTIVATING = %+v", upd)
	}
	w.update(c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2SetupResponse, N2SmInfo: sbi.N2SM(setupResponse(t, 0xdef))})
	_, rules = dp.only(t)
	if far := rules.FARs[1]; far.Action != upf.Forward || far.Notify || far.Outer == nil || far.Outer.TEID != 0xdef {
		t.Errorf("downlink FAR after the Service Request = %+v, want Forward to 0xdef", far)
	}
}
