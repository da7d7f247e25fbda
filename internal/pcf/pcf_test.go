package pcf_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/metrictest"
	"github.com/keelcore/keel/internal/pcf"
	"github.com/keelcore/keel/internal/sbi"
)

const supi = "imsi-001010000000001"

// fakeSDM serves one subscriber's session management data.
type fakeSDM struct{ sm []sbi.SMData }

func (f fakeSDM) AccessAndMobility(context.Context, string) (sbi.AMData, error) {
	return sbi.AMData{}, nil
}

func (f fakeSDM) SessionManagement(_ context.Context, s string) ([]sbi.SMData, error) {
	if s != supi {
		return nil, fmt.Errorf("fake: %w", sbi.ErrUserNotFound)
	}
	return f.sm, nil
}

func TestCreateDelete(t *testing.T) {
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	sdm := fakeSDM{sm: []sbi.SMData{
		{DNN: "internet", SNSSAI: ident.SNSSAI{SST: 1}, SessionAMBRUplink: 100e6, SessionAMBRDownlink: 300e6, FiveQI: 8, ARPPriority: 2},
		{DNN: "ims", SNSSAI: ident.SNSSAI{SST: 1}},
		{DNN: "iot", SNSSAI: ident.SNSSAI{SST: 2, SD: 0xa, HasSD: true}, FiveQI: 7},
	}}
	p, err := pcf.New(pcf.Options{SDM: sdm, Registry: reg, DefaultSessionAMBRDownlink: 50e6})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, tc := range []struct {
		req  sbi.SmPolicyContextData
		want sbi.SmPolicyDecision
	}{
		{sbi.SmPolicyContextData{Supi: supi, PduSessionID: 1, Dnn: "Internet", SliceInfo: ident.SNSSAI{SST: 1}},
			sbi.SmPolicyDecision{ID: "1", SessionAMBRUplink: 100e6, SessionAMBRDownlink: 300e6, FiveQI: 8, ARPPriority: 2}},
		{sbi.SmPolicyContextData{Supi: supi, PduSessionID: 2, Dnn: "ims", SliceInfo: ident.SNSSAI{SST: 1}},
			sbi.SmPolicyDecision{ID: "2", SessionAMBRUplink: pcf.DefaultSessionAMBR, SessionAMBRDownlink: 50e6, FiveQI: pcf.DefaultFiveQI, ARPPriority: pcf.DefaultARPPriority}},
		{sbi.SmPolicyContextData{Supi: supi, PduSessionID: 3, Dnn: "iot", SliceInfo: ident.SNSSAI{SST: 2, SD: 0xa, HasSD: true}},
			sbi.SmPolicyDecision{ID: "3", SessionAMBRUplink: pcf.DefaultSessionAMBR, SessionAMBRDownlink: 50e6, FiveQI: 7, ARPPriority: pcf.DefaultARPPriority}},
	} {
		got, err := p.Create(ctx, tc.req)
		if err != nil {
			t.Fatalf("Create(%+v): %v", tc.req, err)
		}
		// The ID is the SUPI and a random part.
		if !strings.HasPrefix(got.ID, supi+".") || len(got.ID) < len(supi)+21 {
			t.Errorf("Create(%+v): ID %q, want %s. and a random part", tc.req, got.ID, supi)
		}
		ids = append(ids, got.ID)
		tc.want.ID = got.ID
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("Create(%+v) (-want +got):\n%s", tc.req, diff)
		}
	}

	for _, tc := range []struct {
		req  sbi.SmPolicyContextData
		want error
	}{
		{sbi.SmPolicyContextData{Supi: supi, PduSessionID: 4, Dnn: "iot", SliceInfo: ident.SNSSAI{SST: 1}}, sbi.ErrPolicyContextDenied},
		{sbi.SmPolicyContextData{Supi: supi, PduSessionID: 4, Dnn: "other", SliceInfo: ident.SNSSAI{SST: 1}}, sbi.ErrPolicyContextDenied},
		{sbi.SmPolicyContextData{Supi: "imsi-001019999999999", PduSessionID: 1, Dnn: "internet", SliceInfo: ident.SNSSAI{SST: 1}}, sbi.ErrUserNotFound},
		{sbi.SmPolicyContextData{Supi: "x", PduSessionID: 1, Dnn: "internet"}, sbi.ErrInvalidRequest},
		{sbi.SmPolicyContextData{Supi: supi, PduSessionID: 16, Dnn: "internet"}, sbi.ErrInvalidRequest},
		{sbi.SmPolicyContextData{Supi: supi, PduSessionID: 1}, sbi.ErrInvalidRequest},
	} {
		if _, err := p.Create(ctx, tc.req); !errors.Is(err, tc.want) {
			t.Errorf("Create(%+v) = %v, want %v", tc.req, err, tc.want)
		}
	}

	if err := p.Delete(ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	if err := p.Delete(ctx, ids[1]); !errors.Is(err, sbi.ErrPolicyNotFound) {
		t.Errorf("second Delete = %v, want ErrPolicyNotFound", err)
	}
	if got := counter(t, reg, "keel_pcf_sm_policy_deletes_total", "ok"); got != 1 {
		t.Errorf("keel_pcf_sm_policy_deletes_total{result=ok} = %v, want 1", got)
	}
	for result, want := range map[string]float64{"ok": 3, "policy_context_denied": 2, "user_not_found": 1, "invalid_request": 3} {
		if got := counter(t, reg, "keel_pcf_sm_policy_creates_total", result); got != want {
			t.Errorf("keel_pcf_sm_policy_creates_total{result=%q} = %v, want %v", result, got, want)
		}
	}
}

func TestNew(t *testing.T) {
	if _, err := pcf.New(pcf.Options{}); err == nil {
		t.Error("New without a UDM succeeded")
	}
}

// counter reads a counter or gauge; result "" matches a series without a
// result label.
func counter(t *testing.T, reg *prometheus.Registry, name, result string) float64 {
	t.Helper()
	return metrictest.Value(t, reg, name, "result", result)
}
