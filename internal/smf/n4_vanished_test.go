package smf_test

import (
	"slices"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/nas/sm"
	"github.com/keelcore/keel/internal/pfcp"
	"github.com/keelcore/keel/internal/sbi"
)

// TestUPFDroppedAssociation: a UPF that drops the SMF's association, and
// its sessions with it, without restarting (its Recovery Time Stamp
// unchanged) answers the audit after a heartbeat with cause 72; the SMF
// sets the association up again and re-establishes every session as it
// stands, so the sessions it lists are the UPF's again.
func TestUPFDroppedAssociation(t *testing.T) {
	w := newWorld(t, worldOptions{hbEvery: 20 * time.Millisecond})
	a := w.establish(supi1, 1, "internet", slice1)
	w.update(a.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2SetupResponse, N2SmInfo: sbi.N2SM(setupResponse(t, 0xabc))})
	w.establish(supi1, 2, "ims", slice1)
	before := w.smf.Sessions()

	w.upf.dropAssociation()
	w.waitFor("re-established sessions", func() bool {
		return w.metric("keel_smf_upf_restored_sessions_total", map[string]string{"result": "ok"}) == 2
	})
	if got := w.metric("keel_smf_upf_restarts_total", nil); got != 0 {
		t.Errorf("keel_smf_upf_restarts_total = %v, want 0: the UPF did not restart", got)
	}
	if got := w.metric("keel_smf_n4_requests_total", map[string]string{"type": "session_audit", "cause": "72"}); got < 1 {
		t.Errorf("keel_smf_n4_requests_total{session_audit,72} = %v, want the audit to have met cause 72", got)
	}
	trace := w.upf.Trace()
	if !slices.Contains(trace, "association setup") {
		t.Errorf("UPF trace %q: no association setup after the drop", trace)
	}
	after := w.smf.Sessions()
	if len(after) != 2 || w.upf.count() != 2 {
		t.Fatalf("%d sessions listed, %d at the UPF; want 2 and 2", len(after), w.upf.count())
	}
	for i := range after {
		up, ok := w.upf.session(after[i].UPSEID)
		if !ok {
			t.Errorf("session %d: UP SEID %d unknown to the UPF", i, after[i].UPSEID)
			continue
		}
		if ul := up.rules.PDRs[0].FTEID; ul == nil || ul.Choose || ul.TEID != before[i].ULTEID {
			t.Errorf("session %d: uplink F-TEID %+v, want %d given", i, ul, before[i].ULTEID)
		}
	}
	if up, _ := w.upf.session(after[0].UPSEID); farString(up.rules.FARs[1]) != "forward to 2748@"+gnbN3.String() {
		t.Errorf("active session's downlink FAR = %s, want forward to the gNB", farString(up.rules.FARs[1]))
	}
}

// TestUPFLostSession: a session the UPF lost alone is found by the audit
// (cause 65) and re-established with its F-TEID.
func TestUPFLostSession(t *testing.T) {
	w := newWorld(t, worldOptions{hbEvery: 20 * time.Millisecond})
	w.establish(supi1, 1, "internet", slice1)
	info, _ := w.session(supi1, 1)
	w.upf.forget(info.UPSEID)
	w.waitFor("re-established session", func() bool {
		return w.metric("keel_smf_upf_restored_sessions_total", map[string]string{"result": "ok"}) == 1
	})
	now, _ := w.session(supi1, 1)
	up, ok := w.upf.session(now.UPSEID)
	if !ok || now.UPSEID == info.UPSEID {
		t.Fatalf("after the audit: UP SEID %d (was %d), known to the UPF: %v", now.UPSEID, info.UPSEID, ok)
	}
	if ul := up.rules.PDRs[0].FTEID; ul == nil || ul.TEID != info.ULTEID {
		t.Errorf("uplink F-TEID %+v, want %d", ul, info.ULTEID)
	}
}

// TestUPFLostSessionOnModification: a modification answered "Session
// context not found" re-establishes the session and applies the change
// to it, with no audit needed.
func TestUPFLostSessionOnModification(t *testing.T) {
	w := newWorld(t, worldOptions{})
	a := w.establish(supi1, 1, "internet", slice1)
	info, _ := w.session(supi1, 1)
	w.upf.forget(info.UPSEID)
	w.update(a.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2SetupResponse, N2SmInfo: sbi.N2SM(setupResponse(t, 0xabc))})
	now, _ := w.session(supi1, 1)
	if now.State != "active" || now.UPSEID == info.UPSEID {
		t.Errorf("session after the setup response: %s, UP SEID %d (was %d); want active with a new UP SEID", now.State, now.UPSEID, info.UPSEID)
	}
	up, ok := w.upf.session(now.UPSEID)
	if !ok || farString(up.rules.FARs[1]) != "forward to 2748@"+gnbN3.String() {
		t.Errorf("UPF session %v: downlink FAR %s, want forward to the gNB", ok, farString(up.rules.FARs[1]))
	}
}

// TestUPFLostSessionReleased: a lost session the UPF will not take back
// is released towards the UE (#38) and no longer listed as active.
func TestUPFLostSessionReleased(t *testing.T) {
	w := newWorld(t, worldOptions{hbEvery: 20 * time.Millisecond})
	w.establish(supi1, 1, "internet", slice1)
	info, _ := w.session(supi1, 1)
	w.upf.mu.Lock()
	w.upf.reject = pfcp.CauseNoResourcesAvailable
	w.upf.mu.Unlock()
	w.upf.forget(info.UPSEID)
	w.waitFor("release", func() bool {
		return w.metric("keel_smf_upf_restored_sessions_total", map[string]string{"result": "released"}) == 1
	})
	// The counter goes up before the release sends its transfer
	// (restoreOne): wait for the transfer too.
	var calls []n1n2
	w.waitFor("the release's N1N2MessageTransfer", func() bool {
		calls = append(calls, w.amf.taken()...)
		return len(calls) > 0
	})
	calls = append(calls, w.amf.taken()...)
	if len(calls) != 1 || string(calls[0].n1) != string(sm.ReleaseCommand(nil, 1, sm.NoPTI, sm.CauseNetworkFailure)) {
		t.Errorf("N1N2MessageTransfer calls = %+v, want one RELEASE COMMAND #38", calls)
	}
	if now, ok := w.session(supi1, 1); ok && now.State != "releasing" {
		t.Errorf("session listed as %s, want releasing or gone", now.State)
	}
}
