package ngap

import (
	"bytes"
	"net/netip"
	"testing"

	"github.com/free5gc/ngap/ie"
	"github.com/google/go-cmp/cmp"
)

// Transfers of the gNB-initiated session procedures, built by the
// encoders under test and read back by the decoders and by tshark
// (goldenCases).
var (
	testNotifyXfer = must(NotifyTransfer{
		Released: map[uint8]*ie.Cause{1: RadioNetworkCause(ie.CauseRadioNetworkPresentRadioResourcesNotAvailable)},
	}.Encode())
	testNotifyReleasedXfer = must(NotifyReleasedTransfer(RadioNetworkCause(ie.CauseRadioNetworkPresentUserInactivity)))
	testModIndXfer         = must(ModifyIndicationTransfer(Tunnel{Addr: netip.MustParseAddr("10.0.0.9"), TEID: 0xabcd}, []uint8{1}))
)

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestNotifyTransfers(t *testing.T) {
	n, err := DecodeNotifyTransfer(testNotifyXfer)
	if err != nil || len(n.Released) != 1 || CauseString(n.Released[1]) != "radio-network/22" || len(n.Notified) != 0 {
		t.Errorf("DecodeNotifyTransfer = %+v, %v, want QoS flow 1 released with radio-network/22", n, err)
	}
	both := NotifyTransfer{Notified: map[uint8]uint8{2: 1}, Released: map[uint8]*ie.Cause{3: MiscCause(ie.CauseMiscPresentUnspecified)}}
	b, err := both.Encode()
	if err != nil {
		t.Fatal(err)
	}
	again, err := DecodeNotifyTransfer(b)
	if diff := cmp.Diff(both, again); err != nil || diff != "" {
		t.Errorf("Notify Transfer round trip: %v %s", err, diff)
	}
	if _, err := (NotifyTransfer{}).Encode(); err == nil {
		t.Errorf("an empty Notify Transfer encoded")
	}
	c, err := DecodeNotifyReleasedTransfer(testNotifyReleasedXfer)
	if err != nil || CauseString(c) != "radio-network/20" {
		t.Errorf("DecodeNotifyReleasedTransfer = %v, %v, want radio-network/20", CauseString(c), err)
	}
	dl, err := DecodeModifyIndicationTransfer(testModIndXfer)
	if err != nil || dl.String() != "10.0.0.9/0x0000abcd" {
		t.Errorf("DecodeModifyIndicationTransfer = %v, %v", dl, err)
	}
	fail, err := ModifyIndicationUnsuccessfulTransfer(MiscCause(ie.CauseMiscPresentUnspecified))
	if err != nil || len(fail) == 0 {
		t.Fatalf("ModifyIndicationUnsuccessfulTransfer = %x, %v", fail, err)
	}
	if _, err := ModifyIndicationUnsuccessfulTransfer(nil); err == nil {
		t.Errorf("ModifyIndicationUnsuccessfulTransfer(nil) encoded")
	}
	for name, b := range map[string][]byte{"notify": testNotifyXfer, "released": testNotifyReleasedXfer, "modify indication": testModIndXfer} {
		if _, err := DecodeNotifyTransfer(b[:len(b)/2]); err == nil && name == "notify" {
			t.Errorf("a truncated %s transfer decoded", name)
		}
	}
}

func TestSessionNotifyMessages(t *testing.T) {
	m, err := PDUSessionResourceNotify(1, 2, []SessionResult{{PDUSessionID: 1, Transfer: testNotifyXfer}, {PDUSessionID: 2, Transfer: testNotifyReleasedXfer, Failed: true}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodePDUSessionResourceNotify(m)
	want := []SessionResult{{PDUSessionID: 1, Transfer: testNotifyXfer}, {PDUSessionID: 2, Transfer: testNotifyReleasedXfer, Failed: true}}
	if diff := cmp.Diff(want, got); err != nil || diff != "" {
		t.Errorf("DecodePDUSessionResourceNotify: %v %s", err, diff)
	}
	ind, err := PDUSessionResourceModifyIndication(1, 2, []SessionResult{{PDUSessionID: 5, Transfer: testModIndXfer}})
	if err != nil {
		t.Fatal(err)
	}
	items, err := DecodePDUSessionResourceModifyIndication(ind)
	if err != nil || len(items) != 1 || items[0].PDUSessionID != 5 || !bytes.Equal(items[0].Transfer, testModIndXfer) {
		t.Errorf("DecodePDUSessionResourceModifyIndication = %+v, %v", items, err)
	}
	ind.PDUSessionResourceModifyListModInd = nil
	if _, err := DecodePDUSessionResourceModifyIndication(ind); err == nil {
		t.Errorf("a Modify Indication without its list decoded")
	}
	cfm, err := PDUSessionResourceModifyConfirm(1, 2, nil)
	if err != nil || cfm.PDUSessionResourceModifyListModCfm != nil || cfm.PDUSessionResourceFailedToModifyListModCfm != nil {
		t.Errorf("an empty Modify Confirm = %+v, %v", cfm, err)
	}
	if _, err := PathSwitchRequestFailure(1, 2, nil, MiscCause(0)); err == nil {
		t.Errorf("a Path Switch Request Failure without sessions built")
	}
}
