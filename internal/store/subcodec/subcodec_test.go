package subcodec

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/store"
)

func testSubscriber() *store.Subscriber {
	return &store.Subscriber{
		SUPI:         "imsi-001010000000001",
		Auth:         store.AuthData{K: secret.Key128{1}, OPc: secret.Key128{2}, AMF: [2]byte{0x80, 0x01}, SQN: 42},
		UEAMBR:       store.AMBR{Uplink: 1000, Downlink: 2000},
		NSSAI:        []ident.SNSSAI{{SST: 1}, {SST: 2, SD: 0xabcdef, HasSD: true}},
		DefaultNSSAI: []ident.SNSSAI{{SST: 2, SD: 0xabcdef, HasSD: true}},
		DNNs: []store.DNNConfig{{
			DNN: "internet", SNSSAI: ident.SNSSAI{SST: 1}, FiveQI: 9, ARPPriority: 8,
			SessionAMBR: store.AMBR{Uplink: 10, Downlink: 20},
			StaticIPv4:  netip.MustParseAddr("10.0.0.1"),
			StaticIPv6:  netip.MustParseAddr("2001:db8::7"),
			PCCRules: []store.PCCRule{{ID: "r1", FlowDescriptions: []string{"permit out ip from any to any"}, FiveQI: 5,
				ARP: store.ARP{PriorityLevel: 2, PreemptionCapability: true}}},
		}},
	}
}

// TestEncodeGolden pins the stored JSON: it is the database format, which
// SQLite and PostgreSQL databases share and older files hold.
func TestEncodeGolden(t *testing.T) {
	r, err := Encode(testSubscriber())
	if err != nil {
		t.Fatalf("Encode() = %v", err)
	}
	const (
		wantNSSAI = `[{"sst":1},{"sst":2,"sd":"abcdef","default":true}]`
		wantDNNs  = `[{"dnn":"internet","snssai":{"sst":1},"session_ambr":{"uplink":10,"downlink":20},"5qi":9,"arp_priority":8,` +
			`"static_ipv4":"10.0.0.1","static_ipv6":"2001:db8::7","pcc_rules":[{"id":"r1","flow_descriptions":["permit out ip from any to any"],` +
			`"5qi":5,"arp_priority":2,"preempt_cap":true,"gfbr":{"uplink":0,"downlink":0},"mfbr":{"uplink":0,"downlink":0}}]}]`
	)
	if r.NSSAI != wantNSSAI {
		t.Errorf("Encode().NSSAI = %s, want %s", r.NSSAI, wantNSSAI)
	}
	if r.DNNs != wantDNNs {
		t.Errorf("Encode().DNNs = %s, want %s", r.DNNs, wantDNNs)
	}
	if r.AMF != 0x8001 || r.SQN != 42 {
		t.Errorf("Encode() AMF, SQN = %#x, %d, want 0x8001, 42", r.AMF, r.SQN)
	}
	wantAddrs := []string{"10.0.0.1", "2001:db8::/64"}
	if len(r.Addrs) != 2 || r.Addrs[0].Key != wantAddrs[0] || r.Addrs[1].Key != wantAddrs[1] {
		t.Errorf("Encode().Addrs = %+v, want keys %v", r.Addrs, wantAddrs)
	}
}

func TestRoundTrip(t *testing.T) {
	sub := testSubscriber()
	r, err := Encode(sub)
	if err != nil {
		t.Fatalf("Encode() = %v", err)
	}
	got, err := Decode(&r)
	if err != nil {
		t.Fatalf("Decode() = %v", err)
	}
	if diff := cmp.Diff(sub, got, cmpopts.EquateEmpty(), cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
		t.Errorf("Decode(Encode()) mismatch (-want +got):\n%s", diff)
	}
}

func TestDecodeCorrupt(t *testing.T) {
	good, err := Encode(testSubscriber())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		edit func(r *Row)
	}{
		{"short K", func(r *Row) { r.K = r.K[:15] }},
		{"long OPc", func(r *Row) { r.OPc = append(r.OPc, 0) }},
		{"AMF", func(r *Row) { r.AMF = 0x10000 }},
		{"SQN", func(r *Row) { r.SQN = store.MaxSQN + 1 }},
		{"negative AMBR", func(r *Row) { r.AMBRUL = -1 }},
		{"NSSAI JSON", func(r *Row) { r.NSSAI = "{" }},
		{"SD", func(r *Row) { r.NSSAI = `[{"sst":1,"sd":"12345"}]` }},
		{"DNN JSON", func(r *Row) { r.DNNs = "[1]" }},
		{"static address", func(r *Row) { r.DNNs = `[{"dnn":"x","static_ipv4":"300.1.1.1"}]` }},
	} {
		r := good
		r.K, r.OPc = append([]byte(nil), good.K...), append([]byte(nil), good.OPc...)
		tt.edit(&r)
		_, err := Decode(&r)
		if !errors.Is(err, store.ErrCorrupt) {
			t.Errorf("%s: Decode() = %v, want store.ErrCorrupt", tt.name, err)
			continue
		}
		if !strings.Contains(err.Error(), r.SUPI) {
			t.Errorf("%s: Decode() = %v, want the SUPI named", tt.name, err)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, tt := range []struct {
		name string
		edit func(s *store.Subscriber)
	}{
		{"SUPI", func(s *store.Subscriber) { s.SUPI = "imsi-12ab" }},
		{"SQN", func(s *store.Subscriber) { s.Auth.SQN = store.MaxSQN + 1 }},
		{"SD", func(s *store.Subscriber) { s.NSSAI[0].SD = 1 << 24 }},
		{"default not subscribed", func(s *store.Subscriber) { s.DefaultNSSAI = []ident.SNSSAI{{SST: 9}} }},
		{"no DNN", func(s *store.Subscriber) { s.DNNs[0].DNN = "" }},
		{"IPv4 not v4", func(s *store.Subscriber) { s.DNNs[0].StaticIPv4 = netip.MustParseAddr("::1") }},
	} {
		s := testSubscriber()
		tt.edit(s)
		if err := Validate(s); err == nil {
			t.Errorf("%s: Validate() = nil, want an error", tt.name)
		}
	}
	if err := Validate(testSubscriber()); err != nil {
		t.Errorf("Validate(valid) = %v, want nil", err)
	}
}

// FuzzDecode feeds Decode stored rows it did not write: it never panics,
// and what it accepts encodes again to a row that decodes to the same
// subscriber.
func FuzzDecode(f *testing.F) {
	r, err := Encode(testSubscriber())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(r.K, r.OPc, r.AMF, r.SQN, r.AMBRUL, r.NSSAI, r.DNNs)
	f.Fuzz(func(t *testing.T, k, opc []byte, amf, sqn, ambr int64, nssai, dnns string) {
		row := Row{SUPI: "imsi-001010000000001", K: k, OPc: opc, AMF: amf, SQN: sqn, AMBRUL: ambr, AMBRDL: ambr, NSSAI: nssai, DNNs: dnns}
		sub, err := Decode(&row)
		if err != nil {
			if !errors.Is(err, store.ErrCorrupt) {
				t.Fatalf("Decode() = %v, want store.ErrCorrupt or nil", err)
			}
			return
		}
		again, err := Encode(sub)
		if err != nil {
			t.Fatalf("Encode(Decode()) = %v", err)
		}
		sub2, err := Decode(&again)
		if err != nil {
			t.Fatalf("Decode(Encode(Decode())) = %v", err)
		}
		if diff := cmp.Diff(sub, sub2, cmpopts.EquateEmpty(), cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
			t.Fatalf("Decode(Encode(Decode())) mismatch (-first +second):\n%s", diff)
		}
	})
}
