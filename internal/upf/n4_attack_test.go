package upf

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/wmnsk/go-pfcp/message"

	"github.com/keelcore/keel/internal/pfcp"
)

// The attacker sends from other loopback addresses, which Linux routes
// to lo without configuration.
var (
	attackerAddr   = netip.MustParseAddr("127.0.0.2")
	outsiderAddr   = netip.MustParseAddr("127.0.0.3")
	legitCPAddress = netip.MustParseAddr("127.0.0.1")
)

// attackerNode is a PFCP node of the attacker's on addr.
func attackerNode(t *testing.T, addr netip.Addr) *pfcp.Node {
	t.Helper()
	n, err := pfcp.Listen(t.Context(), netip.AddrPortFrom(addr, 0), nil, pfcp.Options{T1: 200 * time.Millisecond})
	if err != nil {
		t.Skipf("no loopback address %v: %v", addr, err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

func (e *n4Env) requestFrom(n *pfcp.Node, m message.Message) message.Message {
	e.t.Helper()
	resp, err := n.Request(e.t.Context(), e.upf.Addr(), m)
	if err != nil {
		e.t.Fatalf("%s from %v: %v", pfcp.TypeName(m.MessageType()), n.Addr(), err)
	}
	return resp
}

// TestN4Attacks sends, from an address of its own that Options.Peers
// allows, each attack an unauthenticated N4 let through: sessions under
// the SMF's Node ID without an association, a redirect and a deletion of
// the SMF's sessions by their UP SEIDs, and an Association Setup
// claiming the SMF's Node ID with a new Recovery Time Stamp (which made
// the UPF delete every session of the SMF). Each is refused and counted,
// and the SMF's sessions stay as they were.
func TestN4Attacks(t *testing.T) {
	e := newN4Env(t, func(o *Options) { o.Peers = []netip.Addr{legitCPAddress, n4CPID, attackerAddr} })
	e.associate(cpBoot1)
	est1, _ := e.establish(n4Request(1))
	est2, _ := e.establish(n4Request(2))
	if est1.Cause != pfcp.CauseRequestAccepted || est2.Cause != pfcp.CauseRequestAccepted {
		t.Fatalf("establishments: causes %d, %d", est1.Cause, est2.Cause)
	}
	// UP SEIDs are not guessable from one another.
	if d := est2.UPSEID - est1.UPSEID; d < 1<<16 || -d < 1<<16 {
		t.Errorf("UP SEIDs %#x and %#x are %d apart: predictable", est1.UPSEID, est2.UPSEID, d)
	}
	installed, _ := e.dp.installed(est1.UPSEID)
	attacker := attackerNode(t, attackerAddr)
	refused := func(reason string) float64 { return e.metric("keel_upf_pfcp_refused_total", "reason", reason) }

	// (a) A session under the SMF's Node ID, without an association.
	m, _ := pfcp.EstablishmentRequest{NodeID: n4CPID, CPSEID: 99, CPAddr: attackerAddr, Rules: n4Rules(), PDNType: 1}.Message(0)
	r, err := pfcp.ParseEstablishmentResponse(e.requestFrom(attacker, m).(*message.SessionEstablishmentResponse))
	if err != nil || r.Cause != pfcp.CauseNoEstablishedPFCPAssociation {
		t.Errorf("establishment under the SMF's Node ID: cause %d, %v, want 72", r.Cause, err)
	}
	if got := refused("no_association"); got != 1 {
		t.Errorf(`refused{reason="no_association"} = %v, want 1`, got)
	}

	// (c) An Association Setup claiming the SMF's Node ID, as if it had
	// restarted; and an Association Release of it.
	as, _ := pfcp.AssociationSetupRequest(0, n4CPID, cpBoot2)
	if _, _, cause, err := pfcp.ParseAssociationSetup(e.requestFrom(attacker, as)); err != nil || cause != pfcp.CauseRequestRejected {
		t.Errorf("Association Setup with the SMF's Node ID: cause %d, %v, want 64", cause, err)
	}
	if got := refused("node_id_in_use"); got != 1 {
		t.Errorf(`refused{reason="node_id_in_use"} = %v, want 1`, got)
	}
	ar, _ := pfcp.AssociationReleaseRequest(0, n4CPID)
	if _, cause, err := pfcp.ParseAssociationRelease(e.requestFrom(attacker, ar)); err != nil || cause != pfcp.CauseRequestRejected {
		t.Errorf("Association Release of the SMF's Node ID: cause %d, %v, want 64", cause, err)
	}
	if got := refused("not_association_peer"); got != 1 {
		t.Errorf(`refused{reason="not_association_peer"} = %v, want 1`, got)
	}

	// (b) Associated under its own Node ID, the attacker redirects the
	// downlink of the SMF's session to itself, then deletes it.
	as, _ = pfcp.AssociationSetupRequest(0, attackerAddr, cpBoot1)
	if _, _, cause, err := pfcp.ParseAssociationSetup(e.requestFrom(attacker, as)); err != nil || cause != pfcp.CauseRequestAccepted {
		t.Fatalf("the attacker's own Association Setup: cause %d, %v", cause, err)
	}
	mod, _ := pfcp.ModificationRequest{SEID: est1.UPSEID, Update: pfcp.Rules{FARs: []pfcp.FAR{
		{ID: 2, Forward: true, DestinationInterface: pfcp.InterfaceAccess, Outer: &pfcp.OuterHeader{TEID: 0x666, IPv4: attackerAddr},
			Set: pfcp.FieldApplyAction | pfcp.FieldDestination | pfcp.FieldOuterHeader}}}}.Message(0)
	mr, err := pfcp.ParseModificationResponse(e.requestFrom(attacker, mod).(*message.SessionModificationResponse))
	if err != nil || mr.Cause != pfcp.CauseSessionContextNotFound {
		t.Errorf("redirect of the SMF's session: cause %d, %v, want 65", mr.Cause, err)
	}
	dr, err := pfcp.ParseDeletionResponse(e.requestFrom(attacker, pfcp.DeletionRequest(est2.UPSEID, 0)).(*message.SessionDeletionResponse))
	if err != nil || dr.Cause != pfcp.CauseSessionContextNotFound {
		t.Errorf("deletion of the SMF's session: cause %d, %v, want 65", dr.Cause, err)
	}
	if got := refused("not_session_owner"); got != 2 {
		t.Errorf(`refused{reason="not_session_owner"} = %v, want 2`, got)
	}
	// Its own association does not cover the SMF's Node ID either.
	r, _ = pfcp.ParseEstablishmentResponse(e.requestFrom(attacker, m).(*message.SessionEstablishmentResponse))
	if r.Cause != pfcp.CauseNoEstablishedPFCPAssociation {
		t.Errorf("establishment under the SMF's Node ID, associated as itself: cause %d, want 72", r.Cause)
	}

	// The SMF's sessions are as they were, and still its to change.
	if got, ok := e.dp.installed(est1.UPSEID); !ok || got.FARs[1].Outer == nil || *got.FARs[1].Outer != *installed.FARs[1].Outer {
		t.Errorf("the SMF's session after the attacks: %+v, %v, want its rules unchanged", got, ok)
	}
	if _, ok := e.dp.installed(est2.UPSEID); !ok {
		t.Error("the SMF's second session is gone")
	}
	if got := len(e.upf.Sessions()); got != 2 {
		t.Errorf("%d sessions at the UPF, want the SMF's 2", got)
	}
	if d, _ := e.delete(est2.UPSEID); d.Cause != pfcp.CauseRequestAccepted {
		t.Errorf("the SMF's own deletion: cause %d, want 1", d.Cause)
	}
}

// TestN4PeerNotAllowed: from an address Options.Peers does not list,
// every request is refused "Request rejected" and heartbeats go
// unanswered; from a listed address, an association for an unlisted
// Node ID is refused.
func TestN4PeerNotAllowed(t *testing.T) {
	e := newN4Env(t, func(o *Options) { o.Peers = []netip.Addr{legitCPAddress, n4CPID} })
	e.associate(cpBoot1)
	outsider := attackerNode(t, outsiderAddr)
	as, _ := pfcp.AssociationSetupRequest(0, outsiderAddr, cpBoot1)
	if _, _, cause, err := pfcp.ParseAssociationSetup(e.requestFrom(outsider, as)); err != nil || cause != pfcp.CauseRequestRejected {
		t.Errorf("Association Setup from an unlisted address: cause %d, %v, want 64", cause, err)
	}
	m, _ := pfcp.EstablishmentRequest{NodeID: n4CPID, CPSEID: 99, CPAddr: outsiderAddr, Rules: n4Rules(), PDNType: 1}.Message(0)
	r, err := pfcp.ParseEstablishmentResponse(e.requestFrom(outsider, m).(*message.SessionEstablishmentResponse))
	if err != nil || r.Cause != pfcp.CauseRequestRejected {
		t.Errorf("establishment from an unlisted address: cause %d, %v, want 64", r.Cause, err)
	}

	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(outsiderAddr, 0)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	hb, _ := pfcp.HeartbeatRequest(7, cpBoot1)
	b, _ := pfcp.Marshal(hb)
	c.WriteToUDPAddrPort(b, e.upf.Addr())
	if reply := readN4Within(c, 300*time.Millisecond); reply != nil {
		t.Errorf("heartbeat from an unlisted address answered: % x", reply)
	}
	if got := e.metric("keel_upf_pfcp_refused_total", "reason", "peer_not_allowed"); got != 3 {
		t.Errorf(`refused{reason="peer_not_allowed"} = %v, want 3`, got)
	}

	as, _ = pfcp.AssociationSetupRequest(0, netip.MustParseAddr("10.9.9.9"), cpBoot1)
	if _, _, cause, err := pfcp.ParseAssociationSetup(e.request(as)); err != nil || cause != pfcp.CauseRequestRejected {
		t.Errorf("Association Setup for an unlisted Node ID: cause %d, %v, want 64", cause, err)
	}
	if got := e.metric("keel_upf_pfcp_refused_total", "reason", "node_id_not_allowed"); got != 1 {
		t.Errorf(`refused{reason="node_id_not_allowed"} = %v, want 1`, got)
	}
}

// TestN4AddressChange: with AllowAddressChange, a CP function may set
// its association up again from another address and keeps its
// sessions, which it then drives from there alone.
func TestN4AddressChange(t *testing.T) {
	e := newN4Env(t, func(o *Options) { o.AllowAddressChange = true })
	e.associate(cpBoot1)
	est, _ := e.establish(n4Request(1))
	moved := attackerNode(t, attackerAddr)
	as, _ := pfcp.AssociationSetupRequest(0, n4CPID, cpBoot1)
	if _, _, cause, err := pfcp.ParseAssociationSetup(e.requestFrom(moved, as)); err != nil || cause != pfcp.CauseRequestAccepted {
		t.Fatalf("Association Setup from the new address: cause %d, %v, want 1", cause, err)
	}
	if mr, _ := e.modify(pfcp.ModificationRequest{SEID: est.UPSEID, QueryURRs: true}); mr.Cause != pfcp.CauseNoEstablishedPFCPAssociation {
		t.Errorf("modification from the old address: cause %d, want 72", mr.Cause)
	}
	dr, err := pfcp.ParseDeletionResponse(e.requestFrom(moved, pfcp.DeletionRequest(est.UPSEID, 0)).(*message.SessionDeletionResponse))
	if err != nil || dr.Cause != pfcp.CauseRequestAccepted {
		t.Errorf("deletion from the new address: cause %d, %v, want 1", dr.Cause, err)
	}
}

func readN4Within(c *net.UDPConn, d time.Duration) []byte {
	buf := make([]byte, 65536)
	c.SetReadDeadline(time.Now().Add(d))
	n, _, err := c.ReadFromUDPAddrPort(buf)
	if err != nil {
		return nil
	}
	return buf[:n]
}

// TestN4EmptyModification: a modification that changes nothing (the
// SMF's audit) is accepted without a datapath call, and a lost session
// answers it "Session context not found".
func TestN4EmptyModification(t *testing.T) {
	e := newN4Env(t)
	e.associate(cpBoot1)
	est, _ := e.establish(n4Request(1))
	e.dp.mu.Lock()
	applies := e.dp.applies
	e.dp.mu.Unlock()
	if mr, _ := e.modify(pfcp.ModificationRequest{SEID: est.UPSEID}); mr.Cause != pfcp.CauseRequestAccepted {
		t.Errorf("empty modification: cause %d, want 1", mr.Cause)
	}
	e.dp.mu.Lock()
	got := e.dp.applies
	e.dp.mu.Unlock()
	if got != applies {
		t.Errorf("datapath applies %d → %d after an empty modification, want none", applies, got)
	}
	e.delete(est.UPSEID)
	if mr, _ := e.modify(pfcp.ModificationRequest{SEID: est.UPSEID}); mr.Cause != pfcp.CauseSessionContextNotFound {
		t.Errorf("empty modification of a deleted session: cause %d, want 65", mr.Cause)
	}
}
