package app

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/smf"
)

// smf.upfs reach the SMF: each DNN entry the DNN's of dnns (resolvers,
// MTU) with the UPF's own pools where given, slices as S-NSSAIs, TACs as
// TAIs of the PLMN.
func TestSMFUPFs(t *testing.T) {
	cfg := config.Default()
	cfg.SMF.UPFs = []config.SMFUPF{
		{Name: "edge-1", N4: netip.MustParseAddrPort("10.0.1.5:8805"), TACs: []uint32{1},
			Slices: []config.Slice{{SST: 1}},
			DNNs:   []config.SMFUPFDNN{{Name: "INTERNET", IPv4Pool: netip.MustParsePrefix("10.45.0.0/17")}}},
		{N4: netip.MustParseAddrPort("10.0.2.5:8805"), DNNs: []config.SMFUPFDNN{{Name: "internet", IPv4Pool: netip.MustParsePrefix("10.45.128.0/17")}}},
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	top := cfg.DNNs[0]
	dnns := []smf.DNNConfig{{Name: top.Name, IPv4Pool: top.IPv4Pool, IPv6Pool: top.IPv6Pool, DNS: top.DNS, MTU: int(top.MTU)}}
	got := smfUPFs(cfg, dnns)
	edge, other := dnns[0], dnns[0]
	edge.IPv4Pool = netip.MustParsePrefix("10.45.0.0/17")
	other.IPv4Pool = netip.MustParsePrefix("10.45.128.0/17")
	want := []smf.UPFConfig{
		{Name: "edge-1", N4: netip.MustParseAddrPort("10.0.1.5:8805"), DNNs: []smf.DNNConfig{edge},
			SNSSAIs: []ident.SNSSAI{{SST: 1}}, TAIs: []ident.TAI{{PLMN: cfg.PLMN, TAC: 1}}},
		{N4: netip.MustParseAddrPort("10.0.2.5:8805"), DNNs: []smf.DNNConfig{other}},
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateComparable(netip.Addr{}, netip.AddrPort{}, netip.Prefix{})); diff != "" {
		t.Errorf("smfUPFs (-want +got):\n%s", diff)
	}
}
