package testenv

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/api"
	"github.com/keelcore/keel/internal/api/client"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sctp/sctptest"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/sim/scenario"
	"github.com/keelcore/keel/internal/sim/ue"
)

// Deleting a subscriber whose UE is registered with a PDU session ends
// both: the UE gets a network-initiated DEREGISTRATION REQUEST (TS 24.501
// §5.5.2.3) and, once it accepts, its session is released in the SMF and
// the UPF, and the AMF forgets the UE.
func TestDeleteSubscriberEndsUE(t *testing.T) {
	sctptest.RequireNetNS(t)
	core, token := startCore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := client.New("http://"+core.HTTPAddr().String(), secret.Token(token))
	supi := "imsi-001010000000001"
	k, opc := secret.RandomKey128(), secret.RandomKey128()
	kh, opch := k.Hex(), opc.Hex()
	if _, err := c.CreateSubscriber(ctx, api.SubscriberRequest{SUPI: &supi, K: &kh, OPc: &opch}); err != nil {
		t.Fatal(err)
	}
	u, err := ue.New(ue.Config{SUPI: supi, MCC: "001", MNC: "01", K: k, OPc: opc, Scheme: ue.SchemeNull, SNSSAIs: []ident.SNSSAI{{SST: 1}},
		FollowOnRequest: true}) // a PDU session follows the registration
	if err != nil {
		t.Fatal(err)
	}
	cfg := simGNB(1)
	cfg.N3 = netip.MustParseAddr("127.0.0.2") // the UPF has 127.0.0.1:2152
	g := connectGNB(t, n2Transport(t), core, cfg)
	s, _, err := scenario.Register(ctx, g, u)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.EstablishPDUSession(ctx, 1, "internet", ident.SNSSAI{SST: 1}); err != nil {
		t.Fatal(err)
	}
	var sessions api.SessionList
	if err := c.Get(ctx, "/api/v1/sessions", &sessions); err != nil || len(sessions.Sessions) != 1 {
		t.Fatalf("sessions before the delete = %+v, %v; want 1", sessions, err)
	}
	if v := scrapeMetrics(t, core).sum("keel_upf_sessions"); v != 1 {
		t.Fatalf("keel_upf_sessions before the delete = %v, want 1", v)
	}

	if err := c.DeleteSubscriber(ctx, supi); err != nil {
		t.Fatal(err)
	}
	// The UE is told, answers, and its connection is released.
	var deregistered bool
	for s.Conn != nil {
		select {
		case <-ctx.Done():
			t.Fatal("no network-initiated deregistration after the subscriber was deleted")
		case d, ok := <-s.Conn.Downlink():
			if !ok || d.Released {
				s.Conn = nil
				continue
			}
			res, err := u.Handle(d.NAS)
			if err != nil {
				t.Fatal(err)
			}
			for _, up := range res.Uplink {
				if err := s.Conn.Send(ctx, up); err != nil {
					t.Fatal(err)
				}
			}
			if res.Event == ue.EventDeregistered {
				deregistered = true
			}
		}
	}
	if !deregistered {
		t.Fatal("the connection was released without a Deregistration Request the UE accepted")
	}

	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var ues api.UEList
		if err := c.Get(ctx, "/api/v1/ues", &ues); err != nil {
			t.Fatal(err)
		}
		if err := c.Get(ctx, "/api/v1/sessions", &sessions); err != nil {
			t.Fatal(err)
		}
		upf := scrapeMetrics(t, core).sum("keel_upf_sessions")
		if len(ues.UEs) == 0 && len(sessions.Sessions) == 0 && upf == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the delete: UEs %+v, SMF sessions %+v, UPF sessions %v; want none", ues.UEs, sessions.Sessions, upf)
		}
	}
}
