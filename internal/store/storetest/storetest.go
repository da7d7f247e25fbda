// Package storetest is the conformance suite of store.Store: every storage
// engine runs Run from its own tests, so all engines behave alike.
//
// Beyond the interface's documentation the suite pins down:
//   - a SUPI or static address repeated within one import is refused at
//     its later entry, whose reason names the earlier row;
//   - an IPv6 static address is held with its /64 (store.AddressKey);
//   - a SUPI other than "imsi-" followed by 5 to 15 digits, or an SQN
//     above store.MaxSQN, is refused;
//   - AdvanceSQN fails rather than go past store.MaxSQN;
//   - calls after Close fail, and Close may be called more than once.
//
// RunRecords (records.go) is the conformance suite of store.Records, run
// by every engine that keeps records.
//
// Faulty wraps any store and makes its writes or reads fail on demand (a
// full disk: ErrDiskFull), for tests of the layers above a store.
package storetest

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/store"
)

// Run runs the conformance suite. open must return a new, empty store each
// time it is called; Run closes it when the subtest ends.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"CreateGet", testCreateGet},
		{"CreateExists", testCreateExists},
		{"NotFound", testNotFound},
		{"UpdateKeepsSQN", testUpdateKeepsSQN},
		{"Delete", testDelete},
		{"Count", testCount},
		{"Invalid", testInvalid},
		{"Secrets", testSecrets},
		{"List", testList},
		{"ListLimits", testListLimits},
		{"Import", testImport},
		{"ImportEmpty", testImportEmpty},
		{"ImportStream", testImportStream},
		{"ImportStreamSourceError", testImportStreamSourceError},
		{"ImportErrorsBounded", testImportErrorsBounded},
		{"StaticAddressUnique", testStaticAddressUnique},
		{"StaticAddressConcurrent", testStaticAddressConcurrent},
		{"AdvanceSQN", testAdvanceSQN},
		{"AdvanceSQNConcurrent", testAdvanceSQNConcurrent},
		{"AdvanceSQNExhausted", testAdvanceSQNExhausted},
		{"AdvanceSQNCanceled", testAdvanceSQNCanceled},
		{"ResyncSQN", testResyncSQN},
		{"Close", testClose},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close() = %v, want nil", err)
				}
			})
			tt.fn(t, s)
		})
	}
}

// cmpOpts compares subscribers: a nil and an empty slice are alike,
// netip.Addr compares by value. secret.Key128 compares through its Equal
// method and prints as REDACTED in diffs.
func cmpOpts() cmp.Options {
	return cmp.Options{
		cmpopts.EquateEmpty(),
		cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
	}
}

// supi returns the i-th SUPI of a test PLMN.
func supi(plmn string, i int) string {
	return fmt.Sprintf("imsi-%s%0*d", plmn, 15-len(plmn), i)
}

// newSubscriber returns a subscriber with fresh random keys and every field
// set, some to their edge values.
func newSubscriber(i int) *store.Subscriber {
	return &store.Subscriber{
		SUPI: supi("00101", i),
		Auth: store.AuthData{
			K:   secret.RandomKey128(),
			OPc: secret.RandomKey128(),
			AMF: [2]byte{0x80, 0x00},
			SQN: uint64(i) * 32,
		},
		UEAMBR: store.AMBR{Uplink: 1_000_000_000, Downlink: 2_000_000_000},
		NSSAI: []ident.SNSSAI{
			{SST: 1},
			{SST: 1, SD: 0x000001, HasSD: true},
			{SST: 255, SD: 0xffffff, HasSD: true},
		},
		// Two defaults, neither the first slice.
		DefaultNSSAI: []ident.SNSSAI{
			{SST: 1, SD: 0x000001, HasSD: true},
			{SST: 255, SD: 0xffffff, HasSD: true},
		},
		DNNs: []store.DNNConfig{
			{
				DNN:         "internet",
				SNSSAI:      ident.SNSSAI{SST: 1},
				SessionAMBR: store.AMBR{Uplink: 100_000_000, Downlink: 200_000_000},
				FiveQI:      9,
				ARPPriority: 8,
			},
			{
				DNN:         "ims",
				SNSSAI:      ident.SNSSAI{SST: 1, SD: 0x000001, HasSD: true},
				SessionAMBR: store.AMBR{Uplink: 1_000_000, Downlink: 1_000_000},
				FiveQI:      5,
				ARPPriority: 1,
				StaticIPv4:  staticIPv4(i),
				StaticIPv6:  staticIPv6(i),
			},
		},
	}
}

// staticIPv4 and staticIPv6 are the i-th subscriber's static addresses:
// no two subscribers share one (nor an IPv6 /64).
func staticIPv4(i int) netip.Addr {
	return netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
}

func staticIPv6(i int) netip.Addr {
	return netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i), 15: 7})
}

// mustCreate stores subs or fails the test.
func mustCreate(t *testing.T, s store.Store, subs ...*store.Subscriber) {
	t.Helper()
	for _, sub := range subs {
		if err := s.CreateSubscriber(t.Context(), sub); err != nil {
			t.Fatalf("CreateSubscriber(%s) = %v, want nil", sub.SUPI, err)
		}
	}
}

// mustGet returns the stored subscriber or fails the test.
func mustGet(t *testing.T, s store.Store, supi string) *store.Subscriber {
	t.Helper()
	got, err := s.GetSubscriber(t.Context(), supi)
	if err != nil {
		t.Fatalf("GetSubscriber(%s) = %v, want nil error", supi, err)
	}
	return got
}

func mustCount(t *testing.T, s store.Store, want int) {
	t.Helper()
	n, err := s.CountSubscribers(t.Context())
	if err != nil {
		t.Fatalf("CountSubscribers() = %v", err)
	}
	if n != want {
		t.Errorf("CountSubscribers() = %d, want %d", n, want)
	}
}
