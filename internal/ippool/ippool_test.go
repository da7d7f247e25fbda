package ippool_test

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"testing"

	"github.com/keelcore/keel/internal/ippool"
)

func mustIPv4(t *testing.T, s string) *ippool.IPv4 {
	t.Helper()
	p, err := ippool.NewIPv4(netip.MustParsePrefix(s))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestIPv4Order(t *testing.T) {
	p := mustIPv4(t, "10.45.0.0/29")
	if p.Size() != 5 || p.Gateway() != netip.MustParseAddr("10.45.0.1") {
		t.Fatalf("Size() = %d, Gateway() = %s; want 5, 10.45.0.1", p.Size(), p.Gateway())
	}
	var got []string
	for range 5 {
		a, err := p.Allocate()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, a.String())
	}
	want := []string{"10.45.0.2", "10.45.0.3", "10.45.0.4", "10.45.0.5", "10.45.0.6"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Allocate ×5 = %v, want %v (network, gateway and broadcast skipped)", got, want)
	}
	if _, err := p.Allocate(); !errors.Is(err, ippool.ErrExhausted) {
		t.Fatalf("Allocate on a full pool = %v, want ErrExhausted", err)
	}
	if n, free := p.Counts(); n != 5 || free != 0 {
		t.Errorf("Counts() after exhaustion = %d, %d; want 5, 0", n, free)
	}
	// The cursor sits after .6: the first free slot after it, wrapping.
	for _, a := range []string{"10.45.0.4", "10.45.0.3"} {
		if err := p.Release(netip.MustParseAddr(a)); err != nil {
			t.Fatal(err)
		}
	}
	if a, _ := p.Allocate(); a.String() != "10.45.0.3" {
		t.Errorf("Allocate after releasing .4 and .3 = %s, want 10.45.0.3 (lowest after wrapping)", a)
	}
	if a, _ := p.Allocate(); a.String() != "10.45.0.4" {
		t.Errorf("next Allocate = %s, want 10.45.0.4", a)
	}
	if err := p.Release(netip.MustParseAddr("10.45.0.4")); err != nil {
		t.Fatal(err)
	}
	if err := p.Release(netip.MustParseAddr("10.45.0.4")); !errors.Is(err, ippool.ErrNotAllocated) {
		t.Errorf("second Release = %v, want ErrNotAllocated", err)
	}
	for _, a := range []string{"10.45.0.0", "10.45.0.1", "10.45.0.7", "2001:db8::1"} {
		if err := p.Release(netip.MustParseAddr(a)); !errors.Is(err, ippool.ErrNotUsable) {
			t.Errorf("Release(%s) = %v, want ErrNotUsable", a, err)
		}
		if err := p.Claim(netip.MustParseAddr(a)); !errors.Is(err, ippool.ErrNotUsable) {
			t.Errorf("Claim(%s) = %v, want ErrNotUsable", a, err)
		}
	}
	if n, free := p.Counts(); n != 4 || free != 1 {
		t.Errorf("Counts() = %d, %d; want 4, 1 (refused calls change nothing)", n, free)
	}
}

func TestIPv4Static(t *testing.T) {
	p := mustIPv4(t, "10.45.0.0/29")
	static := netip.MustParseAddr("10.45.0.3")
	if err := p.Reserve(static); err != nil {
		t.Fatal(err)
	}
	seen := map[netip.Addr]bool{}
	for {
		a, err := p.Allocate()
		if errors.Is(err, ippool.ErrExhausted) {
			break
		}
		if a == static {
			t.Fatalf("Allocate handed out the reserved %s", a)
		}
		seen[a] = true
	}
	if len(seen) != 4 {
		t.Errorf("Allocate handed out %d addresses, want 4 (5 less the reserved one)", len(seen))
	}
	if err := p.Claim(static); err != nil {
		t.Fatalf("Claim of the reserved address = %v", err)
	}
	if err := p.Claim(static); !errors.Is(err, ippool.ErrInUse) {
		t.Errorf("second Claim = %v, want ErrInUse", err)
	}
	if err := p.Release(static); err != nil {
		t.Fatal(err)
	}
	if err := p.Release(static); !errors.Is(err, ippool.ErrNotAllocated) {
		t.Errorf("second Release of a static address = %v, want ErrNotAllocated", err)
	}
	// A static address not reserved beforehand: Claim takes it from the
	// dynamic range, Release returns it.
	q := mustIPv4(t, "10.45.0.0/29")
	if err := q.Claim(netip.MustParseAddr("10.45.0.2")); err != nil {
		t.Fatal(err)
	}
	if a, _ := q.Allocate(); a.String() != "10.45.0.3" {
		t.Errorf("Allocate after claiming .2 = %s, want 10.45.0.3", a)
	}
	if err := q.Claim(netip.MustParseAddr("10.45.0.3")); !errors.Is(err, ippool.ErrInUse) {
		t.Errorf("Claim of an allocated address = %v, want ErrInUse", err)
	}
	// Reserving an address some session holds: it stays with that
	// session and is not handed out again after Release.
	if err := q.Reserve(netip.MustParseAddr("10.45.0.3")); err != nil {
		t.Fatal(err)
	}
	if err := q.Release(netip.MustParseAddr("10.45.0.3")); err != nil {
		t.Fatal(err)
	}
	for {
		a, err := q.Allocate()
		if err != nil {
			break
		}
		if a.String() == "10.45.0.3" {
			t.Fatal("a reserved address was handed out after its holder released it")
		}
	}
	// Outside the prefix: tracked for uniqueness only.
	out := netip.MustParseAddr("192.0.2.10")
	if err := q.Claim(out); err != nil {
		t.Fatal(err)
	}
	if err := q.Claim(out); !errors.Is(err, ippool.ErrInUse) {
		t.Errorf("second Claim outside the prefix = %v, want ErrInUse", err)
	}
	if err := q.Release(out); err != nil {
		t.Error(err)
	}
}

func TestNew(t *testing.T) {
	for _, s := range []string{"10.0.0.0/31", "10.0.0.0/7", "10.0.0.1/24", "2001:db8::/64"} {
		if _, err := ippool.NewIPv4(netip.MustParsePrefix(s)); err == nil {
			t.Errorf("NewIPv4(%s) succeeded", s)
		}
	}
	for _, s := range []string{"2001:db8::/65", "2001::/15", "2001:db8::1/64", "10.0.0.0/24", "::ffff:10.0.0.0/120"} {
		if _, err := ippool.NewIPv6(netip.MustParsePrefix(s)); err == nil {
			t.Errorf("NewIPv6(%s) succeeded", s)
		}
	}
	if p := mustIPv4(t, "10.0.0.0/8"); p.Size() != 1<<24-3 {
		t.Errorf("/8 Size() = %d, want 2^24-3", p.Size())
	}
	p, err := ippool.NewIPv6(netip.MustParsePrefix("2001::/16"))
	if err != nil || p.Size() != ippool.MaxSlots {
		t.Errorf("NewIPv6(/16) Size() = %d, %v; want MaxSlots", p.Size(), err)
	}
}

func TestIPv6(t *testing.T) {
	p, err := ippool.NewIPv6(netip.MustParsePrefix("2001:db8:1::/62"))
	if err != nil {
		t.Fatal(err)
	}
	var got []netip.Prefix
	for range 3 {
		pfx, err := p.Allocate()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, pfx)
	}
	if got[0].String() != "2001:db8:1::/64" || got[2].String() != "2001:db8:1:2::/64" {
		t.Errorf("Allocate ×3 = %v, want 2001:db8:1::/64 … 2001:db8:1:2::/64", got)
	}
	static, err := p.Claim(netip.MustParseAddr("2001:db8:1:3::42"))
	if err != nil || static.String() != "2001:db8:1:3::/64" {
		t.Fatalf("Claim = %s, %v; want 2001:db8:1:3::/64", static, err)
	}
	if _, err := p.Allocate(); !errors.Is(err, ippool.ErrExhausted) {
		t.Errorf("Allocate on a full pool = %v, want ErrExhausted", err)
	}
	if _, err := p.Claim(netip.MustParseAddr("2001:db8:1:1::9")); !errors.Is(err, ippool.ErrInUse) {
		t.Errorf("Claim of an allocated /64 = %v, want ErrInUse", err)
	}
	if err := p.Release(static); err != nil {
		t.Error(err)
	}
	if err := p.Release(netip.MustParsePrefix("2001:db8:1:1::/80")); !errors.Is(err, ippool.ErrNotAllocated) {
		t.Errorf("Release of a /80 = %v, want ErrNotAllocated", err)
	}
	if _, err := p.Claim(netip.MustParseAddr("10.0.0.1")); !errors.Is(err, ippool.ErrNotUsable) {
		t.Errorf("Claim of an IPv4 address = %v, want ErrNotUsable", err)
	}
	out, err := p.Claim(netip.MustParseAddr("2001:db8:ffff::1"))
	if err != nil || out.String() != "2001:db8:ffff::/64" {
		t.Errorf("Claim outside the pool = %s, %v", out, err)
	}
	if err := p.Release(out); err != nil {
		t.Error(err)
	}
	if n, free := p.Counts(); n != 3 || free != 1 {
		t.Errorf("Counts() = %d, %d; want 3, 1", n, free)
	}
}

// TestConcurrent runs 1000 goroutines allocating and releasing on a pool
// smaller than that, so that many find it exhausted: no address is ever
// held twice and the pool ends empty.
func TestConcurrent(t *testing.T) {
	p := mustIPv4(t, "10.45.0.0/24")
	v6, err := ippool.NewIPv6(netip.MustParsePrefix("2001:db8::/56"))
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu      sync.Mutex
		held    = map[netip.Addr]bool{}
		held6   = map[netip.Prefix]bool{}
		wg      sync.WaitGroup
		exhaust int
	)
	for range 1000 {
		wg.Go(func() {
			for range 20 {
				a, err := p.Allocate()
				if errors.Is(err, ippool.ErrExhausted) {
					mu.Lock()
					exhaust++
					mu.Unlock()
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				pfx, err6 := v6.Allocate()
				mu.Lock()
				if held[a] || (err6 == nil && held6[pfx]) {
					t.Errorf("%s / %s handed out twice", a, pfx)
				}
				held[a] = true
				if err6 == nil {
					held6[pfx] = true
				}
				mu.Unlock()

				mu.Lock()
				delete(held, a)
				delete(held6, pfx)
				mu.Unlock()
				if err := p.Release(a); err != nil {
					t.Error(err)
				}
				if err6 == nil {
					if err := v6.Release(pfx); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	wg.Wait()
	if n, free := p.Counts(); n != 0 || free != p.Size() {
		t.Errorf("IPv4 Counts() after the run = %d, %d; want 0, %d", n, free, p.Size())
	}
	if n, free := v6.Counts(); n != 0 || free != v6.Size() {
		t.Errorf("IPv6 Counts() after the run = %d, %d; want 0, %d", n, free, v6.Size())
	}
	t.Logf("%d allocations found the pool exhausted", exhaust)
	// Every address is still there to be handed out once.
	seen := map[netip.Addr]bool{}
	for {
		a, err := p.Allocate()
		if err != nil {
			break
		}
		if seen[a] {
			t.Fatalf("%s handed out twice after the run", a)
		}
		seen[a] = true
	}
	if len(seen) != p.Size() {
		t.Errorf("%d addresses after the run, want %d", len(seen), p.Size())
	}
}

func BenchmarkAllocateRelease(b *testing.B) {
	p, _ := ippool.NewIPv4(netip.MustParsePrefix("10.0.0.0/16"))
	for range 60000 {
		p.Allocate() // a nearly full pool
	}
	b.ResetTimer()
	for b.Loop() {
		a, err := p.Allocate()
		if err != nil {
			b.Fatal(err)
		}
		p.Release(a)
	}
}
