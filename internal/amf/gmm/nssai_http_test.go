package gmm_test

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nssf"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/openapitest"
)

// nssfOverHTTP serves n on loopback through the NSSF's HTTP/2 binding
// and returns the client, every exchange checked against the TS 29.531
// documents.
func nssfOverHTTP(t *testing.T, n *nssf.NSSF) sbi.NnssfNSSelection {
	t.Helper()
	v := openapitest.New(t)
	srv := sbihttp.NewServer(sbihttp.ServerConfig{Middleware: []func(http.Handler) http.Handler{v.Middleware}})
	sbihttp.ServeNSSF(srv, n, n)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Start(ln)
	t.Cleanup(func() {
		if v.Count() == 0 {
			t.Error("the OpenAPI oracle saw no NSSF exchange")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Stop(ctx)
	})
	root := "http://" + ln.Addr().String()
	return sbihttp.NewNSSFClient(sbihttp.NewClient(sbihttp.ClientConfig{
		Resolver:  sbihttp.StaticResolver{sbihttp.ServiceNSSelection: {root}},
		Transport: v.Transport(sbihttp.NewTransport(nil)),
	}))
}

// The registrations of the NSSAI transcripts with the NSSF reached over
// HTTP/2 (TS 29.531 §6.1) end exactly as with the NSSF called directly:
// the same transcripts, and every query the AMF sends (requested,
// subscribed with default indications, the allowed NSSAI of an update,
// the TAI) valid against TS29531_Nnssf_NSSelection.
func TestNSSAIOverHTTP(t *testing.T) {
	if *update {
		t.Skip("the transcripts are written by the direct tests")
	}
	sd1 := ident.SNSSAI{SST: 2, SD: 1, HasSD: true}
	home := plmn
	for _, tt := range []struct {
		name string
		o    worldOptions
	}{
		{"nssai_partly_rejected", worldOptions{subNSSAI: []ident.SNSSAI{{SST: 1}, sd1},
			slices: []ident.SNSSAI{{SST: 1}, {SST: 2, SD: 1, HasSD: true}}, ueNSSAI: []ident.SNSSAI{{SST: 1}, {SST: 3}}}},
		{"nssai_none_requested_two_defaults", worldOptions{subNSSAI: []ident.SNSSAI{{SST: 1}, sd1, {SST: 3}}, subDefaults: []ident.SNSSAI{sd1, {SST: 3}},
			slices: []ident.SNSSAI{{SST: 1}, {SST: 2, SD: 1, HasSD: true}, {SST: 3}}, ueNSSAI: []ident.SNSSAI{}}},
		{"nssai_default", worldOptions{subNSSAI: []ident.SNSSAI{{SST: 1}, {SST: 2}},
			slices: []ident.SNSSAI{{SST: 1}, {SST: 2}, {SST: 3}}, ueNSSAI: []ident.SNSSAI{{SST: 3}, {SST: 4, SD: 0xabcdef, HasSD: true}}}},
		{"nssai_nothing_allowed", worldOptions{subNSSAI: []ident.SNSSAI{{SST: 1}},
			slices: []ident.SNSSAI{{SST: 2}}, ueNSSAI: []ident.SNSSAI{{SST: 1}, {SST: 2}}}},
		{"nssai_sd_ffffff_requested", worldOptions{ueNSSAI: []ident.SNSSAI{{SST: 1, SD: 0xffffff, HasSD: true}}}},
		{"nssai_rejected_in_ta", worldOptions{subNSSAI: []ident.SNSSAI{{SST: 1}, {SST: 2}}, ueNSSAI: []ident.SNSSAI{{SST: 2}, {SST: 5}, {SST: 1}},
			nssf: &nssf.Config{TAs: []nssf.TASlices{
				{TAI: ident.TAI{PLMN: home, TAC: 1}, Slices: []ident.SNSSAI{{SST: 1}}},
				{TAI: ident.TAI{PLMN: home, TAC: 2}, Slices: []ident.SNSSAI{{SST: 1}, {SST: 2}}},
			}},
			tai: &ident.TAI{PLMN: plmn, TAC: 1}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.nssfVia = nssfOverHTTP
			w := registerShowing(t, tt.o)
			w.check(tt.name)
		})
	}
	t.Run("nssai_kept_on_update", func(t *testing.T) {
		w := registerShowing(t, worldOptions{subNSSAI: []ident.SNSSAI{{SST: 1}, {SST: 2}},
			slices: []ident.SNSSAI{{SST: 1}, {SST: 2}}, ueNSSAI: []ident.SNSSAI{{SST: 2}}, nssfVia: nssfOverHTTP})
		w.ue.ConnectionReleased()
		w.m.Released(t.Context())
		pdu, err := w.ue.RegistrationUpdate(true)
		if err != nil {
			t.Fatal(err)
		}
		w.m.Connect()
		w.up("sends", pdu)
		w.deliver()
		w.check("nssai_kept_on_update")
	})
}
