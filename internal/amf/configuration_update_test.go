package amf_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/amf"
	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/sim/scenario"
	"github.com/keelcore/keel/internal/sim/ue"
)

// TS 24.501 §5.4.4: the AMF gives a registered UE a new 5G-GUTI through
// NGAP; the UE acknowledges, and the AMF names it by the new one.
func TestUpdateConfigurationNewGUTI(t *testing.T) {
	c := startCore(t, 1, gmm.Timers{})
	g := c.gnb(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	u := c.ue(t, 0)
	s, _, err := scenario.Register(ctx, g, u)
	if err != nil {
		t.Fatal(err)
	}
	old := u.GUTI()
	if err := c.amf.UpdateConfiguration(ctx, supiOf(0), gmm.ConfigurationUpdate{NewGUTI: true}); err != nil {
		t.Fatal(err)
	}
	for updated := false; !updated; {
		select {
		case <-ctx.Done():
			t.Fatal("no Configuration Update Command")
		case d := <-s.Conn.Downlink():
			res, err := u.Handle(d.NAS)
			if err != nil {
				t.Fatal(err)
			}
			for _, up := range res.Uplink {
				if err := s.Conn.Send(ctx, up); err != nil {
					t.Fatal(err)
				}
			}
			updated = res.Event == ue.EventConfigurationUpdated
		}
	}
	if u.GUTI() == old {
		t.Fatalf("the UE kept its 5G-GUTI %s", old)
	}
	// The two spell the 5G-GUTI differently; the 5G-TMSI ends both.
	tmsi := u.GUTI()[len(u.GUTI())-8:]
	var ues []amf.UE
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if ues = c.amf.UEs(); len(ues) == 1 && ues[0].GUTI != nil && strings.HasSuffix(ues[0].GUTI.String(), tmsi) {
			return
		}
	}
	t.Errorf("AMF's UEs %+v, want the UE's new 5G-TMSI %s", ues, tmsi)
}

func TestUpdateConfigurationUnknownUE(t *testing.T) {
	c := startCore(t, 1, gmm.Timers{})
	if err := c.amf.UpdateConfiguration(context.Background(), supiOf(0), gmm.ConfigurationUpdate{NewGUTI: true}); err != amf.ErrUnknownUE {
		t.Errorf("UpdateConfiguration for a UE never seen = %v, want %v", err, amf.ErrUnknownUE)
	}
}
