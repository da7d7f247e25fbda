package testenv

import (
	"context"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/api"
	"github.com/keelcore/keel/internal/api/client"
	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sctp/sctptest"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/sim/gnb"
	"github.com/keelcore/keel/internal/sim/scenario"
	"github.com/keelcore/keel/internal/sim/ue"
)

// TestSubscriptionChangeModifies: a connected UE with a PDU session;
// its subscriber's UE-AMBR and session AMBR change through the
// management API (PATCH). The gNB gets a UE Context Modification Request
// with the new UE-AMBR (TS 23.502 §4.5.1, TS 38.413 §8.3.4) and the UE a
// PDU SESSION MODIFICATION COMMAND with the new Session-AMBR in a PDU
// Session Resource Modify Request (network-requested modification, TS
// 23.502 §4.3.3.2), which it completes.
func TestSubscriptionChangeModifies(t *testing.T) {
	sctptest.RequireNetNS(t)
	core, token := startCore(t)
	subscriptionChange(t, core.HTTPAddr().String(), token, core.N2Addr(), core.HTTPAddr().String())
}

// TestSplitSubscriptionChange is TestSubscriptionChangeModifies with the
// home NFs (UDR, UDM, AUSF) in one process and the AMF, SMF and PCF in
// another: the UDR's data change notification reaches the PCF over
// HTTP/2 (TS 29.504 §5.2.2.4), and the UDM's Nudm_SDM notification of the
// new access and mobility data the AMF (TS 29.503 §5.2.2.3).
func TestSplitSubscriptionChange(t *testing.T) {
	sctptest.RequireNetNS(t)
	c := newSplitCore(t)
	home := c.start("home", "nrf,udr,udm,ausf")
	core := c.start("core", "nssf,pcf,upf,smf,amf")
	c.waitListed("PCF", 1)
	// The core subscribes at the UDR and the UDM once it finds them.
	for _, what := range []string{"subscribed to the UDR's data changes", "subscribed to the UDM's access and mobility data changes"} {
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if b, _ := os.ReadFile(core.log); strings.Contains(string(b), what) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the core's log lacks %q\n%s", what, core.tail())
			}
		}
	}
	subscriptionChange(t, home.api.String(), c.token(), config.Default().N2.Address, core.api.String())
}

// subscriptionChange runs the scenario against the management API at
// api, the AMF at n2, and the SMF whose process serves /metrics at
// metrics.
func subscriptionChange(t *testing.T, apiAddr, token string, n2 netip.AddrPort, metrics string) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := client.New("http://"+apiAddr, secret.Token(token))
	supi := "imsi-001010000000001"
	k, opc := secret.RandomKey128(), secret.RandomKey128()
	kh, opch := k.Hex(), opc.Hex()
	if _, err := c.CreateSubscriber(ctx, api.SubscriberRequest{SUPI: &supi, K: &kh, OPc: &opch}); err != nil {
		t.Fatal(err)
	}
	u, err := ue.New(ue.Config{SUPI: supi, MCC: "001", MNC: "01", K: k, OPc: opc, Scheme: ue.SchemeNull, SNSSAIs: []ident.SNSSAI{{SST: 1}},
		FollowOnRequest: true})
	if err != nil {
		t.Fatal(err)
	}
	cfg := simGNB(1)
	cfg.N3 = netip.MustParseAddr("127.0.0.2")
	g, err := gnb.Connect(ctx, n2Transport(t), n2, cfg, nil)
	if err != nil {
		t.Fatalf("gNB %s: %v", cfg.ID, err)
	}
	t.Cleanup(func() { g.Close() })
	s, _, err := scenario.Register(ctx, g, u)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.EstablishPDUSession(ctx, 1, "internet", ident.SNSSAI{SST: 1}); err != nil {
		t.Fatal(err)
	}
	sub, err := c.GetSubscriber(ctx, supi)
	if err != nil {
		t.Fatal(err)
	}
	dnns := sub.DNNs
	for i := range dnns {
		dnns[i].SessionAMBR = api.AMBR{Uplink: "20 Mbps", Downlink: "40 Mbps"}
		dnns[i].StaticIPv4, dnns[i].StaticIPv6 = "", ""
	}
	if _, err := c.UpdateSubscriber(ctx, supi, api.SubscriberRequest{
		UEAMBR: &api.AMBR{Uplink: "30 Mbps", Downlink: "60 Mbps"}, DNNs: &dnns}); err != nil {
		t.Fatal(err)
	}
	for modified := false; !modified; {
		select {
		case <-ctx.Done():
			t.Fatal("no PDU SESSION MODIFICATION COMMAND after the subscription change")
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
			modified = res.Event == ue.EventPDUSessionModified
		}
	}
	if sess, _ := u.PDUSession(1); sess.AMBRDownlink != 40_000_000 || sess.AMBRUplink != 20_000_000 {
		t.Errorf("the UE's session AMBR %d/%d, want 40000000/20000000", sess.AMBRDownlink, sess.AMBRUplink)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if dl, ul, ok := s.Conn.UEAMBR(); ok {
			if dl != 60_000_000 || ul != 30_000_000 {
				t.Errorf("the gNB's UE-AMBR %d/%d, want 60000000/30000000", dl, ul)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no UE Context Modification Request at the gNB")
		}
	}
	// The UE's COMPLETE reaches the SMF after the UE sent it.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		got := scrapeMetricsAt(t, metrics).sum("keel_smf_pdu_session_modifications_total", "kind", "network", "result", "completed")
		if got == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics: completed network-requested modifications = %v, want 1", got)
		}
	}
}
