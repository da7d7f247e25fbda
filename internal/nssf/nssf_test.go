package nssf_test

import (
	"context"
	"errors"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/metrictest"
	"github.com/keelcore/keel/internal/nssf"
	"github.com/keelcore/keel/internal/nssf/nssftest"
	"github.com/keelcore/keel/internal/sbi"
)

// The behaviour suite against the NSSF called directly.
func TestDirect(t *testing.T) {
	nssftest.Run(t, func(t *testing.T, cfg nssf.Config, notify sbi.NSSAIAvailabilityNotifier) nssftest.Services {
		n, err := nssf.New(cfg, nssf.Options{Notifier: notify})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { n.Stop(context.Background()) })
		return nssftest.Services{Selection: n, Availability: n, NotificationURI: "http://amf.example:8080/callbacks/v1/nssai-availability"}
	})
}

func newNSSF(t *testing.T, reg prometheus.Registerer) *nssf.NSSF {
	t.Helper()
	n, err := nssf.New(nssf.Config{TAs: []nssf.TASlices{{TAI: nssftest.TA1, Slices: []ident.SNSSAI{{SST: 1}}}}}, nssf.Options{Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func registration(tai *ident.TAI, requested ...ident.SNSSAI) sbi.NSSelectionQuery {
	return sbi.NSSelectionQuery{NFType: "AMF", NFID: nssftest.AMF1, TAI: tai,
		SliceInfoForRegistration: &sbi.SliceInfoForRegistration{RequestedNSSAI: requested,
			SubscribedNSSAI: []sbi.SubscribedSNSSAI{{SubscribedSNSSAI: ident.SNSSAI{SST: 1}, DefaultIndication: true}}}}
}

// Malformed requests, including those no wire form can carry, are
// refused with the TS 29.500 §5.2.7.2 cause, before anything is decided
// or stored.
func TestRefusals(t *testing.T) {
	n := newNSSF(t, nil)
	ctx := context.Background()
	bad := ident.TAI{PLMN: ident.PLMN{MCC: "0011", MNC: "01"}, TAC: 1}
	for _, tt := range []struct {
		name string
		q    sbi.NSSelectionQuery
		want error
	}{
		{"no nf-type", func() sbi.NSSelectionQuery { q := registration(nil); q.NFType = ""; return q }(), sbi.ErrMandatoryQueryParamMissing},
		{"no nf-id", func() sbi.NSSelectionQuery { q := registration(nil); q.NFID = ""; return q }(), sbi.ErrMandatoryQueryParamMissing},
		{"no slice info", sbi.NSSelectionQuery{NFType: "AMF", NFID: nssftest.AMF1}, sbi.ErrMandatoryQueryParamMissing},
		{"4-digit MCC", registration(&bad), sbi.ErrInvalidQueryParam},
		{"TAC beyond 24 bits", registration(&ident.TAI{PLMN: nssftest.PLMN, TAC: 1 << 24}), sbi.ErrInvalidQueryParam},
		{"SD beyond 24 bits", registration(nil, ident.SNSSAI{SST: 1, SD: 1 << 24, HasSD: true}), sbi.ErrInvalidQueryParam},
	} {
		if _, err := n.NetworkSliceInformation(ctx, tt.q); !errors.Is(err, tt.want) {
			t.Errorf("%s: NetworkSliceInformation() error = %v, want %v", tt.name, err, tt.want)
		}
	}
	ok := []sbi.SupportedNSSAIAvailabilityData{{TAI: nssftest.TA1, SupportedSNSSAIList: []ident.SNSSAI{{SST: 1}}}}
	for _, tt := range []struct {
		name string
		id   string
		data []sbi.SupportedNSSAIAvailabilityData
	}{
		{"nfId not a UUID", "amf-1", ok},
		{"no TA", nssftest.AMF1, nil},
		{"TA without S-NSSAI", nssftest.AMF1, []sbi.SupportedNSSAIAvailabilityData{{TAI: nssftest.TA1}}},
		{"malformed TAI", nssftest.AMF1, []sbi.SupportedNSSAIAvailabilityData{{TAI: bad, SupportedSNSSAIList: []ident.SNSSAI{{SST: 1}}}}},
		{"SD beyond 24 bits", nssftest.AMF1, []sbi.SupportedNSSAIAvailabilityData{{TAI: nssftest.TA1, SupportedSNSSAIList: []ident.SNSSAI{{SST: 1, SD: 1 << 25, HasSD: true}}}}},
	} {
		_, err := n.UpdateNSSAIAvailability(ctx, tt.id, sbi.NSSAIAvailabilityInfo{SupportedNSSAIAvailabilityData: tt.data})
		if !errors.Is(err, sbi.ErrInvalidRequest) {
			t.Errorf("%s: UpdateNSSAIAvailability() error = %v, want %v", tt.name, err, sbi.ErrInvalidRequest)
		}
	}
	// None of them was stored.
	if err := n.DeleteNSSAIAvailability(ctx, nssftest.AMF1); !errors.Is(err, sbi.ErrNSSAIAvailabilityNotFound) {
		t.Errorf("DeleteNSSAIAvailability after refused updates: error = %v, want %v", err, sbi.ErrNSSAIAvailabilityNotFound)
	}
}

// A stopped NSSF answers 503 (TS 29.500 §5.2.7.2) until started again,
// and keeps what the AMFs reported.
func TestStopStart(t *testing.T) {
	n := newNSSF(t, nil)
	ctx := context.Background()
	data := sbi.NSSAIAvailabilityInfo{SupportedNSSAIAvailabilityData: []sbi.SupportedNSSAIAvailabilityData{{TAI: nssftest.TA1, SupportedSNSSAIList: []ident.SNSSAI{{SST: 1}}}}}
	if _, err := n.UpdateNSSAIAvailability(ctx, nssftest.AMF1, data); err != nil {
		t.Fatal(err)
	}
	if err := n.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := n.NetworkSliceInformation(ctx, registration(nil)); !errors.Is(err, sbi.ErrUnavailable) || !sbi.Temporary(err) {
		t.Errorf("NetworkSliceInformation when stopped: error = %v, want %v", err, sbi.ErrUnavailable)
	}
	if _, err := n.UpdateNSSAIAvailability(ctx, nssftest.AMF2, data); !errors.Is(err, sbi.ErrUnavailable) {
		t.Errorf("UpdateNSSAIAvailability when stopped: error = %v, want %v", err, sbi.ErrUnavailable)
	}
	if err := n.DeleteNSSAIAvailability(ctx, nssftest.AMF1); !errors.Is(err, sbi.ErrUnavailable) {
		t.Errorf("DeleteNSSAIAvailability when stopped: error = %v, want %v", err, sbi.ErrUnavailable)
	}
	if err := n.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := n.DeleteNSSAIAvailability(ctx, nssftest.AMF1); err != nil {
		t.Errorf("DeleteNSSAIAvailability after Start: %v", err)
	}
}

// A configuration with a malformed TAI or S-NSSAI is refused.
func TestNewRefusesBadConfig(t *testing.T) {
	for _, cfg := range []nssf.Config{
		{TAs: []nssf.TASlices{{TAI: ident.TAI{PLMN: ident.PLMN{MCC: "1", MNC: "01"}, TAC: 1}}}},
		{TAs: []nssf.TASlices{{TAI: nssftest.TA1, Slices: []ident.SNSSAI{{SST: 1, SD: 1 << 24, HasSD: true}}}}},
	} {
		if _, err := nssf.New(cfg, nssf.Options{}); err == nil {
			t.Errorf("New(%+v) succeeded, want an error", cfg)
		}
	}
}

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	n := newNSSF(t, reg)
	ctx := context.Background()
	if _, err := n.NetworkSliceInformation(ctx, registration(nil, ident.SNSSAI{SST: 1}, ident.SNSSAI{SST: 7})); err != nil {
		t.Fatal(err)
	}
	if _, err := n.NetworkSliceInformation(ctx, registration(&nssftest.TA1, ident.SNSSAI{SST: 7})); err != nil {
		t.Fatal(err)
	}
	n.NetworkSliceInformation(ctx, sbi.NSSelectionQuery{})
	n.UpdateNSSAIAvailability(ctx, nssftest.AMF1, sbi.NSSAIAvailabilityInfo{SupportedNSSAIAvailabilityData: []sbi.SupportedNSSAIAvailabilityData{{TAI: nssftest.TA1, SupportedSNSSAIList: []ident.SNSSAI{{SST: 1}}}}})
	n.DeleteNSSAIAvailability(ctx, nssftest.AMF2)
	for _, tt := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"keel_nssf_nsselection_total", []string{"result", "allowed"}, 2},
		{"keel_nssf_nsselection_total", []string{"result", "mandatory_query_param_missing"}, 1},
		{"keel_nssf_rejected_snssais_total", []string{"cause", "plmn"}, 2},
		{"keel_nssf_nssai_availability_total", []string{"operation", "update", "result", "ok"}, 1},
		{"keel_nssf_nssai_availability_total", []string{"operation", "delete", "result", "nssai_availability_not_found"}, 1},
		{"keel_nssf_nssai_availability_nfs", nil, 1},
	} {
		if got := metrictest.Value(t, reg, tt.name, tt.labels...); got != tt.want {
			t.Errorf("%s%v = %v, want %v", tt.name, tt.labels, got, tt.want)
		}
	}
}

// A subscription ID kept from before a restart of the NSSF names no
// subscription made since: its Unsubscribe is 404, and the subscription
// made after the restart stays.
func TestSubscriptionIDsAcrossRestart(t *testing.T) {
	cfg := nssf.Config{TAs: []nssf.TASlices{{TAI: nssftest.TA1, Slices: []ident.SNSSAI{{SST: 1}}}}}
	sub := sbi.NSSAIAvailabilitySubscription{NotificationURI: "http://amf.example/cb", TAIs: []ident.TAI{nssftest.TA1}, Event: sbi.EventSNSSAIStatusChange}
	ctx := context.Background()
	var ids []string
	var last *nssf.NSSF
	for range 2 {
		n, err := nssf.New(cfg, nssf.Options{Notifier: make(nssftest.Notifications, 1)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { n.Stop(ctx) })
		got, err := n.SubscribeNSSAIAvailability(ctx, sub)
		if err != nil {
			t.Fatal(err)
		}
		ids, last = append(ids, got.SubscriptionID), n
	}
	if ids[0] == ids[1] {
		t.Fatalf("the first subscriptions of two NSSF starts are both %q", ids[0])
	}
	if err := last.UnsubscribeNSSAIAvailability(ctx, ids[0]); !errors.Is(err, sbi.ErrNSSAISubscriptionNotFound) {
		t.Errorf("Unsubscribe of the ID from before the restart = %v, want %v", err, sbi.ErrNSSAISubscriptionNotFound)
	}
	if err := last.UnsubscribeNSSAIAvailability(ctx, ids[1]); err != nil {
		t.Errorf("Unsubscribe of the subscription made after the restart: %v", err)
	}
}
