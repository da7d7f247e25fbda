package storetest

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/store"
)

func testCreateGet(t *testing.T, s store.Store) {
	want := newSubscriber(1)
	mustCreate(t, s, want)
	got := mustGet(t, s, want.SUPI)
	if diff := cmp.Diff(want, got, cmpOpts()); diff != "" {
		t.Errorf("GetSubscriber(%s) mismatch (-want +got):\n%s", want.SUPI, diff)
	}

	bare := &store.Subscriber{SUPI: supi("00101", 2), Auth: store.AuthData{K: secret.RandomKey128(), OPc: secret.RandomKey128()}}
	mustCreate(t, s, bare)
	got = mustGet(t, s, bare.SUPI)
	if diff := cmp.Diff(bare, got, cmpOpts()); diff != "" {
		t.Errorf("GetSubscriber(%s) mismatch (-want +got):\n%s", bare.SUPI, diff)
	}
}

func testCreateExists(t *testing.T, s store.Store) {
	first := newSubscriber(1)
	mustCreate(t, s, first)
	again := newSubscriber(1)
	again.UEAMBR.Uplink = 7
	err := s.CreateSubscriber(t.Context(), again)
	if !errors.Is(err, store.ErrExists) {
		t.Errorf("CreateSubscriber(%s) again = %v, want ErrExists", again.SUPI, err)
	}
	if diff := cmp.Diff(first, mustGet(t, s, first.SUPI), cmpOpts()); diff != "" {
		t.Errorf("GetSubscriber(%s) after refused create mismatch (-want +got):\n%s", first.SUPI, diff)
	}
}

func testNotFound(t *testing.T, s store.Store) {
	ctx := t.Context()
	mustCreate(t, s, newSubscriber(1))
	absent := newSubscriber(2)
	if _, err := s.GetSubscriber(ctx, absent.SUPI); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetSubscriber(%s) = %v, want ErrNotFound", absent.SUPI, err)
	}
	if err := s.UpdateSubscriber(ctx, absent); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateSubscriber(%s) = %v, want ErrNotFound", absent.SUPI, err)
	}
	if err := s.DeleteSubscriber(ctx, absent.SUPI); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteSubscriber(%s) = %v, want ErrNotFound", absent.SUPI, err)
	}
	if _, err := s.AdvanceSQN(ctx, absent.SUPI); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AdvanceSQN(%s) = %v, want ErrNotFound", absent.SUPI, err)
	}
	if err := s.ResyncSQN(ctx, absent.SUPI, 5); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ResyncSQN(%s, 5) = %v, want ErrNotFound", absent.SUPI, err)
	}
	mustCount(t, s, 1)
}

func testUpdateKeepsSQN(t *testing.T, s store.Store) {
	ctx := t.Context()
	orig := newSubscriber(1)
	orig.Auth.SQN = 100
	mustCreate(t, s, orig)
	if _, err := s.AdvanceSQN(ctx, orig.SUPI); err != nil {
		t.Fatalf("AdvanceSQN(%s) = %v", orig.SUPI, err)
	}

	upd := newSubscriber(1)
	upd.Auth.SQN = 5
	upd.Auth.OPIsOP = true
	upd.Auth.AMF = [2]byte{0x00, 0x01}
	upd.UEAMBR = store.AMBR{Uplink: 3, Downlink: 4}
	upd.NSSAI = []ident.SNSSAI{{SST: 2, SD: 0xabcdef, HasSD: true}}
	upd.DefaultNSSAI = []ident.SNSSAI{{SST: 2, SD: 0xabcdef, HasSD: true}}
	upd.DNNs = []store.DNNConfig{{DNN: "iot", SNSSAI: ident.SNSSAI{SST: 2, SD: 0xabcdef, HasSD: true}, FiveQI: 7, ARPPriority: 15,
		PCCRules: []store.PCCRule{{ID: "voice", FlowDescriptions: []string{"permit out 17 from any 5000-5010 to assigned"}, FiveQI: 1,
			ARP:  store.ARP{PriorityLevel: 2, PreemptionCapability: true},
			GFBR: store.AMBR{Uplink: 64_000, Downlink: 128_000}, MFBR: store.AMBR{Uplink: 128_000, Downlink: 2_000_000}}}}}
	if err := s.UpdateSubscriber(ctx, upd); err != nil {
		t.Fatalf("UpdateSubscriber(%s) = %v", upd.SUPI, err)
	}
	want := *upd
	want.Auth.SQN = 101
	if diff := cmp.Diff(&want, mustGet(t, s, upd.SUPI), cmpOpts()); diff != "" {
		t.Errorf("GetSubscriber(%s) after update mismatch (-want +got):\n%s", upd.SUPI, diff)
	}

	for _, c := range []struct {
		dnn  string
		want int
	}{{"iot", 1}, {"internet", 0}, {"ims", 0}} {
		page, err := s.ListSubscribers(ctx, store.ListQuery{DNN: c.dnn})
		if err != nil {
			t.Fatalf("ListSubscribers(DNN %q) = %v", c.dnn, err)
		}
		if len(page.Subscribers) != c.want {
			t.Errorf("ListSubscribers(DNN %q) after update = %d subscribers, want %d", c.dnn, len(page.Subscribers), c.want)
		}
	}
}

func testDelete(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b := newSubscriber(1), newSubscriber(2)
	mustCreate(t, s, a, b)
	if err := s.DeleteSubscriber(ctx, a.SUPI); err != nil {
		t.Fatalf("DeleteSubscriber(%s) = %v", a.SUPI, err)
	}
	if _, err := s.GetSubscriber(ctx, a.SUPI); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetSubscriber(%s) after delete = %v, want ErrNotFound", a.SUPI, err)
	}
	if err := s.DeleteSubscriber(ctx, a.SUPI); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteSubscriber(%s) again = %v, want ErrNotFound", a.SUPI, err)
	}
	mustCount(t, s, 1)
	page, err := s.ListSubscribers(ctx, store.ListQuery{DNN: "internet"})
	if err != nil {
		t.Fatalf("ListSubscribers(DNN internet) = %v", err)
	}
	if len(page.Subscribers) != 1 || page.Subscribers[0].SUPI != b.SUPI {
		t.Errorf("ListSubscribers(DNN internet) after delete = %d subscribers, want only %s", len(page.Subscribers), b.SUPI)
	}

	mustCreate(t, s, a)
	if diff := cmp.Diff(a, mustGet(t, s, a.SUPI), cmpOpts()); diff != "" {
		t.Errorf("GetSubscriber(%s) after re-create mismatch (-want +got):\n%s", a.SUPI, diff)
	}
}

func testCount(t *testing.T, s store.Store) {
	mustCount(t, s, 0)
	for i := range 5 {
		mustCreate(t, s, newSubscriber(i))
	}
	mustCount(t, s, 5)
}

func testInvalid(t *testing.T, s store.Store) {
	ctx := t.Context()
	mod := func(f func(*store.Subscriber)) *store.Subscriber {
		sub := newSubscriber(1)
		f(sub)
		return sub
	}
	for _, c := range []struct {
		name string
		sub  *store.Subscriber
	}{
		{"nil", nil},
		{"empty SUPI", mod(func(s *store.Subscriber) { s.SUPI = "" })},
		{"no imsi- prefix", mod(func(s *store.Subscriber) { s.SUPI = "001010000000001" })},
		{"4 digits", mod(func(s *store.Subscriber) { s.SUPI = "imsi-0010" })},
		{"16 digits", mod(func(s *store.Subscriber) { s.SUPI = "imsi-0010100000000001" })},
		{"letter", mod(func(s *store.Subscriber) { s.SUPI = "imsi-00101000000000a" })},
		{"SQN over 48 bits", mod(func(s *store.Subscriber) { s.Auth.SQN = store.MaxSQN + 1 })},
		{"SD over 24 bits", mod(func(s *store.Subscriber) { s.NSSAI[1].SD = 0x1000000 })},
		{"default not subscribed", mod(func(s *store.Subscriber) { s.DefaultNSSAI = []ident.SNSSAI{{SST: 3}} })},
		{"default twice", mod(func(s *store.Subscriber) { s.DefaultNSSAI = []ident.SNSSAI{{SST: 1}, {SST: 1}} })},
		{"defaults out of NSSAI order", mod(func(s *store.Subscriber) { s.DefaultNSSAI = []ident.SNSSAI{s.NSSAI[2], s.NSSAI[0]} })},
		{"IPv6 as static IPv4", mod(func(s *store.Subscriber) { s.DNNs[1].StaticIPv4 = netip.MustParseAddr("2001:db8::1") })},
	} {
		if err := s.CreateSubscriber(ctx, c.sub); err == nil {
			t.Errorf("CreateSubscriber(%s) = nil, want an error", c.name)
		}
	}
	mustCount(t, s, 0)
}

// testSecrets checks that keys survive storage bit for bit, zero bytes
// included, and that no error message carries them.
func testSecrets(t *testing.T, s store.Store) {
	ctx := t.Context()
	sub := newSubscriber(1)
	sub.Auth.K = secret.Key128{0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x00}
	sub.Auth.OPc = secret.Key128{0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa, 0xf9, 0xf8, 0xf7, 0xf6, 0xf5, 0xf4, 0xf3, 0xf2, 0xf1, 0xf0}
	sub.Auth.OPIsOP = true
	sub.Auth.AMF = [2]byte{0x80, 0x01}
	mustCreate(t, s, sub)

	got := mustGet(t, s, sub.SUPI)
	if !got.Auth.K.Equal(sub.Auth.K) || !got.Auth.OPc.Equal(sub.Auth.OPc) {
		t.Errorf("GetSubscriber(%s): keys differ from the ones stored", sub.SUPI)
	}
	if got.Auth.OPIsOP != true || got.Auth.AMF != sub.Auth.AMF {
		t.Errorf("GetSubscriber(%s) = OPIsOP %v, AMF %x, want true, %x", sub.SUPI, got.Auth.OPIsOP, got.Auth.AMF, sub.Auth.AMF)
	}
	auth, err := s.AdvanceSQN(ctx, sub.SUPI)
	if err != nil {
		t.Fatalf("AdvanceSQN(%s) = %v", sub.SUPI, err)
	}
	if !auth.K.Equal(sub.Auth.K) || !auth.OPc.Equal(sub.Auth.OPc) {
		t.Errorf("AdvanceSQN(%s): keys differ from the ones stored", sub.SUPI)
	}
	if auth.OPIsOP != true || auth.AMF != sub.Auth.AMF {
		t.Errorf("AdvanceSQN(%s) = OPIsOP %v, AMF %x, want true, %x", sub.SUPI, auth.OPIsOP, auth.AMF, sub.Auth.AMF)
	}

	var errs []error
	errs = append(errs, s.CreateSubscriber(ctx, sub))
	bad := *sub
	bad.Auth.SQN = store.MaxSQN + 1
	errs = append(errs, s.CreateSubscriber(ctx, &bad))
	errs = append(errs, s.ImportSubscribers(ctx, []*store.Subscriber{sub, &bad, sub}))
	var ie *store.ImportError
	if errors.As(errs[len(errs)-1], &ie) {
		for _, r := range ie.Rows {
			errs = append(errs, errors.New(r.Reason))
		}
	}
	for _, err := range errs {
		if err == nil {
			t.Fatalf("refused write returned nil error")
		}
		msg := strings.ToLower(err.Error())
		for name, k := range map[string]secret.Key128{"K": sub.Auth.K, "OPc": sub.Auth.OPc} {
			if strings.Contains(msg, k.Hex()) || strings.Contains(msg, string(k.Bytes())) {
				t.Errorf("error %q contains %s", err, name)
			}
		}
	}
}

func testClose(t *testing.T, s store.Store) {
	sub := newSubscriber(1)
	mustCreate(t, s, sub)
	if err := s.Close(); err != nil {
		t.Fatalf("Close() = %v, want nil", err)
	}
	if _, err := s.GetSubscriber(t.Context(), sub.SUPI); err == nil {
		t.Errorf("GetSubscriber(%s) after Close = nil error, want an error", sub.SUPI)
	}
	if _, err := s.AdvanceSQN(t.Context(), sub.SUPI); err == nil {
		t.Errorf("AdvanceSQN(%s) after Close = nil error, want an error", sub.SUPI)
	}
}
