package gmm_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/ausf"
	"github.com/keelcore/keel/internal/crypto/kdf"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nas"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/nssf"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/sim/ue"
	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/sqlite"
	"github.com/keelcore/keel/internal/store/storetest"
	"github.com/keelcore/keel/internal/udm"
	"github.com/keelcore/keel/internal/udr"
)

var update = flag.Bool("update", false, "rewrite testdata/*.txt transcripts")

const supi = "imsi-001010000000001"

var (
	testK   = mustKey("465b5ce8b199b49faa5f0a2ee238a6bc")
	testOPc = mustKey("cd63cb71954a9f4e48a5994e37a02baf")
	plmn    = ident.PLMN{MCC: "001", MNC: "01"}
)

func mustKey(s string) secret.Key128 {
	k, err := secret.ParseKey128(s)
	if err != nil {
		panic(err)
	}
	return k
}

// world is one UE's machine against a real UDR/UDM/AUSF over a
// temporary store, with a shell that writes what the machine does into a
// transcript.
type world struct {
	t         *testing.T
	m         *gmm.Machine
	cfg       *gmm.Config
	svc       gmm.Services
	ue        *ue.UE
	log       strings.Builder
	dl        [][]byte // downlink NAS PDUs not yet given to the UE
	congested bool
	showIEs   bool // transcribe the IEs of Registration Accept and Reject
	timer     map[gmm.Timer]bool
	// lastSessions are the PDU sessions of the last Initial Context Setup.
	lastSessions []uint8
	// setup is the last Initial Context Setup the machine asked for.
	setup gmm.ContextSetup
	// tmsis are the 5G-TMSIs AllocateGUTI hands out next; when empty it
	// hands out 0xc0ffee00.
	tmsis []uint32
	// calls are the SBI calls the machine issued and the world has not
	// answered yet; hold keeps them unanswered until answer is called.
	calls []call
	hold  bool
}

// call is an SBI call the machine issued.
type call struct {
	id  gmm.CallID
	req gmm.Request
}

// shell records every action as a transcript line.
type shell struct{ w *world }

func (s shell) SendNAS(pdu []byte) {
	s.w.dl = append(s.w.dl, pdu)
	fmt.Fprintf(&s.w.log, "  nw: %s%s\n", describe(pdu), s.w.ies(pdu))
}

func (s shell) SetupContext(c gmm.ContextSetup) {
	s.w.setup = c
	s.w.dl = append(s.w.dl, c.NASPDU)
	s.w.lastSessions = nil
	sessions := ""
	for _, it := range c.Sessions {
		s.w.lastSessions = append(s.w.lastSessions, it.PDUSessionID)
		sessions += fmt.Sprintf(" psi=%d(%x)", it.PDUSessionID, it.Transfer)
	}
	fmt.Fprintf(&s.w.log, "  nw: InitialContextSetup nssai=%d%s %s%s\n", len(c.AllowedNSSAI), sessions, describe(c.NASPDU), s.w.ies(c.NASPDU))
}

func (s shell) Release(c gmm.ReleaseCause) {
	fmt.Fprintf(&s.w.log, "  nw: UEContextRelease cause=%d\n", c)
}
func (s shell) StartTimer(t gmm.Timer, d time.Duration) {
	s.w.timer[t] = true
	if t == gmm.SBIDeadline {
		return // the call's line shows its deadline
	}
	fmt.Fprintf(&s.w.log, "  timer: start %s %s\n", t, d)
}
func (s shell) StopTimer(t gmm.Timer) {
	if s.w.timer[t] && t != gmm.SBIDeadline {
		fmt.Fprintf(&s.w.log, "  timer: stop %s\n", t)
	}
	s.w.timer[t] = false
}
func (s shell) AllocateGUTI() ident.GUTI {
	tmsi := uint32(0xc0ffee00)
	if len(s.w.tmsis) > 0 {
		tmsi, s.w.tmsis = s.w.tmsis[0], s.w.tmsis[1:]
	}
	return ident.GUTI{GUAMI: ident.GUAMI{PLMN: plmn, RegionID: 1, SetID: 1}, TMSI: tmsi}
}
func (s shell) SetupSessions(items []gmm.SessionResource) {
	for _, it := range items {
		if len(it.NASPDU) == 0 {
			fmt.Fprintf(&s.w.log, "  nw: PDUSessionResourceSetup psi=%d without NAS\n", it.PDUSessionID)
			continue
		}
		s.w.dl = append(s.w.dl, it.NASPDU)
		fmt.Fprintf(&s.w.log, "  nw: PDUSessionResourceSetup psi=%d %s\n", it.PDUSessionID, describe(it.NASPDU))
	}
}
func (s shell) ReleaseSessions(nasPDU []byte, items []gmm.SessionResource) {
	fmt.Fprintf(&s.w.log, "  nw: PDUSessionResourceRelease %d %s\n", len(items), describe(nasPDU))
}
func (s shell) ModifySessions(items []gmm.SessionResource) {
	for _, it := range items {
		if len(it.NASPDU) == 0 {
			fmt.Fprintf(&s.w.log, "  nw: PDUSessionResourceModify psi=%d without NAS\n", it.PDUSessionID)
			continue
		}
		s.w.dl = append(s.w.dl, it.NASPDU)
		fmt.Fprintf(&s.w.log, "  nw: PDUSessionResourceModify psi=%d %s\n", it.PDUSessionID, describe(it.NASPDU))
	}
}
func (s shell) ConfirmModification(results []ngap.SessionResult) {
	fmt.Fprintf(&s.w.log, "  nw: PDUSessionResourceModifyConfirm")
	for _, r := range results {
		fmt.Fprintf(&s.w.log, " psi=%d(failed=%v %x)", r.PDUSessionID, r.Failed, r.Transfer)
	}
	fmt.Fprintf(&s.w.log, "\n")
}
func (s shell) ModifyContext(dl, ul uint64) {
	fmt.Fprintf(&s.w.log, "  nw: UEContextModification ue-ambr=%d/%d\n", dl, ul)
}
func (s shell) Congested() bool { return s.w.congested }
func (s shell) Page(p gmm.Paging) {
	fmt.Fprintf(&s.w.log, "  nw: Paging 5g-s-tmsi=%s tais=%v\n", p.TMSI, p.TAIs)
}
func (s shell) TransfersFailed(ts []sbi.N1N2MessageTransferReqData, cause sbi.N1N2MessageTransferCause) {
	for _, t := range ts {
		fmt.Fprintf(&s.w.log, "  nw: N1N2TransferFailed psi=%d %s\n", t.PduSessionID, cause)
	}
}
func (s shell) Identified(id string) { fmt.Fprintf(&s.w.log, "  nw: identified %s\n", id) }
func (s shell) Outcome(o gmm.Outcome) {
	fmt.Fprintf(&s.w.log, "  outcome: %s %s\n", o.Procedure, o.Result)
}

func (s shell) Call(id gmm.CallID, req gmm.Request, d time.Duration) {
	fmt.Fprintf(&s.w.log, "  sbi: -> #%d %s (deadline %s)\n", id, req.Operation(), d)
	s.w.calls = append(s.w.calls, call{id, req})
}

// settle answers the calls the machine issued, and those it issues on
// their answers, unless the world holds them.
func (w *world) settle() {
	for !w.hold && len(w.calls) > 0 {
		w.answer()
	}
}

// answer performs the oldest call against the home network and delivers
// its answer.
func (w *world) answer() {
	c := w.calls[0]
	w.calls = w.calls[1:]
	a := gmm.Perform(context.Background(), w.svc, c.req)
	fmt.Fprintf(&w.log, "sbi: <- #%d %s %s\n", c.id, c.req.Operation(), answerResult(a))
	if !w.m.Answered(context.Background(), c.id, a) {
		fmt.Fprintf(&w.log, "  (discarded)\n")
	}
}

// answerResult names an answer's outcome: ok, or the cause of its
// failure.
func answerResult(a gmm.Answer) string {
	err := a.Error()
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, context.DeadlineExceeded):
		return "no answer"
	}
	return sbi.Outcome(err)
}

// describe names a NAS PDU: security header type and, when readable,
// the 5GMM message type.
func describe(pdu []byte) string {
	h, body, err := nas.Split(pdu)
	if err != nil {
		return fmt.Sprintf("undecodable % x", pdu)
	}
	// The transcripts run with 128-NEA0, so ciphered messages read as
	// plain ones.
	name := fmt.Sprintf("0x%02x", nas.MessageType(body))
	if n, ok := names[nas.MessageType(body)]; ok {
		name = n
	}
	if mt := nas.MessageType(body); mt == 0x64 || mt == 0x44 || mt == 0x4d {
		name += fmt.Sprintf("#%d", body[3])
	}
	if mt := nas.MessageType(body); (mt == 0x44 || mt == 0x4d) && len(body) >= 7 && body[4] == 0x5f {
		// T3346 value, GPRS timer 2 (TS 24.501 §8.2.9.2).
		name += fmt.Sprintf(" T3346=%#02x", body[6])
	}
	if mt := nas.MessageType(body); (mt == nas.MsgServiceAccept || mt == nas.MsgConfigurationUpdateCommand) && len(body) > 3 {
		// The IEs of a SERVICE ACCEPT (§8.2.17), readable under 128-NEA0.
		name += fmt.Sprintf("[%x]", body[3:])
	}
	if h.Type == nas.Plain {
		return name
	}
	return fmt.Sprintf("%s(sht=%d, sqn=%d)", name, h.Type, h.SQN)
}

var names = map[uint8]string{
	0x41: "RegistrationRequest", 0x42: "RegistrationAccept", 0x43: "RegistrationComplete", 0x44: "RegistrationReject",
	0x45: "DeregistrationRequest(UE)", 0x46: "DeregistrationAccept(UE)", 0x47: "DeregistrationRequest(NW)",
	0x48: "DeregistrationAccept(NW)", 0x56: "AuthenticationRequest", 0x57: "AuthenticationResponse",
	0x4c: "ServiceRequest", 0x4d: "ServiceReject", 0x4e: "ServiceAccept",
	0x58: "AuthenticationReject", 0x59: "AuthenticationFailure", 0x5b: "IdentityRequest", 0x5c: "IdentityResponse",
	0x5d: "SecurityModeCommand", 0x5e: "SecurityModeComplete", 0x5f: "SecurityModeReject", 0x64: "5GMMStatus",
	0x54: "ConfigurationUpdateCommand", 0x55: "ConfigurationUpdateComplete",
}

type worldOptions struct {
	ciphering []uint8
	ueK       secret.Key128 // K in the UE's USIM; zero: the subscriber's
	ueSQN     uint64        // SQN the USIM has seen
	ueIA      uint8
	noSub     bool // the subscriber is not provisioned
	diskFull  bool // every store write fails as on a full disk
	// smf gives the machine an SMF that writes its calls into the
	// transcript.
	smf bool
	// subNSSAI is the subscribed NSSAI, nil meaning SST 1, and
	// subDefaults those of it marked default, nil meaning the first;
	// slices the AMF's, nil meaning SST 1; ueNSSAI what the UE requests,
	// nil meaning SST 1 (an empty list: no requested NSSAI).
	subNSSAI    []ident.SNSSAI
	subDefaults []ident.SNSSAI
	slices      []ident.SNSSAI
	ueNSSAI     []ident.SNSSAI
	// nssf, when set, configures the NSSF in place of the AMF's slices
	// in its TA; tai is the UE's TA, as the gNB reports it (none when
	// nil).
	nssf *nssf.Config
	tai  *ident.TAI
	// nssfVia, when set, gives the machine the NSSF through a transport
	// (the HTTP/2 binding) instead of directly.
	nssfVia func(t *testing.T, n *nssf.NSSF) sbi.NnssfNSSelection
	// accept sets the AMF's Registration Accept IEs.
	accept gmm.AcceptIEs
	// nitz and after set the AMF's NITZ and connection policy after
	// registration; follow has the UE set the follow-on request bit.
	nitz   *gmm.NITZ
	after  gmm.ConnectionPolicy
	follow bool
}

func newWorld(t *testing.T, o worldOptions) *world {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "keel.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if o.subNSSAI == nil {
		o.subNSSAI = []ident.SNSSAI{{SST: 1}}
	}
	if o.slices == nil {
		o.slices = []ident.SNSSAI{{SST: 1}}
	}
	if o.ueNSSAI == nil {
		o.ueNSSAI = []ident.SNSSAI{{SST: 1}}
	}
	if !o.noSub {
		err := st.CreateSubscriber(ctx, &store.Subscriber{SUPI: supi,
			Auth:  store.AuthData{K: testK, OPc: testOPc, AMF: [2]byte{0x80, 0x00}},
			NSSAI: o.subNSSAI, DefaultNSSAI: o.subDefaults})
		if err != nil {
			t.Fatal(err)
		}
	}
	faulty := storetest.NewFaulty(st)
	if o.diskFull {
		faulty.FailWrites(storetest.ErrDiskFull)
	}
	r, err := udr.New(faulty, udr.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := udm.New(udm.Options{UDR: r})
	if err != nil {
		t.Fatal(err)
	}
	a, err := ausf.New(ausf.Options{UDM: d})
	if err != nil {
		t.Fatal(err)
	}
	if o.ciphering == nil {
		o.ciphering = []uint8{0}
	}
	cfg := &gmm.Config{
		PLMN: plmn, ServingNetworkName: kdf.ServingNetworkName("001", "01"),
		TAIs: []ident.TAI{{PLMN: plmn, TAC: 1}}, NFInstanceID: "6f3f8d1e-7b7a-4c1e-9a57-0c2b6a3e0001",
		Integrity: []uint8{2, 1, 3}, Ciphering: o.ciphering, T3512: 54 * time.Minute, Timers: gmm.DefaultTimers,
		Accept: o.accept, NITZ: o.nitz, AfterRegistration: o.after,
	}
	// The NSSF knows the AMF's slices in its TA, as app configures it.
	slices := append([]ident.SNSSAI(nil), o.slices...)
	nc := nssf.Config{TAs: []nssf.TASlices{{TAI: ident.TAI{PLMN: plmn, TAC: 1}, Slices: slices}}}
	if o.nssf != nil {
		nc = *o.nssf
	}
	n, err := nssf.New(nc, nssf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var sel sbi.NnssfNSSelection = n
	if o.nssfVia != nil {
		sel = o.nssfVia(t, n)
	}
	w := &world{t: t, timer: map[gmm.Timer]bool{}, cfg: cfg, svc: gmm.Services{AUSF: a, SDM: d, UECM: d, NSSF: sel}}
	if o.smf {
		w.svc.SMF = transcriptSMF{w}
	}
	w.m = gmm.New(cfg, w.svc, shell{w}, slog.New(slog.DiscardHandler))
	if o.tai != nil {
		w.m.Locate(*o.tai)
	}
	k := testK
	if !o.ueK.IsZero() {
		k = o.ueK
	}
	w.ue, err = ue.New(ue.Config{SUPI: supi, MCC: "001", MNC: "01", K: k, OPc: testOPc, Scheme: ue.SchemeNull,
		SNSSAIs: o.ueNSSAI, SQN: o.ueSQN, IA: o.ueIA, FollowOnRequest: o.follow})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// forget replaces the machine with a fresh one, as another AMF that has
// never seen the UE.
func (w *world) forget() {
	w.settle()
	fmt.Fprintf(&w.log, "(a new AMF without the UE's context)\n")
	w.m = gmm.New(w.cfg, w.svc, shell{w}, slog.New(slog.DiscardHandler))
}

// up sends an uplink NAS PDU to the machine.
func (w *world) up(label string, pdu []byte) {
	fmt.Fprintf(&w.log, "ue: %s %s\n", label, describe(pdu))
	w.m.HandleNAS(context.Background(), pdu)
	w.settle()
}

// deliver hands the UE every pending downlink message and sends its
// answers back, until nothing is pending.
func (w *world) deliver() {
	for len(w.dl) > 0 {
		pdu := w.dl[0]
		w.dl = w.dl[1:]
		res, err := w.ue.Handle(pdu)
		if err != nil {
			fmt.Fprintf(&w.log, "ue: error %v\n", err)
			continue
		}
		if res.Event != ue.EventNone {
			fmt.Fprintf(&w.log, "ue: event %s cause=%d\n", res.Event, res.Cause)
		}
		if len(res.SessionsReleased) > 0 || len(res.ReactivationFailed) > 0 {
			fmt.Fprintf(&w.log, "ue: sessions released %v, reactivation failed %v\n", res.SessionsReleased, res.ReactivationFailed)
		}
		for _, u := range res.Uplink {
			w.up("sends", u)
		}
	}
}

// drop discards pending downlink messages (the UE does not answer).
func (w *world) drop() {
	for _, pdu := range w.dl {
		fmt.Fprintf(&w.log, "  (lost: %s)\n", describe(pdu))
	}
	w.dl = nil
}

func (w *world) expire(t gmm.Timer) {
	fmt.Fprintf(&w.log, "clock: %s expires\n", t)
	w.m.Expired(context.Background(), t)
	w.settle()
}

func (w *world) notDelivered(lowerLayerFailure bool) {
	fmt.Fprintf(&w.log, "gnb: NAS Non Delivery Indication lower_layer_failure=%v\n", lowerLayerFailure)
	w.m.NotDelivered(context.Background(), lowerLayerFailure)
	w.settle()
}

func (w *world) register() {
	pdu, err := w.ue.RegistrationRequest()
	if err != nil {
		w.t.Fatal(err)
	}
	w.up("sends", pdu)
}

// check compares the transcript with testdata/<name>.txt.
func (w *world) check(name string) {
	w.t.Helper()
	w.settle()
	fmt.Fprintf(&w.log, "state: %s\n", w.m.State())
	path := filepath.Join("testdata", name+".txt")
	got := w.log.String()
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			w.t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		w.t.Fatalf("%v (run go test ./internal/amf/gmm -update)", err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		w.t.Errorf("transcript %s differs (-want +got):\n%s", name, d)
	}
}

func (s shell) RestoreGUTI(g ident.GUTI) {
	fmt.Fprintf(&s.w.log, "  nw: 5G-GUTI restored tmsi=%#x\n", g.TMSI)
}
