package smf_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/wmnsk/go-pfcp/message"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/metrictest"
	"github.com/keelcore/keel/internal/nas/sm"
	"github.com/keelcore/keel/internal/pcf"
	"github.com/keelcore/keel/internal/pfcp"
	"github.com/keelcore/keel/internal/procevent"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbi/sbitest"
	"github.com/keelcore/keel/internal/smf"
)

var (
	upfN3   = netip.MustParseAddr("192.0.2.1")
	upfNode = netip.MustParseAddr("127.0.0.2")
	gnbN3   = netip.MustParseAddr("192.0.2.100")
	slice1  = ident.SNSSAI{SST: 1}
	slice2  = ident.SNSSAI{SST: 2, SD: 0x0a, HasSD: true}
)

const (
	supi1 = "imsi-001010000000001"
	supi2 = "imsi-001010000000002"
)

// fakeUPF is a PFCP UP function: it records every request and answers
// as a UPF that allocates TEIDs from 0x100 and SEIDs from 0x1000, takes
// a given F-TEID as it is, and forgets everything when it restarts.
type fakeUPF struct {
	t    testing.TB
	addr netip.AddrPort

	mu       sync.Mutex
	node     *pfcp.Node
	boot     time.Time
	smf      netip.AddrPort
	trace    []string
	sessions map[uint64]*upfSession // by UP SEID
	nextTEID uint32
	nextSEID uint64
	// silent lists message types left unanswered; reject answers
	// establishments with this cause.
	silent map[uint8]bool
	reject uint8
	// usage goes in every deletion response.
	usage []pfcp.UsageReport
	// noAssoc: the UPF dropped the SMF's association; session requests
	// get cause 72 until the SMF sets it up again.
	noAssoc bool
	// dead: the UPF answers nothing (a failed UPF, or the path to it).
	dead bool
}

type upfSession struct {
	cpSEID uint64
	rules  pfcp.Rules
}

func newFakeUPF(t testing.TB) *fakeUPF {
	t.Helper()
	u := &fakeUPF{t: t, sessions: map[uint64]*upfSession{}, nextTEID: 0x100, nextSEID: 0x1000, silent: map[uint8]bool{},
		boot: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	onStablePort(t, func(addr netip.AddrPort) error { return u.listenOn(addr) })
	t.Cleanup(func() {
		u.mu.Lock()
		n := u.node
		u.mu.Unlock()
		n.Close()
	})
	return u
}

func (u *fakeUPF) listen(addr netip.AddrPort) {
	u.t.Helper()
	if err := u.listenOn(addr); err != nil {
		u.t.Fatal(err)
	}
}

func (u *fakeUPF) listenOn(addr netip.AddrPort) error {
	u.mu.Lock()
	boot := u.boot
	u.mu.Unlock()
	n, err := pfcp.Listen(context.Background(), addr, u.handle, pfcp.Options{NodeID: upfNode, Now: func() time.Time { return boot }})
	if err != nil {
		return err
	}
	u.mu.Lock()
	u.node, u.addr = n, n.Addr()
	u.mu.Unlock()
	return nil
}

// onStablePort calls listen with loopback ports below the kernel's
// ephemeral range (32768 and up by default) until one binds. A UPF the
// test restarts comes back on its address; an ephemeral port may by then
// belong to another test's socket ("address already in use"), one of
// this range is never handed out that way.
func onStablePort(t testing.TB, listen func(netip.AddrPort) error) {
	t.Helper()
	var err error
	for range 100 {
		if err = listen(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(20000+rand.IntN(12000)))); err == nil {
			return
		}
	}
	t.Fatal(err)
}

// restart drops every session and comes back on the same address with a
// new Recovery Time Stamp.
func (u *fakeUPF) restart() {
	u.t.Helper()
	u.mu.Lock()
	old := u.node
	u.sessions = map[uint64]*upfSession{}
	u.boot = u.boot.Add(time.Hour)
	u.trace = append(u.trace, "restart")
	u.mu.Unlock()
	old.Close()
	u.listen(u.addr)
}

func (u *fakeUPF) record(format string, args ...any) {
	u.trace = append(u.trace, fmt.Sprintf(format, args...))
}

// dropAssociation forgets the SMF's association and its sessions, as a
// UPF does when it releases an association, without restarting.
func (u *fakeUPF) dropAssociation() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.sessions = map[uint64]*upfSession{}
	u.noAssoc = true
	u.record("association dropped")
}

// setDead makes the UPF answer nothing, or answer again: a UPF failed or
// cut off, without restarting (its sessions kept).
func (u *fakeUPF) setDead(dead bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.dead = dead
	u.record("dead %v", dead)
}

// forget deletes one session behind the SMF's back.
func (u *fakeUPF) forget(seid uint64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	delete(u.sessions, seid)
	u.record("forget up_seid=%d", seid)
}

// Trace returns the requests seen so far and forgets them.
func (u *fakeUPF) Trace() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	t := u.trace
	u.trace = nil
	return t
}

func (u *fakeUPF) session(seid uint64) (upfSession, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	s, ok := u.sessions[seid]
	if !ok {
		return upfSession{}, false
	}
	return upfSession{cpSEID: s.cpSEID, rules: s.rules.Clone()}, true
}

func (u *fakeUPF) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.sessions)
}

func (u *fakeUPF) handle(_ context.Context, peer netip.AddrPort, req message.Message) message.Message {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.silent[req.MessageType()] || u.dead {
		return nil
	}
	u.smf = peer
	resp, err := u.answer(req)
	if err != nil {
		u.t.Errorf("fake UPF: %s: %v", req.MessageTypeName(), err)
		return nil
	}
	return resp
}

func (u *fakeUPF) answer(req message.Message) (message.Message, error) {
	if u.noAssoc && req.MessageType() >= message.MsgTypeSessionEstablishmentRequest {
		u.record("%s: no association", req.MessageTypeName())
		ce := &pfcp.CauseError{Cause: pfcp.CauseNoEstablishedPFCPAssociation, MessageType: req.MessageType(), Sequence: req.Sequence()}
		return ce.Response(0, upfNode, u.node.RecoveryTime())
	}
	switch m := req.(type) {
	case *message.AssociationSetupRequest:
		u.noAssoc = false
		u.record("association setup")
		return pfcp.AssociationSetupResponse(0, upfNode, pfcp.CauseRequestAccepted, u.node.RecoveryTime())
	case *message.HeartbeatRequest:
		return pfcp.HeartbeatResponse(0, u.node.RecoveryTime())
	case *message.AssociationReleaseRequest:
		u.record("association release")
		u.sessions = map[uint64]*upfSession{}
		return pfcp.AssociationReleaseResponse(0, upfNode, pfcp.CauseRequestAccepted)
	case *message.SessionEstablishmentRequest:
		r, err := pfcp.ParseEstablishmentRequest(m)
		if err != nil {
			return nil, err
		}
		u.record("establishment cp_seid=%d", r.CPSEID)
		if u.reject != 0 {
			return pfcp.EstablishmentResponse{NodeID: upfNode, Cause: u.reject}.Message(r.CPSEID, 0)
		}
		resp := pfcp.EstablishmentResponse{NodeID: upfNode, Cause: pfcp.CauseRequestAccepted, UPSEID: u.nextSEID, UPAddr: upfNode}
		u.nextSEID++
		for i, p := range r.Rules.PDRs {
			if p.FTEID == nil || !p.FTEID.Choose {
				continue
			}
			f := pfcp.FTEID{TEID: u.nextTEID, IPv4: upfN3}
			u.nextTEID++
			r.Rules.PDRs[i].FTEID = &f
			resp.CreatedPDRs = append(resp.CreatedPDRs, pfcp.CreatedPDR{ID: p.ID, FTEID: f})
		}
		u.sessions[resp.UPSEID] = &upfSession{cpSEID: r.CPSEID, rules: r.Rules}
		return resp.Message(r.CPSEID, 0)
	case *message.SessionModificationRequest:
		r, err := pfcp.ParseModificationRequest(m)
		if err != nil {
			return nil, err
		}
		s, ok := u.sessions[r.SEID]
		if !ok {
			u.record("modification up_seid=%d: unknown", r.SEID)
			return pfcp.ModificationResponse{Cause: pfcp.CauseSessionContextNotFound}.Message(0, 0)
		}
		if r.DropBuffered {
			u.record("modification up_seid=%d: drop buffered", r.SEID)
		}
		for _, p := range r.Create.PDRs {
			u.record("modification up_seid=%d: create pdr %d qfi %d", r.SEID, p.ID, p.QFI)
		}
		for _, q := range r.Create.QERs {
			u.record("modification up_seid=%d: create qer %d mbr %d/%d qfi %d", r.SEID, q.ID, q.MBRDL, q.MBRUL, q.QFI)
		}
		for _, p := range r.Update.PDRs {
			u.record("modification up_seid=%d: update pdr %d precedence %d sdf %q", r.SEID, p.ID, p.Precedence, p.SDFFilters)
		}
		for _, q := range r.Update.QERs {
			u.record("modification up_seid=%d: update qer %d mbr %d/%d", r.SEID, q.ID, q.MBRDL, q.MBRUL)
		}
		for _, id := range r.RemovePDRs {
			u.record("modification up_seid=%d: remove pdr %d", r.SEID, id)
		}
		for _, id := range r.RemoveQERs {
			u.record("modification up_seid=%d: remove qer %d", r.SEID, id)
		}
		for _, f := range r.Update.FARs {
			for i := range s.rules.FARs {
				if s.rules.FARs[i].ID == f.ID {
					s.rules.FARs[i] = s.rules.FARs[i].Update(f)
					shown := s.rules.FARs[i]
					shown.SendEndMarker = f.SendEndMarker
					u.record("modification up_seid=%d: far %d %s", r.SEID, f.ID, farString(shown))
				}
			}
		}
		// Removals apply to the session's rules (TS 29.244 §7.5.4.6, §7.5.4.8).
		s.rules.PDRs = slices.DeleteFunc(s.rules.PDRs, func(p pfcp.PDR) bool { return slices.Contains(r.RemovePDRs, p.ID) })
		s.rules.QERs = slices.DeleteFunc(s.rules.QERs, func(q pfcp.QER) bool { return slices.Contains(r.RemoveQERs, q.ID) })
		return pfcp.ModificationResponse{Cause: pfcp.CauseRequestAccepted}.Message(s.cpSEID, 0)
	case *message.SessionDeletionRequest:
		s, ok := u.sessions[m.SEID()]
		if !ok {
			u.record("deletion up_seid=%d: unknown", m.SEID())
			return pfcp.DeletionResponse{Cause: pfcp.CauseSessionContextNotFound}.Message(0, 0)
		}
		delete(u.sessions, m.SEID())
		u.record("deletion up_seid=%d", m.SEID())
		return pfcp.DeletionResponse{Cause: pfcp.CauseRequestAccepted, Usage: u.usage}.Message(s.cpSEID, 0)
	}
	return nil, fmt.Errorf("unexpected request")
}

func farString(f pfcp.FAR) string {
	switch {
	case f.Forward && f.Outer != nil && f.SendEndMarker:
		return fmt.Sprintf("forward to %d@%s end-marker", f.Outer.TEID, f.Outer.IPv4)
	case f.Forward && f.Outer != nil:
		return fmt.Sprintf("forward to %d@%s", f.Outer.TEID, f.Outer.IPv4)
	case f.Forward:
		return "forward"
	case f.Buffer && f.NotifyCP:
		return "buffer notify"
	case f.Buffer:
		return "buffer"
	case f.Drop:
		return "drop"
	}
	return "none"
}

// report sends a Session Report Request with usage to the SMF.
func (u *fakeUPF) report(cpSEID uint64, us ...pfcp.UsageReport) (pfcp.ReportResponse, error) {
	u.mu.Lock()
	n, peer := u.node, u.smf
	u.mu.Unlock()
	req, err := pfcp.ReportRequest{SEID: cpSEID, Usage: us}.Message(0)
	if err != nil {
		return pfcp.ReportResponse{}, err
	}
	m, err := n.Request(context.Background(), peer, req)
	if err != nil {
		return pfcp.ReportResponse{}, err
	}
	return pfcp.ParseReportResponse(m.(*message.SessionReportResponse))
}

// leave sends the SMF a PFCP Association Update Request asking for the
// release of the association (SARR), as a UPF taken out of service.
func (u *fakeUPF) leave() (pfcp.AssociationUpdate, error) {
	u.mu.Lock()
	n, peer := u.node, u.smf
	u.mu.Unlock()
	req, err := pfcp.AssociationUpdateRequest(0, upfNode, true)
	if err != nil {
		return pfcp.AssociationUpdate{}, err
	}
	m, err := n.Request(context.Background(), peer, req)
	if err != nil {
		return pfcp.AssociationUpdate{}, err
	}
	return pfcp.ParseAssociationUpdate(m)
}

// downlinkReport sends a Session Report Request with a Downlink Data
// Report (DLDR) for the downlink PDR to the SMF, as a UPF does with the
// first packet it buffers for an idle UE.
func (u *fakeUPF) downlinkReport(cpSEID uint64) (pfcp.ReportResponse, error) {
	u.mu.Lock()
	n, peer := u.node, u.smf
	u.mu.Unlock()
	req, err := pfcp.ReportRequest{SEID: cpSEID, DownlinkData: &pfcp.DownlinkDataReport{PDRID: 2, QFI: 1}}.Message(0)
	if err != nil {
		return pfcp.ReportResponse{}, err
	}
	m, err := n.Request(context.Background(), peer, req)
	if err != nil {
		return pfcp.ReportResponse{}, err
	}
	return pfcp.ParseReportResponse(m.(*message.SessionReportResponse))
}

// fakeAMF records N1N2MessageTransfer calls. It answers err when set,
// else result (N1N2TransferInitiated when 0): N1N2AttemptingToReachUE
// plays an AMF paging an idle UE.
type fakeAMF struct {
	mu     sync.Mutex
	calls  []n1n2
	err    error
	result sbi.N1N2MessageTransferCause
	called chan struct{} // when set, told of each call
	// hold, when set, keeps each call waiting until it is closed.
	hold chan struct{}
	// entered, when set, is told of each call before it waits on hold.
	entered chan struct{}
}

type n1n2 struct {
	supi   string
	psi    uint8
	n1     []byte
	n2Type sbi.N2SmInfoType
	n2     []byte
	notify sbi.N1N2FailureNotifier
}

func (a *fakeAMF) N1N2MessageTransfer(_ context.Context, supi string, req sbi.N1N2MessageTransferReqData) (sbi.N1N2MessageTransferRspData, error) {
	a.mu.Lock()
	hold, entered := a.hold, a.entered
	a.mu.Unlock()
	if entered != nil {
		select {
		case entered <- struct{}{}:
		default:
		}
	}
	if hold != nil {
		<-hold
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	n2Type, n2 := req.N2()
	a.calls = append(a.calls, n1n2{supi, req.PduSessionID, req.N1(), n2Type.N2SmInfoType(), n2, req.FailureNotify})
	if a.called != nil {
		select {
		case a.called <- struct{}{}:
		default:
		}
	}
	if a.err != nil {
		return sbi.N1N2MessageTransferRspData{}, a.err
	}
	if a.result != 0 {
		return sbi.N1N2MessageTransferRspData{Cause: a.result}, nil
	}
	return sbi.N1N2MessageTransferRspData{Cause: sbi.N1N2TransferInitiated}, nil
}

// set changes the AMF's answers.
func (a *fakeAMF) set(result sbi.N1N2MessageTransferCause, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.result, a.err = result, err
}

func (a *fakeAMF) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.calls)
}

func (a *fakeAMF) taken() []n1n2 {
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.calls
	a.calls = nil
	return c
}

// fakeSDM serves session management subscription data.
type fakeSDM struct {
	mu   sync.Mutex
	subs map[string][]sbi.SMData
}

func (f *fakeSDM) AccessAndMobility(context.Context, string) (sbi.AMData, error) {
	return sbi.AMData{}, nil
}

func (f *fakeSDM) SessionManagement(_ context.Context, supi string) ([]sbi.SMData, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.subs[supi]
	if !ok {
		return nil, fmt.Errorf("fake: %w", sbi.ErrUserNotFound)
	}
	return d, nil
}

type world struct {
	t   testing.TB
	smf *smf.SMF
	upf *fakeUPF
	// upfs are the fake UPFs of worldOptions.upfs, in order (upf is the
	// first).
	upfs []*fakeUPF
	amf  *fakeAMF
	sdm  *fakeSDM
	pcf  *pcf.PCF
	reg  *prometheus.Registry
}

type worldOptions struct {
	dnns  []smf.DNNConfig
	pfcp  pfcp.Options
	noUPF bool // the SMF's UPF address answers nothing
	// upfs, when set, are the SMF's UPFs instead of the one fake: an
	// entry without N4 address is given a fake UPF of its own.
	upfs    []smf.UPFConfig
	upf     netip.AddrPort // a UPF of the test's own instead of the fake
	noWait  bool           // do not wait for the association
	hbEvery time.Duration
	static  []netip.Addr
	// pcfFaults and sdmFaults, when set, are injected into the SMF's
	// calls to the PCF and the UDM; sbiTimeout bounds those calls.
	pcfFaults, sdmFaults *sbitest.Faults
	sbiTimeout           time.Duration
	pccRules             map[string][]sbi.PCCRule // the PCF's per DNN
	// pcfVia, when set, is how the SMF reaches the world's PCF (over
	// HTTP/2 in TestPeersOverHTTP).
	pcfVia func(*pcf.PCF) sbi.NpcfSMPolicyControl
	log    *slog.Logger // the SMF's logger; nil: the test's, with -v
	// instanceID is the SMF's Options.InstanceID.
	instanceID string
	// events is the SMF's Options.Events.
	events procevent.Recorder
}

var defaultDNNs = []smf.DNNConfig{
	{Name: "internet", IPv4Pool: netip.MustParsePrefix("10.45.0.0/16"), IPv6Pool: netip.MustParsePrefix("2001:db8:45::/48"),
		DNS: []netip.Addr{netip.MustParseAddr("10.45.0.1"), netip.MustParseAddr("2001:db8:45::1")}, MTU: 1400},
	{Name: "ims", IPv4Pool: netip.MustParsePrefix("10.46.0.0/30"), DNS: []netip.Addr{netip.MustParseAddr("10.46.0.1")}, MTU: 1300},
	{Name: "iot", SNSSAI: &slice2, IPv6Pool: netip.MustParsePrefix("2001:db8:47::/64")},
}

func newWorld(t testing.TB, o worldOptions) *world {
	t.Helper()
	w := &world{t: t, amf: &fakeAMF{}, reg: prometheus.NewRegistry(), sdm: &fakeSDM{subs: map[string][]sbi.SMData{
		supi1: {
			{DNN: "internet", SNSSAI: slice1, SessionAMBRUplink: 100_000_000, SessionAMBRDownlink: 300_000_000, FiveQI: 9, ARPPriority: 8},
			{DNN: "ims", SNSSAI: slice1, FiveQI: 5, ARPPriority: 1},
			{DNN: "iot", SNSSAI: slice2, FiveQI: 7},
		},
		supi2: {
			{DNN: "internet", SNSSAI: slice1, FiveQI: 9, StaticIPv4: netip.MustParseAddr("10.45.7.7"), StaticIPv6: netip.MustParseAddr("2001:db8:45:77::1")},
		},
	}}}
	upf := netip.MustParseAddrPort("127.0.0.1:9") // discard: nothing answers
	switch {
	case len(o.upfs) > 0:
		upf = netip.AddrPort{}
		o.upfs = append([]smf.UPFConfig(nil), o.upfs...)
		for i := range o.upfs {
			if !o.upfs[i].N4.IsValid() {
				f := newFakeUPF(t)
				w.upfs = append(w.upfs, f)
				o.upfs[i].N4 = f.addr
			}
		}
		if len(w.upfs) > 0 {
			w.upf = w.upfs[0]
		}
	case o.upf.IsValid():
		upf = o.upf
	case !o.noUPF:
		w.upf = newFakeUPF(t)
		upf = w.upf.addr
	}
	var err error
	if w.pcf, err = pcf.New(pcf.Options{SDM: w.sdm, SubscriberPCCRules: true, Registry: w.reg, PCCRules: o.pccRules}); err != nil {
		t.Fatal(err)
	}
	if o.dnns == nil {
		o.dnns = defaultDNNs
	}
	if o.pfcp.T1 == 0 {
		o.pfcp.T1, o.pfcp.N1 = 500*time.Millisecond, 3
	}
	if o.hbEvery == 0 {
		o.hbEvery = time.Hour
	}
	log := slog.New(slog.DiscardHandler)
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if o.log != nil {
		log = o.log
	}
	var (
		pcfSvc sbi.NpcfSMPolicyControl = w.pcf
		sdmSvc sbi.NudmSDM             = w.sdm
	)
	if o.pcfFaults != nil {
		pcfSvc = sbitest.PCF(w.pcf, o.pcfFaults)
	}
	if o.pcfVia != nil {
		pcfSvc = o.pcfVia(w.pcf)
	}
	if o.sdmFaults != nil {
		sdmSvc = sbitest.SDM(w.sdm, o.sdmFaults)
	}
	w.smf, err = smf.New(context.Background(), smf.Options{
		DNNs: o.dnns, N4: netip.MustParseAddrPort("127.0.0.1:0"), UPF: upf, UPFs: o.upfs,
		PCF: pcfSvc, SDM: sdmSvc, Logger: log, Registry: w.reg, PFCP: o.pfcp, HeartbeatInterval: o.hbEvery, StaticAddresses: o.static,
		SBITimeout: o.sbiTimeout, InstanceID: o.instanceID, Events: o.events,
	})
	if err != nil {
		t.Fatal(err)
	}
	w.smf.SetAMF(w.amf)
	t.Cleanup(w.smf.Close)
	if !o.noUPF && !o.noWait {
		n := 1.0
		if len(o.upfs) > 0 {
			n = float64(len(w.upfs))
		}
		w.waitFor("association", func() bool { return w.metric("keel_smf_upf_associated", nil) == n })
	}
	if w.upf != nil {
		w.upf.Trace()
	}
	for _, u := range w.upfs {
		u.Trace()
	}
	return w
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

func (w *world) waitFor(what string, cond func() bool) {
	w.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			w.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// metric reads a counter or gauge with the given labels.
func (w *world) metric(name string, labels map[string]string) float64 {
	w.t.Helper()
	var pairs []string
	for k, v := range labels {
		pairs = append(pairs, k, v)
	}
	return metrictest.Value(w.t, w.reg, name, pairs...)
}

// request is a PDU SESSION ESTABLISHMENT REQUEST as a UE sends it.
func request(psi, pti, pduType, ssc uint8, dns bool) []byte {
	return sm.AppendEstablishmentRequest(nil, sm.EstablishmentRequest{
		Header: sm.Header{PDUSessionID: psi, PTI: pti}, PDUType: pduType, SSCMode: ssc,
		WantDNSv4: dns, WantDNSv6: dns, WantMTU: dns,
	})
}

// create runs CreateSMContext and fails the test on an error.
func (w *world) create(supi string, psi uint8, dnn string, s ident.SNSSAI, n1 []byte) created {
	w.t.Helper()
	c, err := w.smf.CreateSMContext(context.Background(), sbi.SmContextCreateData{Supi: supi, PduSessionID: psi, Dnn: dnn, SNssai: s, N1SmMsg: sbi.N1SM(n1)})
	return outcome(w.t, c, err)
}

// created is the outcome of a CreateSMContext: the answer, or with
// Reject set the refusal's PDU SESSION ESTABLISHMENT REJECT (N1SmMsg)
// and its 5GSM cause.
type created struct {
	sbi.SmContextCreatedData
	Reject bool
	Cause  uint8
}

func outcome(t testing.TB, c sbi.SmContextCreatedData, err error) created {
	t.Helper()
	var ce *sbi.SmContextCreateError
	if errors.As(err, &ce) {
		n1 := ce.N1SmMsg.Bytes()
		if len(n1) < 5 || n1[3] != sm.MsgEstablishmentReject {
			t.Fatalf("CreateSMContext refused (%v) without a PDU SESSION ESTABLISHMENT REJECT: %x", err, n1)
		}
		return created{SmContextCreatedData: sbi.SmContextCreatedData{N1SmMsg: ce.N1SmMsg}, Reject: true, Cause: n1[4]}
	}
	if err != nil {
		t.Fatalf("CreateSMContext: %v", err)
	}
	return created{SmContextCreatedData: c}
}

// establish creates a session that must be accepted.
func (w *world) establish(supi string, psi uint8, dnn string, s ident.SNSSAI) created {
	w.t.Helper()
	c := w.create(supi, psi, dnn, s, request(psi, 1, 0, 0, false))
	if c.Reject {
		w.t.Fatalf("establishment of %s/%d on %s rejected with #%d", supi, psi, dnn, c.Cause)
	}
	return c
}

func (w *world) update(ref string, upd sbi.SmContextUpdateData) sbi.SmContextUpdatedData {
	w.t.Helper()
	u, err := w.smf.UpdateSMContext(context.Background(), ref, upd)
	if err != nil {
		w.t.Fatalf("UpdateSMContext: %v", err)
	}
	return u
}

// session finds a session in Sessions().
func (w *world) session(supi string, psi uint8) (sbi.SessionInfo, bool) {
	for _, s := range w.smf.Sessions() {
		if s.SUPI == supi && s.PDUSessionID == psi {
			return s, true
		}
	}
	return sbi.SessionInfo{}, false
}

// associations are the PCF's SM policy associations: those created less
// those deleted (its metrics' documented sum; the world's PCF releases
// none).
func (w *world) associations() float64 {
	w.t.Helper()
	return w.metric("keel_pcf_sm_policy_creates_total", map[string]string{"result": "ok"}) -
		w.metric("keel_pcf_sm_policy_deletes_total", map[string]string{"result": "ok"})
}
