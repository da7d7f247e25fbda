package smf_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/nas/sm"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/pfcp"
	"github.com/keelcore/keel/internal/sbi"
)

func setupResponse(t testing.TB, teid uint32) []byte {
	t.Helper()
	b, err := ngap.SetupResponseTransfer{DL: ngap.Tunnel{Addr: gnbN3, TEID: teid}, QFIs: []uint8{1}}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestUserPlane: the gNB's tunnel turns the downlink FAR to forwarding
// with outer header creation; the UE going idle drops the downlink; a
// new tunnel forwards again.
func TestUserPlane(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c := w.establish(supi1, 1, "internet", slice1)
	info, _ := w.session(supi1, 1)
	w.upf.Trace()

	if u := w.update(c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2SetupResponse, N2SmInfo: sbi.N2SM(setupResponse(t, 0xabc))}); u.N1SmMsg.Bytes() != nil || u.N2SmInfo.Bytes() != nil || u.Released {
		t.Errorf("update with the setup response = %+v, want nothing to send", u)
	}
	info2, _ := w.session(supi1, 1)
	if info2.DLTEID != 0xabc || info2.GNBAddr != gnbN3 || info2.State != "active" {
		t.Errorf("Sessions() after the setup response: DL %d@%s state %s, want 0xabc@%s active", info2.DLTEID, info2.GNBAddr, info2.State, gnbN3)
	}
	w.update(c.SmContextRef, sbi.SmContextUpdateData{UpCnxState: sbi.UpCnxDeactivated})
	info3, _ := w.session(supi1, 1)
	if info3.State != "inactive" || info3.DLTEID != 0 {
		t.Errorf("Sessions() after AN release: state %s DL TEID %d, want inactive, 0", info3.State, info3.DLTEID)
	}
	w.update(c.SmContextRef, sbi.SmContextUpdateData{UpCnxState: sbi.UpCnxDeactivated}) // idle already: nothing to do
	w.update(c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2SetupResponse, N2SmInfo: sbi.N2SM(setupResponse(t, 0xdef))})
	seid := fmt.Sprint(info.UPSEID)
	want := []string{
		"modification up_seid=" + seid + ": far 2 forward to 2748@" + gnbN3.String(),
		"modification up_seid=" + seid + ": far 2 buffer notify",
		"modification up_seid=" + seid + ": far 2 forward to 3567@" + gnbN3.String(),
	}
	if diff := cmp.Diff(want, w.upf.Trace()); diff != "" {
		t.Errorf("N4 trace (-want +got):\n%s", diff)
	}
	if got := w.metric("keel_smf_sessions", map[string]string{"state": "active"}); got != 1 {
		t.Errorf("keel_smf_sessions{active} = %v, want 1", got)
	}
	if _, err := w.smf.UpdateSMContext(context.Background(), c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2SetupResponse, N2SmInfo: sbi.N2SM([]byte{1, 2, 3})}); !errors.Is(err, sbi.ErrInvalidRequest) {
		t.Errorf("update with a malformed transfer = %v, want ErrInvalidRequest", err)
	}
	if _, err := w.smf.UpdateSMContext(context.Background(), "nope", sbi.SmContextUpdateData{UpCnxState: sbi.UpCnxDeactivated}); !errors.Is(err, sbi.ErrSMContextNotFound) {
		t.Errorf("update of an unknown context = %v, want ErrSMContextNotFound", err)
	}
}

func TestSetupFailure(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c := w.establish(supi1, 1, "ims", slice1)
	fail, err := ngap.SetupUnsuccessfulTransfer{Cause: ngap.NASCause(0)}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	u := w.update(c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2SetupFailure, N2SmInfo: sbi.N2SM(fail)})
	if !u.Released {
		t.Errorf("update with a setup failure = %+v, want Released", u)
	}
	if n := w.upf.count(); n != 0 || len(w.smf.Sessions()) != 0 {
		t.Errorf("%d N4 sessions and %d sessions left, want none", n, len(w.smf.Sessions()))
	}
	w.establish(supi1, 2, "ims", slice1) // the address is free again
}

// TestUERelease: PDU SESSION RELEASE REQUEST → N4 deletion, RELEASE
// COMMAND with the UE's PTI and an N2 release command; RELEASE COMPLETE
// ends the context.
func TestUERelease(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c := w.establish(supi1, 3, "internet", slice1)
	w.update(c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2SetupResponse, N2SmInfo: sbi.N2SM(setupResponse(t, 0xabc))})
	info, _ := w.session(supi1, 3)
	w.upf.Trace()
	w.upf.mu.Lock()
	w.upf.usage = []pfcp.UsageReport{{URRID: 1, Trigger: pfcp.TriggerTermination, Uplink: 1000, Downlink: 5000, Total: 6000, SeqN: 1}}
	w.upf.mu.Unlock()

	u := w.update(c.SmContextRef, sbi.SmContextUpdateData{N1SmMsg: sbi.N1SM(sm.AppendReleaseRequest(nil, 3, 9, sm.CauseRegularDeactivation))})
	if want := sm.ReleaseCommand(nil, 3, 9, sm.CauseRegularDeactivation); string(u.N1SmMsg.Bytes()) != string(want) {
		t.Errorf("N1 SM = %x, want %x", u.N1SmMsg.Bytes(), want)
	}
	if u.N2SmInfoType != sbi.N2ReleaseCommand || u.Released {
		t.Fatalf("update = N2 type %d, released %v; want a release command, not released yet", u.N2SmInfoType, u.Released)
	}
	if _, err := ngap.DecodeReleaseCommandTransfer(u.N2SmInfo.Bytes()); err != nil {
		t.Errorf("N2 SM: %v", err)
	}
	if diff := cmp.Diff([]string{"deletion up_seid=" + fmt.Sprint(info.UPSEID)}, w.upf.Trace()); diff != "" {
		t.Errorf("N4 trace (-want +got):\n%s", diff)
	}
	if s, _ := w.session(supi1, 3); s.State != "releasing" || s.ULBytes != 1000 || s.DLBytes != 5000 {
		t.Errorf("Sessions() while releasing: %s, %d/%d bytes; want releasing, 1000/5000", s.State, s.ULBytes, s.DLBytes)
	}

	rr, _ := ngap.ReleaseResponseTransfer{}.Encode()
	if u := w.update(c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2ReleaseResponse, N2SmInfo: sbi.N2SM(rr)}); u.Released || u.N1SmMsg.Bytes() != nil {
		t.Errorf("update with the release response = %+v, want nothing", u)
	}
	// A complete with another PTI: 5GSM STATUS #47 (TS 24.501 §7.3.1).
	u = w.update(c.SmContextRef, sbi.SmContextUpdateData{N1SmMsg: sbi.N1SM(sm.AppendReleaseComplete(nil, 3, 8, 0))})
	if want := sm.Status(nil, 3, 8, sm.CausePTIMismatch); string(u.N1SmMsg.Bytes()) != string(want) || u.Released {
		t.Errorf("complete with a wrong PTI = %x released %v, want %x", u.N1SmMsg.Bytes(), u.Released, want)
	}
	u = w.update(c.SmContextRef, sbi.SmContextUpdateData{N1SmMsg: sbi.N1SM(sm.AppendReleaseComplete(nil, 3, 9, 0))})
	if !u.Released || u.N1SmMsg.Bytes() != nil {
		t.Errorf("update with RELEASE COMPLETE = %+v, want Released", u)
	}
	if len(w.smf.Sessions()) != 0 {
		t.Error("session still listed")
	}
	if _, err := w.smf.UpdateSMContext(context.Background(), c.SmContextRef, sbi.SmContextUpdateData{N1SmMsg: sbi.N1SM(sm.AppendReleaseComplete(nil, 3, 9, 0))}); !errors.Is(err, sbi.ErrSMContextNotFound) {
		t.Errorf("update after release = %v, want ErrSMContextNotFound", err)
	}
	if got := w.associations(); got != 0 {
		t.Errorf("%v policy associations, want 0", got)
	}
	if got := w.metric("keel_smf_sessions", map[string]string{"state": "releasing"}); got != 0 {
		t.Errorf("keel_smf_sessions{releasing} = %v, want 0", got)
	}
}

func TestN1Errors(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c := w.establish(supi1, 1, "internet", slice1)
	for _, tc := range []struct {
		name string
		n1   []byte
		want []byte
	}{
		{"complete without release", sm.AppendReleaseComplete(nil, 1, 4, 0), sm.Status(nil, 1, 4, sm.CauseMessageTypeNotCompatible)},
		{"another session's ID", sm.AppendReleaseRequest(nil, 2, 4, 0), sm.Status(nil, 2, 4, sm.CauseInvalidPDUSessionIdentity)},
		{"release request without PTI", sm.AppendReleaseRequest(nil, 1, 0, 0), sm.ReleaseReject(nil, 1, 0, sm.CauseInvalidPTIValue)},
		{"a downlink message type", sm.ReleaseCommand(nil, 1, 4, 36), sm.Status(nil, 1, 4, sm.CauseMessageTypeNonExistent)},
		{"modification request before the user plane is up", []byte{sm.EPD, 1, 4, sm.MsgModificationRequest}, sm.ModificationReject(nil, 1, 4, sm.CauseRequestRejectedUnspecified)},
		{"too short", []byte{sm.EPD, 1}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := w.update(c.SmContextRef, sbi.SmContextUpdateData{N1SmMsg: sbi.N1SM(tc.n1)})
			if string(u.N1SmMsg.Bytes()) != string(tc.want) || u.Released {
				t.Errorf("update = %x (released %v), want %x", u.N1SmMsg.Bytes(), u.Released, tc.want)
			}
		})
	}
	if s, _ := w.session(supi1, 1); s.State != "active" {
		t.Errorf("state after bad messages = %s, want active", s.State)
	}
}

// TestNetworkRelease: Release deletes the N4 session and sends the
// release command through the AMF; the UE's RELEASE COMPLETE ends it.
func TestNetworkRelease(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c := w.establish(supi1, 2, "internet", slice1)
	w.update(c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2SetupResponse, N2SmInfo: sbi.N2SM(setupResponse(t, 0xabc))})
	idle := w.establish(supi1, 4, "internet", slice1)
	w.update(idle.SmContextRef, sbi.SmContextUpdateData{UpCnxState: sbi.UpCnxDeactivated})
	w.upf.Trace()

	if err := w.smf.Release(context.Background(), supi1, 2); err != nil {
		t.Fatal(err)
	}
	calls := w.amf.taken()
	if len(calls) != 1 {
		t.Fatalf("%d N1N2MessageTransfer calls, want 1", len(calls))
	}
	call := calls[0]
	if call.supi != supi1 || call.psi != 2 || string(call.n1) != string(sm.ReleaseCommand(nil, 2, sm.NoPTI, sm.CauseRegularDeactivation)) || call.n2Type != sbi.N2ReleaseCommand {
		t.Errorf("N1N2MessageTransfer(%s, %d, %x, %d), want a RELEASE COMMAND with no PTI and an N2 release command", call.supi, call.psi, call.n1, call.n2Type)
	}
	if _, err := ngap.DecodeReleaseCommandTransfer(call.n2); err != nil {
		t.Error(err)
	}
	if got := w.upf.Trace(); len(got) != 1 || got[0][:8] != "deletion" {
		t.Errorf("N4 trace = %v, want one deletion", got)
	}
	if u := w.update(c.SmContextRef, sbi.SmContextUpdateData{N1SmMsg: sbi.N1SM(sm.AppendReleaseComplete(nil, 2, sm.NoPTI, 0))}); !u.Released {
		t.Errorf("update with RELEASE COMPLETE = %+v, want Released", u)
	}

	// An idle UE's session: N1 only (TS 23.502 §4.3.4.2 step 3).
	if err := w.smf.Release(context.Background(), supi1, 4); err != nil {
		t.Fatal(err)
	}
	if calls := w.amf.taken(); len(calls) != 1 || calls[0].n2Type != sbi.N2None || calls[0].n2 != nil {
		t.Errorf("N1N2MessageTransfer for an idle session = %+v, want N1 only", calls)
	}
	// An AMF that cannot deliver: the context goes at once.
	w.amf.mu.Lock()
	w.amf.err = errors.New("UE unreachable")
	w.amf.mu.Unlock()
	w.establish(supi1, 5, "internet", slice1)
	if err := w.smf.Release(context.Background(), supi1, 5); err == nil {
		t.Error("Release through a failing AMF succeeded")
	}
	if _, ok := w.session(supi1, 5); ok {
		t.Error("session kept after the AMF failed")
	}
	if err := w.smf.Release(context.Background(), supi1, 9); !errors.Is(err, sbi.ErrSMContextNotFound) {
		t.Errorf("Release of an unknown session = %v, want ErrSMContextNotFound", err)
	}
}

func TestUsageReport(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.establish(supi1, 1, "internet", slice1)
	info, _ := w.session(supi1, 1)
	for range 2 {
		r, err := w.upf.report(info.SEID, pfcp.UsageReport{URRID: 1, Trigger: pfcp.TriggerVolumeThreshold, Uplink: 100, Downlink: 900, Total: 1000, SeqN: 1})
		if err != nil || r.Cause != pfcp.CauseRequestAccepted {
			t.Fatalf("Session Report Response = %+v, %v; want cause 1", r, err)
		}
	}
	if s, _ := w.session(supi1, 1); s.ULBytes != 200 || s.DLBytes != 1800 {
		t.Errorf("counters = %d/%d, want 200/1800", s.ULBytes, s.DLBytes)
	}
	r, err := w.upf.report(info.SEID+100, pfcp.UsageReport{URRID: 1, Trigger: pfcp.TriggerVolumeThreshold, Total: 1})
	if err != nil || r.Cause != pfcp.CauseSessionContextNotFound {
		t.Errorf("report for an unknown SEID = %+v, %v; want cause 65", r, err)
	}
}

// TestUPFRestart: a new Recovery Time Stamp in a heartbeat response makes
// the SMF set the association up again and re-establish every session
// with the F-TEID the gNB uses and the downlink as it was.
func TestUPFRestart(t *testing.T) {
	w := newWorld(t, worldOptions{hbEvery: 20 * time.Millisecond})
	a := w.establish(supi1, 1, "internet", slice1)
	w.update(a.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2SetupResponse, N2SmInfo: sbi.N2SM(setupResponse(t, 0xabc))})
	b := w.establish(supi1, 2, "ims", slice1)
	w.update(b.SmContextRef, sbi.SmContextUpdateData{UpCnxState: sbi.UpCnxDeactivated})
	before := w.smf.Sessions()

	w.upf.restart()
	w.waitFor("re-established sessions", func() bool {
		return w.metric("keel_smf_upf_restored_sessions_total", map[string]string{"result": "ok"}) == 2
	})
	if w.upf.count() != 2 {
		t.Fatalf("%d sessions at the UPF, want 2", w.upf.count())
	}
	after := w.smf.Sessions()
	for i := range before {
		b, a := before[i], after[i]
		if a.ULTEID != b.ULTEID || a.SEID != b.SEID || a.State != b.State || a.UPSEID == b.UPSEID {
			t.Errorf("session %d after restart: TEID %d SEID %d state %s UP SEID %d; before: %d %d %s %d (want all but the UP SEID kept)",
				i, a.ULTEID, a.SEID, a.State, a.UPSEID, b.ULTEID, b.SEID, b.State, b.UPSEID)
		}
		up, ok := w.upf.session(a.UPSEID)
		if !ok {
			t.Fatalf("UPF has no session %d", a.UPSEID)
		}
		ul := up.rules.PDRs[0].FTEID
		if ul == nil || ul.Choose || ul.TEID != b.ULTEID || ul.IPv4 != upfN3 {
			t.Errorf("re-established uplink F-TEID = %+v, want %d@%s given, not chosen", ul, b.ULTEID, upfN3)
		}
		wantDL := map[string]string{"active": "forward to 2748@" + gnbN3.String(), "inactive": "buffer notify"}[a.State]
		if got := farString(up.rules.FARs[1]); got != wantDL {
			t.Errorf("session %d (%s): downlink FAR %s, want %s", i, a.State, got, wantDL)
		}
	}
	if got := w.metric("keel_smf_upf_restarts_total", nil); got != 1 {
		t.Errorf("keel_smf_upf_restarts_total = %v, want 1", got)
	}
	// The sessions still work: release one.
	u := w.update(b.SmContextRef, sbi.SmContextUpdateData{N1SmMsg: sbi.N1SM(sm.AppendReleaseRequest(nil, 2, 5, 0))})
	if u.N1SmMsg.Bytes() == nil || u.N2SmInfoType != sbi.N2None {
		t.Errorf("release of an idle session after restart = %+v, want N1 only", u)
	}
	if w.upf.count() != 1 {
		t.Errorf("%d sessions at the UPF after the release, want 1", w.upf.count())
	}
}

// TestUPFRestartRefused: a session the UPF does not take back is
// released through the AMF.
func TestUPFRestartRefused(t *testing.T) {
	w := newWorld(t, worldOptions{hbEvery: 20 * time.Millisecond})
	w.establish(supi1, 1, "internet", slice1)
	w.upf.mu.Lock()
	w.upf.reject = pfcp.CauseNoResourcesAvailable
	w.upf.mu.Unlock()
	w.upf.restart()
	w.waitFor("release", func() bool {
		return w.metric("keel_smf_upf_restored_sessions_total", map[string]string{"result": "released"}) == 1
	})
	calls := w.amf.taken()
	if len(calls) != 1 || string(calls[0].n1) != string(sm.ReleaseCommand(nil, 1, sm.NoPTI, sm.CauseNetworkFailure)) {
		t.Errorf("N1N2MessageTransfer calls = %+v, want one RELEASE COMMAND #38", calls)
	}
}
