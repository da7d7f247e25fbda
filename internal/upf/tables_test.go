package upf

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// testRules is a typical session: uplink PDR 1 on TEID ulTEID to N6,
// downlink PDR 2 for ue to the gNB at gnb with TEID dlTEID, QER 1 (gates
// open, QFI 9), URR 1 on both.
func testRules(ulTEID, dlTEID uint32, ue, gnb netip.Addr) Rules {
	return Rules{
		PDRs: []PDR{
			{ID: 1, Precedence: 200, Source: Access, TEID: ulTEID, RemoveOuterHeader: true, FARID: 1, QERIDs: []uint32{1}, URRIDs: []uint32{1}},
			{ID: 2, Precedence: 200, Source: Core, UEAddr: ue, FARID: 2, QERIDs: []uint32{1}, URRIDs: []uint32{1}},
		},
		FARs: []FAR{
			{ID: 1, Action: Forward, Destination: Core},
			{ID: 2, Action: Forward, Destination: Access, Outer: &OuterHeader{TEID: dlTEID, Addr: gnb}},
		},
		QERs: []QER{{ID: 1, GateUL: true, GateDL: true, QFI: 9}},
		URRs: []URR{{ID: 1}},
	}
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

func TestApplyRefusesInconsistentRules(t *testing.T) {
	base := func(edit func(r *Rules)) Rules {
		r := testRules(0x100, 0x200, mustAddr("10.45.0.2"), mustAddr("127.0.0.2"))
		edit(&r)
		return r
	}
	tests := []struct {
		name string
		r    Rules
		want string
	}{
		{"missing FAR", base(func(r *Rules) { r.PDRs[0].FARID = 9 }), "PDR 1 names FAR 9"},
		{"missing QER", base(func(r *Rules) { r.PDRs[1].QERIDs = []uint32{7} }), "PDR 2 names QER 7"},
		{"missing URR", base(func(r *Rules) { r.PDRs[0].URRIDs = []uint32{1, 5} }), "PDR 1 names URR 5"},
		{"duplicate PDR", base(func(r *Rules) { r.PDRs[1].ID = 1 }), "PDR 1 defined twice"},
		{"duplicate FAR", base(func(r *Rules) { r.FARs[1].ID = 1 }), "FAR 1 defined twice"},
		{"duplicate QER", base(func(r *Rules) { r.QERs = append(r.QERs, QER{ID: 1}) }), "QER 1 defined twice"},
		{"duplicate URR", base(func(r *Rules) { r.URRs = append(r.URRs, URR{ID: 1}) }), "URR 1 defined twice"},
		{"uplink TEID 0", base(func(r *Rules) { r.PDRs[0].TEID = 0 }), "without a local TEID"},
		{"downlink without UE", base(func(r *Rules) { r.PDRs[1].UEAddr = netip.Addr{} }), "without a UE address"},
		{"forward to Access without outer header", base(func(r *Rules) { r.FARs[1].Outer = nil }), "without outer header creation"},
		{"outer header without address", base(func(r *Rules) { r.FARs[1].Outer.Addr = netip.Addr{} }), "without a peer address"},
		{"outer header TEID 0", base(func(r *Rules) { r.FARs[1].Outer.TEID = 0 }), "outer header TEID 0"},
		{"IPv6 gNB on IPv4 N3", base(func(r *Rules) { r.FARs[1].Outer.Addr = mustAddr("2001:db8::1") }), "is IPv6 but N3 is IPv4"},
		{"outer header to Core", base(func(r *Rules) { r.FARs[0].Outer = &OuterHeader{TEID: 1, Addr: mustAddr("1.2.3.4")} }), "towards Core"},
		{"uplink hairpin", base(func(r *Rules) { r.PDRs[0].FARID = 2 }), "from Access back to Access"},
		{"downlink to Core", base(func(r *Rules) { r.PDRs[1].FARID = 1 }), "from Core back to Core"},
		{"unknown source", base(func(r *Rules) { r.PDRs[0].Source = 7 }), "unknown source interface 7"},
		{"unknown destination", base(func(r *Rules) { r.FARs[0].Destination = 5 }), "unknown destination interface 5"},
		{"unknown action", base(func(r *Rules) { r.FARs[0].Action = 9 }), "unknown action 9"},
		{"PDR QFI above 63", base(func(r *Rules) { r.PDRs[0].QFI = 64 }), "QFI 64 is above 63"},
		{"QER QFI above 63", base(func(r *Rules) { r.QERs[0].QFI = 99 }), "QFI 99 is above 63"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := newTables(false)
			err := tb.apply(1, tt.r)
			if !errors.Is(err, ErrRules) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("apply() = %v, want ErrRules saying %q", err, tt.want)
			}
			if tb.count() != 0 || tb.lookupTEID(0x100) != nil {
				t.Errorf("refused rules left a session behind")
			}
		})
	}
}

func TestApplyRefusesKeysOfAnotherSession(t *testing.T) {
	tb := newTables(false)
	if err := tb.apply(1, testRules(0x100, 0x200, mustAddr("10.45.0.2"), mustAddr("127.0.0.2"))); err != nil {
		t.Fatal(err)
	}
	err := tb.apply(2, testRules(0x100, 0x201, mustAddr("10.45.0.3"), mustAddr("127.0.0.2")))
	if !errors.Is(err, ErrRules) || !strings.Contains(err.Error(), "TEID 0x100 belongs to session 0x1") {
		t.Errorf("apply(TEID of session 1) = %v, want ErrRules", err)
	}
	err = tb.apply(2, testRules(0x101, 0x201, mustAddr("10.45.0.2"), mustAddr("127.0.0.2")))
	if !errors.Is(err, ErrRules) || !strings.Contains(err.Error(), "10.45.0.2/32 belongs to session 0x1") {
		t.Errorf("apply(UE address of session 1) = %v, want ErrRules", err)
	}
	// A session may take over its own keys when modified.
	if err := tb.apply(1, testRules(0x100, 0x300, mustAddr("10.45.0.2"), mustAddr("127.0.0.3"))); err != nil {
		t.Errorf("apply(session 1 again) = %v", err)
	}
}

func TestApplyModifiesAtomicallyAndKeepsUsage(t *testing.T) {
	tb := newTables(false)
	ue := mustAddr("10.45.0.2")
	if err := tb.apply(7, testRules(0x100, 0x200, ue, mustAddr("127.0.0.2"))); err != nil {
		t.Fatal(err)
	}
	r := tb.lookupTEID(0x100)
	r.ul[0].urrs[0].addUL(100, &tb.reports)
	r.dl[0].urrs[0].addDL(50, &tb.reports)

	// Path switch: a new gNB TEID and address, a new uplink TEID.
	if err := tb.apply(7, testRules(0x101, 0x201, ue, mustAddr("127.0.0.9"))); err != nil {
		t.Fatal(err)
	}
	if tb.lookupTEID(0x100) != nil {
		t.Error("the old uplink TEID still finds the session")
	}
	r = tb.lookupTEID(0x101)
	if r == nil {
		t.Fatal("the new uplink TEID finds no session")
	}
	hi, lo, v4, _ := ipDestination(icmpEcho(mustAddr("10.45.0.1"), ue, 1, 1, 8))
	if got := tb.lookupAddr(hi, lo, v4); got != r {
		t.Errorf("downlink lookup = %p, want the rules of the uplink lookup %p", got, r)
	}
	if far := r.dl[0].far; far.teid != 0x201 || far.peer != netip.MustParseAddrPort("127.0.0.9:2152") {
		t.Errorf("downlink FAR = TEID %#x to %v, want 0x201 to 127.0.0.9:2152", far.teid, far.peer)
	}
	want := []Usage{{URRID: 1, Uplink: 100, Downlink: 50, UplinkPkts: 1, DownPkts: 1}}
	if diff := cmp.Diff(want, r.usage()); diff != "" {
		t.Errorf("usage after modification (-want +got):\n%s", diff)
	}
	final, err := tb.remove(7)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, final.usage()); diff != "" {
		t.Errorf("final usage (-want +got):\n%s", diff)
	}
	if tb.lookupTEID(0x101) != nil || tb.lookupAddr(hi, lo, v4) != nil {
		t.Error("a deleted session is still found")
	}
	if _, err := tb.remove(7); !errors.Is(err, ErrUnknownSession) {
		t.Errorf("remove(deleted session) = %v, want ErrUnknownSession", err)
	}
}

func TestLookupByPrefix(t *testing.T) {
	tb := newTables(true)
	r := testRules(0x100, 0x200, netip.Addr{}, mustAddr("2001:db8::2"))
	r.PDRs[1].UEPrefix = netip.MustParsePrefix("2001:db8:45:7::/64")
	if err := tb.apply(1, r); err != nil {
		t.Fatal(err)
	}
	if err := tb.apply(2, testRules(0x101, 0x201, mustAddr("10.45.0.3"), mustAddr("127.0.0.2"))); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		dst  string
		seid uint64 // 0: none
	}{
		{"2001:db8:45:7::1", 1},
		{"2001:db8:45:7:ffff:1:2:3", 1},
		{"2001:db8:45:8::1", 0},
		{"10.45.0.3", 2},
		{"10.45.0.4", 0},
		{"::ffff:10.45.0.3", 2},
	} {
		a := mustAddr(tt.dst)
		var pkt []byte
		if a.Is4() {
			pkt = icmpEcho(mustAddr("10.45.0.1"), a, 1, 1, 0)
		} else {
			pkt = ipv6Packet(mustAddr("2001:db8::1"), a, 0)
		}
		hi, lo, v4, _ := ipDestination(pkt)
		var got uint64
		if s := tb.lookupAddr(hi, lo, v4); s != nil && s.matchDownlink(hi, lo, v4, pkt) != nil {
			got = s.seid
		}
		if got != tt.seid {
			t.Errorf("lookup(%s) = session %d, want %d", tt.dst, got, tt.seid)
		}
	}
}

func TestURRThresholdReportsOnce(t *testing.T) {
	tb := newTables(false)
	r := testRules(0x100, 0x200, mustAddr("10.45.0.2"), mustAddr("127.0.0.2"))
	r.URRs[0].VolumeThreshold = 1000
	if err := tb.apply(3, r); err != nil {
		t.Fatal(err)
	}
	u := tb.lookupTEID(0x100).urrs[0]
	var reports []Usage
	collect := func(c *urrCounter) { reports = append(reports, c.usage()) }
	for range 9 {
		u.addUL(100, &tb.reports)
	}
	tb.reports.drain(collect)
	if len(reports) != 0 {
		t.Fatalf("reports below the threshold: %+v", reports)
	}
	u.addDL(100, &tb.reports) // 1000: the threshold
	tb.reports.drain(collect)
	u.addUL(100, &tb.reports)
	tb.reports.drain(collect)
	want := []Usage{{URRID: 1, Uplink: 900, Downlink: 100, UplinkPkts: 9, DownPkts: 1, ThresholdReached: true}}
	if diff := cmp.Diff(want, reports); diff != "" {
		t.Errorf("reports (-want +got):\n%s", diff)
	}
	// A new threshold re-arms the report; the same one does not.
	if err := tb.apply(3, r); err != nil {
		t.Fatal(err)
	}
	u.addUL(100, &tb.reports)
	r.URRs[0].VolumeThreshold = 2000
	if err := tb.apply(3, r); err != nil {
		t.Fatal(err)
	}
	for range 8 { // 1200 + 800
		u.addUL(100, &tb.reports)
	}
	tb.reports.drain(collect)
	if len(reports) != 2 || reports[1].Uplink+reports[1].Downlink != 2000 {
		t.Errorf("reports after a new threshold of 2000 = %+v, want a second one at 2000 octets", reports)
	}
}

func TestApplyManySessions(t *testing.T) {
	tb := newTables(false)
	const n = 20000
	for i := range n {
		ue := netip.AddrFrom4([4]byte{10, 45, byte(i >> 8), byte(i)})
		if err := tb.apply(uint64(i), testRules(uint32(0x1000+i), uint32(i+1), ue, mustAddr("127.0.0.2"))); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		if s := tb.lookupTEID(uint32(0x1000 + i)); s == nil || s.seid != uint64(i) {
			t.Fatalf("lookupTEID(%#x) = %v, want session %d", 0x1000+i, s, i)
		}
	}
	for i := 0; i < n; i += 2 {
		if _, err := tb.remove(uint64(i)); err != nil {
			t.Fatal(err)
		}
	}
	if got := tb.count(); got != n/2 {
		t.Errorf("count() = %d, want %d", got, n/2)
	}
	for i := range n {
		if got := tb.lookupTEID(uint32(0x1000+i)) != nil; got != (i%2 == 1) {
			t.Fatalf("lookupTEID(%#x) found = %v after removing the even sessions", 0x1000+i, got)
		}
	}
}

func ExampleErrRules() {
	tb := newTables(false)
	r := testRules(0x100, 0x200, mustAddr("10.45.0.2"), mustAddr("127.0.0.2"))
	r.PDRs[0].FARID = 9
	fmt.Println(tb.apply(1, r))
	// Output: upf: inconsistent rules: session 0x1: PDR 1 names FAR 9, which the session does not have
}
