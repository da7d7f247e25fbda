package smf_test

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/free5gc/ngap/ie"
	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sbi"
)

// hoBytes returns an encoder's bytes; the inputs are fixed, so an error
// is a bug of the test.
func hoBytes(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// TestN2Handover runs a session through an N2 handover (TS 23.502
// §4.9.1.3): PREPARING answers the setup transfer for the target with
// the UPF's tunnel and touches nothing at the UPF; PREPARED relays the
// target's forwarding tunnel to the source (direct forwarding); only
// COMPLETED moves the downlink, with End Markers on the source's tunnel.
func TestN2Handover(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c := w.establish(supi1, 1, "internet", slice1)
	info, _ := w.session(supi1, 1)
	w.update(c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2SetupResponse, N2SmInfo: sbi.N2SM(setupResponse(t, 0xabc))})
	w.upf.Trace()

	rqd := hoBytes(ngap.HandoverRequiredTransfer{DirectForwarding: true}.Encode())
	u := w.update(c.SmContextRef, sbi.SmContextUpdateData{HoState: sbi.HOPreparing, N2SmInfoType: sbi.N2HandoverRequired, N2SmInfo: sbi.N2SM(rqd)})
	if u.N2SmInfoType != sbi.N2SetupRequest {
		t.Fatalf("PREPARING = %+v, want a PDU Session Resource Setup Request Transfer", u)
	}
	setup, err := ngap.DecodeSetupRequestTransfer(u.N2SmInfo.Bytes())
	if err != nil || setup.UL.TEID != info.ULTEID {
		t.Errorf("setup transfer for the target %+v, %v, want the UPF's uplink TEID %#x", setup, err, info.ULTEID)
	}

	target := netip.MustParseAddr("192.0.2.99")
	fw := ngap.Tunnel{Addr: target, TEID: 0xf00}
	ack := hoBytes(ngap.HandoverRequestAcknowledgeTransfer{DL: ngap.Tunnel{Addr: target, TEID: 0xdef}, Forwarding: &fw,
		Flows: []ngap.HandoverFlow{{QFI: 1, ForwardingAccepted: true}}}.Encode())
	u = w.update(c.SmContextRef, sbi.SmContextUpdateData{HoState: sbi.HOPrepared, N2SmInfoType: sbi.N2HandoverRequestAck, N2SmInfo: sbi.N2SM(ack)})
	if u.N2SmInfoType != sbi.N2HandoverCommand {
		t.Fatalf("PREPARED = %+v, want a Handover Command Transfer", u)
	}
	cmd, err := ngap.DecodeHandoverCommandTransfer(u.N2SmInfo.Bytes())
	if err != nil || cmd.Forwarding == nil || *cmd.Forwarding != fw || !cmp.Equal(cmd.QFIs, []uint8{1}) {
		t.Errorf("Handover Command Transfer %+v, %v, want forwarding to %v for QFI 1", cmd, err, fw)
	}
	if tr := w.upf.Trace(); len(tr) != 0 {
		t.Errorf("the UPF was told %v before the UE arrived", tr)
	}
	if got, _ := w.session(supi1, 1); got.DLTEID != 0xabc {
		t.Errorf("before COMPLETED the downlink goes to %#x, want the source's 0xabc", got.DLTEID)
	}

	w.update(c.SmContextRef, sbi.SmContextUpdateData{HoState: sbi.HOCompleted})
	if got, _ := w.session(supi1, 1); got.DLTEID != 0xdef || got.GNBAddr != target || got.State != "active" {
		t.Errorf("after COMPLETED: DL %#x@%v state %s, want 0xdef@%v active", got.DLTEID, got.GNBAddr, got.State, target)
	}
	want := []string{fmt.Sprintf("modification up_seid=%d: far 2 forward to %d@%s end-marker", info.UPSEID, 0xdef, target)}
	if diff := cmp.Diff(want, w.upf.Trace()); diff != "" {
		t.Errorf("N4 trace (-want +got):\n%s", diff)
	}
	if n := w.metric("keel_smf_n2_handovers_total", map[string]string{"step": "completed"}); n != 1 {
		t.Errorf("keel_smf_n2_handovers_total{step=completed} = %v, want 1", n)
	}
	// A second COMPLETED has no preparation to complete.
	if _, err := w.smf.UpdateSMContext(t.Context(), c.SmContextRef, sbi.SmContextUpdateData{HoState: sbi.HOCompleted}); err == nil {
		t.Error("COMPLETED without a preparation was accepted")
	}
}

// TestN2HandoverCancelAndNotAdmitted: CANCELLED forgets the preparation
// (the UPF untouched, COMPLETED then refused); without a direct path no
// forwarding tunnel is relayed; a session the target did not admit is
// released with a Handover Preparation Unsuccessful Transfer.
func TestN2HandoverCancelAndNotAdmitted(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c := w.establish(supi1, 1, "internet", slice1)
	w.update(c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2SetupResponse, N2SmInfo: sbi.N2SM(setupResponse(t, 0xabc))})
	w.upf.Trace()
	rqd := hoBytes(ngap.HandoverRequiredTransfer{}.Encode())
	w.update(c.SmContextRef, sbi.SmContextUpdateData{HoState: sbi.HOPreparing, N2SmInfoType: sbi.N2HandoverRequired, N2SmInfo: sbi.N2SM(rqd)})
	fw := ngap.Tunnel{Addr: netip.MustParseAddr("192.0.2.99"), TEID: 0xf00}
	ack := hoBytes(ngap.HandoverRequestAcknowledgeTransfer{DL: ngap.Tunnel{Addr: fw.Addr, TEID: 0xdef}, Forwarding: &fw,
		Flows: []ngap.HandoverFlow{{QFI: 1, ForwardingAccepted: true}}}.Encode())
	u := w.update(c.SmContextRef, sbi.SmContextUpdateData{HoState: sbi.HOPrepared, N2SmInfoType: sbi.N2HandoverRequestAck, N2SmInfo: sbi.N2SM(ack)})
	if cmd, err := ngap.DecodeHandoverCommandTransfer(u.N2SmInfo.Bytes()); err != nil || cmd.Forwarding != nil || len(cmd.QFIs) != 0 {
		t.Errorf("Handover Command Transfer without a direct path = %+v, %v, want no forwarding", cmd, err)
	}
	w.update(c.SmContextRef, sbi.SmContextUpdateData{HoState: sbi.HOCancelled})
	if _, err := w.smf.UpdateSMContext(t.Context(), c.SmContextRef, sbi.SmContextUpdateData{HoState: sbi.HOCompleted}); err == nil {
		t.Error("COMPLETED after CANCELLED was accepted")
	}
	if got, _ := w.session(supi1, 1); got.DLTEID != 0xabc {
		t.Errorf("after CANCELLED the downlink goes to %#x, want the source's 0xabc", got.DLTEID)
	}

	w.update(c.SmContextRef, sbi.SmContextUpdateData{HoState: sbi.HOPreparing, N2SmInfoType: sbi.N2HandoverRequired, N2SmInfo: sbi.N2SM(rqd)})
	fail := hoBytes(ngap.HandoverResourceAllocationUnsuccessfulTransfer(ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentRadioResourcesNotAvailable)))
	u = w.update(c.SmContextRef, sbi.SmContextUpdateData{HoState: sbi.HOPrepared, N2SmInfoType: sbi.N2HandoverResourceAllocationFailure, N2SmInfo: sbi.N2SM(fail)})
	if u.N2SmInfoType != sbi.N2HandoverPreparationFailure || !u.Released {
		t.Fatalf("not admitted = %+v, want a Handover Preparation Unsuccessful Transfer and the session released", u)
	}
	if cause, err := ngap.DecodeHandoverPreparationUnsuccessfulTransfer(u.N2SmInfo.Bytes()); err != nil || ngap.CauseString(cause) != "radio-network/7" {
		t.Errorf("cause %s, %v, want radio-network/7 (ho-failure-in-target-5GC-ngran-node-or-target-system)", ngap.CauseString(cause), err)
	}
	if _, ok := w.session(supi1, 1); ok {
		t.Error("the session not admitted is still listed")
	}
}
