package sbi_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"testing"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
)

func TestStaticSelection(t *testing.T) {
	ctx := context.Background()
	d := sbi.NewStatic()
	embb, urllc := ident.SNSSAI{SST: 1}, ident.SNSSAI{SST: 2, SD: 0x10, HasSD: true}
	d.AddUPF(sbi.Profile{InstanceID: "upf-any", Priority: 5}, netip.MustParseAddrPort("10.0.0.9:8805"))
	d.AddUPF(sbi.Profile{InstanceID: "upf-edge", SNSSAIs: []ident.SNSSAI{embb}, DNNs: []string{"internet"}, Locality: "edge"}, netip.MustParseAddrPort("10.0.0.1:8805"))
	d.AddUPF(sbi.Profile{InstanceID: "upf-core", SNSSAIs: []ident.SNSSAI{embb, urllc}, DNNs: []string{"internet", "ims"}, Locality: "core"}, netip.MustParseAddrPort("10.0.0.2:8805"))

	ids := func(ps []sbi.Peer[netip.AddrPort]) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		q    sbi.Query
		want []string
	}{
		{"locality first, priority before it", sbi.Query{SNSSAI: &embb, DNN: "Internet", Locality: "core"}, []string{"upf-core", "upf-edge", "upf-any"}},
		{"slice", sbi.Query{SNSSAI: &urllc, DNN: "internet"}, []string{"upf-core", "upf-any"}},
		{"dnn", sbi.Query{DNN: "ims", Locality: "edge"}, []string{"upf-core", "upf-any"}},
		{"instance", sbi.Query{InstanceID: "upf-edge"}, []string{"upf-edge"}},
	} {
		got, err := d.UPFs(ctx, tc.q)
		if err != nil {
			t.Fatalf("%s: UPFs(%v): %v", tc.name, tc.q, err)
		}
		if g := ids(got); len(g) != len(tc.want) || func() bool {
			for i := range g {
				if g[i] != tc.want[i] {
					return true
				}
			}
			return false
		}() {
			t.Errorf("%s: UPFs(%v) = %v, want %v", tc.name, tc.q, g, tc.want)
		}
	}
	if _, err := d.SMFs(ctx, sbi.Query{DNN: "internet"}); !errors.Is(err, sbi.ErrNoInstance) || !sbi.Temporary(err) {
		t.Errorf("SMFs of an empty directory: err = %v, want a temporary ErrNoInstance", err)
	}
}

func TestProfileMatchesHome(t *testing.T) {
	p := sbi.Profile{SUPIRanges: []sbi.SUPIRange{{Start: "001010000000000", End: "001010000000999"}}, RoutingIndicators: []string{"12"}}
	for _, tc := range []struct {
		q    sbi.Query
		want bool
	}{
		{sbi.Query{SUPI: "imsi-001010000000500"}, true},
		{sbi.Query{SUPI: "imsi-001010000001000"}, false},
		{sbi.Query{SUPI: "imsi-00101000000050"}, false}, // shorter: another range
		{sbi.Query{RoutingIndicator: "12"}, true},
		{sbi.Query{RoutingIndicator: "0"}, false},
		{sbi.Query{}, true},
	} {
		if got := p.Matches(tc.q); got != tc.want {
			t.Errorf("Matches(%+v) = %v, want %v", tc.q, got, tc.want)
		}
	}
	// An AUSF without routing indicators serves a SUCI of any.
	anyRI := sbi.Profile{SUPIRanges: p.SUPIRanges}
	if !anyRI.Matches(sbi.Query{RoutingIndicator: "7"}) {
		t.Error("a profile without routing indicators refused a routing indicator")
	}
}

func TestChainPrefersFirst(t *testing.T) {
	ctx := context.Background()
	local, remote := sbi.NewStatic(), sbi.NewStatic()
	remote.AddUPF(sbi.Profile{InstanceID: "remote"}, netip.MustParseAddrPort("10.0.0.2:8805"))
	c := sbi.Chain(local, remote)
	got, err := c.UPFs(ctx, sbi.Query{})
	if err != nil || len(got) != 1 || got[0].ID != "remote" {
		t.Fatalf("Chain UPFs with an empty first directory = %v, %v; want remote", got, err)
	}
	local.AddUPF(sbi.Profile{InstanceID: "local"}, netip.MustParseAddrPort("10.0.0.1:8805"))
	if got, _ = c.UPFs(ctx, sbi.Query{}); len(got) != 1 || got[0].ID != "local" {
		t.Fatalf("Chain UPFs = %v, want local only", got)
	}
	if _, err := c.AMFs(ctx, sbi.Query{}); !errors.Is(err, sbi.ErrNoInstance) {
		t.Fatalf("Chain AMFs of empty directories: %v, want ErrNoInstance", err)
	}
}

// unreachable is a directory that cannot be asked (an NRF down).
type unreachable struct{ sbi.Directory }

func (unreachable) SMFs(context.Context, sbi.Query) ([]sbi.Peer[sbi.NsmfPDUSession], error) {
	return nil, fmt.Errorf("nrf: connection refused: %w", sbi.ErrNoInstance)
}

// TestChainNotListed tells "no directory lists it" (ErrNotListed) from
// "a directory could not be asked": a resource of an instance no longer
// listed is gone, one of an instance a directory could not be asked
// about may not be.
func TestChainNotListed(t *testing.T) {
	ctx := context.Background()
	q := sbi.Query{InstanceID: "smf-1"}
	_, err := sbi.Chain(sbi.NewStatic(), sbi.NewStatic()).SMFs(ctx, q)
	if !errors.Is(err, sbi.ErrNoInstance) || !errors.Is(err, sbi.ErrNotListed) {
		t.Errorf("Chain SMFs listed by none: %v, want ErrNoInstance and ErrNotListed", err)
	}
	_, err = sbi.Chain(sbi.NewStatic(), unreachable{sbi.NewStatic()}).SMFs(ctx, q)
	if !errors.Is(err, sbi.ErrNoInstance) || errors.Is(err, sbi.ErrNotListed) {
		t.Errorf("Chain SMFs with the NRF unreachable: %v, want ErrNoInstance without ErrNotListed", err)
	}
}
