package ngap

import (
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/free5gc/ngap/message"
)

// FuzzTransfers checks that no input makes the transfer decoders panic
// and that whatever one of them accepts re-encodes to bytes it decodes
// to the same value. An input that is a whole NGAP PDU of a PDU session
// message also goes through the message decoders and its transfers
// through the transfer decoders. The committed corpus
// (testdata/fuzz/FuzzTransfers) holds every transfer Keel builds
// (TestTransferSeeds keeps it so).
func FuzzTransfers(f *testing.F) {
	for _, b := range transferSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		transfers(t, data)
		m, err := Decode(data)
		if err != nil {
			return
		}
		var items [][]byte
		switch v := m.(type) {
		case *message.PDUSessionResourceSetupRequest:
			_, _, it, _ := DecodePDUSessionResourceSetupRequest(v)
			for _, i := range it {
				items = append(items, i.Transfer)
			}
		case *message.InitialContextSetupRequest:
			c, _ := DecodeInitialContextSetupRequest(v)
			for _, i := range c.Sessions {
				items = append(items, i.Transfer)
			}
		case *message.InitialContextSetupResponse:
			rs, _ := DecodeInitialContextSetupResponse(v)
			for _, r := range rs {
				items = append(items, r.Transfer)
			}
		case *message.InitialContextSetupFailure:
			rs, _, _ := DecodeInitialContextSetupFailure(v)
			for _, r := range rs {
				items = append(items, r.Transfer)
			}
		case *message.PDUSessionResourceSetupResponse:
			rs, _ := DecodePDUSessionResourceSetupResponse(v)
			for _, r := range rs {
				items = append(items, r.Transfer)
			}
		case *message.PDUSessionResourceReleaseCommand:
			_, _, _, it, _ := DecodePDUSessionResourceReleaseCommand(v)
			for _, i := range it {
				items = append(items, i.Transfer)
			}
		case *message.PDUSessionResourceReleaseResponse:
			rs, _ := DecodePDUSessionResourceReleaseResponse(v)
			for _, r := range rs {
				items = append(items, r.Transfer)
			}
		case *message.PDUSessionResourceNotify:
			rs, _ := DecodePDUSessionResourceNotify(v)
			for _, r := range rs {
				items = append(items, r.Transfer)
			}
		case *message.PDUSessionResourceModifyIndication:
			rs, _ := DecodePDUSessionResourceModifyIndication(v)
			for _, r := range rs {
				items = append(items, r.Transfer)
			}
		case *message.PDUSessionResourceModifyRequest:
			_, _, it, _ := DecodePDUSessionResourceModifyRequest(v)
			for _, i := range it {
				items = append(items, i.Transfer)
			}
		case *message.PDUSessionResourceModifyResponse:
			rs, _ := DecodePDUSessionResourceModifyResponse(v)
			for _, r := range rs {
				items = append(items, r.Transfer)
			}
		case *message.PathSwitchRequest:
			p, _ := DecodePathSwitchRequest(v)
			for _, r := range append(p.Sessions, p.Failed...) {
				items = append(items, r.Transfer)
			}
		case *message.PathSwitchRequestAcknowledge:
			a, _ := DecodePathSwitchRequestAcknowledge(v)
			for _, r := range append(a.Switched, a.Released...) {
				items = append(items, r.Transfer)
			}
		case *message.HandoverRequired:
			h, _ := DecodeHandoverRequired(v)
			for _, s := range h.Sessions {
				items = append(items, s.Transfer)
			}
		case *message.HandoverRequestAcknowledge:
			h, _ := DecodeHandoverRequestAcknowledge(v)
			for _, s := range append(h.Admitted, h.Failed...) {
				items = append(items, s.Transfer)
			}
		}
		for _, b := range items {
			transfers(t, b)
		}
	})
}

// transfers runs every transfer decoder over b.
func transfers(t *testing.T, b []byte) {
	t.Helper()
	if x, err := DecodeSetupRequestTransfer(b); err == nil {
		if out, err := x.Encode(); err == nil {
			again, err := DecodeSetupRequestTransfer(out)
			if diff := cmp.Diff(x, again, addrComparer); err != nil || diff != "" {
				t.Fatalf("Setup Request Transfer %+v re-encodes to %x: %v %s", x, out, err, diff)
			}
		}
	}
	if x, err := DecodeSetupResponseTransfer(b); err == nil {
		if out, err := x.Encode(); err == nil {
			again, err := DecodeSetupResponseTransfer(out)
			if diff := cmp.Diff(x, again, addrComparer); err != nil || diff != "" {
				t.Fatalf("Setup Response Transfer %+v re-encodes to %x: %v %s", x, out, err, diff)
			}
		}
	}
	if x, err := DecodeSetupUnsuccessfulTransfer(b); err == nil {
		if out, err := x.Encode(); err == nil {
			if again, err := DecodeSetupUnsuccessfulTransfer(out); err != nil || !reflect.DeepEqual(x, again) {
				t.Fatalf("Setup Unsuccessful Transfer %+v re-encodes to %x: %v", x, out, err)
			}
		}
	}
	if x, err := DecodeReleaseCommandTransfer(b); err == nil {
		if out, err := x.Encode(); err == nil {
			if again, err := DecodeReleaseCommandTransfer(out); err != nil || !reflect.DeepEqual(x, again) {
				t.Fatalf("Release Command Transfer %+v re-encodes to %x: %v", x, out, err)
			}
		}
	}
	DecodeReleaseResponseTransfer(b)
	DecodeNotifyTransfer(b)
	DecodeNotifyReleasedTransfer(b)
	DecodeModifyIndicationTransfer(b)
	if x, err := DecodeModifyRequestTransfer(b); err == nil {
		if out, err := x.Encode(); err == nil {
			again, err := DecodeModifyRequestTransfer(out)
			if diff := cmp.Diff(x, again, causeComparer); err != nil || diff != "" {
				t.Fatalf("Modify Request Transfer %+v re-encodes to %x: %v %s", x, out, err, diff)
			}
		}
	}
	if x, err := DecodeModifyResponseTransfer(b); err == nil {
		if out, err := x.Encode(); err == nil {
			again, err := DecodeModifyResponseTransfer(out)
			if diff := cmp.Diff(x, again, causeComparer, cmpopts.EquateEmpty()); err != nil || diff != "" {
				t.Fatalf("Modify Response Transfer %+v re-encodes to %x: %v %s", x, out, err, diff)
			}
		}
	}
	DecodeModifyUnsuccessfulTransfer(b)
	pathSwitchTransfers(t, b)
	if x, err := DecodeHandoverRequiredTransfer(b); err == nil {
		if out, err := x.Encode(); err == nil {
			if again, err := DecodeHandoverRequiredTransfer(out); err != nil || again != x {
				t.Fatalf("Handover Required Transfer %+v re-encodes to %x: %v", x, out, err)
			}
		}
	}
	if x, err := DecodeHandoverRequestAcknowledgeTransfer(b); err == nil {
		if out, err := x.Encode(); err == nil {
			again, err := DecodeHandoverRequestAcknowledgeTransfer(out)
			if diff := cmp.Diff(x, again, addrComparer); err != nil || diff != "" {
				t.Fatalf("Handover Request Acknowledge Transfer %+v re-encodes to %x: %v %s", x, out, err, diff)
			}
		}
	}
	if x, err := DecodeHandoverCommandTransfer(b); err == nil {
		if out, err := x.Encode(); err == nil {
			again, err := DecodeHandoverCommandTransfer(out)
			if diff := cmp.Diff(x, again, addrComparer); err != nil || diff != "" {
				t.Fatalf("Handover Command Transfer %+v re-encodes to %x: %v %s", x, out, err, diff)
			}
		}
	}
	DecodeHandoverResourceAllocationUnsuccessfulTransfer(b)
	DecodeHandoverPreparationUnsuccessfulTransfer(b)
}
