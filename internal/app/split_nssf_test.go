package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
)

// A process running the NSSF alone registers it at the NRF of another
// process and serves Nnssf_NSSelection over HTTP/2 from the configured
// slices and tracking areas (TS 29.531 §6.1; TS 23.501 §6.3.14).
func TestSplitNSSF(t *testing.T) {
	nrfApp, _ := runApp(t, splitConfig(t, "nrf"))
	nrfAddr := nrfApp.SBIAddr()
	cfg := splitConfig(t, "nssf")
	cfg.SBI.NRF = "http://" + nrfAddr.String()
	nssfApp, _ := runApp(t, cfg)
	waitRegistered(t, nrfAddr, "NSSF", 1, 10*time.Second)

	root := "http://" + nssfApp.SBIAddr().String()
	c := sbihttp.NewNSSFClient(sbihttp.NewClient(sbihttp.ClientConfig{Timeout: 2 * time.Second,
		Resolver: sbihttp.StaticResolver{sbihttp.ServiceNSSelection: {root}, sbihttp.ServiceNSSAIAvailability: {root}}}))
	tai := ident.TAI{PLMN: ident.PLMN{MCC: cfg.PLMN.MCC, MNC: cfg.PLMN.MNC}, TAC: cfg.TACs[0]}
	info, err := c.NetworkSliceInformation(context.Background(), sbi.NSSelectionQuery{NFType: "AMF", NFID: "6f3f8d1e-7b7a-4c1e-9a57-0c2b6a3e0001", TAI: &tai,
		SliceInfoForRegistration: &sbi.SliceInfoForRegistration{
			SubscribedNSSAI: []sbi.SubscribedSNSSAI{{SubscribedSNSSAI: ident.SNSSAI{SST: 1}, DefaultIndication: true}},
			RequestedNSSAI:  []ident.SNSSAI{{SST: 1}, {SST: 99}},
		}})
	if err != nil {
		t.Fatalf("NetworkSliceInformation: %v", err)
	}
	if got := info.Allowed(); len(got) != 1 || got[0] != (ident.SNSSAI{SST: 1}) || len(info.RejectedNSSAIInPLMN) != 1 {
		t.Errorf("allowed %v, rejected in the PLMN %v; want [1] and [99] (the default configuration's slice is SST 1)", got, info.RejectedNSSAIInPLMN)
	}
}
