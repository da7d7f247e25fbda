package testenv

import (
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/wmnsk/go-pfcp/message"

	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/pfcp"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// TestN4AttackOnTheWire runs the core with its default configuration
// and, from another loopback address (127.0.0.2), claims the SMF's Node
// ID in an Association Setup with a new Recovery Time Stamp, creates a
// session under it and deletes a live one by its UP SEID: the UPF, which
// by default takes N4 only from Keel's own SMF, refuses each with
// "Request rejected" and counts it, and the sessions stay, listed and at
// the UPF.
func TestN4AttackOnTheWire(t *testing.T) {
	sctptest.RequireNetNS(t)
	core, token := startCore(t)
	sum, code, stderr := runSim(t, core.HTTPAddr().String(), token,
		"--amf", core.N2Addr().String(), "--ues", "2", "--provision", "--pdu")
	if code != 0 || sum.Sessions != 2 {
		t.Fatalf("keel sim = exit %d, %+v\n%s", code, sum, stderr)
	}
	sessions := func() []struct {
		UPSEID uint64 `json:"up_seid"`
	} {
		req, _ := http.NewRequest("GET", "http://"+core.HTTPAddr().String()+"/api/v1/sessions", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var list struct {
			Sessions []struct {
				UPSEID uint64 `json:"up_seid"`
			} `json:"sessions"`
		}
		json.NewDecoder(resp.Body).Decode(&list)
		return list.Sessions
	}
	live := sessions()
	if len(live) != 2 {
		t.Fatalf("%d sessions listed, want 2", len(live))
	}

	n4 := config.Default().N4.Address
	smfNodeID := n4.Addr() // Keel's SMF has the N4 address's IP as its Node ID
	attacker, err := pfcp.Listen(t.Context(), netip.MustParseAddrPort("127.0.0.2:0"), nil, pfcp.Options{T1: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer attacker.Close()
	ctx := context.Background()
	as, _ := pfcp.AssociationSetupRequest(0, smfNodeID, time.Now().Add(time.Hour))
	m, err := attacker.Request(ctx, n4, as)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, cause, err := pfcp.ParseAssociationSetup(m); err != nil || cause != pfcp.CauseRequestRejected {
		t.Errorf("Association Setup claiming the SMF's Node ID: cause %d, %v; want 64", cause, err)
	}
	rules := pfcp.Rules{
		PDRs: []pfcp.PDR{{ID: 1, Precedence: 255, SourceInterface: pfcp.InterfaceAccess, FTEID: &pfcp.FTEID{Choose: true}, QFI: 1, RemoveOuterHeader: true, FARID: 1}},
		FARs: []pfcp.FAR{{ID: 1, Forward: true, DestinationInterface: pfcp.InterfaceCore}},
	}
	est, err := pfcp.EstablishmentRequest{NodeID: smfNodeID, CPSEID: 1, CPAddr: smfNodeID, Rules: rules, PDNType: 1}.Message(0)
	if err != nil {
		t.Fatal(err)
	}
	if m, err = attacker.Request(ctx, n4, est); err != nil {
		t.Fatal(err)
	}
	if r, err := pfcp.ParseEstablishmentResponse(m.(*message.SessionEstablishmentResponse)); err != nil || r.Cause != pfcp.CauseRequestRejected {
		t.Errorf("establishment under the SMF's Node ID: cause %d, %v; want 64", r.Cause, err)
	}
	if m, err = attacker.Request(ctx, n4, pfcp.DeletionRequest(live[0].UPSEID, 0)); err != nil {
		t.Fatal(err)
	}
	if r, err := pfcp.ParseDeletionResponse(m.(*message.SessionDeletionResponse)); err != nil || r.Cause != pfcp.CauseRequestRejected {
		t.Errorf("deletion of a live session: cause %d, %v; want 64", r.Cause, err)
	}

	metrics := scrapeMetrics(t, core)
	if got := metrics.sum("keel_upf_pfcp_refused_total", "reason", "peer_not_allowed"); got != 3 {
		t.Errorf(`keel_upf_pfcp_refused_total{reason="peer_not_allowed"} = %v, want 3`, got)
	}
	if got := metrics.sum("keel_upf_sessions"); got != 2 {
		t.Errorf("keel_upf_sessions = %v, want 2", got)
	}
	if got := len(sessions()); got != 2 {
		t.Errorf("%d sessions listed after the attacks, want 2", got)
	}
}
