package gmm

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/ausf"
	"github.com/keelcore/keel/internal/crypto/kdf"
	"github.com/keelcore/keel/internal/crypto/nassec"
	"github.com/keelcore/keel/internal/goldentest"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nas"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/nssf"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/sim/ue"
	"github.com/keelcore/keel/internal/udm"
)

var updateFuzzSeeds = flag.Bool("update-seeds", false, "rewrite testdata/fuzz from the simulated UE")

// The 5GMM fuzz targets run a Machine against a home network that
// answers the same way every time: the real UDM and AUSF over an
// in-memory UDR holding one subscriber, whose SQN never moves, with a
// constant RAND. A registration is then the same exchange of messages on
// every run, so the messages a simulated UE sent once (the seeds, and
// fuzzConversation) stay valid for every fresh Machine. Timers never
// fire: the shell only notes them.

const fuzzSUPI = "imsi-001010000000001"

var (
	fuzzK   = fuzzKey("465b5ce8b199b49faa5f0a2ee238a6bc")
	fuzzOPc = fuzzKey("cd63cb71954a9f4e48a5994e37a02baf")
	// fuzzSQN is the SQN of every challenge; the simulated UE starts
	// below it.
	fuzzSQN  uint64 = 0x21
	fuzzPLMN        = ident.PLMN{MCC: "001", MNC: "01"}
)

func fuzzKey(s string) secret.Key128 {
	k, err := secret.ParseKey128(s)
	if err != nil {
		panic(err)
	}
	return k
}

// fuzzUDR is an sbi.NudrDataRepository with one subscriber.
type fuzzUDR struct{}

func (fuzzUDR) auth(supi string) (sbi.AuthenticationSubscription, error) {
	if supi != fuzzSUPI {
		return sbi.AuthenticationSubscription{}, sbi.ErrUserNotFound
	}
	return sbi.AuthenticationSubscription{PermanentKey: fuzzK, OPc: fuzzOPc, AMF: [2]byte{0x80, 0x00}, SequenceNumber: sbi.SequenceNumber{SQN: fuzzSQN}}, nil
}

func (u fuzzUDR) AuthenticationSubscription(_ context.Context, supi string) (sbi.AuthenticationSubscription, error) {
	return u.auth(supi)
}

func (u fuzzUDR) NextSQN(_ context.Context, supi string) (sbi.AuthenticationSubscription, error) {
	return u.auth(supi)
}

func (u fuzzUDR) ResyncSQN(_ context.Context, supi string, _ uint64) error {
	_, err := u.auth(supi)
	return err
}

func (u fuzzUDR) AccessAndMobilitySubscription(_ context.Context, supi string) (sbi.AMData, error) {
	if _, err := u.auth(supi); err != nil {
		return sbi.AMData{}, err
	}
	return sbi.AMData{UEAMBRUplink: 1e8, UEAMBRDownlink: 2e8, NSSAI: []ident.SNSSAI{{SST: 1}}, DNNs: []string{"internet"}}, nil
}

func (u fuzzUDR) SessionManagementSubscription(_ context.Context, supi string) ([]sbi.SMData, error) {
	_, err := u.auth(supi)
	return nil, err
}

// constantRand is the UDM's source of RAND.
type constantRand struct{}

func (constantRand) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = 0x5a
	}
	return len(b), nil
}

// fuzzSMF accepts every PDU session, and answers a 5GSM message from
// the UE with it again, with a release for a PDU SESSION RELEASE
// REQUEST (TS 24.501 §8.3.12).
type fuzzSMF struct{}

func (fuzzSMF) CreateSMContext(_ context.Context, req sbi.SmContextCreateData) (sbi.SmContextCreatedData, error) {
	if req.Dnn != "internet" {
		return sbi.SmContextCreatedData{}, sbi.ErrUserNotFound
	}
	return sbi.SmContextCreatedData{SmContextRef: fmt.Sprintf("sm-%d", req.PduSessionID),
		N1SmMsg: sbi.N1SM([]byte{0x2e, req.PduSessionID, 1, 0xc2}), N2SmInfo: sbi.N2SM([]byte{0x00})}, nil
}

func (fuzzSMF) UpdateSMContext(_ context.Context, _ string, upd sbi.SmContextUpdateData) (sbi.SmContextUpdatedData, error) {
	out := sbi.SmContextUpdatedData{N1SmMsg: sbi.N1SM(upd.N1SmMsg.Bytes())}
	if len(upd.N1SmMsg.Bytes()) > 3 && upd.N1SmMsg.Bytes()[3] == 0xd1 {
		out.N2SmInfoType, out.N2SmInfo, out.Released = sbi.N2ReleaseCommand, sbi.N2SM([]byte{0x00}), true
	}
	return out, nil
}

func (fuzzSMF) ReleaseSMContext(context.Context, string) error { return nil }

// fuzzShell keeps the downlink NAS PDUs for the simulated UE and checks
// that each is at least a NAS PDU.
type fuzzShell struct {
	tb    testing.TB
	dl    [][]byte
	svc   Services
	calls []fuzzCall
}

// fuzzCall is an SBI call the machine issued, answered by settle.
type fuzzCall struct {
	id  CallID
	req Request
}

func (s *fuzzShell) Call(id CallID, req Request, _ time.Duration) {
	s.calls = append(s.calls, fuzzCall{id, req})
}

// settle answers m's calls, and those it issues on their answers.
func (s *fuzzShell) settle(m *Machine) {
	for len(s.calls) > 0 {
		c := s.calls[0]
		s.calls = s.calls[1:]
		m.Answered(context.Background(), c.id, Perform(context.Background(), s.svc, c.req))
	}
}

// handleNAS gives m an uplink NAS PDU and answers the calls it makes.
func handleNAS(ctx context.Context, m *Machine, pdu []byte) {
	m.HandleNAS(ctx, pdu)
	if s, ok := m.sh.(*fuzzShell); ok {
		s.settle(m)
	}
}

func (s *fuzzShell) nas(pdu []byte) {
	if _, _, err := nas.Split(pdu); err != nil {
		s.tb.Fatalf("downlink NAS PDU does not split: %v\n% x", err, pdu)
	}
	s.dl = append(s.dl, pdu)
}

func (s *fuzzShell) SendNAS(pdu []byte)              { s.nas(pdu) }
func (s *fuzzShell) SetupContext(c ContextSetup)     { s.nas(c.NASPDU) }
func (s *fuzzShell) Release(ReleaseCause)            {}
func (s *fuzzShell) StartTimer(Timer, time.Duration) {}
func (s *fuzzShell) StopTimer(Timer)                 {}
func (s *fuzzShell) AllocateGUTI() ident.GUTI {
	return ident.GUTI{GUAMI: ident.GUAMI{PLMN: fuzzPLMN, RegionID: 1, SetID: 1}, TMSI: 0xc0ffee00}
}
func (s *fuzzShell) RestoreGUTI(ident.GUTI) {}
func (s *fuzzShell) Identified(string)      {}
func (s *fuzzShell) Outcome(Outcome)        {}
func (s *fuzzShell) SetupSessions(items []SessionResource) {
	for _, it := range items {
		s.nas(it.NASPDU)
	}
}
func (s *fuzzShell) ReleaseSessions(pdu []byte, _ []SessionResource) {
	if pdu != nil {
		s.nas(pdu)
	}
}
func (s *fuzzShell) ModifySessions(items []SessionResource) {
	for _, it := range items {
		if it.NASPDU != nil {
			s.nas(it.NASPDU)
		}
	}
}
func (s *fuzzShell) ModifyContext(uint64, uint64)                                                   {}
func (s *fuzzShell) Congested() bool                                                                { return false }
func (s *fuzzShell) TransfersFailed([]sbi.N1N2MessageTransferReqData, sbi.N1N2MessageTransferCause) {}
func (s *fuzzShell) Page(Paging)                                                                    {}
func (s *fuzzShell) ConfirmModification([]ngap.SessionResult)                                       {}

// fuzzHome is what every fuzzed Machine shares.
type fuzzHome struct {
	cfg  *Config
	udm  *udm.UDM
	nssf *nssf.NSSF
}

func newFuzzHome(tb testing.TB) *fuzzHome {
	tb.Helper()
	d, err := udm.New(udm.Options{UDR: fuzzUDR{}, Rand: constantRand{}})
	if err != nil {
		tb.Fatal(err)
	}
	n, err := nssf.New(nssf.Config{TAs: []nssf.TASlices{
		{TAI: ident.TAI{PLMN: fuzzPLMN, TAC: 1}, Slices: []ident.SNSSAI{{SST: 1}}},
	}}, nssf.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return &fuzzHome{udm: d, nssf: n, cfg: &Config{
		PLMN: fuzzPLMN, ServingNetworkName: kdf.ServingNetworkName("001", "01"),
		TAIs: []ident.TAI{{PLMN: fuzzPLMN, TAC: 1}}, NFInstanceID: "6f3f8d1e-7b7a-4c1e-9a57-0c2b6a3e0001",
		Integrity: []uint8{2, 1, 3}, Ciphering: []uint8{2, 0}, T3512: time.Hour, Timers: DefaultTimers,
	}}
}

// machine is a Machine whose UE has just sent its first message. Its
// AUSF is its own, so that no authentication context outlives the input.
func (h *fuzzHome) machine(tb testing.TB) (*Machine, *fuzzShell) {
	a, err := ausf.New(ausf.Options{UDM: h.udm})
	if err != nil {
		tb.Fatal(err)
	}
	svc := Services{AUSF: a, SDM: h.udm, UECM: h.udm, SMF: fuzzSMF{}, NSSF: h.nssf}
	sh := &fuzzShell{tb: tb, svc: svc}
	return New(h.cfg, svc, sh, slog.New(slog.DiscardHandler)), sh
}

func fuzzUE(tb testing.TB, k secret.Key128, sqn uint64) *ue.UE {
	tb.Helper()
	u, err := ue.New(ue.Config{SUPI: fuzzSUPI, MCC: "001", MNC: "01", K: k, OPc: fuzzOPc, Scheme: ue.SchemeNull,
		SNSSAIs: []ident.SNSSAI{{SST: 1}}, SQN: sqn})
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

// answer hands the UE the one downlink message pending and returns its
// one answer.
func answer(tb testing.TB, u *ue.UE, sh *fuzzShell) []byte {
	tb.Helper()
	if len(sh.dl) != 1 {
		tb.Fatalf("%d downlink messages pending, want 1", len(sh.dl))
	}
	res, err := u.Handle(sh.dl[0])
	sh.dl = nil
	if err != nil || len(res.Uplink) != 1 {
		tb.Fatalf("UE: %d answers, %v", len(res.Uplink), err)
	}
	return res.Uplink[0]
}

// Steps of fuzzConversation: what the UE sends, in order, in an initial
// registration.
const (
	stepRegistrationRequest = iota
	stepAuthenticationResponse
	stepSecurityModeComplete
	stepRegistrationComplete
	fuzzSteps
)

// register runs an initial registration of a simulated UE and returns
// the registered Machine and UE, and the uplink PDUs of fuzzConversation.
func (h *fuzzHome) register(tb testing.TB) (*Machine, *ue.UE, [fuzzSteps][]byte) {
	tb.Helper()
	var steps [fuzzSteps][]byte
	m, sh := h.machine(tb)
	u := fuzzUE(tb, fuzzK, 0)
	pdu, err := u.RegistrationRequest()
	if err != nil {
		tb.Fatal(err)
	}
	for i := range steps {
		if i > 0 {
			pdu = answer(tb, u, sh)
		}
		steps[i] = pdu
		handleNAS(context.Background(), m, pdu)
	}
	if m.State() != Registered || !m.secured || u.State() != ue.Registered {
		tb.Fatalf("after the registration the machine is %s (secured %v), the UE %s", m.State(), m.secured, u.State())
	}
	return m, u, steps
}

// replay brings a fresh Machine n steps into fuzzConversation.
func (h *fuzzHome) replay(tb testing.TB, conv *[fuzzSteps][]byte, n int) (*Machine, *fuzzShell) {
	m, sh := h.machine(tb)
	for _, pdu := range conv[:n] {
		handleNAS(context.Background(), m, pdu)
	}
	sh.dl = nil
	want := []struct {
		state State
		proc  procedure
	}{
		{Deregistered, procNone}, {CommonProcedureInitiated, procAuthentication}, {CommonProcedureInitiated, procSecurityMode},
		{CommonProcedureInitiated, procRegistrationAccept}, {Registered, procNone},
	}[n]
	if m.state != want.state || m.proc != want.proc {
		tb.Fatalf("%d steps into the registration: state %s, procedure %d; want %s, %d", n, m.state, m.proc, want.state, want.proc)
	}
	return m, sh
}

// FuzzHandleNAS gives one uplink NAS PDU, a would-be Registration
// Request, to a Machine that has seen nothing yet. No input may make it
// panic, and what it sends must be NAS PDUs.
func FuzzHandleNAS(f *testing.F) {
	h := newFuzzHome(f)
	f.Fuzz(func(t *testing.T, pdu []byte) {
		m, _ := h.machine(t)
		handleNAS(context.Background(), m, bytes.Clone(pdu))
	})
}

// FuzzHandleNASMidRegistration gives one uplink NAS PDU to a Machine
// step%5 messages into an initial registration: 0 nothing yet, 1 the
// Authentication Request sent, 2 the Security Mode Command sent, 3 the
// Registration Accept sent, 4 registered. The steps are the messages a
// simulated UE sent, replayed to a fresh Machine for every input.
func FuzzHandleNASMidRegistration(f *testing.F) {
	h := newFuzzHome(f)
	_, _, conv := h.register(f)
	f.Fuzz(func(t *testing.T, step uint8, pdu []byte) {
		m, _ := h.replay(t, &conv, int(step)%(fuzzSteps+1))
		handleNAS(context.Background(), m, bytes.Clone(pdu))
	})
}

// FuzzHandleNASSecured gives a registered Machine, with the secure
// exchange of NAS messages established, two plain 5GMM messages (second
// may be empty) protected as the UE would: sht%3 is the security header
// type, 0 sending them plain. The messages that pass the integrity check
// thus reach every handler of a registered UE: PDU sessions through the
// SMF, deregistration, mobility and periodic registration.
func FuzzHandleNASSecured(f *testing.F) {
	h := newFuzzHome(f)
	_, _, conv := h.register(f)
	f.Fuzz(func(t *testing.T, sht uint8, first, second []byte) {
		m, _ := h.replay(t, &conv, fuzzSteps)
		for _, plain := range [][]byte{first, second} {
			if len(plain) == 0 {
				continue
			}
			pdu := bytes.Clone(plain)
			if typ := sht % 3; typ != nas.Plain && m.sec != nil {
				pdu = protectUplink(t, m.sec, typ, pdu)
			}
			handleNAS(context.Background(), m, pdu)
		}
	})
}

// FuzzHandleNASServiceAuthentication gives two uplink NAS PDUs (the
// second may be empty) to a registered, idle Machine that is
// authenticating the UE for a SERVICE REQUEST sent unprotected
// (service_security.go): the AUTHENTICATION REQUEST is out, the UE's
// context kept. With the home network's constant answers, the
// registration's AUTHENTICATION RESPONSE is the right one here too, and
// a SECURITY MODE COMPLETE protected with its keys passes the check.
func FuzzHandleNASServiceAuthentication(f *testing.F) {
	h := newFuzzHome(f)
	_, _, conv := h.register(f)
	f.Fuzz(func(t *testing.T, first, second []byte) {
		m, _ := h.serviceAuthentication(t, &conv)
		for _, pdu := range [][]byte{first, second} {
			if len(pdu) > 0 {
				handleNAS(context.Background(), m, bytes.Clone(pdu))
			}
		}
	})
}

// serviceAuthentication brings a fresh Machine through the registration
// of conv, to 5GMM-IDLE, then to the authentication of an unprotected
// SERVICE REQUEST.
func (h *fuzzHome) serviceAuthentication(tb testing.TB, conv *[fuzzSteps][]byte) (*Machine, *fuzzShell) {
	tb.Helper()
	m, sh := h.replay(tb, conv, fuzzSteps)
	ctx := context.Background()
	m.Released(ctx)
	m.Connect()
	sh.dl = nil
	g := m.GUTI()
	handleNAS(ctx, m, nas.AppendServiceRequest(nil, nas.ServiceRequest{NgKSI: m.sec.NgKSI, Type: nas.ServiceData,
		STMSI: nas.STMSI{SetID: g.SetID, Pointer: g.Pointer, TMSI: g.TMSI}}))
	if m.service == nil || m.proc != procAuthentication || m.sec == nil {
		tb.Fatalf("after an unprotected SERVICE REQUEST: procedure %d, service %v; want authentication with the context kept", m.proc, m.service)
	}
	return m, sh
}

// protectUplink protects a plain message as the UE would with the
// security context c (TS 24.501 §4.4.3, §9.1.1): ciphered for type 2,
// then the MAC over sequence number and message, with the uplink NAS
// COUNT c expects next.
func protectUplink(tb testing.TB, c *nas.Context, typ uint8, plain []byte) []byte {
	count := c.ULCount()
	out := append([]byte{nas.EPD5GMM, typ, 0, 0, 0, 0, uint8(count)}, plain...)
	if typ == nas.IntegrityCiphered || typ == nas.IntegrityCipheredNewCtxt {
		if err := nassec.Cipher(c.EncAlg, c.KEnc, count, nassec.Bearer3GPP, nassec.Uplink, out[7:]); err != nil {
			tb.Fatal(err)
		}
	}
	mac, err := nassec.MAC(c.IntAlg, c.KInt, count, nassec.Bearer3GPP, nassec.Uplink, out[6:])
	if err != nil {
		tb.Fatal(err)
	}
	copy(out[2:6], mac[:])
	return out
}

// fuzzSeed is one seed of a fuzz target with several arguments.
type fuzzSeed struct {
	name string
	args []any
}

// fuzzSeeds makes the seeds of the three targets by file name, from a
// simulated UE registering with the fuzzed home network.
func fuzzSeeds(t *testing.T) map[string][]fuzzSeed {
	t.Helper()
	h := newFuzzHome(t)
	ctx := context.Background()
	m, u, conv := h.register(t)
	// plain reads a message the UE protected, without moving the
	// machine's uplink NAS COUNT.
	plain := func(m *Machine, pdu []byte) []byte {
		t.Helper()
		hdr, body, err := nas.Split(pdu)
		if err != nil {
			t.Fatal(err)
		}
		c := *m.sec
		out, err := c.Unprotect(hdr, body)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	must := func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	establish := must(u.EstablishPDUSession(1, "internet", ident.SNSSAI{SST: 1}, ue.PDUTypeIPv4))
	establishPlain := plain(m, establish)
	deregister := must(u.DeregistrationRequest(false))
	deregisterPlain := plain(m, deregister)
	// Another registration of the same UE, then a mobility update on a
	// new connection with its 5G-GUTI and the requested NSSAI in a NAS
	// message container.
	m2, u2, _ := h.register(t)
	u2.ConnectionReleased()
	update := must(u2.RegistrationUpdate(false))
	updatePlain := plain(m2, update)
	m3, u3, _ := h.register(t)
	u3.ConnectionReleased()
	periodicPlain := plain(m3, must(u3.RegistrationUpdate(true)))
	// Authentication failures: a USIM ahead of the network (synch
	// failure, #21) and one with another K (MAC failure, #20).
	authFailure := func(k secret.Key128, sqn uint64) []byte {
		t.Helper()
		m, sh := h.machine(t)
		u := fuzzUE(t, k, sqn)
		handleNAS(ctx, m, must(u.RegistrationRequest()))
		return answer(t, u, sh)
	}
	otherK := fuzzK
	otherK[0] ^= 0xff
	synch := authFailure(fuzzK, 1<<40)
	macFailure := authFailure(otherK, 0)

	reg := conv[stepRegistrationRequest]
	serviceRequest := []byte{0x7e, 0x00, 0x4c, 0x10, 0x00, 0x07, 0xf4, 0x00, 0x40, 0xc0, 0xff, 0xee, 0x00}
	// SERVICE REQUESTs of the registered UE (TS 24.501 §8.2.16): data
	// with its session's uplink data and PDU session status, and
	// signalling with a status naming a session it does not have.
	var stmsi nas.STMSI
	if g := m.GUTI(); g != nil {
		stmsi = nas.STMSI{SetID: g.SetID, Pointer: g.Pointer, TMSI: g.TMSI}
	}
	serviceData := nas.AppendServiceRequest(nil, nas.ServiceRequest{NgKSI: m.sec.NgKSI, Type: nas.ServiceData, STMSI: stmsi,
		UplinkData: nas.PSISet(0).Add(1), HasUplinkData: true, SessionStatus: nas.PSISet(0).Add(1), HasSessionStatus: true})
	serviceSignalling := nas.AppendServiceRequest(nil, nas.ServiceRequest{NgKSI: m.sec.NgKSI, Type: nas.ServiceSignalling, STMSI: stmsi,
		SessionStatus: nas.PSISet(0).Add(2), HasSessionStatus: true})
	status := nas.Status5GMM(nil, 111)
	// The SECURITY MODE COMPLETE of a SERVICE REQUEST's authentication,
	// with the whole request in its NAS message container (TS 24.501
	// §5.4.2.3), protected with the new context.
	ms, _ := h.serviceAuthentication(t, &conv)
	handleNAS(ctx, ms, conv[stepAuthenticationResponse])
	if ms.pending == nil || ms.proc != procSecurityMode {
		t.Fatalf("no security mode control after the AUTHENTICATION RESPONSE: procedure %d", ms.proc)
	}
	smcServiceRequest := protectUplink(t, ms.pending, nas.IntegrityCipheredNewCtxt,
		append([]byte{nas.EPD5GMM, 0, 0x5e, 0x71, 0, byte(len(serviceData))}, serviceData...))
	if handleNAS(ctx, ms, bytes.Clone(smcServiceRequest)); !ms.serving || ms.service != nil {
		t.Fatalf("the SECURITY MODE COMPLETE seed did not serve the SERVICE REQUEST: procedure %d", ms.proc)
	}
	return map[string][]fuzzSeed{
		"FuzzHandleNAS": {
			{"registration_request", []any{reg}},
			{"registration_request_truncated", []any{reg[:len(reg)/2]}},
			{"registration_request_mobility_guti", []any{update}},
			{"service_request", []any{serviceRequest}},
			{"deregistration_request", []any{deregisterPlain}},
			{"authentication_response", []any{conv[stepAuthenticationResponse]}},
			{"status", []any{status}},
		},
		"FuzzHandleNASMidRegistration": {
			{"authentication_response", []any{byte(1), conv[stepAuthenticationResponse]}},
			{"authentication_failure_synch", []any{byte(1), synch}},
			{"authentication_failure_mac", []any{byte(1), macFailure}},
			{"registration_request_during_authentication", []any{byte(1), reg}},
			{"security_mode_complete", []any{byte(2), conv[stepSecurityModeComplete]}},
			{"registration_complete", []any{byte(3), conv[stepRegistrationComplete]}},
			{"registration_request_repeated", []any{byte(3), reg}},
			{"deregistration_request", []any{byte(4), deregister}},
			{"pdu_session_establishment", []any{byte(4), establish}},
		},
		"FuzzHandleNASSecured": {
			{"deregistration_request", []any{byte(nas.IntegrityCiphered), deregisterPlain, []byte{}}},
			{"deregistration_request_plain", []any{byte(nas.Plain), deregisterPlain, []byte{}}},
			{"pdu_session_establishment_release", []any{byte(nas.IntegrityCiphered), establishPlain,
				pduSessionRelease(t, establishPlain)}},
			{"pdu_session_establishment_deregistration", []any{byte(nas.IntegrityCiphered), establishPlain, deregisterPlain}},
			{"registration_request_mobility", []any{byte(nas.IntegrityProtected), updatePlain, []byte{}}},
			{"registration_request_periodic", []any{byte(nas.IntegrityProtected), periodicPlain, []byte{}}},
			{"status", []any{byte(nas.IntegrityCiphered), status, []byte{}}},
			{"pdu_session_establishment_service_request", []any{byte(nas.IntegrityProtected), establishPlain, serviceData}},
			{"service_request_signalling", []any{byte(nas.IntegrityProtected), serviceSignalling, []byte{}}},
		},
		"FuzzHandleNASServiceAuthentication": {
			{"authentication_response_security_mode_complete", []any{conv[stepAuthenticationResponse], smcServiceRequest}},
			{"authentication_response_registration_container", []any{conv[stepAuthenticationResponse], conv[stepSecurityModeComplete]}},
			{"authentication_response_security_mode_reject", []any{conv[stepAuthenticationResponse], []byte{0x7e, 0x00, 0x5f, 24}}},
			{"authentication_failure_synch", []any{synch, []byte{}}},
			{"authentication_failure_mac", []any{macFailure, []byte{}}},
			{"service_request_again", []any{serviceData, []byte{}}},
			{"registration_request", []any{reg, []byte{}}},
		},
	}
}

// pduSessionRelease is a UL NAS TRANSPORT like establishment, carrying
// a PDU SESSION RELEASE REQUEST (TS 24.501 §8.3.12) with cause #36 for
// its PDU session.
func pduSessionRelease(t *testing.T, establishment []byte) []byte {
	t.Helper()
	// UL NAS TRANSPORT: EPD, security header, message type, payload
	// container type, payload container (LV-E), then the optional IEs.
	if len(establishment) < 8 || establishment[2] != 0x67 {
		t.Fatalf("not a UL NAS TRANSPORT: % x", establishment)
	}
	n := int(establishment[4])<<8 | int(establishment[5])
	sm := establishment[6 : 6+n]
	release := []byte{0x2e, sm[1], sm[2], 0xd1, 0x59, 36}
	out := append([]byte(nil), establishment[:4]...)
	out = append(out, 0, byte(len(release)))
	out = append(out, release...)
	// The PDU session ID IE (0x12) and nothing else.
	return append(out, 0x12, sm[1])
}

// TestFuzzSeeds keeps testdata/fuzz equal to what the simulated UE sends
// (regenerate with -update-seeds).
func TestFuzzSeeds(t *testing.T) {
	for target, seeds := range fuzzSeeds(t) {
		for _, s := range seeds {
			goldentest.SeedValues(t, filepath.Join("testdata", "fuzz", target, s.name), *updateFuzzSeeds, s.args...)
		}
	}
}
