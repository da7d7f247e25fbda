package testenv

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// TestIPv6RouterAdvertisementOnTheWire gives 5 UEs an IPv4v6 and 5 an
// IPv6 PDU session: each UE gets the UPF's Router Advertisement through
// its gNB and forms its address from the prefix (keel sim counts them).
// tshark reads the capture: every RA inside GTP-U with the PDU Session
// Container, carrying the /64 the SMF gave that session (as the API
// lists it) and the DNN's IPv6 resolver, no malformed frame; no Router
// Solicitation reached N6 (the UPF answers or drops them): the UPF
// forwarded nothing uplink.
func TestIPv6RouterAdvertisementOnTheWire(t *testing.T) {
	sctptest.RequireNetNS(t)
	stop := capture(t)
	dns6 := netip.MustParseAddr("2001:4860:4860::8888")
	core, token := startCoreWith(t, func(c *config.Config) {
		c.AMF.Ciphering = []string{"NEA0"}
		c.DNNs[0].IPv6Pool = netip.MustParsePrefix("2001:db8:45::/48")
		c.DNNs[0].DNS = append(c.DNNs[0].DNS, dns6)
	})
	api := core.HTTPAddr().String()
	for _, run := range []struct {
		typ  string
		imsi string
	}{{"ipv4v6", "1"}, {"ipv6", "101"}} {
		sum, code, stderr := runSim(t, api, token, "--amf", core.N2Addr().String(), "--ues", "5", "--imsi", run.imsi,
			"--provision", "--pdu", "--pdu-type", run.typ)
		if code != 0 || sum.Sessions != 5 || sum.RouterAdvertisements != 5 {
			t.Fatalf("keel sim --pdu-type %s = exit %d, %+v\n%s", run.typ, code, sum, stderr)
		}
	}

	req, _ := http.NewRequest("GET", "http://"+api+"/api/v1/sessions", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Sessions []struct {
			IPv6Prefix string `json:"ipv6_prefix"`
		} `json:"sessions"`
	}
	json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	var prefixes []string
	for _, s := range list.Sessions {
		p, err := netip.ParsePrefix(s.IPv6Prefix)
		if err != nil || p.Bits() != 64 {
			t.Errorf("session prefix %q, want a /64", s.IPv6Prefix)
			continue
		}
		prefixes = append(prefixes, p.Addr().String())
	}
	slices.Sort(prefixes)
	if len(prefixes) != 10 {
		t.Fatalf("the API lists %d sessions with IPv6, want 10", len(prefixes))
	}

	pcap := stop()
	if bad := tshark(t, pcap, "-Y", "_ws.malformed || _ws.expert.severity==error || icmpv6.checksum.status == 0"); bad != "" {
		t.Errorf("tshark found malformed frames, expert errors or bad ICMPv6 checksums:\n%s", bad)
	}
	ras := tshark(t, pcap, "-Y", "gtp.ext_hdr.pdu_ses_con.pdu_type == 0 && icmpv6.type == 134 && ipv6.hlim == 255 && icmpv6.opt.prefix.flag.a == 1",
		"-T", "fields", "-e", "icmpv6.opt.prefix", "-e", "icmpv6.opt.rdnss")
	var got []string
	for _, row := range strings.Split(ras, "\n") {
		f := strings.Split(row, "\t")
		if len(f) != 2 || f[1] != dns6.String() {
			t.Errorf("Router Advertisement %q: want a prefix and the resolver %s", row, dns6)
			continue
		}
		got = append(got, f[0])
	}
	slices.Sort(got)
	got = slices.Compact(got)
	if !slices.Equal(got, prefixes) {
		t.Errorf("prefixes advertised %v, want those of the sessions %v", got, prefixes)
	}
	// The UPF counts what it advertised; nothing went up to N6 (the UEs
	// sent no traffic, and a Router Solicitation is the UPF's).
	m := scrapeMetrics(t, core)
	if ra := m["keel_upf_router_advertisements_total"]; sum(ra) != 10 {
		t.Errorf("keel_upf_router_advertisements_total = %v, want 10", ra)
	}
	// Each came unsolicited, once the session's downlink tunnel was known.
	if rs := m["keel_upf_router_solicitations_total"]; sum(rs) != 0 {
		t.Errorf("keel_upf_router_solicitations_total = %v, want 0", rs)
	}
	for labels, v := range m["keel_upf_datapath_packets_total"] {
		if strings.Contains(labels, "uplink") && v != 0 {
			t.Errorf("keel_upf_datapath_packets_total%s = %v, want 0", labels, v)
		}
	}
}

func sum(series map[string]float64) float64 {
	var n float64
	for _, v := range series {
		n += v
	}
	return n
}
