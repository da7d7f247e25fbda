package app_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/app"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nrf/nfclient"
	"github.com/keelcore/keel/internal/pcf"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/memrecords"
)

// TestSplitPCFSweepsOrphans: a PCF in a process apart releases the SM
// policy associations whose smfId names an SMF the NRF does not list (an
// SMF gone without deleting them) and keeps those of an SMF registered.
func TestSplitPCFSweepsOrphans(t *testing.T) {
	ctx := t.Context()
	nrfApp, _ := runApp(t, splitConfig(t, "nrf"))
	nrf := "http://" + nrfApp.SBIAddr().String()
	recs := memrecords.New()
	home := runAppWith(t, []string{"udr", "udm", "pcf"}, nrf, app.Options{Records: recs, PCFSweepInterval: 20 * time.Millisecond}, nil)
	const supi = "imsi-001010000000078"
	if err := home.Store().CreateSubscriber(ctx, &store.Subscriber{
		SUPI:  supi,
		Auth:  store.AuthData{K: secret.RandomKey128(), OPc: secret.RandomKey128(), AMF: [2]byte{0x80, 0}},
		NSSAI: []ident.SNSSAI{{SST: 1}},
		DNNs:  []store.DNNConfig{{DNN: "internet", SNSSAI: ident.SNSSAI{SST: 1}, SessionAMBR: store.AMBR{Uplink: 1e8, Downlink: 2e8}, FiveQI: 9, ARPPriority: 8}},
	}); err != nil {
		t.Fatal(err)
	}

	// An SMF registered at the NRF, and one that never was (gone).
	const live, gone = "5b1c7a52-0d2e-4f6a-8b3c-9d4e5f6a7b8c", "0f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f"
	prof, err := nfclient.Profile(nfclient.Spec{InstanceID: live, Type: sbi.NFTypeSMF, APIRoot: "http://127.0.0.1:1",
		PLMNs: []ident.PLMN{{MCC: "001", MNC: "01"}}, Slices: []nfclient.SliceDNNs{{SNSSAI: ident.SNSSAI{SST: 1}, DNNs: []string{"internet"}}}})
	if err != nil {
		t.Fatal(err)
	}
	smf, err := nfclient.New(nfclient.Options{NRF: nrf, Profile: prof, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	smf.Start()
	t.Cleanup(func() { smf.Stop(context.Background()) })
	if err := smf.WaitRegistered(ctx); err != nil {
		t.Fatal(err)
	}

	root := "http://" + home.SBIAddr().String()
	client := sbihttp.NewClient(sbihttp.ClientConfig{Resolver: sbihttp.StaticResolver{sbihttp.NpcfService: {root}}, Timeout: 5 * time.Second})
	npcf := sbihttp.NewNpcfClient(client, sbihttp.NewCallbacks(sbihttp.NewServer(sbihttp.ServerConfig{}), "http://127.0.0.1:1"))
	ids := map[string]string{}
	for psi, smfID := range map[uint8]string{1: live, 2: gone} {
		pol, err := npcf.Create(ctx, sbi.SmPolicyContextData{Supi: supi, PduSessionID: psi, PduSessionType: "IPV4", Dnn: "internet",
			SliceInfo: ident.SNSSAI{SST: 1}, SmfID: smfID})
		if err != nil {
			t.Fatalf("Create for SMF %s: %v", smfID, err)
		}
		ids[smfID] = pol.ID
	}
	held := func(smfID string) bool {
		id := ids[smfID]
		if i := strings.LastIndex(id, "/"); i >= 0 {
			id = id[i+1:]
		}
		_, err := recs.GetRecord(ctx, pcf.RecordKind, id)
		return err == nil
	}
	if !held(live) || !held(gone) {
		t.Fatalf("associations in the store after Create: live %v, gone %v", held(live), held(gone))
	}
	for deadline := time.Now().Add(10 * time.Second); held(gone); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the association of the SMF the NRF does not list is still held 10 s on")
		}
	}
	if !held(live) {
		t.Error("the association of the SMF registered at the NRF was released")
	}
}
