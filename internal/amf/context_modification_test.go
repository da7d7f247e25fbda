package amf_test

import (
	"context"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/metrictest"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sim/gnb"
	"github.com/keelcore/keel/internal/sim/scenario"
)

// TestUEContextModification: a connected UE's new subscribed UE-AMBR
// (Nudm_SDM_Notification, TS 23.502 §4.5.1) reaches its gNB in a UE
// Context Modification Request (TS 38.413 §8.3.4), answered with the
// Response; the same data again sends nothing; a gNB that fails it is
// counted; a SUPI the AMF does not serve is ignored.
func TestUEContextModification(t *testing.T) {
	for _, fail := range []bool{false, true} {
		c := startCore(t, 1, gmm.Timers{})
		cfg := gnbConfig(1)
		cfg.FailModify = fail
		g, err := gnb.Connect(context.Background(), c.tr, c.addr, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { g.Close() })
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s, _, err := scenario.Register(ctx, g, c.ue(t, 0))
		if err != nil {
			t.Fatal(err)
		}
		am := sbi.AMData{UEAMBRUplink: 300_000_000, UEAMBRDownlink: 700_000_000}
		c.amf.AccessAndMobilityChanged(ctx, supiOf(0), am)
		c.amf.AccessAndMobilityChanged(ctx, supiOf(0), am)
		c.amf.AccessAndMobilityChanged(ctx, supiOf(1), am)
		result := "modified"
		if fail {
			result = "failed"
		}
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			if metrictest.Value(t, c.reg, "keel_amf_ue_context_modifications_total", "result", result) == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("fail=%t: no UE Context Modification %s", fail, result)
			}
		}
		if n := metrictest.Value(t, c.reg, "keel_amf_ue_context_modifications_total", "result", "sent"); n != 1 {
			t.Errorf("fail=%t: %v UE Context Modification Requests sent, want 1", fail, n)
		}
		dl, ul, ok := s.Conn.UEAMBR()
		switch {
		case fail && ok:
			t.Errorf("the failing gNB took the UE-AMBR %d/%d", dl, ul)
		case !fail && (!ok || dl != 700_000_000 || ul != 300_000_000):
			t.Errorf("the gNB's UE-AMBR %d/%d (%t), want 700000000/300000000", dl, ul, ok)
		}
	}
}
