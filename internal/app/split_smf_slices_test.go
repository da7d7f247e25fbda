package app_test

import (
	"context"
	"net/http"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/sbihttp"
)

// Two SMF processes serving different slices and DNNs register them in
// their profiles' smfInfo (sNssaiSmfInfoList with dnnSmfInfoList, TS
// 29.510 §6.1.6.2.12), and the NRF's discovery for an AMF's PDU session
// (snssais and dnn, TS 29.510 §6.2.3.2.3.1; TS 23.501 §6.3.2) answers
// each for its own slice and DNN only, none for a DNN in a slice no SMF
// serves.
func TestSplitSMFPerSlice(t *testing.T) {
	nrfApp, _ := runApp(t, splitConfig(t, "nrf"))
	nrfAddr := nrfApp.SBIAddr()
	internet := splitConfig(t, "smf")
	internet.SBI.NRF = "http://" + nrfAddr.String()
	internet.Slices = []config.Slice{{SST: 1}}
	iot := splitConfig(t, "smf")
	iot.SBI.NRF = internet.SBI.NRF
	iot.Slices = []config.Slice{{SST: 2, SD: "000001"}}
	d := iot.DNNs[0]
	d.Name, d.IPv4Pool, d.IPv6Pool = "iot", netip.MustParsePrefix("10.47.0.0/16"), netip.Prefix{}
	iot.DNNs = []config.DNN{d}
	internetApp, _ := runApp(t, internet)
	iotApp, _ := runApp(t, iot)
	waitRegistered(t, nrfAddr, "SMF", 2, 10*time.Second)

	c := sbihttp.NewClient(sbihttp.ClientConfig{Timeout: 2 * time.Second})
	discover := func(snssai, dnn string) []int {
		t.Helper()
		var res struct {
			NFInstances []struct {
				NFServiceList map[string]struct {
					IPEndPoints []struct {
						Port int `json:"port"`
					} `json:"ipEndPoints"`
				} `json:"nfServiceList"`
			} `json:"nfInstances"`
		}
		_, err := c.Do(context.Background(), sbihttp.Request{Method: http.MethodGet, URI: "http://" + nrfAddr.String(),
			Path: "/nnrf-disc/v1/nf-instances", Query: map[string][]string{
				"target-nf-type": {"SMF"}, "requester-nf-type": {"AMF"}, "snssais": {snssai}, "dnn": {dnn}}}, &res)
		if err != nil {
			t.Fatalf("discovery of SMFs for %s %s: %v", snssai, dnn, err)
		}
		var ports []int
		for _, in := range res.NFInstances {
			for _, s := range in.NFServiceList {
				for _, ep := range s.IPEndPoints {
					if !slices.Contains(ports, ep.Port) {
						ports = append(ports, ep.Port)
					}
				}
			}
		}
		return ports
	}
	for _, tc := range []struct {
		snssai, dnn string
		want        []int
	}{
		{`[{"sst":1}]`, "internet", []int{int(internetApp.SBIAddr().Port())}},
		{`[{"sst":2,"sd":"000001"}]`, "iot", []int{int(iotApp.SBIAddr().Port())}},
		{`[{"sst":2,"sd":"000001"}]`, "internet", nil},
		{`[{"sst":1}]`, "iot", nil},
	} {
		if got := discover(tc.snssai, tc.dnn); !slices.Equal(got, tc.want) {
			t.Errorf("SMFs for %s %s: SBI ports %v, want %v", tc.snssai, tc.dnn, got, tc.want)
		}
	}
}
