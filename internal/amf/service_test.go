package amf_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/free5gc/ngap/ie"

	"github.com/keelcore/keel/internal/amf"
	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/metrictest"
	"github.com/keelcore/keel/internal/nas/sm"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sim/gnb"
	"github.com/keelcore/keel/internal/sim/scenario"
	"github.com/keelcore/keel/internal/sim/ue"
)

// idleSMF accepts every PDU session and records what the AMF tells it
// about their user planes: "DEACTIVATED", "ACTIVATING" (answered with a
// PDU Session Resource Setup Request Transfer), "setup-response" and
// "setup-failure" (the gNB's answer for the session), by SM context.
type idleSMF struct {
	// quiet: record nothing (a benchmark's many cycles).
	quiet  bool
	mu     sync.Mutex
	next   int
	n2     []byte
	events map[string][]string
}

func newIdleSMF(tb testing.TB) *idleSMF {
	n2, err := ngap.SetupRequestTransfer{AMBRUplink: 1e6, AMBRDownlink: 1e6, PDUType: 1,
		UL: ngap.Tunnel{Addr: netip.MustParseAddr("192.0.2.1"), TEID: 1}, Flows: []ngap.QoSFlow{{QFI: 1, FiveQI: 9, ARPPriority: 8}}}.Encode()
	if err != nil {
		tb.Fatal(err)
	}
	return &idleSMF{n2: n2, events: map[string][]string{}}
}

func (s *idleSMF) CreateSMContext(_ context.Context, req sbi.SmContextCreateData) (sbi.SmContextCreatedData, error) {
	er, err := sm.ParseEstablishmentRequest(req.N1SmMsg.Bytes())
	if err != nil {
		return sbi.SmContextCreatedData{}, err
	}
	n1, err := sm.EstablishmentAccept(nil, sm.Accept{PDUSessionID: req.PduSessionID, PTI: er.PTI, PDUType: 1, SSCMode: 1,
		QFI: 1, FiveQI: 9, AMBRUplink: 1e6, AMBRDownlink: 1e6, IPv4: netip.MustParseAddr("10.45.0.2"), SST: 1, DNN: req.Dnn})
	if err != nil {
		return sbi.SmContextCreatedData{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	return sbi.SmContextCreatedData{SmContextRef: fmt.Sprint(s.next), N1SmMsg: sbi.N1SM(n1), N2SmInfo: sbi.N2SM(s.n2)}, nil
}

func (s *idleSMF) UpdateSMContext(_ context.Context, ref string, upd sbi.SmContextUpdateData) (sbi.SmContextUpdatedData, error) {
	ev := upd.UpCnxState.String()
	switch upd.N2SmInfoType {
	case sbi.N2SetupResponse:
		ev = "setup-response"
	case sbi.N2SetupFailure:
		ev = "setup-failure"
	}
	if !s.quiet {
		s.mu.Lock()
		s.events[ref] = append(s.events[ref], ev)
		s.mu.Unlock()
	}
	if upd.UpCnxState == sbi.UpCnxActivating {
		return sbi.SmContextUpdatedData{N2SmInfoType: sbi.N2SetupRequest, N2SmInfo: sbi.N2SM(s.n2), UpCnxState: sbi.UpCnxActivating}, nil
	}
	return sbi.SmContextUpdatedData{}, nil
}

func (s *idleSMF) ReleaseSMContext(context.Context, string) error { return nil }

// waitEvents waits until the SM context ref has seen want, in order.
func (s *idleSMF) waitEvents(t *testing.T, ref string, want ...string) {
	t.Helper()
	var got []string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		s.mu.Lock()
		got = slices.Clone(s.events[ref])
		s.mu.Unlock()
		if slices.Equal(got, want) {
			return
		}
	}
	t.Fatalf("SM context %s saw %v, want %v", ref, got, want)
}

// waitCM waits until the AMF shows its one UE registered in cm.
func waitCM(t *testing.T, c *core, cm string) amf.UE {
	t.Helper()
	var ues []amf.UE
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if ues = c.amf.UEs(); len(ues) == 1 && ues[0].State == "registered" && ues[0].CMState == cm {
			return ues[0]
		}
	}
	t.Fatalf("UEs %+v, want one registered UE %s", ues, cm)
	return amf.UE{}
}

// serviceRequest has u send a SERVICE REQUEST from 5GMM-IDLE over g and
// returns the connection and the first downlink, after checking what
// the UE makes of it.
func serviceRequest(ctx context.Context, t *testing.T, g *gnb.GNB, u *ue.UE, tmsi ngap.FiveGSTMSI, want ue.Event, uplinkData ...uint8) (*gnb.UEConn, gnb.Downlink, ue.Result) {
	t.Helper()
	pdu, err := u.ServiceRequest(ue.ServiceData, uplinkData...)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := g.Attach(ctx, pdu, &tmsi)
	if err != nil {
		t.Fatal(err)
	}
	var d gnb.Downlink
	select {
	case d = <-conn.Downlink():
	case <-ctx.Done():
		t.Fatal("no answer to the Service Request")
	}
	res, err := u.Handle(d.NAS)
	if err != nil || res.Event != want {
		t.Fatalf("UE handles the answer to its Service Request: %v, %v; want %v", res.Event, err, want)
	}
	return conn, d, res
}

// AN release (TS 23.502 §4.2.6) and the UE-triggered Service Request
// (§4.2.3.2) through NGAP: UE Context Release Request for user
// inactivity (and later for a radio connection lost) leaves the UE registered in CM-IDLE with its session
// DEACTIVATED at the SMF; its SERVICE REQUEST (5G-S-TMSI, Uplink data
// status) gets an Initial Context Setup with the session's transfer, the
// KgNB of the Service Request's uplink COUNT and the SERVICE ACCEPT, and
// the gNB's result for the session reaches the SMF. The loss of the
// association and an NG Reset idle the UE the same way; an unknown
// 5G-S-TMSI is rejected with #9.
func TestANReleaseAndServiceRequest(t *testing.T) {
	smf := newIdleSMF(t)
	c := startCoreOpts(t, 1, gmm.Timers{}, coreOptions{services: func(s gmm.Services) gmm.Services { s.SMF = smf; return s }})
	g := c.gnbN3(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	u := c.ue(t, 0)
	s, _, err := scenario.Register(ctx, g, u)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.EstablishPDUSession(ctx, 5, "internet", ident.SNSSAI{SST: 1}); err != nil {
		t.Fatal(err)
	}
	smf.waitEvents(t, "1", "setup-response")
	if v := waitCM(t, c, "connected"); v.GNB == "" {
		t.Errorf("connected UE %+v without a gNB", v)
	}

	if err := s.Release(ctx); err != nil {
		t.Fatal(err)
	}
	waitCM(t, c, "idle")
	smf.waitEvents(t, "1", "setup-response", "DEACTIVATED")

	tmsi := tmsiOf(t, c)
	count := u.NextULCount()
	conn, d, _ := serviceRequest(ctx, t, g, u, tmsi, ue.EventServiceAccepted, 5)
	if !d.ContextSetup {
		t.Error("SERVICE ACCEPT did not come in an Initial Context Setup Request")
	}
	if d.KgNB != u.KgNBForCount(count) {
		t.Error("KgNB of the Initial Context Setup is not the one of the Service Request's uplink COUNT (TS 33.501 Annex A.9)")
	}
	smf.waitEvents(t, "1", "setup-response", "DEACTIVATED", "ACTIVATING", "setup-response")
	waitCM(t, c, "connected")
	if got := metrictest.Value(t, c.reg, "keel_amf_service_requests_total", "result", "accepted"); got != 1 {
		t.Errorf("keel_amf_service_requests_total{result=accepted} = %v, want 1", got)
	}

	// The gNB lost the radio connection (UE Context Release Request,
	// radio connection with UE lost): idle again.
	v := waitCM(t, c, "connected")
	rel, err := ngap.Encode(ngap.UEContextReleaseRequest(v.AMFUENGAPID, conn.RANUENGAPID(),
		ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentRadioConnectionWithUeLost)))
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Send(ctx, rel); err != nil {
		t.Fatal(err)
	}
	u.ConnectionReleased()
	waitCM(t, c, "idle")
	smf.waitEvents(t, "1", "setup-response", "DEACTIVATED", "ACTIVATING", "setup-response", "DEACTIVATED")
	serviceRequest(ctx, t, g, u, tmsi, ue.EventServiceAccepted)
	waitCM(t, c, "connected")

	// The association goes down: the UE is idle, its session deactivated.
	g.Close()
	u.ConnectionReleased()
	waitCM(t, c, "idle")
	smf.waitEvents(t, "1", "setup-response", "DEACTIVATED", "ACTIVATING", "setup-response", "DEACTIVATED", "DEACTIVATED")

	// Over a new gNB, then an NG Reset from it.
	g2 := c.gnbN3(t, 2)
	serviceRequest(ctx, t, g2, u, tmsi, ue.EventServiceAccepted)
	waitCM(t, c, "connected")
	b, err := ngap.Encode(ngap.NGResetAll(ngap.MiscCause(ie.CauseMiscPresentOmIntervention)))
	if err != nil {
		t.Fatal(err)
	}
	if err := g2.Send(ctx, b); err != nil {
		t.Fatal(err)
	}
	u.ConnectionReleased()
	waitCM(t, c, "idle")
	smf.waitEvents(t, "1", "setup-response", "DEACTIVATED", "ACTIVATING", "setup-response", "DEACTIVATED", "DEACTIVATED", "DEACTIVATED")

	// A 5G-S-TMSI the AMF does not know.
	wrong := tmsi
	wrong.TMSI ^= 0x5a5a5a5a
	_, _, res := serviceRequest(ctx, t, g2, u, wrong, ue.EventServiceRejected)
	if res.Cause != 9 {
		t.Errorf("Service Request with an unknown 5G-S-TMSI rejected with #%d, want #9", res.Cause)
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if metrictest.Value(t, c.reg, "keel_amf_service_requests_total", "result", "rejected-9") == 1 {
			break
		}
	}
	if got := metrictest.Value(t, c.reg, "keel_amf_service_requests_total", "result", "rejected-9"); got != 1 {
		t.Errorf("keel_amf_service_requests_total{result=rejected-9} = %v, want 1", got)
	}
	// The known UE is untouched.
	waitCM(t, c, "idle")
}

// gnbN3 connects a gNB with a user plane (N3 on a loopback address of its
// own, GTP-U port 2152), so that it sets PDU session resources up.
func (c *core) gnbN3(tb testing.TB, id uint32) *gnb.GNB {
	tb.Helper()
	var last error
	for range 8 {
		cfg := gnbConfig(id)
		cfg.N3 = netip.AddrFrom4([4]byte{127, 77, byte(1 + rand.IntN(250)), byte(1 + rand.IntN(250))})
		g, err := gnb.Connect(context.Background(), c.tr, c.addr, cfg, nil)
		if err == nil {
			tb.Cleanup(func() { g.Close() })
			return g
		}
		last = err
	}
	tb.Fatalf("gNB with N3: %v", last)
	return nil
}

// BenchmarkServiceRequest measures the core's share of the UE-triggered
// Service Request with user-plane reactivation, in process: 256
// registered UEs with one PDU session each cycle, 64 at a time, through
// AN release (UE Context Release Request, Command, Complete, the SMF told
// DEACTIVATED) and a SERVICE REQUEST of type data with the session in its
// Uplink data status (integrity check, NAS message container, SMF
// ACTIVATING, Initial Context Setup with the session and the SERVICE
// ACCEPT, the gNB's result to the SMF). The SMF is a stub; the simulated
// gNB and UEs run in the same process and share its CPU.
func BenchmarkServiceRequest(b *testing.B) {
	const pool, parallel = 256, 64
	smf := newIdleSMF(b)
	smf.quiet = true
	c := startCoreOpts(b, pool, gmm.Timers{}, coreOptions{services: func(s gmm.Services) gmm.Services { s.SMF = smf; return s }})
	g := c.gnbN3(b, 1)
	sessions := make([]*scenario.Session, pool)
	var wg sync.WaitGroup
	sem := make(chan struct{}, parallel)
	for i := range sessions {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			s, _, err := scenario.Register(ctx, g, c.ue(b, i))
			if err == nil {
				_, _, err = s.EstablishPDUSession(ctx, 1, "internet", ident.SNSSAI{SST: 1})
			}
			if err != nil {
				b.Error(err)
				return
			}
			sessions[i] = s
		}()
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
	work := make(chan *scenario.Session, pool)
	for _, s := range sessions {
		work <- s
	}
	var cycles sync.WaitGroup
	cpu0 := cpuTime()
	b.ResetTimer()
	for range b.N {
		sem <- struct{}{}
		s := <-work
		cycles.Add(1)
		go func() {
			defer cycles.Done()
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := s.Release(ctx); err != nil {
				b.Error(err)
			} else if _, err := s.ServiceRequest(ctx, ue.ServiceData, 1); err != nil {
				b.Error(err)
			}
			work <- s
		}()
	}
	cycles.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "service-requests/s")
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N)*1e6, "cpu-µs/cycle")
}

// A UE implicitly deregistered while idle (mobile reachable and implicit
// deregistration timers, TS 24.501 §5.3.7) is forgotten, but its 5G-TMSI
// is remembered: its SERVICE REQUEST gets #10 (§5.6.1.5), not the #9 of
// a 5G-TMSI the AMF never gave.
func TestServiceRequestImplicitlyDeregistered(t *testing.T) {
	c := startCore(t, 1, gmm.Timers{MobileReachable: 20 * time.Millisecond, ImplicitDeregistration: 20 * time.Millisecond})
	g := c.gnb(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	u := c.ue(t, 0)
	s, _, err := scenario.Register(ctx, g, u)
	if err != nil {
		t.Fatal(err)
	}
	waitCM(t, c, "connected")
	tmsi := tmsiOf(t, c)
	if err := s.Release(ctx); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); len(c.amf.UEs()) > 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("UEs %+v: not implicitly deregistered", c.amf.UEs())
		}
	}
	_, _, res := serviceRequest(ctx, t, g, u, tmsi, ue.EventServiceRejected)
	if res.Cause != 10 {
		t.Errorf("Service Request of an implicitly deregistered UE rejected with #%d, want #10", res.Cause)
	}
}

// A UE comes back with a SERVICE REQUEST on a new connection before the
// AMF has ended its old one (its release crossed the request): the old
// connection is released and its user plane deactivated at the SMF
// first, so that the SMF answers ACTIVATING with a setup transfer for
// the new connection (TS 23.502 §4.2.6, §4.2.3.2).
func TestServiceRequestReplacesConnection(t *testing.T) {
	smf := newIdleSMF(t)
	c := startCoreOpts(t, 1, gmm.Timers{}, coreOptions{services: func(s gmm.Services) gmm.Services { s.SMF = smf; return s }})
	g := c.gnbN3(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	u := c.ue(t, 0)
	s, _, err := scenario.Register(ctx, g, u)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.EstablishPDUSession(ctx, 5, "internet", ident.SNSSAI{SST: 1}); err != nil {
		t.Fatal(err)
	}
	smf.waitEvents(t, "1", "setup-response")
	tmsi := tmsiOf(t, c)
	u.ConnectionReleased()
	serviceRequest(ctx, t, g, u, tmsi, ue.EventServiceAccepted, 5)
	smf.waitEvents(t, "1", "setup-response", "DEACTIVATED", "ACTIVATING", "setup-response")
	waitCM(t, c, "connected")
	// The gNB's UE Context Release Complete for the old connection is
	// the answer to the AMF's own command: taken, not refused as a
	// message for an unknown UE (TS 38.413 §8.3.3, §10.6).
	time.Sleep(100 * time.Millisecond)
	if n := metrictest.Value(t, c.reg, "keel_ngap_protocol_errors_total", "kind", "unknown-ue"); n != 0 {
		t.Errorf("keel_ngap_protocol_errors_total{kind=unknown-ue} = %v, want 0: the old connection's Release Complete was refused", n)
	}
}

// untilAccepted has u answer what comes down conn — the AUTHENTICATION
// REQUEST and SECURITY MODE COMMAND of a SERVICE REQUEST that failed the
// integrity check — until the SERVICE ACCEPT, which it returns with the
// downlink that carried it.
func untilAccepted(ctx context.Context, t *testing.T, conn *gnb.UEConn, u *ue.UE) (gnb.Downlink, []string) {
	t.Helper()
	var seen []string
	for {
		var d gnb.Downlink
		select {
		case d = <-conn.Downlink():
		case <-ctx.Done():
			t.Fatalf("no SERVICE ACCEPT after %v", seen)
		}
		if d.Released {
			t.Fatalf("connection released (cause %q) after %v", d.Cause, seen)
		}
		res, err := u.Handle(d.NAS)
		if err != nil {
			t.Fatalf("UE handles downlink after %v: %v", seen, err)
		}
		seen = append(seen, nasName(d.NAS))
		for _, up := range res.Uplink {
			if err := conn.Send(ctx, up); err != nil {
				t.Fatal(err)
			}
		}
		switch res.Event {
		case ue.EventServiceAccepted:
			return d, seen
		case ue.EventNone:
		default:
			t.Fatalf("UE event %v (cause #%d) after %v", res.Event, res.Cause, seen)
		}
	}
}

// nasType is the 5GMM message type of a downlink NAS PDU not ciphered:
// after the security header (7 octets) of an integrity protected one.
func nasType(pdu []byte) uint8 {
	if len(pdu) >= 10 && pdu[1]&0x0f != 0 {
		return pdu[9]
	}
	if len(pdu) >= 3 {
		return pdu[2]
	}
	return 0
}

// nasName names a downlink NAS PDU by its message type, or "ciphered".
func nasName(pdu []byte) string {
	if len(pdu) >= 2 && (pdu[1]&0x0f == 2 || pdu[1]&0x0f == 4) {
		return "ciphered"
	}
	return fmt.Sprintf("%#02x", nasType(pdu))
}

// A SERVICE REQUEST whose MAC is wrong, through NGAP (TS 23.502 §4.2.3.2
// step 4): the AMF authenticates the UE and runs security mode control
// on the Initial UE Message's connection; the UE sends its SERVICE
// REQUEST again in the SECURITY MODE COMPLETE, and the Initial Context
// Setup reactivates its session with KgNB from the new KAMF (uplink
// COUNT 0, the SECURITY MODE COMPLETE's) and the SERVICE ACCEPT. The new
// context then serves the next idle period's SERVICE REQUEST.
func TestServiceRequestWrongMACAuthenticates(t *testing.T) {
	smf := newIdleSMF(t)
	c := startCoreOpts(t, 1, gmm.Timers{}, coreOptions{services: func(s gmm.Services) gmm.Services { s.SMF = smf; return s }})
	g := c.gnbN3(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	u := c.ue(t, 0)
	s, _, err := scenario.Register(ctx, g, u)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.EstablishPDUSession(ctx, 5, "internet", ident.SNSSAI{SST: 1}); err != nil {
		t.Fatal(err)
	}
	smf.waitEvents(t, "1", "setup-response")
	if err := s.Release(ctx); err != nil {
		t.Fatal(err)
	}
	waitCM(t, c, "idle")
	tmsi := tmsiOf(t, c)

	pdu, err := u.ServiceRequest(ue.ServiceData, 5)
	if err != nil {
		t.Fatal(err)
	}
	bad := slices.Clone(pdu)
	bad[2] ^= 0xff
	conn, err := g.Attach(ctx, bad, &tmsi)
	if err != nil {
		t.Fatal(err)
	}
	d, seen := untilAccepted(ctx, t, conn, u)
	if want := []string{"0x56", "0x5d", "ciphered"}; !slices.Equal(seen, want) {
		t.Errorf("downlink NAS %v, want %v (AUTHENTICATION REQUEST, SECURITY MODE COMMAND, the ciphered SERVICE ACCEPT)", seen, want)
	}
	if !d.ContextSetup {
		t.Error("SERVICE ACCEPT did not come in an Initial Context Setup Request")
	}
	if d.KgNB != u.KgNBForCount(0) {
		t.Error("KgNB of the Initial Context Setup is not the new KAMF's for uplink COUNT 0 (TS 33.501 Annex A.9)")
	}
	smf.waitEvents(t, "1", "setup-response", "DEACTIVATED", "ACTIVATING", "setup-response")
	waitCM(t, c, "connected")
	if got := metrictest.Value(t, c.reg, "keel_amf_service_requests_total", "result", "accepted"); got != 1 {
		t.Errorf("keel_amf_service_requests_total{result=accepted} = %v, want 1", got)
	}
	if got := metrictest.Value(t, c.reg, "keel_amf_procedures_total", "procedure", "authentication", "result", "success"); got != 2 {
		t.Errorf("keel_amf_procedures_total{authentication,success} = %v, want 2 (registration, service request)", got)
	}

	s.Conn = conn
	if err := s.Release(ctx); err != nil {
		t.Fatal(err)
	}
	waitCM(t, c, "idle")
	if _, err := s.ServiceRequest(ctx, ue.ServiceData, 5); err != nil {
		t.Fatalf("Service Request with the new context: %v", err)
	}
	waitCM(t, c, "connected")
}

// A replayed SERVICE REQUEST, through NGAP, from a connection that cannot
// answer the AUTHENTICATION REQUEST: T3560 runs out, the AMF releases
// that connection, and the UE, still registered with its context, has
// its own SERVICE REQUEST accepted.
func TestServiceRequestReplayedNotAnswered(t *testing.T) {
	smf := newIdleSMF(t)
	c := startCoreOpts(t, 1, gmm.Timers{T3560: 300 * time.Millisecond},
		coreOptions{services: func(s gmm.Services) gmm.Services { s.SMF = smf; return s }})
	g := c.gnbN3(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	u := c.ue(t, 0)
	s, _, err := scenario.Register(ctx, g, u)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.EstablishPDUSession(ctx, 5, "internet", ident.SNSSAI{SST: 1}); err != nil {
		t.Fatal(err)
	}
	if err := s.Release(ctx); err != nil {
		t.Fatal(err)
	}
	waitCM(t, c, "idle")
	tmsi := tmsiOf(t, c)
	pdu, err := u.ServiceRequest(ue.ServiceData, 5)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := g.Attach(ctx, pdu, &tmsi)
	if err != nil {
		t.Fatal(err)
	}
	untilAccepted(ctx, t, conn, u)
	s.Conn = conn
	if err := s.Release(ctx); err != nil {
		t.Fatal(err)
	}
	waitCM(t, c, "idle")

	attacker, err := g.Attach(ctx, pdu, &tmsi)
	if err != nil {
		t.Fatal(err)
	}
	requests := 0
	for released := false; !released; {
		select {
		case d := <-attacker.Downlink():
			switch {
			case d.Released:
				released = true
			case nasType(d.NAS) == 0x56:
				requests++
			default:
				t.Fatalf("downlink %x to the replaying connection", d.NAS)
			}
		case <-ctx.Done():
			t.Fatalf("replaying connection not released after %d AUTHENTICATION REQUESTs", requests)
		}
	}
	if requests != 5 {
		t.Errorf("%d AUTHENTICATION REQUESTs before the release, want 5 (T3560, TS 24.501 §5.4.1.3.7 b)", requests)
	}
	waitCM(t, c, "idle")
	if got := metrictest.Value(t, c.reg, "keel_amf_service_requests_total", "result", "timeout"); got != 1 {
		t.Errorf("keel_amf_service_requests_total{result=timeout} = %v, want 1", got)
	}
	count := u.NextULCount()
	_, d, res := serviceRequest(ctx, t, g, u, tmsi, ue.EventServiceAccepted, 5)
	if d.KgNB != u.KgNBForCount(count) {
		t.Error("KgNB is not the old context's for the Service Request's uplink COUNT")
	}
	if len(res.ReactivationFailed) != 0 || len(res.SessionsReleased) != 0 {
		t.Errorf("SERVICE ACCEPT: reactivation failed %v, sessions released %v; want PSI 5 kept and reactivated", res.ReactivationFailed, res.SessionsReleased)
	}
	waitCM(t, c, "connected")
}
