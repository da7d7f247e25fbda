package udr_test

import (
	"context"
	"errors"
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/metrictest"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/sqlite"
	"github.com/keelcore/keel/internal/udr"
)

const supi = "imsi-001010000000001"

func newUDR(t *testing.T) (*udr.UDR, store.Store, *prometheus.Registry) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "keel.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	k, _ := secret.ParseKey128("465b5ce8b199b49faa5f0a2ee238a6bc")
	opc, _ := secret.ParseKey128("cd63cb71954a9f4e48a5994e37a02baf")
	err = st.CreateSubscriber(ctx, &store.Subscriber{
		SUPI:   supi,
		Auth:   store.AuthData{K: k, OPc: opc, AMF: [2]byte{0x80, 0}, SQN: 0x20},
		UEAMBR: store.AMBR{Uplink: 50e6, Downlink: 200e6},
		NSSAI:  []ident.SNSSAI{{SST: 1}, {SST: 2, SD: 0xa, HasSD: true}},
		DNNs: []store.DNNConfig{
			{DNN: "internet", SNSSAI: ident.SNSSAI{SST: 1}, FiveQI: 9, ARPPriority: 8,
				SessionAMBR: store.AMBR{Uplink: 100e6, Downlink: 300e6}, StaticIPv4: netip.MustParseAddr("10.45.0.7")},
			{DNN: "ims", SNSSAI: ident.SNSSAI{SST: 1}, FiveQI: 5, ARPPriority: 8,
				StaticIPv6: netip.MustParseAddr("2001:db8:0:7::")},
			{DNN: "internet", SNSSAI: ident.SNSSAI{SST: 2, SD: 0xa, HasSD: true}, FiveQI: 9, ARPPriority: 8},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	u, err := udr.New(st, udr.Options{Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	return u, st, reg
}

func TestSQN(t *testing.T) {
	ctx := context.Background()
	u, _, reg := newUDR(t)
	auth, err := u.AuthenticationSubscription(ctx, supi)
	if err != nil || auth.SequenceNumber.SQN != 0x20 {
		t.Fatalf("AuthenticationSubscription = SQN %#x, %v; want 0x20", auth.SequenceNumber.SQN, err)
	}
	if auth.PermanentKey.Hex() != "465b5ce8b199b49faa5f0a2ee238a6bc" || auth.OPc.Hex() != "cd63cb71954a9f4e48a5994e37a02baf" || auth.AMF != [2]byte{0x80, 0} {
		t.Errorf("AuthenticationSubscription returned other credentials than stored")
	}
	if auth.AuthenticationMethod != "5G_AKA" || auth.AlgorithmID != "milenage" || auth.SequenceNumber.Scheme != "NON_TIME_BASED" || auth.SequenceNumber.IndLength != 5 {
		t.Errorf("AuthenticationSubscription = %+v, want 5G_AKA, milenage, NON_TIME_BASED with IND of 5 bits", auth)
	}
	for want := uint64(0x21); want < 0x24; want++ {
		auth, err := u.NextSQN(ctx, supi)
		if err != nil || auth.SequenceNumber.SQN != want {
			t.Fatalf("NextSQN = %#x, %v; want %#x", auth.SequenceNumber.SQN, err, want)
		}
	}
	if auth, _ := u.AuthenticationSubscription(ctx, supi); auth.SequenceNumber.SQN != 0x23 {
		t.Errorf("AuthenticationSubscription after three NextSQN = %#x, want 0x23 (reading must not advance)", auth.SequenceNumber.SQN)
	}
	if err := u.ResyncSQN(ctx, supi, 0x10); err != nil {
		t.Fatal(err)
	}
	if auth, _ := u.NextSQN(ctx, supi); auth.SequenceNumber.SQN != 0x24 {
		t.Errorf("NextSQN after a resync to a lower value = %#x, want 0x24 (resync never lowers)", auth.SequenceNumber.SQN)
	}
	if err := u.ResyncSQN(ctx, supi, 0x1000); err != nil {
		t.Fatal(err)
	}
	if auth, _ := u.NextSQN(ctx, supi); auth.SequenceNumber.SQN != 0x1001 {
		t.Errorf("NextSQN after ResyncSQN(0x1000) = %#x, want 0x1001", auth.SequenceNumber.SQN)
	}
	if got := counter(t, reg, "NextSQN", "ok"); got != 5 {
		t.Errorf("keel_udr_requests_total{NextSQN,ok} = %v, want 5", got)
	}
}

func TestUserNotFound(t *testing.T) {
	ctx := context.Background()
	u, _, reg := newUDR(t)
	const unknown = "imsi-001010000000099"
	_, err1 := u.AuthenticationSubscription(ctx, unknown)
	_, err2 := u.NextSQN(ctx, unknown)
	err3 := u.ResyncSQN(ctx, unknown, 5)
	_, err4 := u.AccessAndMobilitySubscription(ctx, unknown)
	_, err5 := u.SessionManagementSubscription(ctx, unknown)
	for i, err := range []error{err1, err2, err3, err4, err5} {
		if !errors.Is(err, sbi.ErrUserNotFound) {
			t.Errorf("call %d for an unknown SUPI = %v, want sbi.ErrUserNotFound", i+1, err)
		}
	}
	if got := counter(t, reg, "NextSQN", "user_not_found"); got != 1 {
		t.Errorf("keel_udr_requests_total{NextSQN,user_not_found} = %v, want 1", got)
	}
}

func TestAccessAndMobility(t *testing.T) {
	u, _, _ := newUDR(t)
	got, err := u.AccessAndMobilitySubscription(context.Background(), supi)
	if err != nil {
		t.Fatal(err)
	}
	want := sbi.AMData{
		UEAMBRUplink: 50e6, UEAMBRDownlink: 200e6,
		NSSAI:        []ident.SNSSAI{{SST: 1}, {SST: 2, SD: 0xa, HasSD: true}},
		DefaultNSSAI: []ident.SNSSAI{{SST: 1}},
		DNNs:         []string{"internet", "ims"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("AccessAndMobilitySubscription (-want +got):\n%s", diff)
	}
}

// TestAccessAndMobilityMarkedDefaults: a subscriber marking two of its
// three slices default has those two, and only those, in DefaultNSSAI.
func TestAccessAndMobilityMarkedDefaults(t *testing.T) {
	u, st, _ := newUDR(t)
	ctx := context.Background()
	k := secret.RandomKey128()
	const other = "imsi-001010000000077"
	sd5 := ident.SNSSAI{SST: 1, SD: 5, HasSD: true}
	err := st.CreateSubscriber(ctx, &store.Subscriber{
		SUPI: other, Auth: store.AuthData{K: k, OPc: k},
		NSSAI:        []ident.SNSSAI{{SST: 1}, sd5, {SST: 3}},
		DefaultNSSAI: []ident.SNSSAI{sd5, {SST: 3}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := u.AccessAndMobilitySubscription(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	want := []ident.SNSSAI{{SST: 1, SD: 5, HasSD: true}, {SST: 3}}
	if diff := cmp.Diff(want, got.DefaultNSSAI); diff != "" {
		t.Errorf("AccessAndMobilitySubscription(%s).DefaultNSSAI (-want +got):\n%s", other, diff)
	}
}

func TestSessionManagement(t *testing.T) {
	u, _, reg := newUDR(t)
	got, err := u.SessionManagementSubscription(context.Background(), supi)
	if err != nil {
		t.Fatal(err)
	}
	want := []sbi.SMData{
		{DNN: "internet", SNSSAI: ident.SNSSAI{SST: 1}, SessionAMBRUplink: 100e6, SessionAMBRDownlink: 300e6,
			FiveQI: 9, ARPPriority: 8, StaticIPv4: netip.MustParseAddr("10.45.0.7")},
		{DNN: "ims", SNSSAI: ident.SNSSAI{SST: 1}, FiveQI: 5, ARPPriority: 8, StaticIPv6: netip.MustParseAddr("2001:db8:0:7::")},
		{DNN: "internet", SNSSAI: ident.SNSSAI{SST: 2, SD: 0xa, HasSD: true}, FiveQI: 9, ARPPriority: 8},
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
		t.Errorf("SessionManagementSubscription (-want +got):\n%s", diff)
	}
	if got := counter(t, reg, "SessionManagementSubscription", "ok"); got != 1 {
		t.Errorf("keel_udr_requests_total{SessionManagementSubscription,ok} = %v, want 1", got)
	}
}

// counter reads keel_udr_requests_total{operation=op,result=result}.
func counter(t *testing.T, reg *prometheus.Registry, op, result string) float64 {
	t.Helper()
	return metrictest.Value(t, reg, "keel_udr_requests_total", "operation", op, "result", result)
}

// TestOPAnsweredAsOPc: a subscription provisioned with OP is answered with
// OPc derived from K and OP (TS 35.206 §4.1; TS 35.208 test set 1: K
// 465b5ce8b199b49faa5f0a2ee238a6bc, OP cdc202d5123e20f62b6d676ac72cb318,
// OPc cd63cb71954a9f4e48a5994e37a02baf).
func TestOPAnsweredAsOPc(t *testing.T) {
	ctx := context.Background()
	u, st, _ := newUDR(t)
	k, _ := secret.ParseKey128("465b5ce8b199b49faa5f0a2ee238a6bc")
	op, _ := secret.ParseKey128("cdc202d5123e20f62b6d676ac72cb318")
	const other = "imsi-001010000000002"
	if err := st.CreateSubscriber(ctx, &store.Subscriber{SUPI: other, Auth: store.AuthData{K: k, OPc: op, OPIsOP: true, AMF: [2]byte{0x80, 0}}, NSSAI: []ident.SNSSAI{{SST: 1}}}); err != nil {
		t.Fatal(err)
	}
	for _, get := range []func(context.Context, string) (sbi.AuthenticationSubscription, error){u.AuthenticationSubscription, u.NextSQN} {
		auth, err := get(ctx, other)
		if err != nil || auth.OPc.Hex() != "cd63cb71954a9f4e48a5994e37a02baf" {
			t.Errorf("OPc = %s, %v; want cd63cb71954a9f4e48a5994e37a02baf", auth.OPc.Hex(), err)
		}
	}
}
