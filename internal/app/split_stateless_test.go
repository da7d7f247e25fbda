package app_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/app"
	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/crypto/kdf"
	"github.com/keelcore/keel/internal/crypto/milenage"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/nausf"
	"github.com/keelcore/keel/internal/sbihttp/nudm"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/memrecords"
	"github.com/keelcore/keel/internal/store/postgres/pgtest"
)

// runAppWith is runApp with Options and a change to the configuration.
func runAppWith(t *testing.T, cfgNFs []string, nrf string, opts app.Options, change func(*config.Config)) *app.App {
	t.Helper()
	cfg := splitConfig(t, cfgNFs...)
	cfg.SBI.NRF = nrf
	if change != nil {
		change(&cfg)
	}
	a, err := app.New(context.Background(), cfg, opts)
	if err != nil {
		t.Fatalf("app.New(nfs %v): %v", cfg.NFs, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("app (nfs %v) stopped with %v", cfg.NFs, err)
		}
	})
	return a
}

// clientTo is an SBI client whose every service resolves to one process.
func clientTo(a *app.App, services ...string) *sbihttp.Client {
	root := "http://" + a.SBIAddr().String()
	r := sbihttp.StaticResolver{}
	for _, s := range services {
		r[s] = []string{root}
	}
	return sbihttp.NewClient(sbihttp.ClientConfig{Resolver: r, Timeout: 5 * time.Second})
}

// TestSplitStatelessHome runs two processes each with a UDM, an AUSF
// and a PCF, sharing one store.Records, behind one NRF and one UDR: an
// authentication started at one AUSF is confirmed at the other (TS 29.509
// §5.2.2.2.2), the UECM registration one UDM took is read and purged at
// the other (TS 29.503 §5.3.2.2.2, §5.3.2.4.2, §5.3.2.5.2), and an SM
// policy association created at one PCF is updated and deleted at the
// other (TS 29.512 §4.2.4.2, §4.2.5.2).
func TestSplitStatelessHome(t *testing.T) {
	shared := memrecords.New()
	testStatelessHome(t, app.Options{Records: shared}, nil)
}

// TestSplitStatelessHomePostgres is TestSplitStatelessHome with the
// processes given one store.url: each opens the PostgreSQL engine for its
// records.
func TestSplitStatelessHomePostgres(t *testing.T) {
	url := pgtest.NewDatabase(t)
	testStatelessHome(t, app.Options{}, func(cfg *config.Config) { cfg.Store.URL = url })
}

func testStatelessHome(t *testing.T, opts app.Options, change func(*config.Config)) {
	ctx := t.Context()
	nrfApp, _ := runApp(t, splitConfig(t, "nrf"))
	nrf := "http://" + nrfApp.SBIAddr().String()
	udrApp := runAppWith(t, []string{"udr"}, nrf, app.Options{}, nil)
	sub := &store.Subscriber{
		SUPI:   "imsi-001010000000077",
		Auth:   store.AuthData{K: secret.RandomKey128(), OPc: secret.RandomKey128(), AMF: [2]byte{0x80, 0}},
		UEAMBR: store.AMBR{Uplink: 1e9, Downlink: 1e9},
		NSSAI:  []ident.SNSSAI{{SST: 1}},
		DNNs:   []store.DNNConfig{{DNN: "internet", SNSSAI: ident.SNSSAI{SST: 1}, SessionAMBR: store.AMBR{Uplink: 1e8, Downlink: 2e8}, FiveQI: 9, ARPPriority: 8}},
	}
	if err := udrApp.Store().CreateSubscriber(ctx, sub); err != nil {
		t.Fatal(err)
	}
	home := []string{"udm", "ausf", "pcf"}
	one := runAppWith(t, home, nrf, opts, change)
	two := runAppWith(t, home, nrf, opts, change)
	waitRegistered(t, nrfApp.SBIAddr(), "UDR", 1, 10*time.Second)
	waitRegistered(t, nrfApp.SBIAddr(), "UDM", 2, 10*time.Second)

	t.Run("AUSF", func(t *testing.T) {
		sn := kdf.ServingNetworkName("001", "01")
		ch, err := nausf.NewClient(clientTo(one, nausf.ServiceName)).Authenticate(ctx, sbi.AuthRequest{SUPI: sub.SUPI, ServingNetworkName: sn})
		if err != nil {
			t.Fatalf("Authenticate at the first AUSF: %v", err)
		}
		// The bare authCtxId, confirmed below the second instance's
		// apiRoot.
		u, err := url.Parse(ch.AuthCtxID)
		if err != nil {
			t.Fatal(err)
		}
		parts := strings.Split(strings.TrimSuffix(u.Path, "/5g-aka-confirmation"), "/")
		id := parts[len(parts)-1]
		v, err := milenage.Generate(sub.Auth.K, sub.Auth.OPc, ch.RAND, [6]byte{}, sub.Auth.AMF)
		if err != nil {
			t.Fatal(err)
		}
		resStar := kdf.RESStar(v.CK, v.IK, sn, ch.RAND, v.RES[:])
		at2 := nausf.NewClient(clientTo(two, nausf.ServiceName))
		conf, err := at2.Confirm(ctx, id, resStar)
		if err != nil || conf.SUPI != sub.SUPI {
			t.Fatalf("Confirm at the second AUSF = %+v, %v, want SUPI %s", conf, err, sub.SUPI)
		}
		at1 := nausf.NewClient(clientTo(one, nausf.ServiceName))
		if _, err := at1.Confirm(ctx, id, resStar); !errors.Is(err, sbi.ErrAuthContextNotFound) {
			t.Errorf("second Confirm, at the first AUSF = %v, want CONTEXT_NOT_FOUND", err)
		}
	})

	t.Run("UDM", func(t *testing.T) {
		at1 := nudm.NewClient(clientTo(one, nudm.UECM), "")
		at2 := nudm.NewClient(clientTo(two, nudm.UECM), "")
		guami := ident.GUAMI{PLMN: ident.PLMN{MCC: "001", MNC: "01"}, RegionID: 1, SetID: 1, Pointer: 1}
		reg := sbi.AMFRegistration{AMFInstanceID: "4947a69a-f61b-4bc1-b9da-47c9c5d14b64", GUAMI: guami, RATType: "NR", DeregCallbackURI: "http://127.0.0.1:1/dereg"}
		if err := at1.RegisterAMF(ctx, sub.SUPI, reg); err != nil {
			t.Fatalf("RegisterAMF at the first UDM: %v", err)
		}
		if got, ok := at2.AMF(ctx, sub.SUPI); !ok || got.GUAMI != guami || got.AMFInstanceID != reg.AMFInstanceID {
			t.Fatalf("AMF at the second UDM = %+v, %v, want %+v", got, ok, reg)
		}
		if err := at2.DeregisterAMF(ctx, sub.SUPI, guami); err != nil {
			t.Fatalf("DeregisterAMF at the second UDM: %v", err)
		}
		if got, ok := at1.AMF(ctx, sub.SUPI); ok {
			t.Errorf("AMF at the first UDM after the purge at the second = %+v", got)
		}
	})

	t.Run("PCF", func(t *testing.T) {
		at1 := sbihttp.NewNpcfClient(clientTo(one, sbihttp.NpcfService), nil)
		root1, root2 := "http://"+one.SBIAddr().String(), "http://"+two.SBIAddr().String()
		pol, err := at1.Create(ctx, sbi.SmPolicyContextData{Supi: sub.SUPI, PduSessionID: 5, PduSessionType: "IPV4", Dnn: "internet",
			SliceInfo: ident.SNSSAI{SST: 1}, NotificationURI: "http://127.0.0.1:1/sm-policy"})
		if err != nil {
			t.Fatalf("Create at the first PCF: %v", err)
		}
		if !strings.HasPrefix(pol.ID, root1+"/") {
			t.Fatalf("association URI %q is not below the first PCF's %s", pol.ID, root1)
		}
		// The same association, below the second instance's apiRoot.
		at2 := sbihttp.NewNpcfClient(clientTo(two, sbihttp.NpcfService), nil)
		id2 := root2 + strings.TrimPrefix(pol.ID, root1)
		req := sbi.UeInitiatedResourceRequest{FiveQI: 1, GFBRUplink: 64e3, GFBRDownlink: 64e3, MFBRUplink: 128e3, MFBRDownlink: 128e3,
			FlowDescriptions: []string{"permit out 17 from 10.45.0.1 5000 to assigned"}}
		got, err := at2.Update(ctx, id2, sbi.SmPolicyUpdateContextData{UeInitResReq: &req})
		if err != nil || len(got.PCCRules) != 1 || got.PCCRules[0].ID != "ue-1" {
			t.Fatalf("Update at the second PCF = %+v, %v, want rule ue-1", got, err)
		}
		if err := at2.Delete(ctx, id2); err != nil {
			t.Fatalf("Delete at the second PCF: %v", err)
		}
		if _, err := at1.Update(ctx, pol.ID, sbi.SmPolicyUpdateContextData{}); !errors.Is(err, sbi.ErrPolicyNotFound) {
			t.Errorf("Update at the first PCF after the delete at the second = %v, want policy not found", err)
		}
	})
}
