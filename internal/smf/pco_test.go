package smf_test

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/nas/sm"
	"github.com/keelcore/keel/internal/smf"
)

// TestPCOServers: the extended PCO of the accept holds the DNN's DNS
// servers and P-CSCF addresses only of the families the UE asked for
// and the session has (TS 24.501 §9.11.4.6, TS 24.008 §10.5.6.3:
// 0x000D/0x0003 DNS IPv4/IPv6, 0x000C/0x0001 P-CSCF IPv4/IPv6).
func TestPCOServers(t *testing.T) {
	dns4, dns6 := netip.MustParseAddr("10.46.0.53"), netip.MustParseAddr("2001:db8:46::53")
	pc4, pc6 := netip.MustParseAddr("10.46.0.60"), netip.MustParseAddr("2001:db8:46::60")
	w := newWorld(t, worldOptions{dnns: []smf.DNNConfig{{
		Name: "ims", IPv4Pool: netip.MustParsePrefix("10.46.0.0/24"), IPv6Pool: netip.MustParsePrefix("2001:db8:46::/48"),
		DNS: []netip.Addr{dns4, dns6}, PCSCF: []netip.Addr{pc4, pc6}, MTU: 1400,
	}}})
	for i, tt := range []struct {
		name    string
		req     sm.EstablishmentRequest
		dns, pc []netip.Addr
	}{
		{"nothing asked", sm.EstablishmentRequest{PDUType: sm.PDUTypeIPv4v6}, nil, nil},
		{"P-CSCF both, DNS IPv6", sm.EstablishmentRequest{PDUType: sm.PDUTypeIPv4v6, WantDNSv6: true, WantPCSCFv4: true, WantPCSCFv6: true},
			[]netip.Addr{dns6}, []netip.Addr{pc4, pc6}},
		{"IPv6 session asking for IPv4 and IPv6", sm.EstablishmentRequest{PDUType: sm.PDUTypeIPv6, WantDNSv4: true, WantDNSv6: true, WantPCSCFv4: true, WantPCSCFv6: true},
			[]netip.Addr{dns6}, []netip.Addr{pc6}},
		{"IPv4 session, P-CSCF IPv4", sm.EstablishmentRequest{PDUType: sm.PDUTypeIPv4, WantPCSCFv4: true}, nil, []netip.Addr{pc4}},
	} {
		psi := uint8(i + 1)
		tt.req.Header = sm.Header{PDUSessionID: psi, PTI: 1}
		c := w.create(supi1, psi, "ims", slice1, sm.AppendEstablishmentRequest(nil, tt.req))
		if c.Reject {
			t.Fatalf("%s: rejected with #%d", tt.name, c.Cause)
		}
		a, err := sm.ParseEstablishmentAccept(c.N1SmMsg.Bytes())
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if diff := cmp.Diff(tt.dns, a.DNS, addrComparer); diff != "" {
			t.Errorf("%s: DNS (-want +got):\n%s", tt.name, diff)
		}
		if diff := cmp.Diff(tt.pc, a.PCSCF, addrComparer); diff != "" {
			t.Errorf("%s: P-CSCF (-want +got):\n%s", tt.name, diff)
		}
	}
}
