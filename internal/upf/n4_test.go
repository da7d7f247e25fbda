package upf

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/wmnsk/go-pfcp/ie"
	"github.com/wmnsk/go-pfcp/message"

	"github.com/keelcore/keel/internal/metrictest"
	"github.com/keelcore/keel/internal/pfcp"
)

// fakeDatapath records what the N4 side asks of a datapath.
type fakeDatapath struct {
	n3 netip.AddrPort

	mu       sync.Mutex
	rules    map[uint64]Rules
	usage    map[uint64]map[uint32]Usage
	applies  int
	deletes  []uint64
	applyErr error // the next Apply fails with it
	reporter func(uint64, Usage)
	notifier func(uint64, DownlinkData)
	dropped  []uint64 // DropBuffered calls
}

func newFakeDatapath() *fakeDatapath {
	return &fakeDatapath{
		n3:    netip.MustParseAddrPort("127.0.0.1:2152"),
		rules: map[uint64]Rules{}, usage: map[uint64]map[uint32]Usage{},
	}
}

func (d *fakeDatapath) Apply(seid uint64, r Rules) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.applies++
	if err := d.applyErr; err != nil {
		d.applyErr = nil
		return err
	}
	for _, p := range r.PDRs {
		if !slices.ContainsFunc(r.FARs, func(f FAR) bool { return f.ID == p.FARID }) {
			return fmt.Errorf("PDR %d: FAR %d missing: %w", p.ID, p.FARID, ErrRules)
		}
	}
	d.rules[seid] = r
	if d.usage[seid] == nil {
		d.usage[seid] = map[uint32]Usage{}
	}
	for _, u := range r.URRs {
		if _, ok := d.usage[seid][u.ID]; !ok {
			d.usage[seid][u.ID] = Usage{URRID: u.ID}
		}
	}
	return nil
}

func (d *fakeDatapath) Delete(seid uint64) ([]Usage, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.rules[seid]; !ok {
		return nil, ErrUnknownSession
	}
	use := d.usageLocked(seid)
	delete(d.rules, seid)
	delete(d.usage, seid)
	d.deletes = append(d.deletes, seid)
	return use, nil
}

func (d *fakeDatapath) Usage(seid uint64) ([]Usage, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.rules[seid]; !ok {
		return nil, ErrUnknownSession
	}
	return d.usageLocked(seid), nil
}

func (d *fakeDatapath) usageLocked(seid uint64) []Usage {
	var out []Usage
	for _, id := range slices.Sorted(maps.Keys(d.usage[seid])) {
		out = append(out, d.usage[seid][id])
	}
	return out
}

func (d *fakeDatapath) SetReporter(f func(uint64, Usage)) {
	d.mu.Lock()
	d.reporter = f
	d.mu.Unlock()
}

func (d *fakeDatapath) SetDownlinkNotifier(f func(uint64, DownlinkData)) {
	d.mu.Lock()
	d.notifier = f
	d.mu.Unlock()
}

func (d *fakeDatapath) DropBuffered(seid uint64) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.rules[seid]; !ok {
		return 0, ErrUnknownSession
	}
	d.dropped = append(d.dropped, seid)
	return 0, nil
}

// downlinkData calls the notifier, as the datapath does with the first
// packet it buffers for a FAR with NOCP.
func (d *fakeDatapath) downlinkData(seid uint64, dd DownlinkData) {
	d.mu.Lock()
	f := d.notifier
	d.mu.Unlock()
	f(seid, dd)
}

func (d *fakeDatapath) N3Addr() netip.AddrPort { return d.n3 }
func (d *fakeDatapath) Close() error           { return nil }

// count sets the counters of a URR, as traffic would.
func (d *fakeDatapath) count(seid uint64, u Usage) {
	d.mu.Lock()
	d.usage[seid][u.URRID] = u
	d.mu.Unlock()
}

// crossThreshold counts and calls the reporter, as the datapath does when
// a URR reaches its threshold.
func (d *fakeDatapath) crossThreshold(seid uint64, u Usage) {
	u.ThresholdReached = true
	d.count(seid, u)
	d.mu.Lock()
	f := d.reporter
	d.mu.Unlock()
	f(seid, u)
}

func (d *fakeDatapath) installed(seid uint64) (Rules, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	r, ok := d.rules[seid]
	return r, ok
}

var (
	n4UPFID = netip.MustParseAddr("10.100.200.2")
	n4CPID  = netip.MustParseAddr("10.100.200.1")
	n4GNB   = netip.MustParseAddr("192.168.71.9")
	n4UE    = netip.MustParseAddr("10.45.0.7")
	n4Local = netip.MustParseAddrPort("127.0.0.1:0")
	// A CP function's Recovery Time Stamps before and after a restart.
	cpBoot1 = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	cpBoot2 = cpBoot1.Add(time.Hour)
)

var equateNetip = cmpopts.EquateComparable(netip.Addr{}, netip.Prefix{}, netip.AddrPort{})

// n4Env is a UPF on a fake datapath and a CP function (a real pfcp.Node)
// talking to it on loopback.
type n4Env struct {
	t       *testing.T
	upf     *UPF
	dp      *fakeDatapath
	cp      *pfcp.Node
	reg     *prometheus.Registry
	reports chan pfcp.ReportRequest // Session Report Requests the CP got
	// reportCause is what the CP answers them.
	reportCause uint8
}

// newN4Env starts the UPF with the options the test's functions change.
func newN4Env(t *testing.T, change ...func(*Options)) *n4Env {
	t.Helper()
	e := &n4Env{t: t, dp: newFakeDatapath(), reg: prometheus.NewRegistry(), reports: make(chan pfcp.ReportRequest, 10), reportCause: pfcp.CauseRequestAccepted}
	opts := Options{N4: n4Local, NodeID: n4UPFID, Datapath: e.dp, Registry: e.reg, PFCP: pfcp.Options{T1: 200 * time.Millisecond}}
	for _, f := range change {
		f(&opts)
	}
	u, err := New(t.Context(), opts)
	if err != nil {
		t.Fatalf("New() = %v", err)
	}
	t.Cleanup(func() {
		if err := u.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	})
	e.upf = u
	cp, err := pfcp.Listen(t.Context(), n4Local, func(ctx context.Context, peer netip.AddrPort, req message.Message) message.Message {
		m, ok := req.(*message.SessionReportRequest)
		if !ok {
			return nil
		}
		r, err := pfcp.ParseReportRequest(m)
		if err != nil {
			t.Errorf("CP: ParseReportRequest() = %v", err)
		}
		e.reports <- r
		resp, _ := pfcp.ReportResponse{Cause: e.reportCause}.Message(0, 0)
		return resp
	}, pfcp.Options{T1: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cp.Close() })
	e.cp = cp
	return e
}

func (e *n4Env) request(m message.Message) message.Message {
	e.t.Helper()
	resp, err := e.cp.Request(e.t.Context(), e.upf.Addr(), m)
	if err != nil {
		e.t.Fatalf("%s: %v", pfcp.TypeName(m.MessageType()), err)
	}
	return resp
}

func (e *n4Env) associate(recovery time.Time) {
	e.t.Helper()
	req, _ := pfcp.AssociationSetupRequest(0, n4CPID, recovery)
	resp := e.request(req)
	id, rec, cause, err := pfcp.ParseAssociationSetup(resp)
	if err != nil || cause != pfcp.CauseRequestAccepted || id != n4UPFID || !rec.Equal(e.upf.node.RecoveryTime()) {
		e.t.Fatalf("Association Setup Response = %v, %v, cause %d, %v", id, rec, cause, err)
	}
	if f, ok := pfcp.ParseUPFeatures(resp); !ok || f&pfcp.FeatureFTUP == 0 {
		e.t.Errorf("UP Function Features = %#x, %v, want FTUP", f, ok)
	}
}

func (e *n4Env) establish(r pfcp.EstablishmentRequest) (pfcp.EstablishmentResponse, message.Message) {
	e.t.Helper()
	m, err := r.Message(0)
	if err != nil {
		e.t.Fatal(err)
	}
	resp := e.request(m)
	out, err := pfcp.ParseEstablishmentResponse(resp.(*message.SessionEstablishmentResponse))
	if err != nil {
		e.t.Fatalf("ParseEstablishmentResponse() = %v", err)
	}
	return out, resp
}

func (e *n4Env) modify(r pfcp.ModificationRequest) (pfcp.ModificationResponse, message.Message) {
	e.t.Helper()
	m, err := r.Message(0)
	if err != nil {
		e.t.Fatal(err)
	}
	resp := e.request(m)
	out, err := pfcp.ParseModificationResponse(resp.(*message.SessionModificationResponse))
	if err != nil {
		e.t.Fatalf("ParseModificationResponse() = %v", err)
	}
	return out, resp
}

func (e *n4Env) delete(seid uint64) (pfcp.DeletionResponse, message.Message) {
	e.t.Helper()
	resp := e.request(pfcp.DeletionRequest(seid, 0))
	out, err := pfcp.ParseDeletionResponse(resp.(*message.SessionDeletionResponse))
	if err != nil {
		e.t.Fatalf("ParseDeletionResponse() = %v", err)
	}
	return out, resp
}

// metric reads keel_upf_pfcp_requests_total and friends; labels are
// name, value pairs.
func (e *n4Env) metric(name string, labels ...string) float64 {
	e.t.Helper()
	return metrictest.Value(e.t, e.reg, name, labels...)
}

// n4Rules are a PDU session's: two uplink PDRs (QFI 9 and QFI 5)
// sharing an F-TEID the UPF chooses (CHOOSE ID 1), a downlink PDR on the
// UE's address, a FAR each way, a QER and a URR with a threshold.
func n4Rules() pfcp.Rules {
	return pfcp.Rules{
		PDRs: []pfcp.PDR{
			{ID: 1, Precedence: 255, SourceInterface: pfcp.InterfaceAccess, FTEID: &pfcp.FTEID{Choose: true, ChooseID: 1}, QFI: 9, RemoveOuterHeader: true, FARID: 1, QERIDs: []uint32{1}, URRIDs: []uint32{1}},
			{ID: 2, Precedence: 255, SourceInterface: pfcp.InterfaceCore, UEIPv4: n4UE, FARID: 2, QERIDs: []uint32{1}, URRIDs: []uint32{1}},
			{ID: 3, Precedence: 100, SourceInterface: pfcp.InterfaceAccess, FTEID: &pfcp.FTEID{Choose: true, ChooseID: 1}, QFI: 5, RemoveOuterHeader: true, FARID: 1},
		},
		FARs: []pfcp.FAR{
			{ID: 1, Forward: true, DestinationInterface: pfcp.InterfaceCore, NetworkInstance: "internet"},
			{ID: 2, Forward: true, DestinationInterface: pfcp.InterfaceAccess, Outer: &pfcp.OuterHeader{TEID: 0x8a3f1c27, IPv4: n4GNB}},
		},
		QERs: []pfcp.QER{{ID: 1, GateUL: true, GateDL: true, MBRUL: 100_000_000, MBRDL: 250_000_000, QFI: 9}},
		URRs: []pfcp.URR{{ID: 1, VolumeThreshold: 1_000_000}},
	}
}

func n4Request(cpSEID uint64) pfcp.EstablishmentRequest {
	return pfcp.EstablishmentRequest{NodeID: n4CPID, CPSEID: cpSEID, CPAddr: n4CPID, Rules: n4Rules(), PDNType: 1}
}

// TestN4Session runs a PDU session's life on N4: association,
// establishment with F-TEIDs the UPF chooses, a modification (handover to
// another gNB tunnel, a new PDR, one removed, usage queried), a volume
// threshold report to the CP, and deletion with the final usage.
func TestN4Session(t *testing.T) {
	e := newN4Env(t)
	e.associate(cpBoot1)

	est, resp := e.establish(n4Request(0xc0de))
	if est.Cause != pfcp.CauseRequestAccepted || est.NodeID != n4UPFID || est.UPSEID == 0 || est.UPAddr != netip.MustParseAddr("127.0.0.1") {
		t.Fatalf("Session Establishment Response = %+v", est)
	}
	if resp.SEID() != 0xc0de {
		t.Errorf("response header SEID = %#x, want the CP SEID 0xc0de", resp.SEID())
	}
	if len(est.CreatedPDRs) != 2 || est.CreatedPDRs[0].ID != 1 || est.CreatedPDRs[1].ID != 3 {
		t.Fatalf("Created PDRs = %+v, want PDRs 1 and 3", est.CreatedPDRs)
	}
	teid := est.CreatedPDRs[0].FTEID.TEID
	if want := (pfcp.FTEID{TEID: teid, IPv4: netip.MustParseAddr("127.0.0.1")}); teid == 0 || est.CreatedPDRs[0].FTEID != want || est.CreatedPDRs[1].FTEID != want {
		t.Errorf("Created PDR F-TEIDs = %+v, want one non-zero TEID on the N3 address for CHOOSE ID 1", est.CreatedPDRs)
	}
	seid := est.UPSEID
	got, ok := e.dp.installed(seid)
	if !ok {
		t.Fatalf("datapath has no session %#x", seid)
	}
	want := Rules{
		PDRs: []PDR{
			{ID: 1, Precedence: 255, Source: Access, TEID: teid, QFI: 9, RemoveOuterHeader: true, FARID: 1, QERIDs: []uint32{1}, URRIDs: []uint32{1}},
			{ID: 2, Precedence: 255, Source: Core, UEAddr: n4UE, FARID: 2, QERIDs: []uint32{1}, URRIDs: []uint32{1}},
			{ID: 3, Precedence: 100, Source: Access, TEID: teid, QFI: 5, RemoveOuterHeader: true, FARID: 1},
		},
		FARs: []FAR{
			{ID: 1, Action: Forward, Destination: Core},
			{ID: 2, Action: Forward, Destination: Access, Outer: &OuterHeader{TEID: 0x8a3f1c27, Addr: n4GNB}},
		},
		QERs: []QER{{ID: 1, GateUL: true, GateDL: true, MBRUL: 100_000_000, MBRDL: 250_000_000, QFI: 9}},
		URRs: []URR{{ID: 1, VolumeThreshold: 1_000_000}},
	}
	if d := cmp.Diff(want, got, equateNetip); d != "" {
		t.Errorf("datapath rules (-want +got):\n%s", d)
	}
	views := e.upf.Sessions()
	if len(views) != 1 || views[0].UPSEID != seid || views[0].CPSEID != 0xc0de || views[0].CPNodeID != n4CPID || views[0].PDRs != 3 || views[0].CPAddr != e.cp.Addr() {
		t.Errorf("Sessions() = %+v", views)
	}
	if v := e.metric("keel_upf_sessions"); v != 1 {
		t.Errorf("keel_upf_sessions = %v, want 1", v)
	}

	// Handover: the downlink goes to a new gNB tunnel; PDR 3 goes, PDR 4
	// comes with an F-TEID of its own; the usage so far is queried.
	e.dp.count(seid, Usage{URRID: 1, Uplink: 300, Downlink: 200, UplinkPkts: 3, DownPkts: 2})
	mod, resp := e.modify(pfcp.ModificationRequest{
		SEID:       seid,
		Create:     pfcp.Rules{PDRs: []pfcp.PDR{{ID: 4, Precedence: 50, SourceInterface: pfcp.InterfaceAccess, FTEID: &pfcp.FTEID{Choose: true, ChooseID: 1}, QFI: 1, RemoveOuterHeader: true, FARID: 1}}},
		Update:     pfcp.Rules{FARs: []pfcp.FAR{{ID: 2, Outer: &pfcp.OuterHeader{TEID: 0x1234, IPv4: n4GNB.Next()}, Set: pfcp.FieldOuterHeader}}},
		RemovePDRs: []uint16{3},
		QueryURRs:  true,
	})
	if mod.Cause != pfcp.CauseRequestAccepted || resp.SEID() != 0xc0de {
		t.Fatalf("Session Modification Response = %+v, SEID %#x", mod, resp.SEID())
	}
	if len(mod.CreatedPDRs) != 1 || mod.CreatedPDRs[0].ID != 4 || mod.CreatedPDRs[0].FTEID.TEID == teid || mod.CreatedPDRs[0].FTEID.TEID == 0 {
		t.Errorf("Created PDRs = %+v, want PDR 4 on a new TEID (CHOOSE IDs hold within one request)", mod.CreatedPDRs)
	}
	if len(mod.Usage) != 1 || mod.Usage[0].Trigger != pfcp.TriggerQuery || mod.Usage[0].Total != 500 || mod.Usage[0].UplinkPkts != 3 || mod.Usage[0].SeqN != 0 {
		t.Errorf("usage = %+v, want the query of URR 1: 500 octets, UR-SEQN 0", mod.Usage)
	}
	got, _ = e.dp.installed(seid)
	if len(got.PDRs) != 3 || got.PDRs[2].ID != 4 || got.FARs[1].Outer.TEID != 0x1234 || got.FARs[1].Action != Forward || slices.ContainsFunc(got.PDRs, func(p PDR) bool { return p.ID == 3 }) {
		t.Errorf("datapath rules after the modification = %+v", got)
	}

	// The URR reaches its threshold: the CP gets a Session Report Request
	// with the usage since the query.
	e.dp.crossThreshold(seid, Usage{URRID: 1, Uplink: 700_300, Downlink: 300_200, UplinkPkts: 703, DownPkts: 302})
	select {
	case r := <-e.reports:
		want := pfcp.UsageReport{URRID: 1, Trigger: pfcp.TriggerVolumeThreshold, Uplink: 700_000, Downlink: 300_000, Total: 1_000_000, UplinkPkts: 700, DownlinkPkts: 300, SeqN: 1}
		if r.SEID != 0xc0de || len(r.Usage) != 1 {
			t.Fatalf("Session Report Request = %+v", r)
		}
		if d := cmp.Diff(want, r.Usage[0], cmpopts.IgnoreFields(pfcp.UsageReport{}, "Start", "End")); d != "" {
			t.Errorf("usage report (-want +got):\n%s", d)
		}
		if r.Usage[0].End.Before(r.Usage[0].Start) || r.Usage[0].Start.IsZero() {
			t.Errorf("usage report bounds %v .. %v", r.Usage[0].Start, r.Usage[0].End)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the CP got no Session Report Request")
	}
	waitFor(t, func() bool { return e.metric("keel_upf_usage_reports_total", "result", "sent") == 1 })

	del, resp := e.delete(seid)
	if del.Cause != pfcp.CauseRequestAccepted || resp.SEID() != 0xc0de {
		t.Fatalf("Session Deletion Response = %+v, SEID %#x", del, resp.SEID())
	}
	if len(del.Usage) != 1 || del.Usage[0].Trigger != pfcp.TriggerTermination || del.Usage[0].Total != 0 || del.Usage[0].SeqN != 2 {
		t.Errorf("final usage = %+v, want URR 1, termination, nothing since the report, UR-SEQN 2", del.Usage)
	}
	if _, ok := e.dp.installed(seid); ok {
		t.Errorf("the datapath still has the session")
	}
	e.upf.state.Lock()
	teids, sessions := len(e.upf.state.teids), len(e.upf.state.sessions)
	e.upf.state.Unlock()
	if teids != 0 || sessions != 0 {
		t.Errorf("after deletion the UPF holds %d TEIDs and %d sessions", teids, sessions)
	}
	if v := e.metric("keel_upf_sessions"); v != 0 {
		t.Errorf("keel_upf_sessions = %v, want 0", v)
	}
	for _, typ := range []string{"session_establishment_request", "session_modification_request", "session_deletion_request", "association_setup_request"} {
		if v := e.metric("keel_upf_pfcp_requests_total", "type", typ, "cause", "1"); v != 1 {
			t.Errorf("keel_upf_pfcp_requests_total{type=%q,cause=\"1\"} = %v, want 1", typ, v)
		}
	}
}

// TestN4Refusals checks the causes of TS 29.244 §7.6 and §6.3 on N4.
func TestN4Refusals(t *testing.T) {
	e := newN4Env(t)

	// The UPF answers heartbeats without an association.
	hb, _ := pfcp.HeartbeatRequest(0, cpBoot1)
	if rec, err := pfcp.ParseHeartbeat(e.request(hb)); err != nil || !rec.Equal(e.upf.node.RecoveryTime()) {
		t.Errorf("Heartbeat Response = %v, %v, want the UPF's recovery time", rec, err)
	}

	// 72: no association.
	est, _ := e.establish(n4Request(1))
	if est.Cause != pfcp.CauseNoEstablishedPFCPAssociation {
		t.Errorf("establishment without association: cause %d, want 72", est.Cause)
	}
	if mod, _ := e.modify(pfcp.ModificationRequest{SEID: 1}); mod.Cause != pfcp.CauseNoEstablishedPFCPAssociation {
		t.Errorf("modification without association: cause %d, want 72", mod.Cause)
	}
	e.associate(cpBoot1)

	// 65: unknown SEID, answered with SEID 0.
	mod, resp := e.modify(pfcp.ModificationRequest{SEID: 0xdead, QueryURRs: true})
	if mod.Cause != pfcp.CauseSessionContextNotFound || resp.SEID() != 0 {
		t.Errorf("modification of an unknown SEID: cause %d, SEID %#x, want 65, 0", mod.Cause, resp.SEID())
	}
	if del, _ := e.delete(0xdead); del.Cause != pfcp.CauseSessionContextNotFound {
		t.Errorf("deletion of an unknown SEID: cause %d, want 65", del.Cause)
	}

	// 66 with the offending IE: no Node ID (refused by the Parse function).
	m, _ := n4Request(2).Message(0)
	m.NodeID = nil
	r, err := pfcp.ParseEstablishmentResponse(e.request(m).(*message.SessionEstablishmentResponse))
	if err != nil || r.Cause != pfcp.CauseMandatoryIEMissing || r.OffendingIE != ie.NodeID || r.NodeID != n4UPFID {
		t.Errorf("establishment without Node ID: %+v, %v, want cause 66, offending IE 60", r, err)
	}
	m, _ = n4Request(2).Message(0)
	m.CPFSEID = nil
	r, _ = pfcp.ParseEstablishmentResponse(e.request(m).(*message.SessionEstablishmentResponse))
	if r.Cause != pfcp.CauseMandatoryIEMissing || r.OffendingIE != ie.FSEID {
		t.Errorf("establishment without F-SEID: %+v, want cause 66, offending IE 57", r)
	}

	// 68: an IE overrunning the message, refused by Decode: the UPF still
	// answers with the response of the request's type.
	m, _ = n4Request(3).Message(0)
	b, _ := pfcp.Marshal(m)
	b[18] = 0x40 // Node ID length (the first IE, octets 17–18)
	peer := rawN4(t)
	peer.WriteToUDPAddrPort(b, e.upf.Addr())
	reply := readN4(t, peer)
	if reply == nil {
		t.Fatal("no answer to a malformed request")
	}
	dm, err := pfcp.Decode(reply)
	if err != nil {
		t.Fatal(err)
	}
	r, _ = pfcp.ParseEstablishmentResponse(dm.(*message.SessionEstablishmentResponse))
	if r.Cause != pfcp.CauseInvalidLength || r.OffendingIE != ie.NodeID {
		t.Errorf("establishment with an overrunning IE: %+v, want cause 68, offending IE 60", r)
	}

	// 73: rules the datapath refuses; nothing stays behind.
	bad := n4Request(4)
	bad.Rules.PDRs[1].FARID = 9
	est, _ = e.establish(bad)
	if est.Cause != pfcp.CauseRuleCreationModificationFailure {
		t.Errorf("establishment of inconsistent rules: cause %d, want 73", est.Cause)
	}
	e.upf.state.Lock()
	teids := len(e.upf.state.teids)
	e.upf.state.Unlock()
	if s := e.upf.Sessions(); len(s) != 0 || teids != 0 {
		t.Errorf("after a refused establishment: %d sessions, %d TEIDs", len(s), teids)
	}

	// 73 on a modification: the session keeps its rules and its TEIDs.
	est, _ = e.establish(n4Request(5))
	before, _ := e.dp.installed(est.UPSEID)
	for _, tc := range []struct {
		name string
		req  pfcp.ModificationRequest
		fail error
		want uint8
	}{
		{"update of an unknown FAR", pfcp.ModificationRequest{Update: pfcp.Rules{FARs: []pfcp.FAR{{ID: 9, Drop: true, Set: pfcp.FieldApplyAction}}}}, nil, pfcp.CauseRuleCreationModificationFailure},
		{"removal of an unknown PDR", pfcp.ModificationRequest{RemovePDRs: []uint16{9}}, nil, pfcp.CauseRuleCreationModificationFailure},
		{"creation of an existing QER", pfcp.ModificationRequest{Create: pfcp.Rules{QERs: []pfcp.QER{{ID: 1}}}}, nil, pfcp.CauseRuleCreationModificationFailure},
		{"CHOOSE in an update", pfcp.ModificationRequest{Update: pfcp.Rules{PDRs: []pfcp.PDR{{ID: 1, FTEID: &pfcp.FTEID{Choose: true}, Set: pfcp.FieldPDI}}}}, nil, pfcp.CauseInvalidFTEIDAllocationOption},
		{"datapath failure", pfcp.ModificationRequest{Create: pfcp.Rules{PDRs: []pfcp.PDR{{ID: 7, SourceInterface: pfcp.InterfaceAccess, FTEID: &pfcp.FTEID{Choose: true}, FARID: 1}}}},
			fmt.Errorf("no room: %w", ErrRules), pfcp.CauseRuleCreationModificationFailure},
		{"datapath failure with a cause", pfcp.ModificationRequest{Create: pfcp.Rules{PDRs: []pfcp.PDR{{ID: 7, SourceInterface: pfcp.InterfaceAccess, FTEID: &pfcp.FTEID{Choose: true}, FARID: 1}}}},
			&pfcp.CauseError{Cause: pfcp.CauseNoResourcesAvailable, Err: errors.New("full")}, pfcp.CauseNoResourcesAvailable},
	} {
		e.dp.mu.Lock()
		e.dp.applyErr = tc.fail
		e.dp.mu.Unlock()
		tc.req.SEID = est.UPSEID
		if mod, _ := e.modify(tc.req); mod.Cause != tc.want {
			t.Errorf("%s: cause %d, want %d", tc.name, mod.Cause, tc.want)
		}
		if after, _ := e.dp.installed(est.UPSEID); !cmp.Equal(before, after, equateNetip) {
			t.Errorf("%s: datapath rules changed", tc.name)
		}
		e.upf.state.Lock()
		teids := len(e.upf.state.teids)
		e.upf.state.Unlock()
		if teids != 1 {
			t.Errorf("%s: the UPF holds %d TEIDs, want the session's 1", tc.name, teids)
		}
	}

	// Requests the UPF does not serve: Service not supported.
	pfd := message.NewPFDManagementRequest(0)
	if c := e.request(pfd).(*message.PFDManagementResponse).Cause; c == nil || c.Payload[0] != pfcp.CauseServiceNotSupported {
		t.Errorf("PFD Management Response cause = %v, want 76", c)
	}

	for _, c := range []struct{ typ, cause string }{
		{"session_establishment_request", "72"}, {"session_modification_request", "72"},
		{"session_modification_request", "65"}, {"session_deletion_request", "65"},
		{"session_establishment_request", "66"}, {"session_establishment_request", "68"},
		{"session_establishment_request", "73"}, {"heartbeat_request", "none"},
	} {
		if v := e.metric("keel_upf_pfcp_requests_total", "type", c.typ, "cause", c.cause); v == 0 {
			t.Errorf("keel_upf_pfcp_requests_total{type=%q,cause=%q} = 0", c.typ, c.cause)
		}
	}
}

// TestN4CPRestart: an Association Setup Request with the same Recovery
// Time Stamp keeps the CP's sessions; with a new one the CP restarted and
// its sessions are deleted (TS 29.244 §6.2.6.2); a heartbeat with a new
// Recovery Time Stamp does the same and drops the association.
func TestN4CPRestart(t *testing.T) {
	e := newN4Env(t)
	e.associate(cpBoot1)
	a, _ := e.establish(n4Request(1))
	b, _ := e.establish(n4Request(2))
	e.associate(cpBoot1)
	if n := len(e.upf.Sessions()); n != 2 {
		t.Fatalf("after a repeated Association Setup: %d sessions, want 2", n)
	}
	e.associate(cpBoot2)
	if n := len(e.upf.Sessions()); n != 0 {
		t.Errorf("after the CP restarted: %d sessions, want 0", n)
	}
	e.dp.mu.Lock()
	deletes := slices.Sorted(slices.Values(e.dp.deletes))
	e.dp.mu.Unlock()
	if want := slices.Sorted(slices.Values([]uint64{a.UPSEID, b.UPSEID})); !slices.Equal(deletes, want) {
		t.Errorf("datapath deleted %#x, want %#x", deletes, want)
	}
	c, _ := e.establish(n4Request(3))
	if c.Cause != pfcp.CauseRequestAccepted {
		t.Fatalf("establishment after the restart: cause %d", c.Cause)
	}

	hb, _ := pfcp.HeartbeatRequest(0, cpBoot2)
	e.request(hb)
	if n := len(e.upf.Sessions()); n != 1 {
		t.Fatalf("after a heartbeat with the same recovery time: %d sessions, want 1", n)
	}
	hb, _ = pfcp.HeartbeatRequest(0, cpBoot2.Add(time.Hour))
	e.request(hb)
	if n := len(e.upf.Sessions()); n != 0 {
		t.Errorf("after a heartbeat with a new recovery time: %d sessions, want 0", n)
	}
	if est, _ := e.establish(n4Request(4)); est.Cause != pfcp.CauseNoEstablishedPFCPAssociation {
		t.Errorf("establishment once the association is dropped: cause %d, want 72", est.Cause)
	}
	if v := e.metric("keel_upf_pfcp_associations"); v != 0 {
		t.Errorf("keel_upf_pfcp_associations = %v, want 0", v)
	}
}

// TestN4AssociationRelease: releasing the association deletes the CP's
// sessions.
func TestN4AssociationRelease(t *testing.T) {
	e := newN4Env(t)
	e.associate(cpBoot1)
	e.establish(n4Request(1))
	req, _ := pfcp.AssociationReleaseRequest(0, n4CPID)
	if _, cause, err := pfcp.ParseAssociationRelease(e.request(req)); err != nil || cause != pfcp.CauseRequestAccepted {
		t.Fatalf("Association Release Response: cause %d, %v", cause, err)
	}
	if n := len(e.upf.Sessions()); n != 0 {
		t.Errorf("after the release: %d sessions, want 0", n)
	}
	if _, cause, _ := pfcp.ParseAssociationRelease(e.request(req)); cause != pfcp.CauseNoEstablishedPFCPAssociation {
		t.Errorf("second release: cause %d, want 72", cause)
	}
}

// TestN4ReportRefused counts the reports the CP refuses, and does not
// send those of a session deleted before they go.
func TestN4ReportRefused(t *testing.T) {
	e := newN4Env(t)
	e.reportCause = pfcp.CauseSessionContextNotFound
	e.associate(cpBoot1)
	est, _ := e.establish(n4Request(1))
	e.dp.crossThreshold(est.UPSEID, Usage{URRID: 1, Uplink: 2_000_000})
	<-e.reports
	waitFor(t, func() bool { return e.metric("keel_upf_usage_reports_total", "result", "refused") == 1 })
	// A report for a session gone is not sent.
	e.dp.mu.Lock()
	report := e.dp.reporter
	e.dp.mu.Unlock()
	report(0xdead, Usage{URRID: 1})
	select {
	case r := <-e.reports:
		t.Errorf("report %+v for an unknown session", r)
	case <-time.After(200 * time.Millisecond):
	}
}

// TestN4ConcurrentSessions establishes, modifies and deletes sessions from
// many goroutines at once: every TEID is distinct and everything is freed.
func TestN4ConcurrentSessions(t *testing.T) {
	e := newN4Env(t)
	e.associate(cpBoot1)
	const n = 32
	var mu sync.Mutex
	seen := map[uint32]bool{}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			m, _ := n4Request(uint64(i + 1)).Message(0)
			resp, err := e.cp.Request(t.Context(), e.upf.Addr(), m)
			if err != nil {
				t.Error(err)
				return
			}
			est, _ := pfcp.ParseEstablishmentResponse(resp.(*message.SessionEstablishmentResponse))
			if est.Cause != pfcp.CauseRequestAccepted {
				t.Errorf("session %d: cause %d", i, est.Cause)
				return
			}
			mu.Lock()
			if seen[est.CreatedPDRs[0].FTEID.TEID] {
				t.Errorf("TEID %#x given twice", est.CreatedPDRs[0].FTEID.TEID)
			}
			seen[est.CreatedPDRs[0].FTEID.TEID] = true
			mu.Unlock()
			mod, _ := pfcp.ModificationRequest{SEID: est.UPSEID, QueryURRs: true}.Message(0)
			go e.upf.Sessions()
			if _, err := e.cp.Request(t.Context(), e.upf.Addr(), mod); err != nil {
				t.Error(err)
			}
			if _, err := e.cp.Request(t.Context(), e.upf.Addr(), pfcp.DeletionRequest(est.UPSEID, 0)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	e.upf.state.Lock()
	defer e.upf.state.Unlock()
	if len(e.upf.state.teids) != 0 || len(e.upf.state.sessions) != 0 {
		t.Errorf("%d TEIDs and %d sessions left", len(e.upf.state.teids), len(e.upf.state.sessions))
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5 s")
		}
	}
}

func rawN4(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(n4Local))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func readN4(t *testing.T, c *net.UDPConn) []byte {
	t.Helper()
	buf := make([]byte, 65536)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _, err := c.ReadFromUDPAddrPort(buf)
	if err != nil {
		return nil
	}
	return buf[:n]
}

// TestN4Leave: Leave asks the associated CP function to release the
// association (Association Update Request with SARR, TS 29.244
// §6.2.7.3) and returns once it has (its Association Release Request
// deletes the sessions); an Association Setup meanwhile is refused.
func TestN4Leave(t *testing.T) {
	e := newN4Env(t)
	asked := make(chan pfcp.AssociationUpdate, 1)
	// released is the CP function's Association Release Request's
	// outcome: its answer may come after Leave returned.
	released := make(chan error, 1)
	var cp *pfcp.Node
	cp, err := pfcp.Listen(t.Context(), n4Local, func(ctx context.Context, peer netip.AddrPort, req message.Message) message.Message {
		m, ok := req.(*message.AssociationUpdateRequest)
		if !ok {
			return nil
		}
		u, err := pfcp.ParseAssociationUpdate(m)
		if err != nil {
			t.Errorf("CP: ParseAssociationUpdate() = %v", err)
		}
		asked <- u
		go func() {
			rel, _ := pfcp.AssociationReleaseRequest(0, n4CPID)
			_, err := cp.Request(t.Context(), peer, rel)
			released <- err
		}()
		resp, _ := pfcp.AssociationUpdateResponse(0, n4CPID, pfcp.CauseRequestAccepted)
		return resp
	}, pfcp.Options{T1: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cp.Close() })
	e.cp = cp
	e.associate(cpBoot1)
	e.establish(n4Request(1))

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if left := e.upf.Leave(ctx); left != 0 {
		t.Fatalf("Leave() = %d associations left, want 0", left)
	}
	if u := <-asked; !u.ReleaseRequested || u.NodeID != n4UPFID {
		t.Errorf("the CP function was sent %+v, want a release request (SARR) from %v", u, n4UPFID)
	}
	if n := len(e.upf.Sessions()); n != 0 {
		t.Errorf("after the release: %d sessions, want 0", n)
	}
	if err := <-released; err != nil {
		t.Errorf("CP: Association Release Request: %v", err)
	}
	req, _ := pfcp.AssociationSetupRequest(0, n4CPID, cpBoot1)
	if _, _, cause, err := pfcp.ParseAssociationSetup(e.request(req)); err != nil || cause != pfcp.CauseRequestRejected {
		t.Errorf("Association Setup while leaving: cause %d, %v; want %d", cause, err, pfcp.CauseRequestRejected)
	}
}
