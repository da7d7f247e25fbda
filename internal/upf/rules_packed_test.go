package upf

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/keelcore/keel/internal/pfcp"
)

// packTestRules uses every field of every rule.
func packTestRules() pfcp.Rules {
	return pfcp.Rules{
		PDRs: []pfcp.PDR{
			{ID: 1, Precedence: 255, SourceInterface: pfcp.InterfaceAccess, FTEID: &pfcp.FTEID{TEID: 0x80000001, IPv4: netip.MustParseAddr("10.100.200.1")},
				NetworkInstance: "internet", QFI: 9, RemoveOuterHeader: true, FARID: 1, QERIDs: []uint32{1, 2}, URRIDs: []uint32{1}},
			{ID: 2, Precedence: 1 << 31, SourceInterface: pfcp.InterfaceCore, UEIPv4: netip.MustParseAddr("10.45.0.7"),
				UEIPv6Prefix: netip.MustParsePrefix("2001:db8:1:2::/64"), NetworkInstance: "ims",
				SDFFilters: []string{"permit out ip from 192.0.2.0/24 to assigned", "permit out 17 from any 5060 to assigned"},
				FARID:      2, QERIDs: []uint32{1}, URRIDs: []uint32{1, 0xffffffff}, Set: pfcp.FieldPDI | pfcp.FieldID},
			{ID: 65535, FTEID: &pfcp.FTEID{Choose: true, ChooseID: 7}},
			{ID: 4, UEIPv4: netip.MustParseAddr("fe80::1%eth0")},
		},
		FARs: []pfcp.FAR{
			{ID: 1, Forward: true, DestinationInterface: pfcp.InterfaceCore, NetworkInstance: "internet"},
			{ID: 2, Forward: true, DestinationInterface: pfcp.InterfaceAccess, Outer: &pfcp.OuterHeader{TEID: 0x1234, IPv4: netip.MustParseAddr("192.0.2.10")}, SendEndMarker: true, Set: pfcp.FieldOuterHeader},
			{ID: 3, Buffer: true, NotifyCP: true, BARID: 5},
			{ID: 4, Drop: true},
		},
		QERs: []pfcp.QER{
			{ID: 1, GateUL: true, GateDL: true, MBRUL: 1 << 40, MBRDL: ^uint64(0), QFI: 63},
			{ID: 2, GateDL: true, Set: pfcp.FieldGate},
		},
		URRs: []pfcp.URR{{ID: 1, VolumeThreshold: 1 << 33}, {ID: 0xffffffff}},
		BARs: []pfcp.BAR{{ID: 5, SuggestedPackets: 10}},
	}
}

func TestPackedRulesRoundTrip(t *testing.T) {
	for _, tt := range []struct {
		name string
		r    pfcp.Rules
	}{
		{"every field", packTestRules()},
		{"empty", pfcp.Rules{}},
		{"session with its default QoS flow", defaultFlowRules()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := packRules(tt.r)
			got, err := p.unpack()
			if err != nil {
				t.Fatalf("unpack(packRules(r)) = %v", err)
			}
			if diff := cmp.Diff(tt.r, got, cmpopts.EquateEmpty(), cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
				cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
				t.Errorf("unpack(packRules(r)) differs from r (-want +got):\n%s", diff)
			}
			if p.pdrs() != len(tt.r.PDRs) {
				t.Errorf("pdrs() = %d, want %d", p.pdrs(), len(tt.r.PDRs))
			}
		})
	}
}

// defaultFlowRules are what Keel's SMF installs for a PDU session with
// its default QoS flow, once the gNB's tunnel is known.
func defaultFlowRules() pfcp.Rules {
	return pfcp.Rules{
		PDRs: []pfcp.PDR{
			{ID: 1, Precedence: 255, SourceInterface: pfcp.InterfaceAccess, FTEID: &pfcp.FTEID{TEID: 0x10203, IPv4: netip.MustParseAddr("10.100.200.1")},
				NetworkInstance: "internet", UEIPv4: netip.MustParseAddr("10.45.12.34"), QFI: 1, RemoveOuterHeader: true, FARID: 1, QERIDs: []uint32{1}, URRIDs: []uint32{1}},
			{ID: 2, Precedence: 255, SourceInterface: pfcp.InterfaceCore, UEIPv4: netip.MustParseAddr("10.45.12.34"), NetworkInstance: "internet",
				FARID: 2, QERIDs: []uint32{1}, URRIDs: []uint32{1}},
		},
		FARs: []pfcp.FAR{
			{ID: 1, Forward: true, DestinationInterface: pfcp.InterfaceCore, NetworkInstance: "internet"},
			{ID: 2, Forward: true, DestinationInterface: pfcp.InterfaceAccess, Outer: &pfcp.OuterHeader{TEID: 0x1234, IPv4: netip.MustParseAddr("10.100.200.2")}},
		},
		QERs: []pfcp.QER{{ID: 1, GateUL: true, GateDL: true, MBRUL: 1_000_000_000, MBRDL: 2_000_000_000, QFI: 1}},
		URRs: []pfcp.URR{{ID: 1}},
	}
}

// TestPackedRulesSize holds the point of the packed form: a PDU
// session's rules in some 100 bytes.
func TestPackedRulesSize(t *testing.T) {
	if n := len(packRules(defaultFlowRules())); n > 128 {
		t.Errorf("a session with its default QoS flow packs into %d bytes, want at most 128", n)
	}
}

// TestPackedRulesTruncated: every prefix of packed rules is refused, and
// so is anything after their end.
func TestPackedRulesTruncated(t *testing.T) {
	p := packRules(packTestRules())
	for n := range len(p) {
		if _, err := p[:n].unpack(); err == nil {
			t.Errorf("unpack of the first %d of %d bytes = nil error", n, len(p))
		}
	}
	if _, err := append(p[:len(p):len(p)], 0).unpack(); err == nil {
		t.Error("unpack with a byte after the rules = nil error")
	}
}

// FuzzPackedRules: unpacking never panics, and what it accepts packs to
// the same bytes.
func FuzzPackedRules(f *testing.F) {
	f.Add([]byte(packRules(packTestRules())))
	f.Add([]byte(packRules(defaultFlowRules())))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := packedRules(b).unpack()
		if err != nil {
			return
		}
		if again := packRules(r); string(again) != string(b) {
			r2, err := again.unpack()
			if err != nil || !cmp.Equal(r, r2, cmpopts.EquateEmpty(), cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
				cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })) {
				t.Fatalf("packRules(unpack(%x)) does not unpack to the same rules: %v", b, err)
			}
		}
	})
}
