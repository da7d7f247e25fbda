package udm_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/crypto/kdf"
	"github.com/keelcore/keel/internal/crypto/milenage"
	"github.com/keelcore/keel/internal/crypto/suci"
	"github.com/keelcore/keel/internal/hnkey"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/metrictest"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/udm"
)

const (
	supi = "imsi-001010123456789"
	sn   = "5G:mnc001.mcc001.3gppnetwork.org"
)

// TS 35.208 §4.3, test set 1.
var (
	set1K    = key("465b5ce8b199b49faa5f0a2ee238a6bc")
	set1OP   = key("cdc202d5123e20f62b6d676ac72cb318")
	set1OPc  = key("cd63cb71954a9f4e48a5994e37a02baf")
	set1RAND = [16]byte(unhex("23553cbe9637a89d218ae64dae47bf35"))
	set1SQN  = uint64(0xff9bb4d0b607)
)

func key(s string) secret.Key128 {
	k, err := secret.ParseKey128(s)
	if err != nil {
		panic(err)
	}
	return k
}

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// fakeUDR is an in-memory Nudr_DataRepository with the store's SQN rules.
type fakeUDR struct {
	mu      sync.Mutex
	subs    map[string]store.AuthData
	resyncs []uint64
}

// shape answers a row as the UDR does: OP as OPc (TS 35.206 §4.1).
func shape(a store.AuthData) sbi.AuthenticationSubscription {
	opc := a.OPc
	if a.OPIsOP {
		opc = milenage.OPc(a.K, a.OPc)
	}
	return sbi.AuthenticationSubscription{AuthenticationMethod: sbi.AuthMethod5GAKA, PermanentKey: a.K, OPc: opc, AMF: a.AMF,
		SequenceNumber: sbi.SequenceNumber{Scheme: sbi.SQNSchemeNonTimeBased, SQN: a.SQN, IndLength: 5}}
}

func (f *fakeUDR) AuthenticationSubscription(_ context.Context, supi string) (sbi.AuthenticationSubscription, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.subs[supi]
	if !ok {
		return sbi.AuthenticationSubscription{}, fmt.Errorf("fake: %w", sbi.ErrUserNotFound)
	}
	return shape(a), nil
}

func (f *fakeUDR) NextSQN(_ context.Context, supi string) (sbi.AuthenticationSubscription, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.subs[supi]
	if !ok {
		return sbi.AuthenticationSubscription{}, fmt.Errorf("fake: %w", sbi.ErrUserNotFound)
	}
	a.SQN++
	f.subs[supi] = a
	return shape(a), nil
}

func (f *fakeUDR) ResyncSQN(_ context.Context, supi string, sqnMS uint64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.subs[supi]
	if !ok {
		return fmt.Errorf("fake: %w", sbi.ErrUserNotFound)
	}
	f.resyncs = append(f.resyncs, sqnMS)
	a.SQN = max(a.SQN, sqnMS)
	f.subs[supi] = a
	return nil
}

func (f *fakeUDR) AccessAndMobilitySubscription(_ context.Context, supi string) (sbi.AMData, error) {
	if _, err := f.AuthenticationSubscription(context.Background(), supi); err != nil {
		return sbi.AMData{}, err
	}
	return sbi.AMData{UEAMBRUplink: 1e9, UEAMBRDownlink: 2e9, NSSAI: []ident.SNSSAI{{SST: 1}}, DNNs: []string{"internet"}}, nil
}

func (f *fakeUDR) SessionManagementSubscription(_ context.Context, supi string) ([]sbi.SMData, error) {
	if _, err := f.AuthenticationSubscription(context.Background(), supi); err != nil {
		return nil, err
	}
	return []sbi.SMData{{DNN: "internet", SNSSAI: ident.SNSSAI{SST: 1}, SessionAMBRUplink: 1e8, SessionAMBRDownlink: 2e8, FiveQI: 9, ARPPriority: 8}}, nil
}

func (f *fakeUDR) sqn(supi string) uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.subs[supi].SQN
}

// fixedRand returns the same 16 octets on every read of 16.
type fixedRand [16]byte

func (r fixedRand) Read(p []byte) (int, error) { return copy(p, r[:]), nil }

type fixture struct {
	udm  *udm.UDM
	udr  *fakeUDR
	keys *hnkey.Keyring
	reg  *prometheus.Registry
}

func newUDM(t *testing.T, auth store.AuthData, r fixedRand) fixture {
	t.Helper()
	a, err := suci.GenerateKey(1, suci.ProfileA)
	if err != nil {
		t.Fatal(err)
	}
	b, err := suci.GenerateKey(2, suci.ProfileB)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := hnkey.NewKeyring(a, b)
	if err != nil {
		t.Fatal(err)
	}
	f := fixture{udr: &fakeUDR{subs: map[string]store.AuthData{supi: auth}}, keys: keys, reg: prometheus.NewRegistry()}
	f.udm, err = udm.New(udm.Options{UDR: f.udr, Keys: keys, Registry: f.reg, Rand: r})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestVectorKnownAnswer checks a vector built from TS 35.208 test set 1:
// AUTN = SQN ⊕ AK || AMF || MAC-A with SQN ff9bb4d0b607, AK aa689c648370,
// AMF b9b9 and MAC-A 4a9ffac354dfafb3; XRES* and KAUSF from CK and IK.
func TestVectorKnownAnswer(t *testing.T) {
	for _, tt := range []struct {
		name string
		auth store.AuthData
	}{
		{"OPc", store.AuthData{K: set1K, OPc: set1OPc, AMF: [2]byte{0xb9, 0xb9}, SQN: set1SQN - 1}},
		{"OP", store.AuthData{K: set1K, OPc: set1OP, OPIsOP: true, AMF: [2]byte{0xb9, 0xb9}, SQN: set1SQN - 1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newUDM(t, tt.auth, set1RAND)
			v, err := f.udm.GenerateAuthData(context.Background(), sbi.AuthRequest{SUPI: supi, ServingNetworkName: sn})
			if err != nil {
				t.Fatal(err)
			}
			if want := unhex("55f328b43577" + "b9b9" + "4a9ffac354dfafb3"); !bytes.Equal(v.AUTN[:], want) {
				t.Errorf("AUTN = %x, want %x", v.AUTN, want)
			}
			ck, ik := key("b40ba9a3c58b2a05bbf0d987b21bf8cb"), key("f769bcd751044604127672711c6d3441")
			if want := kdf.RESStar(ck, ik, sn, set1RAND, unhex("a54211d5e3ba50bf")); v.XRESStar != want {
				t.Errorf("XRES* = %x, want %x", v.XRESStar, want)
			}
			if want := kdf.KAUSF(ck, ik, sn, [6]byte(unhex("55f328b43577"))); !v.KAUSF.Equal(want) {
				t.Error("KAUSF differs from KDF(CK||IK, SN name, SQN ⊕ AK)")
			}
			if v.SUPI != supi || v.RAND != set1RAND {
				t.Errorf("vector for %s with RAND %x, want %s and %x", v.SUPI, v.RAND, supi, set1RAND)
			}
		})
	}
}

// TestSeparationBit checks that the AMF field in AUTN has bit 0 set
// (TS 33.102 Annex H) whatever the subscription holds, the rest unchanged.
func TestSeparationBit(t *testing.T) {
	for _, amf := range [][2]byte{{0x00, 0x00}, {0x80, 0x00}, {0x12, 0x34}} {
		f := newUDM(t, store.AuthData{K: set1K, OPc: set1OPc, AMF: amf}, set1RAND)
		v, err := f.udm.GenerateAuthData(context.Background(), sbi.AuthRequest{SUPI: supi, ServingNetworkName: sn})
		if err != nil {
			t.Fatal(err)
		}
		if want := [2]byte{amf[0] | 0x80, amf[1]}; [2]byte(v.AUTN[6:8]) != want {
			t.Errorf("subscription AMF %x: AUTN carries AMF %x, want %x", amf, v.AUTN[6:8], want)
		}
	}
}

func TestSQNPerVector(t *testing.T) {
	f := newUDM(t, store.AuthData{K: set1K, OPc: set1OPc, AMF: [2]byte{0x80, 0}, SQN: 100}, set1RAND)
	seen := map[[16]byte]bool{}
	for i := range 3 {
		v, err := f.udm.GenerateAuthData(context.Background(), sbi.AuthRequest{SUPI: supi, ServingNetworkName: sn})
		if err != nil {
			t.Fatal(err)
		}
		if got := f.udr.sqn(supi); got != uint64(101+i) {
			t.Errorf("vector %d: SQN in the UDR = %d, want %d", i, got, 101+i)
		}
		if seen[v.AUTN] {
			t.Errorf("vector %d repeats an AUTN", i)
		}
		seen[v.AUTN] = true
	}
}

func TestSIDF(t *testing.T) {
	const msin = "0123456789"
	bcd, err := suci.EncodeMSIN(msin)
	if err != nil {
		t.Fatal(err)
	}
	f := newUDM(t, store.AuthData{K: set1K, OPc: set1OPc}, set1RAND)
	conceal := func(id uint8) []byte {
		k, _ := f.keys.Key(id)
		out, err := suci.Conceal(k.Scheme, k.Public, bcd, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	a, b := conceal(1), conceal(2)
	tampered := bytes.Clone(a)
	tampered[len(tampered)-1] ^= 1
	base := ident.SUCI{MCC: "001", MNC: "01", RoutingIndicator: "0"}
	with := func(scheme, keyID uint8, out []byte) *ident.SUCI {
		s := base
		s.Scheme, s.KeyID, s.SchemeOutput = scheme, keyID, out
		return &s
	}
	tests := []struct {
		name string
		req  sbi.AuthRequest
		want error // nil: the vector is for supi
	}{
		{"SUPI", sbi.AuthRequest{SUPI: supi}, nil},
		{"null scheme", sbi.AuthRequest{SUCI: with(0, 0, bcd)}, nil},
		{"profile A", sbi.AuthRequest{SUCI: with(1, 1, a)}, nil},
		{"profile B", sbi.AuthRequest{SUCI: with(2, 2, b)}, nil},
		{"unknown key", sbi.AuthRequest{SUCI: with(1, 9, a)}, sbi.ErrSUCIDeconceal},
		{"key of the other profile", sbi.AuthRequest{SUCI: with(2, 1, a)}, sbi.ErrSUCIDeconceal},
		{"MAC failure", sbi.AuthRequest{SUCI: with(1, 1, tampered)}, sbi.ErrSUCIDeconceal},
		{"unknown scheme", sbi.AuthRequest{SUCI: with(7, 1, a)}, sbi.ErrSUCIDeconceal},
		{"null scheme, not BCD", sbi.AuthRequest{SUCI: with(0, 0, []byte{0xab})}, sbi.ErrSUCIDeconceal},
		{"null scheme, empty", sbi.AuthRequest{SUCI: with(0, 0, nil)}, sbi.ErrSUCIDeconceal},
		{"bad MCC", sbi.AuthRequest{SUCI: &ident.SUCI{MCC: "1", MNC: "01", SchemeOutput: bcd}}, sbi.ErrInvalidRequest},
		{"unknown subscriber", sbi.AuthRequest{SUCI: &ident.SUCI{MCC: "001", MNC: "02", SchemeOutput: bcd}}, sbi.ErrUserNotFound},
		{"both", sbi.AuthRequest{SUPI: supi, SUCI: with(0, 0, bcd)}, sbi.ErrInvalidRequest},
		{"neither", sbi.AuthRequest{}, sbi.ErrInvalidRequest},
		{"malformed SUPI", sbi.AuthRequest{SUPI: "imsi-12x"}, sbi.ErrInvalidRequest},
		{"unknown SUPI", sbi.AuthRequest{SUPI: "imsi-001019999999999"}, sbi.ErrUserNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.ServingNetworkName = sn
			before := f.udr.sqn(supi)
			v, err := f.udm.GenerateAuthData(context.Background(), tt.req)
			if tt.want == nil {
				if err != nil || v.SUPI != supi {
					t.Errorf("GenerateAuthData = %s, %v; want a vector for %s", v.SUPI, err, supi)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("GenerateAuthData = %v, want %v", err, tt.want)
			}
			if f.udr.sqn(supi) != before {
				t.Error("a refused request consumed an SQN")
			}
		})
	}
	if got := metric(t, f.reg, "keel_udm_auth_vectors_total", "suci_deconceal_failure"); got != 6 {
		t.Errorf("keel_udm_auth_vectors_total{result=suci_deconceal_failure} = %v, want 6", got)
	}
	if got := metric(t, f.reg, "keel_udm_auth_vectors_total", "ok"); got != 4 {
		t.Errorf("keel_udm_auth_vectors_total{result=ok} = %v, want 4", got)
	}

	noKeys, err := udm.New(udm.Options{UDR: f.udr})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := noKeys.GenerateAuthData(context.Background(), sbi.AuthRequest{SUCI: with(1, 1, a), ServingNetworkName: sn}); !errors.Is(err, sbi.ErrSUCIDeconceal) {
		t.Errorf("profile A SUCI without a key ring = %v, want ErrSUCIDeconceal", err)
	}
	if v, err := noKeys.GenerateAuthData(context.Background(), sbi.AuthRequest{SUCI: with(0, 0, bcd), ServingNetworkName: sn}); err != nil || v.SUPI != supi {
		t.Errorf("null-scheme SUCI without a key ring = %s, %v; want %s", v.SUPI, err, supi)
	}
}

func TestServingNetworkName(t *testing.T) {
	f := newUDM(t, store.AuthData{K: set1K, OPc: set1OPc}, set1RAND)
	for _, name := range []string{"", "5G:mnc1.mcc001.3gppnetwork.org", "4G:mnc001.mcc001.3gppnetwork.org"} {
		_, err := f.udm.GenerateAuthData(context.Background(), sbi.AuthRequest{SUPI: supi, ServingNetworkName: name})
		if !errors.Is(err, sbi.ErrServingNetworkNotAuthorized) {
			t.Errorf("serving network %q: %v, want ErrServingNetworkNotAuthorized", name, err)
		}
	}
	if f.udr.sqn(supi) != 0 {
		t.Error("a refused request consumed an SQN")
	}
}

// TestResync plays the UE's side of TS 33.102 §6.3.3 with
// milenage.AUTS and checks the UDM's.
func TestResync(t *testing.T) {
	ctx := context.Background()
	f := newUDM(t, store.AuthData{K: set1K, OPc: set1OPc, AMF: [2]byte{0x80, 0}, SQN: 5}, set1RAND)
	const sqnMS = 0x1234_5678_9a_c3 // SEQ 0x91a2b3c4d6, IND 3
	auts, err := milenage.AUTS(set1K, set1OPc, set1RAND, [6]byte(unhex("123456789ac3")))
	if err != nil {
		t.Fatal(err)
	}
	bad := auts
	bad[13] ^= 1
	_, err = f.udm.GenerateAuthData(ctx, sbi.AuthRequest{SUPI: supi, ServingNetworkName: sn, Resync: &sbi.Resync{RAND: set1RAND, AUTS: bad}})
	if !errors.Is(err, sbi.ErrSyncFailure) {
		t.Errorf("AUTS with a wrong MAC-S = %v, want ErrSyncFailure", err)
	}
	if got := f.udr.sqn(supi); got != 5 || len(f.udr.resyncs) != 0 {
		t.Errorf("after a failed re-synchronisation SQN = %d (resyncs %v), want 5 untouched", got, f.udr.resyncs)
	}
	wrongRAND := set1RAND
	wrongRAND[0] ^= 1
	if _, err := f.udm.GenerateAuthData(ctx, sbi.AuthRequest{SUPI: supi, ServingNetworkName: sn, Resync: &sbi.Resync{RAND: wrongRAND, AUTS: auts}}); !errors.Is(err, sbi.ErrSyncFailure) {
		t.Errorf("AUTS with another RAND = %v, want ErrSyncFailure", err)
	}

	v, err := f.udm.GenerateAuthData(ctx, sbi.AuthRequest{SUPI: supi, ServingNetworkName: sn, Resync: &sbi.Resync{RAND: set1RAND, AUTS: auts}})
	if err != nil {
		t.Fatal(err)
	}
	// The next SQN after SEQ_MS || IND is (SEQ_MS + 1) || 0.
	const want = (sqnMS>>5 + 1) << 5
	if got := f.udr.sqn(supi); got != want {
		t.Errorf("SQN after re-synchronisation = %#x, want %#x", got, want)
	}
	mv, _ := milenage.Generate(set1K, set1OPc, v.RAND, [6]byte{}, [2]byte{})
	var sqn [6]byte
	for i := range sqn {
		sqn[i] = v.AUTN[i] ^ mv.AK[i]
	}
	if !bytes.Equal(sqn[:], unhex(fmt.Sprintf("%012x", want))) {
		t.Errorf("the new vector's AUTN conceals SQN %x, want %012x", sqn, want)
	}
	for result, n := range map[string]float64{"ok": 1, "sync_failure": 2} {
		if got := metric(t, f.reg, "keel_udm_resyncs_total", result); got != n {
			t.Errorf("keel_udm_resyncs_total{result=%q} = %v, want %v", result, got, n)
		}
	}
}

func TestSDMAndUECM(t *testing.T) {
	ctx := context.Background()
	f := newUDM(t, store.AuthData{K: set1K, OPc: set1OPc}, set1RAND)
	am, err := f.udm.AccessAndMobility(ctx, supi)
	if err != nil || am.UEAMBRDownlink != 2e9 || len(am.DNNs) != 1 {
		t.Errorf("AccessAndMobility = %+v, %v", am, err)
	}
	if _, err := f.udm.AccessAndMobility(ctx, "imsi-001019999999999"); !errors.Is(err, sbi.ErrUserNotFound) {
		t.Errorf("AccessAndMobility of an unknown SUPI = %v, want ErrUserNotFound", err)
	}
	sm, err := f.udm.SessionManagement(ctx, supi)
	if err != nil || len(sm) != 1 || sm[0].DNN != "internet" || sm[0].FiveQI != 9 || sm[0].SessionAMBRDownlink != 2e8 {
		t.Errorf("SessionManagement = %+v, %v", sm, err)
	}
	if _, err := f.udm.SessionManagement(ctx, "imsi-001019999999999"); !errors.Is(err, sbi.ErrUserNotFound) {
		t.Errorf("SessionManagement of an unknown SUPI = %v, want ErrUserNotFound", err)
	}
	if _, err := f.udm.SessionManagement(ctx, "imsi-1"); !errors.Is(err, sbi.ErrInvalidRequest) {
		t.Errorf("SessionManagement of a malformed SUPI = %v, want ErrInvalidRequest", err)
	}
	if _, ok := f.udm.AMF(ctx, supi); ok {
		t.Error("AMF registration before RegisterAMF")
	}
	guami := ident.GUAMI{PLMN: ident.PLMN{MCC: "001", MNC: "01"}, RegionID: 1, SetID: 1}
	reg := sbi.AMFRegistration{AMFInstanceID: "4947a69a-f61b-4bc1-b9da-47c9c5d14b64", GUAMI: guami, RATType: "NR"}
	if err := f.udm.RegisterAMF(ctx, supi, reg); err != nil {
		t.Fatal(err)
	}
	if got, ok := f.udm.AMF(ctx, supi); !ok || got != reg {
		t.Errorf("AMF = %+v, %v; want %+v", got, ok, reg)
	}
	if err := f.udm.RegisterAMF(ctx, "x", reg); !errors.Is(err, sbi.ErrInvalidRequest) {
		t.Errorf("RegisterAMF with a malformed SUPI = %v, want ErrInvalidRequest", err)
	}
	if err := f.udm.RegisterAMF(ctx, supi, reg); err != nil {
		t.Fatal(err)
	}
	for event, want := range map[string]float64{"created": 1, "replaced": 1, "purged": 0} {
		if got := metrictest.Value(t, f.reg, "keel_udm_amf_registrations_total", "event", event); got != want {
			t.Errorf("keel_udm_amf_registrations_total{event=%q} = %v, want %v", event, got, want)
		}
	}
	// TS 29.503 §5.3.2.4.2: the purge of another AMF keeps the registration.
	other := guami
	other.Pointer = 2
	if err := f.udm.DeregisterAMF(ctx, supi, other); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.udm.AMF(ctx, supi); !ok {
		t.Error("the purge of another AMF removed the registration")
	}
	if err := f.udm.DeregisterAMF(ctx, supi, guami); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.udm.AMF(ctx, supi); ok {
		t.Error("AMF registration after DeregisterAMF")
	}
	if got := metrictest.Value(t, f.reg, "keel_udm_amf_registrations_total", "event", "purged"); got != 1 {
		t.Errorf("keel_udm_amf_registrations_total{event=purged} = %v, want 1 (the other AMF's purge removes nothing)", got)
	}
	if err := f.udm.ConfirmAuth(ctx, supi, sbi.AuthEvent{Success: true, ServingNetworkName: sn}); err != nil {
		t.Error(err)
	}
	if got := metric(t, f.reg, "keel_udm_auth_events_total", "success"); got != 1 {
		t.Errorf("keel_udm_auth_events_total{result=success} = %v, want 1", got)
	}
}

func TestNew(t *testing.T) {
	if _, err := udm.New(udm.Options{}); err == nil {
		t.Error("New without a UDR succeeded")
	}
}

// metric reads a counter or gauge; result "" matches a series without a
// result label.
func metric(t *testing.T, reg *prometheus.Registry, name, result string) float64 {
	t.Helper()
	return metrictest.Value(t, reg, name, "result", result)
}
