package smf_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/pfcp"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/smf"
)

// idleSession establishes a session, activates its user plane and
// releases the AN (TS 23.502 §4.2.6): the UE is idle, the session kept.
func (w *world) idleSession(supi string, psi uint8) (sbi.SmContextCreatedData, sbi.SessionInfo) {
	w.t.Helper()
	c := w.establish(supi, psi, "internet", slice1)
	w.update(c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2SetupResponse, N2SmInfo: sbi.N2SM(setupResponse(w.t, 0xabc))})
	w.update(c.SmContextRef, sbi.SmContextUpdateData{UpCnxState: sbi.UpCnxDeactivated})
	info, _ := w.session(supi, psi)
	if info.State != "inactive" || info.UpCnxState != sbi.UpCnxDeactivated {
		w.t.Fatalf("after AN release: state %s, up_cnx_state %s; want inactive, DEACTIVATED", info.State, info.UpCnxState)
	}
	w.upf.Trace()
	return c.SmContextCreatedData, info
}

// downlinkData has the UPF report downlink data for an idle session and
// checks that the report is answered at once.
func (w *world) downlinkData(info sbi.SessionInfo) {
	w.t.Helper()
	r, err := w.upf.downlinkReport(info.SEID)
	if err != nil || r.Cause != pfcp.CauseRequestAccepted {
		w.t.Fatalf("Session Report Response to the DLDR = %+v, %v; want cause 1", r, err)
	}
}

// TestDownlinkDataPagesTheUE is the network-triggered Service Request
// (TS 23.502 §4.2.3.3), the SMF's part: a Downlink Data Report answered
// at once, then one N1N2MessageTransfer with the PDU Session Resource
// Setup Request Transfer and the SMF as failure notifier, none more while
// it is outstanding; the AMF's ACTIVATING and the gNB's response make the
// downlink forward; the next idle period pages again.
func TestDownlinkDataPagesTheUE(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.amf.set(sbi.N1N2AttemptingToReachUE, nil)
	c, info := w.idleSession(supi1, 1)

	w.downlinkData(info)
	w.waitFor("the N1N2MessageTransfer", func() bool { return w.amf.count() == 1 })
	call := w.amf.taken()[0]
	if call.supi != supi1 || call.psi != 1 || call.n1 != nil || call.n2Type != sbi.N2SetupRequest || call.notify != w.smf {
		t.Fatalf("N1N2MessageTransfer = %+v, want the setup request of %s/1 with the SMF as failure notifier", call, supi1)
	}
	x, err := ngap.DecodeSetupRequestTransfer(call.n2)
	if err != nil || x.UL != (ngap.Tunnel{Addr: upfN3, TEID: info.ULTEID}) || len(x.Flows) != 1 || x.Flows[0].QFI != 1 {
		t.Fatalf("transfer = %+v, %v; want the UPF's tunnel %d@%s and QFI 1", x, err, info.ULTEID, upfN3)
	}
	w.waitFor("attempting counted", func() bool {
		return w.metric("keel_smf_n1n2_transfers_total", map[string]string{"result": "attempting"}) == 1
	})

	// More downlink while the UE is being paged: no second transfer.
	w.downlinkData(info)
	w.downlinkData(info)
	if got := w.metric("keel_smf_downlink_data_reports_total", map[string]string{"result": "outstanding"}); got != 2 {
		t.Errorf("downlink data reports{outstanding} = %v, want 2", got)
	}

	// The UE answers with a Service Request: the AMF asks for the user plane.
	u := w.update(c.SmContextRef, sbi.SmContextUpdateData{UpCnxState: sbi.UpCnxActivating})
	if u.N2SmInfoType != sbi.N2SetupRequest || u.UpCnxState != sbi.UpCnxActivating || u.N1SmMsg.Bytes() != nil || u.Released {
		t.Fatalf("answer to ACTIVATING = %+v, want the setup request transfer, ACTIVATING", u)
	}
	if y, err := ngap.DecodeSetupRequestTransfer(u.N2SmInfo.Bytes()); err != nil || y.UL != x.UL {
		t.Fatalf("ACTIVATING transfer = %+v, %v; want the UPF's tunnel", y, err)
	}
	if s, _ := w.session(supi1, 1); s.UpCnxState != sbi.UpCnxActivating {
		t.Errorf("up_cnx_state while activating = %s, want ACTIVATING", s.UpCnxState)
	}
	if got := w.amf.count(); got != 0 {
		t.Fatalf("%d transfers after the report crossing paging, want none", got)
	}
	w.update(c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2SetupResponse, N2SmInfo: sbi.N2SM(setupResponse(t, 0xdef))})
	if s, _ := w.session(supi1, 1); s.State != "active" || s.UpCnxState != sbi.UpCnxActivated || s.DLTEID != 0xdef {
		t.Errorf("after the gNB's response: %s %s DL TEID %#x, want active ACTIVATED 0xdef", s.State, s.UpCnxState, s.DLTEID)
	}
	seid := fmt.Sprint(info.UPSEID)
	if diff := cmp.Diff([]string{"modification up_seid=" + seid + ": far 2 forward to 3567@" + gnbN3.String()}, w.upf.Trace()); diff != "" {
		t.Errorf("N4 trace (-want +got):\n%s", diff)
	}

	// Idle again, new downlink: paged again.
	w.update(c.SmContextRef, sbi.SmContextUpdateData{UpCnxState: sbi.UpCnxDeactivated})
	w.downlinkData(info)
	w.waitFor("the second N1N2MessageTransfer", func() bool { return w.amf.count() == 1 })
	if got := w.metric("keel_smf_up_reactivations_total", map[string]string{"result": "requested"}); got != 1 {
		t.Errorf("reactivations{requested} = %v, want 1", got)
	}
}

// TestPagingFailureDiscards: the AMF could not page the UE (failure
// notification, TS 29.518 §5.2.2.3.1) or refuses the transfer: the SMF
// has the UPF drop what it buffered (DROBU), the session stays idle, and
// the next downlink data pages again.
func TestPagingFailureDiscards(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.amf.set(sbi.N1N2AttemptingToReachUE, nil)
	_, info := w.idleSession(supi1, 1)
	seid := fmt.Sprint(info.UPSEID)

	w.downlinkData(info)
	w.waitFor("the N1N2MessageTransfer", func() bool { return w.amf.count() == 1 })
	notify := w.amf.taken()[0].notify
	notify.N1N2TransferFailed(context.Background(), supi1, 1, sbi.N1N2UENotResponding)
	if diff := cmp.Diff([]string{"modification up_seid=" + seid + ": drop buffered"}, w.upf.Trace()); diff != "" {
		t.Errorf("N4 trace after the failure (-want +got):\n%s", diff)
	}
	if s, _ := w.session(supi1, 1); s.State != "inactive" {
		t.Errorf("session after paging failed: %s, want inactive", s.State)
	}
	if got := w.metric("keel_smf_n1n2_transfers_total", map[string]string{"result": "failed"}); got != 1 {
		t.Errorf("n1n2 transfers{failed} = %v, want 1", got)
	}
	if got := w.metric("keel_smf_n4_requests_total", map[string]string{"type": "session_discard", "cause": "1"}); got != 1 {
		t.Errorf("n4 requests{session_discard} = %v, want 1", got)
	}
	// A notification for a session the SMF does not have is ignored.
	notify.N1N2TransferFailed(context.Background(), supi2, 9, sbi.N1N2UENotReachable)

	// New downlink: a new buffering period, paged again.
	w.downlinkData(info)
	w.waitFor("the second N1N2MessageTransfer", func() bool { return w.amf.count() == 1 })
	w.amf.taken()

	// The AMF refuses at once (UE deregistered): dropped as well.
	notify.N1N2TransferFailed(context.Background(), supi1, 1, sbi.N1N2UENotResponding)
	w.upf.Trace()
	w.amf.set(0, fmt.Errorf("fake: %w", sbi.ErrUENotReachable))
	w.downlinkData(info)
	w.waitFor("the refusal handled", func() bool {
		return w.metric("keel_smf_n1n2_transfers_total", map[string]string{"result": "error"}) == 1
	})
	w.waitFor("the buffer dropped", func() bool { return len(w.upf.Trace()) == 1 })
}

// TestReactivationAnswers checks UpdateSMContext ACTIVATING in every
// state: the setup request transfer for an idle, activating or active
// session; nothing for one being released; and a gNB refusing the setup
// of a reactivated session leaves it idle, its buffer dropped, where the
// first setup's failure releases it.
func TestReactivationAnswers(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c, info := w.idleSession(supi1, 1)
	seid := fmt.Sprint(info.UPSEID)

	for _, what := range []string{"idle", "activating"} {
		if u := w.update(c.SmContextRef, sbi.SmContextUpdateData{UpCnxState: sbi.UpCnxActivating}); u.N2SmInfoType != sbi.N2SetupRequest || u.UpCnxState != sbi.UpCnxActivating {
			t.Fatalf("ACTIVATING when %s = %+v, want the setup request transfer", what, u)
		}
	}
	fail, err := ngap.SetupUnsuccessfulTransfer{Cause: ngap.NASCause(0)}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if u := w.update(c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2SetupFailure, N2SmInfo: sbi.N2SM(fail)}); u.Released {
		t.Fatal("a failed reactivation released the session")
	}
	if s, ok := w.session(supi1, 1); !ok || s.State != "inactive" || s.UpCnxState != sbi.UpCnxDeactivated {
		t.Fatalf("after the failed reactivation: %+v, want inactive, DEACTIVATED", s)
	}
	if diff := cmp.Diff([]string{"modification up_seid=" + seid + ": drop buffered"}, w.upf.Trace()); diff != "" {
		t.Errorf("N4 trace (-want +got):\n%s", diff)
	}
	if got := w.metric("keel_smf_up_reactivations_total", map[string]string{"result": "failed"}); got != 1 {
		t.Errorf("reactivations{failed} = %v, want 1", got)
	}

	// Active: the same transfer again, the session stays active.
	w.update(c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2SetupResponse, N2SmInfo: sbi.N2SM(setupResponse(t, 0xdef))})
	if u := w.update(c.SmContextRef, sbi.SmContextUpdateData{UpCnxState: sbi.UpCnxActivating}); u.N2SmInfoType != sbi.N2SetupRequest {
		t.Fatalf("ACTIVATING when active = %+v, want the setup request transfer", u)
	}
	if s, _ := w.session(supi1, 1); s.State != "active" || s.DLTEID != 0xdef {
		t.Errorf("active session after ACTIVATING: %s, DL TEID %#x; want active, 0xdef", s.State, s.DLTEID)
	}

	// The UE loses its radio connection during the Service Request: the
	// session is idle again and what the UPF kept goes.
	w.update(c.SmContextRef, sbi.SmContextUpdateData{UpCnxState: sbi.UpCnxDeactivated})
	w.update(c.SmContextRef, sbi.SmContextUpdateData{UpCnxState: sbi.UpCnxActivating})
	w.upf.Trace()
	w.update(c.SmContextRef, sbi.SmContextUpdateData{UpCnxState: sbi.UpCnxDeactivated})
	if diff := cmp.Diff([]string{"modification up_seid=" + seid + ": far 2 buffer notify", "modification up_seid=" + seid + ": drop buffered"}, w.upf.Trace()); diff != "" {
		t.Errorf("N4 trace of an aborted reactivation (-want +got):\n%s", diff)
	}

	// Being released: no transfer.
	c2 := w.establish(supi1, 2, "internet", slice1)
	if err := w.smf.Release(context.Background(), supi1, 2); err != nil {
		t.Fatal(err)
	}
	if u := w.update(c2.SmContextRef, sbi.SmContextUpdateData{UpCnxState: sbi.UpCnxActivating}); u.N2SmInfo.Bytes() != nil || u.UpCnxState != sbi.UpCnxNone {
		t.Errorf("ACTIVATING while releasing = %+v, want nothing", u)
	}
}

// TestStaleDownlinkDataReport: a Downlink Data Report that waited for a
// paging worker while its session was reactivated (the UE's Service
// Request; the UPF sent what it kept) and released again belongs to an
// idle period that is over: it pages no one. Only a report of the
// current idle period does.
func TestStaleDownlinkDataReport(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.amf.set(sbi.N1N2AttemptingToReachUE, nil)
	// Every paging worker waits on the AMF for a session of its own.
	hold := make(chan struct{})
	w.amf.mu.Lock()
	w.amf.hold = hold
	w.amf.mu.Unlock()
	released := false
	defer func() {
		if !released {
			close(hold)
		}
	}()
	for i := range smf.PagingWorkers {
		supi := fmt.Sprintf("imsi-0010100000001%02d", i)
		w.sdm.mu.Lock()
		w.sdm.subs[supi] = w.sdm.subs[supi1]
		w.sdm.mu.Unlock()
		_, info := w.idleSession(supi, 1)
		w.downlinkData(info)
	}
	w.waitFor("the workers busy", func() bool {
		return w.metric("keel_smf_downlink_data_reports_total", map[string]string{"result": "paging"}) == float64(smf.PagingWorkers)
	})

	c, info := w.idleSession(supi1, 1)
	w.update(c.SmContextRef, sbi.SmContextUpdateData{UpCnxState: sbi.UpCnxActivating})
	w.downlinkData(info) // the echo reply of the UE's first packet, kept until the gNB answers
	w.update(c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2SetupResponse, N2SmInfo: sbi.N2SM(setupResponse(t, 0xdef))})
	w.update(c.SmContextRef, sbi.SmContextUpdateData{UpCnxState: sbi.UpCnxDeactivated})

	close(hold)
	released = true
	w.waitFor("the held transfers", func() bool { return w.amf.count() >= smf.PagingWorkers })
	// A report of the current idle period after it: paged.
	w.downlinkData(info)
	w.waitFor("the transfer of the new report", func() bool { return w.amf.count() >= smf.PagingWorkers+1 })
	var mine int
	for _, call := range w.amf.taken() {
		if call.supi == supi1 {
			mine++
		}
	}
	if mine != 1 {
		t.Errorf("%d N1N2MessageTransfers for %s, want 1: a report of an idle period that ended must not page", mine, supi1)
	}
}

// TestLatePagingRefusalKeepsNewPeriod: the AMF refuses a transfer only
// after the UE came back (Service Request) and went idle again. The
// refusal is of the idle period that ended: what the UPF buffers in the
// new one is not dropped.
func TestLatePagingRefusalKeepsNewPeriod(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.amf.set(0, fmt.Errorf("fake: %w", sbi.ErrUENotReachable))
	hold, entered := make(chan struct{}), make(chan struct{}, 1)
	w.amf.mu.Lock()
	w.amf.hold, w.amf.entered = hold, entered
	w.amf.mu.Unlock()
	released := false
	defer func() {
		if !released {
			close(hold)
		}
	}()
	c, info := w.idleSession(supi1, 1)
	w.downlinkData(info)
	<-entered // the transfer is under way

	w.update(c.SmContextRef, sbi.SmContextUpdateData{UpCnxState: sbi.UpCnxActivating})
	w.update(c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2SetupResponse, N2SmInfo: sbi.N2SM(setupResponse(t, 0xdef))})
	w.update(c.SmContextRef, sbi.SmContextUpdateData{UpCnxState: sbi.UpCnxDeactivated})
	w.upf.Trace()

	close(hold)
	released = true
	w.waitFor("the refusal handled", func() bool {
		return w.metric("keel_smf_n1n2_transfers_total", map[string]string{"result": "error"}) == 1
	})
	// The new period's first report still pages.
	w.amf.set(sbi.N1N2AttemptingToReachUE, nil)
	w.amf.taken()
	w.downlinkData(info)
	w.waitFor("the new period's transfer", func() bool { return w.amf.count() == 1 })
	w.smf.Close() // joins the paging workers
	for _, l := range w.upf.Trace() {
		if strings.Contains(l, "drop buffered") {
			t.Errorf("N4 after the late refusal: %q, want nothing dropped in the new idle period", l)
		}
	}
}
