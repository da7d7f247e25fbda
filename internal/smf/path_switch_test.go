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

// TestPathSwitch: a Path Switch Request Transfer moves the downlink FAR
// to the target gNB's tunnel with End Markers on the old one (SNDEM, TS
// 29.244 §5.2.2.4) and is answered with a Path Switch Request
// Acknowledge Transfer holding the UPF's uplink tunnel (TS 23.502
// §4.9.1.2.2 step 5); the target's Setup Failed Transfer releases the
// session (step 2).
func TestPathSwitch(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c := w.establish(supi1, 1, "internet", slice1)
	info, _ := w.session(supi1, 1)
	w.update(c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2SetupResponse, N2SmInfo: sbi.N2SM(setupResponse(t, 0xabc))})
	w.upf.Trace()

	target := netip.MustParseAddr("192.0.2.99")
	x, err := ngap.PathSwitchTransfer{DL: ngap.Tunnel{Addr: target, TEID: 0xdef}, QFIs: []uint8{1}}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	u := w.update(c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2PathSwitchRequest, N2SmInfo: sbi.N2SM(x)})
	if u.N2SmInfoType != sbi.N2PathSwitchRequestAck || u.Released {
		t.Fatalf("update with a Path Switch Request Transfer = %+v, want a Path Switch Request Acknowledge Transfer", u)
	}
	ack, err := ngap.DecodePathSwitchAckTransfer(u.N2SmInfo.Bytes())
	if err != nil || ack.UL.TEID != info.ULTEID || ack.UL.TEID == 0 {
		t.Errorf("acknowledge transfer %+v, %v, want the UPF's uplink TEID %#x", ack, err, info.ULTEID)
	}
	if got, _ := w.session(supi1, 1); got.DLTEID != 0xdef || got.GNBAddr != target || got.State != "active" {
		t.Errorf("after the switch: DL %#x@%v state %s, want 0xdef@%v active", got.DLTEID, got.GNBAddr, got.State, target)
	}
	want := []string{fmt.Sprintf("modification up_seid=%d: far 2 forward to %d@%s end-marker", info.UPSEID, 0xdef, target)}
	if diff := cmp.Diff(want, w.upf.Trace()); diff != "" {
		t.Errorf("N4 trace (-want +got):\n%s", diff)
	}
	if n := w.metric("keel_smf_path_switches_total", map[string]string{"result": "switched"}); n != 1 {
		t.Errorf("keel_smf_path_switches_total{result=switched} = %v, want 1", n)
	}

	failed, err := ngap.PathSwitchSetupFailedTransfer{Cause: ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentRadioResourcesNotAvailable)}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if u := w.update(c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2PathSwitchSetupFailed, N2SmInfo: sbi.N2SM(failed)}); !u.Released {
		t.Errorf("update with a Setup Failed Transfer = %+v, want the session released", u)
	}
	if _, ok := w.session(supi1, 1); ok {
		t.Error("the session is still listed after the target failed to set it up")
	}
}

// TestPathSwitchNotSwitched: a transfer that does not decode, or a
// session without user plane (idle), is not switched: the session is
// released and the answer is a Path Switch Request Unsuccessful
// Transfer for the acknowledge's Released List.
func TestPathSwitchNotSwitched(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c := w.establish(supi1, 1, "internet", slice1)
	w.update(c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2SetupResponse, N2SmInfo: sbi.N2SM(setupResponse(t, 0xabc))})
	u := w.update(c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2PathSwitchRequest, N2SmInfo: sbi.N2SM([]byte{0xff})})
	if u.N2SmInfoType != sbi.N2PathSwitchRequestFailed || !u.Released {
		t.Fatalf("update with a garbled transfer = %+v, want an Unsuccessful Transfer and the session released", u)
	}
	if cause, err := ngap.DecodePathSwitchUnsuccessfulTransfer(u.N2SmInfo.Bytes()); err != nil || ngap.CauseString(cause) != "protocol/5" {
		t.Errorf("Unsuccessful Transfer cause %s, %v, want protocol/5 (abstract syntax error, falsely constructed message)", ngap.CauseString(cause), err)
	}

	c2 := w.establish(supi1, 2, "internet", slice1)
	w.update(c2.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2SetupResponse, N2SmInfo: sbi.N2SM(setupResponse(t, 0xabd))})
	w.update(c2.SmContextRef, sbi.SmContextUpdateData{UpCnxState: sbi.UpCnxDeactivated})
	x, _ := ngap.PathSwitchTransfer{DL: ngap.Tunnel{Addr: netip.MustParseAddr("192.0.2.99"), TEID: 0xdef}, QFIs: []uint8{1}}.Encode()
	if u := w.update(c2.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2PathSwitchRequest, N2SmInfo: sbi.N2SM(x)}); u.N2SmInfoType != sbi.N2PathSwitchRequestFailed || !u.Released {
		t.Errorf("path switch of an idle session = %+v, want it not switched and released", u)
	}
}
