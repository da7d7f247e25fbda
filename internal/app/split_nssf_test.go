package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/app"
	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sctp"
	"github.com/keelcore/keel/internal/sctp/pipe"
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
	tai := ident.TAI{PLMN: cfg.PLMN, TAC: cfg.TACs[0]}
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

// An AMF in another process than the NSSF finds it through the NRF and
// tells it the slices it serves in its TAs (Nnssf_NSSAIAvailability
// Update over HTTP/2, TS 29.531 §5.3.2.2): the NSSF, configured with SST
// 1 and 2, then supports only the AMF's SST 1 there, until the AMF stops
// and has its report deleted (§5.3.2.6).
func TestSplitAMFReportsToNSSF(t *testing.T) {
	home := splitConfig(t, "nrf", "nssf")
	home.Slices = []config.Slice{{SST: 1}, {SST: 2}}
	homeApp, _ := runApp(t, home)
	sbiAddr := homeApp.SBIAddr()

	edge := splitConfig(t, "udr", "udm", "ausf", "pcf", "upf", "smf", "amf")
	edge.SBI.NRF = "http://" + sbiAddr.String()
	edge.Slices = []config.Slice{{SST: 1}}
	edgeApp, err := app.New(context.Background(), edge, app.Options{
		SelectN2: func(string, *slog.Logger) (sctp.Transport, error) { return pipe.New(), nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- edgeApp.Run(ctx) }()
	stopEdge := func() {
		if cancel != nil {
			cancel()
			cancel = nil
			if err := <-done; err != nil {
				t.Errorf("edge process stopped with %v", err)
			}
		}
	}
	t.Cleanup(stopEdge)

	root := "http://" + sbiAddr.String()
	c := sbihttp.NewNSSFClient(sbihttp.NewClient(sbihttp.ClientConfig{Timeout: 2 * time.Second,
		Resolver: sbihttp.StaticResolver{sbihttp.ServiceNSSelection: {root}}}))
	tai := ident.TAI{PLMN: home.PLMN, TAC: home.TACs[0]}
	// allowed2 reports whether a UE subscribed to SST 1 and 2 that
	// requests SST 2 is allowed it.
	allowed2 := func() bool {
		t.Helper()
		info, err := c.NetworkSliceInformation(context.Background(), sbi.NSSelectionQuery{NFType: "AMF", NFID: "6f3f8d1e-7b7a-4c1e-9a57-0c2b6a3e0001", TAI: &tai,
			SliceInfoForRegistration: &sbi.SliceInfoForRegistration{
				SubscribedNSSAI: []sbi.SubscribedSNSSAI{{SubscribedSNSSAI: ident.SNSSAI{SST: 1}, DefaultIndication: true}, {SubscribedSNSSAI: ident.SNSSAI{SST: 2}}},
				RequestedNSSAI:  []ident.SNSSAI{{SST: 2}},
			}})
		if err != nil {
			t.Fatalf("NetworkSliceInformation: %v", err)
		}
		for _, s := range info.Allowed() {
			if s.SST == 2 {
				return true
			}
		}
		return false
	}
	waitFor := func(want bool, what string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for allowed2() != want {
			if time.Now().After(deadline) {
				t.Fatalf("%s: SST 2 allowed = %v after 20 s, want %v", what, !want, want)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitFor(false, "the AMF's report")
	// The AMF subscribes to the NSSF's NSSAI availability changes
	// (TS 29.531 §5.3.2.3.1) once its report is taken, and unsubscribes
	// at its stop (§5.3.2.4).
	waitSubscriptions(t, homeApp.HTTPAddr(), 1)
	stopEdge()
	waitFor(true, "the AMF's stop")
	waitSubscriptions(t, homeApp.HTTPAddr(), 0)
}

// waitSubscriptions waits until the NSSF of the process serving /metrics
// on api holds want NSSAI availability subscriptions.
func waitSubscriptions(t *testing.T, api netip.AddrPort, want int) {
	t.Helper()
	const metric = "keel_nssf_nssai_availability_subscriptions "
	got := ""
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get("http://" + api.String() + "/metrics")
		if err != nil {
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, l := range strings.Split(string(body), "\n") {
			if v, ok := strings.CutPrefix(l, metric); ok {
				got = v
			}
		}
		if got == strconv.Itoa(want) {
			return
		}
	}
	t.Fatalf("%s= %q, want %d", metric, got, want)
}
