package amf

import (
	"bytes"
	"context"
	"flag"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/ausf"
	"github.com/keelcore/keel/internal/goldentest"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nas"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/nssf"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sctp"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/sim/ue"
	"github.com/keelcore/keel/internal/udm"
)

var updateFuzzSeeds = flag.Bool("update-seeds", false, "rewrite testdata/fuzz/FuzzHandlePDU")

// FuzzHandlePDU runs handlePDU as an association's reader does, on an
// AMF that has accepted NG Setup from the gNB and holds one UE context:
// a UE that sent a Registration Request in an Initial UE Message (AMF UE
// NGAP ID fuzzAMFUE, RAN UE NGAP ID fuzzRANUE, the IDs of the NGAP golden
// PDUs) and got an Authentication Request. The home network is the real
// UDM and AUSF over an in-memory UDR with that one subscriber, answering
// the same challenge every time; timers never fire. Each input starts
// from a fresh AMF and waits for the UE executors it started. No input
// may make the AMF panic, log an error, or send a PDU that does not
// decode. The seeds are those of the NGAP decoder
// (internal/ngap/testdata/fuzz/FuzzDecode), whose UE-associated PDUs name
// the UE above, and an Uplink NAS Transport with the UE's right
// Authentication Response.
func FuzzHandlePDU(f *testing.F) {
	h := newFuzzAMF(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		run := h.start(t)
		run.handle(bytes.Clone(data))
		run.logs.check(t)
		run.conn.check(t)
	})
}

const (
	fuzzAMFUE = 0x12_3456_789a
	fuzzRANUE = 0x8000_0001
	fuzzSUPI  = "imsi-001010000000001"
)

var (
	fuzzPLMN = ident.PLMN{MCC: "001", MNC: "01"}
	fuzzK    = fuzzKey("465b5ce8b199b49faa5f0a2ee238a6bc")
	fuzzOPc  = fuzzKey("cd63cb71954a9f4e48a5994e37a02baf")
	fuzzLoc  = ngap.UELocation{TAI: ident.TAI{PLMN: fuzzPLMN, TAC: 1}, CellID: 0x123456789, CellPLMN: fuzzPLMN}
	// fuzzRegistrationRequest is the Registration Request of the NGAP
	// golden Initial UE Message: SUCI of fuzzSUPI, null scheme.
	fuzzRegistrationRequest = []byte{0x7e, 0x00, 0x41, 0x79, 0x00, 0x0d, 0x01, 0x00, 0xf1, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x10, 0x2e, 0x04, 0xf0, 0xf0, 0xf0, 0xf0}
)

func fuzzKey(s string) secret.Key128 {
	k, err := secret.ParseKey128(s)
	if err != nil {
		panic(err)
	}
	return k
}

// fuzzUDR is an sbi.NudrDataRepository with one subscriber whose SQN
// never moves.
type fuzzUDR struct{}

func (fuzzUDR) auth(supi string) (sbi.AuthenticationSubscription, error) {
	if supi != fuzzSUPI {
		return sbi.AuthenticationSubscription{}, sbi.ErrUserNotFound
	}
	return sbi.AuthenticationSubscription{PermanentKey: fuzzK, OPc: fuzzOPc, AMF: [2]byte{0x80, 0x00}, SequenceNumber: sbi.SequenceNumber{SQN: 0x21}}, nil
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

// fuzzConn is a gNB association that keeps what the AMF sends.
type fuzzConn struct {
	mu   sync.Mutex
	sent [][]byte
}

func (c *fuzzConn) Send(_ context.Context, m sctp.Message) error {
	c.mu.Lock()
	c.sent = append(c.sent, bytes.Clone(m.Data))
	c.mu.Unlock()
	return nil
}

func (c *fuzzConn) Recv(ctx context.Context) (sctp.Message, error) {
	<-ctx.Done()
	return sctp.Message{}, ctx.Err()
}

func (c *fuzzConn) LocalAddr() netip.AddrPort  { return netip.MustParseAddrPort("127.0.0.1:38412") }
func (c *fuzzConn) RemoteAddr() netip.AddrPort { return netip.MustParseAddrPort("127.0.0.2:9487") }
func (c *fuzzConn) OutStreams() uint16         { return 4 }
func (c *fuzzConn) Close() error               { return nil }
func (c *fuzzConn) Abort() error               { return nil }

// take returns and forgets what was sent.
func (c *fuzzConn) take() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.sent
	c.sent = nil
	return out
}

// check fails the test on a PDU sent that does not decode.
func (c *fuzzConn) check(t *testing.T) {
	t.Helper()
	for _, b := range c.take() {
		if _, err := ngap.Decode(b); err != nil {
			t.Fatalf("the AMF sent a PDU that does not decode: %v\n% x", err, b)
		}
	}
}

// errorLog keeps the records of level Error.
type errorLog struct {
	mu      sync.Mutex
	records []string
}

func (l *errorLog) Enabled(_ context.Context, level slog.Level) bool { return level >= slog.LevelError }
func (l *errorLog) Handle(_ context.Context, r slog.Record) error {
	s := r.Message
	r.Attrs(func(a slog.Attr) bool {
		s += " " + a.String()
		return true
	})
	l.mu.Lock()
	l.records = append(l.records, s)
	l.mu.Unlock()
	return nil
}
func (l *errorLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *errorLog) WithGroup(string) slog.Handler      { return l }

func (l *errorLog) check(t *testing.T) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.records) > 0 {
		t.Fatalf("the AMF logged errors: %q", l.records)
	}
}

// fuzzAMF is what every input's AMF is made from.
type fuzzAMF struct {
	udm              *udm.UDM
	setup, initialUE []byte
}

func newFuzzAMF(tb testing.TB) *fuzzAMF {
	tb.Helper()
	d, err := udm.New(udm.Options{UDR: fuzzUDR{}, Rand: constantRand{}})
	if err != nil {
		tb.Fatal(err)
	}
	h := &fuzzAMF{udm: d}
	setup, err := ngap.NGSetupRequest(ngap.GNBInfo{
		ID:   ngap.RANNodeID{PLMN: fuzzPLMN, Kind: ngap.KindGNB, ID: 1, Bits: 22},
		Name: "gnb",
		TAs:  []ngap.TA{{TAC: 1, PLMNs: []ident.PLMN{fuzzPLMN}, Slices: []ident.SNSSAI{{SST: 1}}}},
	})
	if err != nil {
		tb.Fatal(err)
	}
	h.setup = fuzzEncode(tb, setup, nil)
	initial, err := ngap.InitialUEMessage(fuzzRANUE, fuzzRegistrationRequest, fuzzLoc, ngap.RRCCauseMOSignalling, nil)
	h.initialUE = fuzzEncode(tb, initial, err)
	return h
}

func fuzzEncode[M message.Message](tb testing.TB, m M, err error) []byte {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
	b, err := ngap.Encode(m)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// fuzzRun is one input's AMF.
type fuzzRun struct {
	a    *AMF
	r    *ran // the gNB's association
	conn *fuzzConn
	logs *errorLog
	// authRequest is the UE's Authentication Request.
	authRequest []byte
}

// start builds a fresh AMF and runs NG Setup and the UE's Initial UE
// Message on it; nothing sent is left on the association.
func (h *fuzzAMF) start(tb testing.TB) *fuzzRun {
	tb.Helper()
	s, err := ausf.New(ausf.Options{UDM: h.udm})
	if err != nil {
		tb.Fatal(err)
	}
	n, err := nssf.New(nssf.Config{TAs: []nssf.TASlices{
		{TAI: ident.TAI{PLMN: fuzzPLMN, TAC: 1}, Slices: []ident.SNSSAI{{SST: 1}}},
		{TAI: ident.TAI{PLMN: fuzzPLMN, TAC: 2}, Slices: []ident.SNSSAI{{SST: 1}}},
	}}, nssf.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	run := &fuzzRun{conn: &fuzzConn{}, logs: &errorLog{}}
	run.a, err = New(Config{
		Name: "keel-amf", PLMN: fuzzPLMN, TACs: []uint32{1, 2}, Slices: []ident.SNSSAI{{SST: 1}},
		GUAMI:    ident.GUAMI{PLMN: fuzzPLMN, RegionID: 0xca, SetID: 0x2a5, Pointer: 0x15},
		Capacity: 255, Integrity: []uint8{2}, Ciphering: []uint8{2, 0}, T3512: time.Hour,
	}, Options{
		Logger:    slog.New(run.logs),
		Services:  gmm.Services{AUSF: s, SDM: h.udm, UECM: h.udm, NSSF: n},
		AfterFunc: func(time.Duration, func()) func() bool { return func() bool { return true } },
	})
	if err != nil {
		tb.Fatal(err)
	}
	a := run.a
	run.r = a.newRAN(run.conn)
	a.mu.rans[run.r] = struct{}{}
	a.handlePDU(context.Background(), run.r, sctp.Message{PPID: sctp.PPIDNGAP, Data: h.setup})
	if !run.r.isSetUp() {
		tb.Fatal("NG Setup refused")
	}
	a.ues.nextID = fuzzAMFUE - 1
	run.handle(h.initialUE)
	sent := run.conn.take()
	if len(sent) != 2 {
		tb.Fatalf("the AMF sent %d PDUs for NG Setup and the Initial UE Message, want 2", len(sent))
	}
	m, err := ngap.Decode(sent[1])
	if err != nil {
		tb.Fatal(err)
	}
	dl, ok := m.(*message.DownlinkNASTransport)
	if !ok || dl.AMFUENGAPID.Value != fuzzAMFUE || len(dl.NASPDU.Value) < 3 || dl.NASPDU.Value[2] != 0x56 {
		tb.Fatalf("the AMF answered the Initial UE Message with %T, not an Authentication Request to AMF UE NGAP ID %#x", m, fuzzAMFUE)
	}
	run.authRequest = dl.NASPDU.Value
	return run
}

// handle runs handlePDU on a PDU from the gNB and waits for what it
// started: the UE executors, and the AMF's own goroutines (Overload
// Start and Stop).
func (run *fuzzRun) handle(pdu []byte) {
	run.a.handlePDU(context.Background(), run.r, sctp.Message{PPID: sctp.PPIDNGAP, Data: pdu})
	run.a.runs.wg.Wait()
	run.a.wg.Wait()
}

// fuzzSeeds are the seeds of FuzzHandlePDU that are not the NGAP
// decoder's: an Uplink NAS Transport with the Authentication Response a
// simulated UE with the subscriber's keys gives to the challenge.
func fuzzSeeds(t *testing.T) map[string][]byte {
	t.Helper()
	run := newFuzzAMF(t).start(t)
	u, err := ue.New(ue.Config{SUPI: fuzzSUPI, MCC: "001", MNC: "01", K: fuzzK, OPc: fuzzOPc, Scheme: ue.SchemeNull,
		SNSSAIs: []ident.SNSSAI{{SST: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.RegistrationRequest(); err != nil {
		t.Fatal(err)
	}
	res, err := u.Handle(run.authRequest)
	if err != nil || len(res.Uplink) != 1 {
		t.Fatalf("UE: %d answers to the Authentication Request, %v", len(res.Uplink), err)
	}
	m, err := ngap.UplinkNASTransport(fuzzAMFUE, fuzzRANUE, res.Uplink[0], fuzzLoc)
	ul := fuzzEncode(t, m, err)
	// The AMF takes it: the Security Mode Command follows.
	run.handle(ul)
	sent := run.conn.take()
	if len(sent) != 1 {
		t.Fatalf("the AMF answered the Authentication Response with %d PDUs, want 1", len(sent))
	}
	if m, err := ngap.Decode(sent[0]); err != nil {
		t.Fatal(err)
	} else if dl, ok := m.(*message.DownlinkNASTransport); !ok || len(dl.NASPDU.Value) < 2 || dl.NASPDU.Value[1] != 3 {
		t.Fatalf("the AMF answered the Authentication Response with %T, not a Security Mode Command", m)
	}
	// A SERVICE REQUEST (integrity protected, a MAC no context checks)
	// with a 5G-S-TMSI the AMF never gave: SERVICE REJECT #9.
	stmsi := nas.STMSI{SetID: 1, Pointer: 0, TMSI: 0xc0ffee01}
	sr := append([]byte{nas.EPD5GMM, nas.IntegrityProtected, 1, 2, 3, 4, 0}, nas.AppendServiceRequest(nil, nas.ServiceRequest{
		Type: nas.ServiceData, STMSI: stmsi, UplinkData: nas.PSISet(0).Add(1), HasUplinkData: true})...)
	im, err := ngap.InitialUEMessage(fuzzRANUE+1, sr, fuzzLoc, 3, &ngap.FiveGSTMSI{SetID: stmsi.SetID, Pointer: stmsi.Pointer, TMSI: stmsi.TMSI})
	return map[string][]byte{
		"uplink_nas_transport_authentication_response": ul,
		"initial_ue_message_service_request":           fuzzEncode(t, im, err),
	}
}

// TestFuzzHandlePDUSeeds keeps testdata/fuzz/FuzzHandlePDU equal to the
// NGAP decoder's seeds and to fuzzSeeds (regenerate with -update-seeds).
func TestFuzzHandlePDUSeeds(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzHandlePDU")
	ngapDir := filepath.Join("..", "ngap", "testdata", "fuzz", "FuzzDecode")
	entries, err := os.ReadDir(ngapDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		want, err := os.ReadFile(filepath.Join(ngapDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, e.Name())
		if *updateFuzzSeeds {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is not the NGAP seed %s (%v): run with -update-seeds", path, e.Name(), err)
		}
	}
	for name, b := range fuzzSeeds(t) {
		goldentest.Seed(t, filepath.Join(dir, name), b, *updateFuzzSeeds)
	}
}
