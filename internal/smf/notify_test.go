package smf_test

import (
	"errors"
	"fmt"
	"net/netip"
	"testing"

	"github.com/free5gc/ngap/ie"
	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sbi"
)

// TestGNBInitiatedSessionProcedures: a PDU Session Resource Notify
// Transfer is taken without change (TS 23.502 §4.3.3.2 step 1e); a
// Modify Indication is refused with a Modify Indication Unsuccessful
// Transfer and leaves the downlink where it was (TS 38.413 §8.2.5.2); a
// Notify Released Transfer deactivates the session as an AN release
// does.
func TestGNBInitiatedSessionProcedures(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c := w.establish(supi1, 1, "internet", slice1)
	info, _ := w.session(supi1, 1)
	w.update(c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2SetupResponse, N2SmInfo: sbi.N2SM(setupResponse(t, 0xabc))})
	w.upf.Trace()

	notify, err := ngap.NotifyTransfer{Released: map[uint8]*ie.Cause{1: ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentRadioResourcesNotAvailable)}}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if u := w.update(c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2NotifyTransfer, N2SmInfo: sbi.N2SM(notify)}); u.N1SmMsg.Bytes() != nil || u.N2SmInfo.Bytes() != nil || u.Released {
		t.Errorf("update with a Notify Transfer = %+v, want nothing to send", u)
	}

	modInd, err := ngap.ModifyIndicationTransfer(ngap.Tunnel{Addr: netip.MustParseAddr("192.0.2.7"), TEID: 0x77}, []uint8{1})
	if err != nil {
		t.Fatal(err)
	}
	u := w.update(c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2ModifyIndication, N2SmInfo: sbi.N2SM(modInd)})
	if u.N2SmInfoType != sbi.N2ModifyIndicationFailure || u.Released {
		t.Fatalf("update with a Modify Indication = %+v, want a Modify Indication Unsuccessful Transfer", u)
	}
	var fail ie.PDUSessionResourceModifyIndicationUnsuccessfulTransfer
	if err := ie.UnmarshalBinary(u.N2SmInfo.Bytes(), &fail); err != nil || ngap.CauseString(fail.Cause) != "misc/5" {
		t.Errorf("the refusal %x: %v, cause %s, want misc/5", u.N2SmInfo.Bytes(), err, ngap.CauseString(fail.Cause))
	}
	if _, err := w.smf.UpdateSMContext(t.Context(), c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2ModifyIndication, N2SmInfo: sbi.N2SM([]byte{1})}); !errors.Is(err, sbi.ErrInvalidRequest) {
		t.Errorf("a garbled Modify Indication Transfer: %v, want ErrInvalidRequest", err)
	}
	if info2, _ := w.session(supi1, 1); info2.DLTEID != 0xabc || info2.State != "active" {
		t.Errorf("after the refused modification: DL TEID %#x state %s, want 0xabc active", info2.DLTEID, info2.State)
	}

	released, err := ngap.NotifyReleasedTransfer(ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentUserInactivity))
	if err != nil {
		t.Fatal(err)
	}
	w.update(c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2NotifyReleasedTransfer, N2SmInfo: sbi.N2SM(released)})
	if info3, _ := w.session(supi1, 1); info3.State != "inactive" || info3.DLTEID != 0 {
		t.Errorf("after Notify Released: state %s DL TEID %d, want inactive, 0", info3.State, info3.DLTEID)
	}
	want := []string{"modification up_seid=" + fmt.Sprint(info.UPSEID) + ": far 2 buffer notify"}
	if diff := cmp.Diff(want, w.upf.Trace()); diff != "" {
		t.Errorf("N4 trace (-want +got):\n%s", diff)
	}
}
