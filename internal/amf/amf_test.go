package amf_test

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/amf"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/panics"
	"github.com/keelcore/keel/internal/sctp"
	"github.com/keelcore/keel/internal/sctp/pipe"
	"github.com/keelcore/keel/internal/sim/gnb"
)

var plmn = ident.PLMN{MCC: "001", MNC: "01"}

func amfConfig() amf.Config {
	return amf.Config{
		Name: "keel-amf", PLMN: plmn, TACs: []uint32{1, 2}, Slices: []ident.SNSSAI{{SST: 1}},
		GUAMI: ident.GUAMI{PLMN: plmn, RegionID: 1, SetID: 1}, Capacity: 255,
	}
}

type harness struct {
	t    *testing.T
	amf  *amf.AMF
	tr   sctp.Transport
	addr netip.AddrPort
	reg  *prometheus.Registry
}

// start runs an AMF on an in-memory transport; tr lets a test give the
// real userspace SCTP instead.
func start(t *testing.T, tr sctp.Transport) *harness {
	t.Helper()
	return startWith(t, tr, nil, nil)
}

// startWith is start with the AMF's logger and the observer of the
// panics its boundaries recover; nil fails the test on one.
func startWith(t *testing.T, tr sctp.Transport, log *slog.Logger, observe func(panics.Panic)) *harness {
	t.Helper()
	if tr == nil {
		tr = pipe.New()
	}
	if observe == nil {
		observe = failOnPanic(t)
	}
	reg := prometheus.NewRegistry()
	rec, err := panics.New(panics.Options{Registry: reg, Observe: observe})
	if err != nil {
		t.Fatal(err)
	}
	a, err := amf.New(amfConfig(), amf.Options{Logger: log, Registry: reg, ResetTimeout: 2 * time.Second,
		ProbeTimeout: probeTimeout, Panics: rec})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tr.Listen(context.Background(), netip.MustParseAddrPort("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		stopCtx, c := context.WithTimeout(context.Background(), 5*time.Second)
		defer c()
		a.Stop(stopCtx)
		cancel()
		ln.Close()
		if err := <-served; err != nil {
			t.Errorf("Serve = %v", err)
		}
	})
	return &harness{t: t, amf: a, tr: tr, addr: ln.Addr(), reg: reg}
}

// probeTimeout is the tests' AMF's: long enough for a live gNB to answer
// the liveness probe on a loaded machine.
const probeTimeout = 5 * time.Second

// failOnPanic fails the test on any panic the AMF's boundaries recover:
// the AMF survives it, but it is a bug.
func failOnPanic(tb testing.TB) func(panics.Panic) {
	return func(p panics.Panic) {
		tb.Errorf("panic recovered in %s: %v\n%s", p.Component, p.Value, p.Stack)
	}
}

func gnbConfig(id uint32) gnb.Config {
	return gnb.Config{
		ID:   ngap.RANNodeID{PLMN: plmn, Kind: ngap.KindGNB, ID: id, Bits: 22},
		Name: "gnb",
		TAs:  []ngap.TA{{TAC: 1, PLMNs: []ident.PLMN{plmn}, Slices: []ident.SNSSAI{{SST: 1}}}},
	}
}

func (h *harness) connect(cfg gnb.Config) (*gnb.GNB, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*probeTimeout)
	defer cancel()
	return gnb.Connect(ctx, h.tr, h.addr, cfg, nil)
}

// raw opens an association without NG Setup.
func (h *harness) raw() sctp.Conn {
	h.t.Helper()
	return h.rawFrom(netip.Addr{})
}

// rawFrom opens an association from a local address of the test's
// choosing (the in-memory transport takes any), without NG Setup.
func (h *harness) rawFrom(local netip.Addr) sctp.Conn {
	h.t.Helper()
	c, err := h.tr.Dial(context.Background(), local, h.addr)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { c.Abort() })
	return c
}

// send sends a PDU on stream 0 with the NGAP PPID.
func send(t *testing.T, c sctp.Conn, pdu []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Send(ctx, sctp.Message{PPID: sctp.PPIDNGAP, Data: pdu}); err != nil {
		t.Fatal(err)
	}
}

// exchange sends a PDU and returns the decoded answer.
func exchange(t *testing.T, c sctp.Conn, pdu []byte) message.Message {
	t.Helper()
	send(t, c, pdu)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	in, err := c.Recv(ctx)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	if in.PPID != sctp.PPIDNGAP || in.Stream != 0 {
		t.Errorf("answer on stream %d PPID %d, want stream 0 PPID 60", in.Stream, in.PPID)
	}
	m, err := ngap.Decode(in.Data)
	if err != nil {
		t.Fatalf("answer does not decode: %v", err)
	}
	return m
}

func setupPDU(t *testing.T, cfg gnb.Config) []byte {
	t.Helper()
	m, err := ngap.NGSetupRequest(ngap.GNBInfo{ID: cfg.ID, Name: cfg.Name, TAs: cfg.TAs})
	if err != nil {
		t.Fatal(err)
	}
	b, err := ngap.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNGSetup(t *testing.T) {
	h := start(t, nil)
	g, err := h.connect(gnbConfig(1))
	if err != nil {
		t.Fatalf("NG Setup: %v", err)
	}
	defer g.Close()
	if g.AMFName != "keel-amf" {
		t.Errorf("AMF name = %q, want keel-amf", g.AMFName)
	}
	gnbs := h.amf.GNBs()
	if len(gnbs) != 1 || gnbs[0].ID != "gnb-00101-1" || gnbs[0].State != "ready" || gnbs[0].SupportedTA[0].TAC != 1 {
		t.Errorf("GNBs() = %+v", gnbs)
	}
	if got := gauge(h, "keel_amf_gnbs_connected"); got != 1 {
		t.Errorf("keel_amf_gnbs_connected = %v, want 1", got)
	}
}

func gauge(h *harness, name string) float64 {
	mfs, _ := h.reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	return -1
}

func TestNGSetupFailure(t *testing.T) {
	h := start(t, nil)
	otherPLMN := ident.PLMN{MCC: "999", MNC: "99"}
	tests := []struct {
		name  string
		cfg   func(*gnb.Config)
		cause string
	}{
		{"unknown PLMN", func(c *gnb.Config) {
			c.ID.PLMN = otherPLMN
			c.TAs[0].PLMNs = []ident.PLMN{otherPLMN}
		}, "misc/4"},
		{"no common TAC", func(c *gnb.Config) { c.TAs[0].TAC = 7 }, "misc/4"},
		{"no common slice", func(c *gnb.Config) { c.TAs[0].Slices = []ident.SNSSAI{{SST: 2}} }, "radio-network/39"},
	}
	for i, tt := range tests {
		cfg := gnbConfig(uint32(100 + i))
		tt.cfg(&cfg)
		_, err := h.connect(cfg)
		var se *gnb.SetupError
		if !errors.As(err, &se) || se.Cause != tt.cause {
			t.Errorf("%s: Connect = %v, want NG Setup Failure with cause %s", tt.name, err, tt.cause)
		}
	}
	if n := len(h.amf.GNBs()); n > len(tests) {
		t.Errorf("%d associations listed after refusals", n)
	}
}

// A slice the gNB supports only under another PLMN of the same tracking
// area is no common slice: slices are per broadcast PLMN (TS 38.413
// §9.2.6.1).
func TestNGSetupSliceOfAnotherPLMN(t *testing.T) {
	h := start(t, nil)
	cfg := gnbConfig(1)
	other := ident.PLMN{MCC: "999", MNC: "99"}
	cfg.TAs[0].PLMNs = []ident.PLMN{plmn, other}
	m, err := ngap.NGSetupRequest(ngap.GNBInfo{ID: cfg.ID, Name: cfg.Name, TAs: cfg.TAs})
	if err != nil {
		t.Fatal(err)
	}
	// Our PLMN gets SST 3 only; SST 1, which the AMF serves, stays with
	// the other PLMN.
	ours := &m.SupportedTAList.List[0].BroadcastPLMNList.List[0]
	ours.TAISliceSupportList = &ie.SliceSupportList{List: []ie.SliceSupportItem{{SNSSAI: &ie.SNSSAI{SST: &ie.SST{Value: []byte{3}}}}}}
	b, err := ngap.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	if got := exchange(t, h.raw(), b); causeOf(got) != "NGSetupFailure radio-network/39" {
		t.Errorf("NG Setup with the served slice only under another PLMN = %T %q, want NG Setup Failure radio-network/39", got, causeOf(got))
	}
}

// A second association from another address claims the gNB ID of a live
// gNB: the first answers the liveness probe (an AMF Configuration
// Update) and keeps its ID; the second gets NG Setup Failure,
// misc/unspecified, with a Time to Wait.
func TestDuplicateGNBID(t *testing.T) {
	h := start(t, nil)
	first, err := h.connect(gnbConfig(1))
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	m := exchange(t, h.rawFrom(netip.MustParseAddr("127.0.0.2")), setupPDU(t, gnbConfig(1)))
	f, ok := m.(*message.NGSetupFailure)
	if !ok || causeOf(m) != "NGSetupFailure misc/5" || f.TimeToWait == nil || f.TimeToWait.Value != ie.TimeToWaitPresentV5s {
		t.Fatalf("NG Setup from another address with a live gNB's ID = %T %q, want NG Setup Failure misc/5 with Time to Wait 5 s", m, causeOf(m))
	}
	if ev := next(t, first); ev.Procedure != "AMFConfigurationUpdate" {
		t.Errorf("first gNB saw %+v, want the liveness probe", ev)
	}
	// The first gNB is untouched: its association still works.
	cu, _ := ngap.RANConfigurationUpdate("renamed", nil)
	pdu, _ := ngap.Encode(cu)
	first.Send(context.Background(), pdu)
	if ev := next(t, first); ev.Procedure != "RANConfigurationUpdateAcknowledge" {
		t.Errorf("first gNB after duplicate: %+v", ev)
	}
	for _, g := range h.amf.GNBs() {
		if g.State == "ready" && g.Address != first.Conn().LocalAddr().String() {
			t.Errorf("GNBs() lists %+v set up, want the first gNB alone", g)
		}
	}
	// A repeated NG Setup on the same association is accepted (§8.7.1.2).
	first.Send(context.Background(), setupPDU(t, gnbConfig(1)))
	if ev := next(t, first); ev.Procedure != "NGSetupResponse" {
		t.Errorf("repeated NG Setup on the same association: %+v", ev)
	}
}

func next(t *testing.T, g *gnb.GNB) gnb.Event {
	t.Helper()
	select {
	case ev := <-g.Events():
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event from the AMF within 5 s")
	}
	return gnb.Event{}
}

func causeOf(m message.Message) string {
	switch x := m.(type) {
	case *message.ErrorIndication:
		return "EI " + ngap.CauseString(x.Cause)
	case *message.NGSetupFailure:
		return "NGSetupFailure " + ngap.CauseString(x.Cause)
	}
	return ""
}

// TestBadInput sends what a broken or hostile gNB might, each on its own
// association, and checks the protocol's answer.
func TestBadInput(t *testing.T) {
	h := start(t, nil)
	good := setupPDU(t, gnbConfig(1))
	unknownProc := append([]byte(nil), good...)
	unknownProc[1] = 200
	cu, _ := ngap.RANConfigurationUpdate("x", nil)
	cuPDU, _ := ngap.Encode(cu)
	ul, _ := ngap.Encode(&message.UplinkNASTransport{
		AMFUENGAPID: &ie.AMFUENGAPID{Value: 77}, RANUENGAPID: &ie.RANUENGAPID{Value: 5},
		NASPDU:                  &ie.NASPDU{Value: []byte{0x7e, 0x00, 0x43}},
		UserLocationInformation: userLocation(),
	})

	unknownIgnore := append([]byte(nil), unknownProc...)
	unknownIgnore[2] = unknownIgnore[2]&0x3f | 0x40 // criticality "ignore IE"
	ei, _ := ngap.Encode(ngap.ErrorIndication(ngap.ProtocolCause(ie.CauseProtocolPresentUnspecified), nil, -1, -1))

	// want "" is no answer at all: the PDU is followed by garbage, whose
	// Error Indication must then be the first answer.
	tests := []struct {
		name  string
		setup bool // run NG Setup first
		pdu   []byte
		want  string
	}{
		{"garbage", false, []byte("this is not NGAP at all"), "EI protocol/0"},
		{"unknown procedure, criticality ignore", false, unknownIgnore, ""},
		{"Error Indication before NG Setup", false, ei, ""},
		{"Error Indication after NG Setup", true, ei, ""},
		{"truncated NG Setup", false, good[:9], "EI protocol/0"},
		{"unknown procedure", false, unknownProc, "EI none"},
		{"not NG Setup first", false, cuPDU, "EI protocol/3"},
		{"unknown UE", true, ul, "EI radio-network/14"},
	}
	for i, tt := range tests {
		c := h.raw()
		if tt.setup {
			if m := exchange(t, c, setupPDU(t, gnbConfig(uint32(10+i)))); causeOf(m) != "" {
				t.Fatalf("%s: setup: %T %s", tt.name, m, causeOf(m))
			}
		}
		if tt.want == "" {
			send(t, c, tt.pdu)
			if got := exchange(t, c, []byte("garbage")); causeOf(got) != "EI protocol/0" {
				t.Errorf("%s: answered with %T %q, want no answer", tt.name, got, causeOf(got))
			}
			continue
		}
		got := exchange(t, c, tt.pdu)
		if causeOf(got) != tt.want {
			t.Errorf("%s: answer %T %q, want %q", tt.name, got, causeOf(got), tt.want)
		}
		if tt.name == "unknown procedure" {
			ei := got.(*message.ErrorIndication)
			if ei.CriticalityDiagnostics == nil || ei.CriticalityDiagnostics.ProcedureCode.Value != 200 {
				t.Errorf("unknown procedure: Error Indication without Criticality Diagnostics naming it")
			}
		}
		if tt.name == "unknown UE" {
			ei := got.(*message.ErrorIndication)
			if ei.AMFUENGAPID == nil || ei.AMFUENGAPID.Value != 77 || ei.RANUENGAPID == nil || ei.RANUENGAPID.Value != 5 {
				t.Errorf("unknown UE: Error Indication does not echo the UE NGAP IDs")
			}
		}
	}
}

func userLocation() *ie.UserLocationInformation {
	p, _ := ngap.EncodePLMN(plmn)
	return &ie.UserLocationInformation{Choice: &ie.UserLocationInformationNR{
		NRCGI: &ie.NRCGI{PLMNIdentity: p, NRCellIdentity: &ie.NRCellIdentity{Value: bitString36()}},
		TAI:   &ie.TAI{PLMNIdentity: p, TAC: ngap.EncodeTAC(1)},
	}}
}

func TestRANConfigurationUpdate(t *testing.T) {
	h := start(t, nil)
	g, err := h.connect(gnbConfig(1))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	send := func(name string, tas []ngap.TA) gnb.Event {
		m, _ := ngap.RANConfigurationUpdate(name, tas)
		b, _ := ngap.Encode(m)
		g.Send(context.Background(), b)
		return next(t, g)
	}
	if ev := send("", []ngap.TA{{TAC: 9, PLMNs: []ident.PLMN{plmn}, Slices: []ident.SNSSAI{{SST: 1}}}}); ev.Procedure != "RANConfigurationUpdateFailure" {
		t.Errorf("update to a foreign TAC: %+v, want failure", ev)
	}
	if ev := send("", []ngap.TA{{TAC: 1, PLMNs: []ident.PLMN{plmn}, Slices: []ident.SNSSAI{{SST: 2}}}}); ev.Procedure != "RANConfigurationUpdateFailure" {
		t.Errorf("update leaving no common slice: %+v, want failure", ev)
	}
	if ev := send("gnb-renamed", []ngap.TA{{TAC: 2, PLMNs: []ident.PLMN{plmn}, Slices: []ident.SNSSAI{{SST: 1}}}}); ev.Procedure != "RANConfigurationUpdateAcknowledge" {
		t.Errorf("valid update: %+v", ev)
	}
	got := h.amf.GNBs()[0]
	if got.Name != "gnb-renamed" || got.SupportedTA[0].TAC != 2 {
		t.Errorf("after update: %+v", got)
	}
}

func TestNGReset(t *testing.T) {
	h := start(t, nil)
	g, err := h.connect(gnbConfig(1))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	// gNB-initiated.
	b, _ := ngap.Encode(ngap.NGResetAll(ngap.MiscCause(ie.CauseMiscPresentOmIntervention)))
	g.Send(context.Background(), b)
	if ev := next(t, g); ev.Procedure != "NGResetAcknowledge" {
		t.Errorf("NG Reset from gNB answered with %+v", ev)
	}
	// AMF-initiated: the simulated gNB acknowledges.
	if err := h.amf.ResetGNB(context.Background(), "gnb-00101-1"); err != nil {
		t.Errorf("ResetGNB = %v", err)
	}
	if ev := next(t, g); ev.Procedure != "NGReset" {
		t.Errorf("gNB saw %+v, want NGReset", ev)
	}
	if err := h.amf.ResetGNB(context.Background(), "gnb-00101-99"); !errors.Is(err, amf.ErrUnknownGNB) {
		t.Errorf("ResetGNB(unknown) = %v, want ErrUnknownGNB", err)
	}
}

func TestStopSendsAMFStatusIndication(t *testing.T) {
	h := start(t, nil)
	g, err := h.connect(gnbConfig(1))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h.amf.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, g); ev.Procedure != "AMFStatusIndication" {
		t.Errorf("on AMF stop the gNB saw %+v, want AMFStatusIndication", ev)
	}
}

func TestAssociationDropCleansUp(t *testing.T) {
	h := start(t, nil)
	g, err := h.connect(gnbConfig(1))
	if err != nil {
		t.Fatal(err)
	}
	g.Conn().Abort()
	deadline := time.Now().Add(5 * time.Second)
	for len(h.amf.GNBs()) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("gNB still listed after its association dropped: %+v", h.amf.GNBs())
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The same gNB ID can set up again.
	g2, err := h.connect(gnbConfig(1))
	if err != nil {
		t.Fatalf("reconnect after drop: %v", err)
	}
	g2.Close()
}

// TestMutatedPDUs fires 10,000 mutated PDUs at a running AMF from one gNB
// while another gNB stays connected, then checks both still work.
func TestMutatedPDUs(t *testing.T) {
	h := start(t, nil)
	bystander, err := h.connect(gnbConfig(2))
	if err != nil {
		t.Fatal(err)
	}
	defer bystander.Close()
	seeds := [][]byte{setupPDU(t, gnbConfig(1))}
	for _, m := range []message.Message{
		ngap.NGResetAll(ngap.MiscCause(ie.CauseMiscPresentOmIntervention)),
		ngap.ErrorIndication(ngap.ProtocolCause(0), nil, 1, 2),
		&message.RANConfigurationUpdate{RANNodeName: &ie.RANNodeName{Value: "x"}},
	} {
		b, _ := ngap.Encode(m)
		seeds = append(seeds, b)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	c := h.raw()
	ctx := context.Background()
	answers := make(chan int)
	go func() {
		n := 0
		for {
			if _, err := c.Recv(ctx); err != nil {
				answers <- n
				return
			}
			n++
		}
	}()
	const total = 10_000
	for i := range total {
		pdu := append([]byte(nil), seeds[i%len(seeds)]...)
		switch rng.IntN(3) {
		case 0:
			for range 1 + rng.IntN(4) {
				pdu[rng.IntN(len(pdu))] ^= byte(1 + rng.IntN(255))
			}
		case 1:
			pdu = pdu[:rng.IntN(len(pdu))]
		case 2:
			pdu = append(pdu, byte(rng.IntN(256)))
			pdu[rng.IntN(len(pdu))] = byte(rng.IntN(256))
		}
		if len(pdu) == 0 {
			pdu = []byte{0}
		}
		if err := c.Send(ctx, sctp.Message{PPID: sctp.PPIDNGAP, Data: pdu}); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	// Still alive: a normal NG Setup completes (a new gNB ID: the mutated
	// stream may well have set up ID 1 on its own association), and the
	// bystander's association answers.
	g, err := h.connect(gnbConfig(3))
	if err != nil {
		t.Fatalf("NG Setup after %d mutated PDUs: %v", total, err)
	}
	g.Close()
	cu, _ := ngap.RANConfigurationUpdate("still-here", nil)
	b, _ := ngap.Encode(cu)
	bystander.Send(ctx, b)
	if ev := next(t, bystander); ev.Procedure != "RANConfigurationUpdateAcknowledge" {
		t.Errorf("bystander gNB after the storm: %+v", ev)
	}
	c.Close()
	n := <-answers
	if n == 0 {
		t.Error("the AMF answered none of the mutated PDUs")
	}
	t.Logf("%d mutated PDUs, %d answers", total, n)
	mfs, _ := h.reg.Gather()
	var errs float64
	for _, mf := range mfs {
		if strings.HasPrefix(mf.GetName(), "keel_ngap_protocol_errors_total") {
			for _, m := range mf.GetMetric() {
				errs += m.GetCounter().GetValue()
			}
		}
	}
	if errs == 0 {
		t.Error("no protocol errors counted")
	}
}
