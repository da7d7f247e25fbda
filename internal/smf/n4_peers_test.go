package smf_test

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/wmnsk/go-pfcp/message"

	"github.com/keelcore/keel/internal/pfcp"
)

// TestN4PeerNotAllowed: from an address other than the UPF's, a Session
// Report inflating a session's counters and a heartbeat with a new
// Recovery Time Stamp (which would make the SMF believe the UPF
// restarted) are refused and counted; the session and the association
// are untouched.
func TestN4PeerNotAllowed(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.establish(supi1, 1, "internet", slice1)
	info, _ := w.session(supi1, 1)
	w.upf.mu.Lock()
	smfAddr := w.upf.smf
	w.upf.mu.Unlock()

	attacker, err := pfcp.Listen(t.Context(), netip.MustParseAddrPort("127.0.0.2:0"), nil, pfcp.Options{T1: 200 * time.Millisecond})
	if err != nil {
		t.Skipf("no loopback address 127.0.0.2: %v", err)
	}
	defer attacker.Close()
	req, _ := pfcp.ReportRequest{SEID: info.SEID, Usage: []pfcp.UsageReport{{URRID: 1, Trigger: pfcp.TriggerVolumeThreshold, Uplink: 1 << 40, Downlink: 1 << 40, Total: 1 << 41, SeqN: 1}}}.Message(0)
	m, err := attacker.Request(context.Background(), smfAddr, req)
	if err != nil {
		t.Fatalf("Session Report from another address: %v", err)
	}
	if r, err := pfcp.ParseReportResponse(m.(*message.SessionReportResponse)); err != nil || r.Cause != pfcp.CauseRequestRejected {
		t.Errorf("Session Report from another address = %+v, %v, want cause 64", r, err)
	}
	if s, _ := w.session(supi1, 1); s.ULBytes != 0 || s.DLBytes != 0 {
		t.Errorf("counters = %d/%d after a forged report, want 0/0", s.ULBytes, s.DLBytes)
	}

	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.2:0")))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	hb, _ := pfcp.HeartbeatRequest(9, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	b, _ := pfcp.Marshal(hb)
	c.WriteToUDPAddrPort(b, smfAddr)
	c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if n, _, err := c.ReadFromUDPAddrPort(make([]byte, 1024)); err == nil {
		t.Errorf("heartbeat from another address answered (%d bytes)", n)
	}
	w.waitFor("both refusals counted", func() bool {
		return w.metric("keel_smf_pfcp_refused_total", map[string]string{"reason": "peer_not_allowed"}) == 2
	})
	if got := w.metric("keel_smf_upf_associated", nil); got != 1 {
		t.Errorf("keel_smf_upf_associated = %v after a forged heartbeat, want 1", got)
	}
	if got := w.metric("keel_smf_upf_restarts_total", nil); got != 0 {
		t.Errorf("keel_smf_upf_restarts_total = %v, want 0", got)
	}
}
