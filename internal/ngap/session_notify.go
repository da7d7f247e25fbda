package ngap

import (
	"errors"
	"fmt"

	"github.com/free5gc/ngap/aper"
	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
)

// DecodePDUSessionResourceNotify reads the gNB's PDU Session Resource
// Notify (TS 38.413 §8.2.4, §9.2.1.7): a session of the PDU Session
// Resource Notify List comes with its Notify Transfer (§9.3.4.5), one of
// the Released List with its Notify Released Transfer (§9.3.4.13) and
// Failed set. Both lists are optional.
func DecodePDUSessionResourceNotify(m *message.PDUSessionResourceNotify) ([]SessionResult, error) {
	const name = "ngap: PDUSessionResourceNotify"
	if m == nil || m.AMFUENGAPID == nil || m.RANUENGAPID == nil {
		return nil, errors.New(name + ": missing UE NGAP IDs")
	}
	var out []SessionResult
	if l := m.PDUSessionResourceNotifyList; l != nil {
		for _, x := range l.List {
			r, err := sessionResult(x.PDUSessionID, x.PDUSessionResourceNotifyTransfer, false)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			out = append(out, r)
		}
	}
	if l := m.PDUSessionResourceReleasedListNot; l != nil {
		for _, x := range l.List {
			r, err := sessionResult(x.PDUSessionID, x.PDUSessionResourceNotifyReleasedTransfer, true)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// DecodePDUSessionResourceModifyIndication reads the gNB's PDU Session
// Resource Modify Indication (TS 38.413 §8.2.5, §9.2.1.8): each session
// with its Modify Indication Transfer (§9.3.4.9). The list is mandatory.
func DecodePDUSessionResourceModifyIndication(m *message.PDUSessionResourceModifyIndication) ([]SessionResult, error) {
	const name = "ngap: PDUSessionResourceModifyIndication"
	if m == nil || m.AMFUENGAPID == nil || m.RANUENGAPID == nil {
		return nil, errors.New(name + ": missing UE NGAP IDs")
	}
	if m.PDUSessionResourceModifyListModInd == nil || len(m.PDUSessionResourceModifyListModInd.List) == 0 {
		return nil, errors.New(name + ": missing PDU Session Resource Modify List")
	}
	var out []SessionResult
	for _, x := range m.PDUSessionResourceModifyListModInd.List {
		r, err := sessionResult(x.PDUSessionID, x.PDUSessionResourceModifyIndicationTransfer, false)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// PDUSessionResourceModifyConfirm builds the AMF's answer to a Modify
// Indication (TS 38.413 §8.2.5.2, §9.2.1.9): the sessions the SMF
// confirmed go to the PDU Session Resource Modify List with their Modify
// Confirm Transfer, the Failed ones to the Failed to Modify List with
// their Modify Indication Unsuccessful Transfer (§9.3.4.10). Both lists
// are optional.
func PDUSessionResourceModifyConfirm(amfUE, ranUE int64, results []SessionResult) (*message.PDUSessionResourceModifyConfirm, error) {
	m := &message.PDUSessionResourceModifyConfirm{
		AMFUENGAPID: &ie.AMFUENGAPID{Value: amfUE},
		RANUENGAPID: &ie.RANUENGAPID{Value: ranUE},
	}
	if len(results) == 0 {
		return m, nil
	}
	err := checkSessions(len(results), func(i int) uint8 { return results[i].PDUSessionID }, func(i int) []byte { return results[i].Transfer })
	if err != nil {
		return nil, fmt.Errorf("ngap: PDUSessionResourceModifyConfirm: %w", err)
	}
	for _, r := range results {
		tr := aper.OctetString(r.Transfer)
		id := &ie.PDUSessionID{Value: int64(r.PDUSessionID)}
		if r.Failed {
			if m.PDUSessionResourceFailedToModifyListModCfm == nil {
				m.PDUSessionResourceFailedToModifyListModCfm = &ie.PDUSessionResourceFailedToModifyListModCfm{}
			}
			m.PDUSessionResourceFailedToModifyListModCfm.List = append(m.PDUSessionResourceFailedToModifyListModCfm.List,
				ie.PDUSessionResourceFailedToModifyItemModCfm{PDUSessionID: id, PDUSessionResourceModifyIndicationUnsuccessfulTransfer: &tr})
			continue
		}
		if m.PDUSessionResourceModifyListModCfm == nil {
			m.PDUSessionResourceModifyListModCfm = &ie.PDUSessionResourceModifyListModCfm{}
		}
		m.PDUSessionResourceModifyListModCfm.List = append(m.PDUSessionResourceModifyListModCfm.List,
			ie.PDUSessionResourceModifyItemModCfm{PDUSessionID: id, PDUSessionResourceModifyConfirmTransfer: &tr})
	}
	return m, nil
}

// NotifyTransfer is the PDU Session Resource Notify Transfer (TS 38.413
// §9.3.4.5): the QoS flows whose GBR the gNB can no longer (or again)
// fulfil, and the QoS flows it released, each with a cause.
type NotifyTransfer struct {
	// Notified are the QoS flows of the QoS Flow Notify List with their
	// Notification Cause (§9.3.1.78: 0 fulfilled, 1 not fulfilled).
	Notified map[uint8]uint8
	// Released are the QoS flows of the QoS Flow Released List.
	Released map[uint8]*ie.Cause
}

const nameNotifyTransfer = "ngap: PDU Session Resource Notify Transfer"

// DecodeNotifyTransfer reads a Notify Transfer.
func DecodeNotifyTransfer(b []byte) (NotifyTransfer, error) {
	var x ie.PDUSessionResourceNotifyTransfer
	if err := ie.UnmarshalBinary(b, &x); err != nil {
		return NotifyTransfer{}, fmt.Errorf("%s: %w", nameNotifyTransfer, err)
	}
	t := NotifyTransfer{Notified: map[uint8]uint8{}, Released: map[uint8]*ie.Cause{}}
	if x.QosFlowNotifyList != nil {
		for _, it := range x.QosFlowNotifyList.List {
			if it.QosFlowIdentifier == nil || it.NotificationCause == nil || it.QosFlowIdentifier.Value < 0 || it.QosFlowIdentifier.Value > 63 {
				return NotifyTransfer{}, errors.New(nameNotifyTransfer + ": QoS flow notify item incomplete")
			}
			t.Notified[uint8(it.QosFlowIdentifier.Value)] = uint8(it.NotificationCause.Value)
		}
	}
	if x.QosFlowReleasedList != nil {
		for _, it := range x.QosFlowReleasedList.List {
			if it.QosFlowIdentifier == nil || !validCause(it.Cause) || it.QosFlowIdentifier.Value < 0 || it.QosFlowIdentifier.Value > 63 {
				return NotifyTransfer{}, errors.New(nameNotifyTransfer + ": released QoS flow item incomplete")
			}
			t.Released[uint8(it.QosFlowIdentifier.Value)] = it.Cause
		}
	}
	return t, nil
}

// DecodeNotifyReleasedTransfer reads a PDU Session Resource Notify
// Released Transfer (TS 38.413 §9.3.4.13): why the gNB released the
// session's resources.
func DecodeNotifyReleasedTransfer(b []byte) (*ie.Cause, error) {
	const name = "ngap: PDU Session Resource Notify Released Transfer"
	var x ie.PDUSessionResourceNotifyReleasedTransfer
	if err := ie.UnmarshalBinary(b, &x); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if !validCause(x.Cause) {
		return nil, errors.New(name + ": missing or unknown Cause")
	}
	return x.Cause, nil
}

// DecodeModifyIndicationTransfer checks that b is a PDU Session Resource
// Modify Indication Transfer (TS 38.413 §9.3.4.9) and returns the
// downlink tunnel it asks for.
func DecodeModifyIndicationTransfer(b []byte) (Tunnel, error) {
	const name = "ngap: PDU Session Resource Modify Indication Transfer"
	var x ie.PDUSessionResourceModifyIndicationTransfer
	if err := ie.UnmarshalBinary(b, &x); err != nil {
		return Tunnel{}, fmt.Errorf("%s: %w", name, err)
	}
	if x.DLQosFlowPerTNLInformation == nil {
		return Tunnel{}, errors.New(name + ": missing DL QoS Flow per TNL Information")
	}
	t, err := DecodeTunnel(x.DLQosFlowPerTNLInformation.UPTransportLayerInformation)
	if err != nil {
		return Tunnel{}, fmt.Errorf("%s: %w", name, err)
	}
	return t, nil
}

// ModifyIndicationUnsuccessfulTransfer encodes the PDU Session Resource
// Modify Indication Unsuccessful Transfer (TS 38.413 §9.3.4.10) with
// which the SMF refuses a modification. The cause must be a root value
// of its group.
func ModifyIndicationUnsuccessfulTransfer(cause *ie.Cause) ([]byte, error) {
	const name = "ngap: PDU Session Resource Modify Indication Unsuccessful Transfer"
	if !encodableCause(cause) {
		return nil, errors.New(name + ": missing or unknown Cause")
	}
	b, err := ie.MarshalBinary(&ie.PDUSessionResourceModifyIndicationUnsuccessfulTransfer{Cause: cause})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return b, nil
}

// The gNB's side, for the simulator and the tests.

// Encode returns the Notify Transfer's APER encoding; at least one list
// must be non-empty, each flow's cause a root value of its group.
func (t NotifyTransfer) Encode() ([]byte, error) {
	var x ie.PDUSessionResourceNotifyTransfer
	for _, qfi := range sortedQFIs(t.Notified) {
		if x.QosFlowNotifyList == nil {
			x.QosFlowNotifyList = &ie.QosFlowNotifyList{}
		}
		x.QosFlowNotifyList.List = append(x.QosFlowNotifyList.List, ie.QosFlowNotifyItem{
			QosFlowIdentifier: &ie.QosFlowIdentifier{Value: int64(qfi)},
			NotificationCause: &ie.NotificationCause{Value: aper.Enumerated(t.Notified[qfi])},
		})
	}
	for _, qfi := range sortedQFIs(t.Released) {
		if !encodableCause(t.Released[qfi]) {
			return nil, errors.New(nameNotifyTransfer + ": QoS flow released without a root Cause")
		}
		if x.QosFlowReleasedList == nil {
			x.QosFlowReleasedList = &ie.QosFlowListWithCause{}
		}
		x.QosFlowReleasedList.List = append(x.QosFlowReleasedList.List, ie.QosFlowWithCauseItem{
			QosFlowIdentifier: &ie.QosFlowIdentifier{Value: int64(qfi)},
			Cause:             t.Released[qfi],
		})
	}
	if x.QosFlowNotifyList == nil && x.QosFlowReleasedList == nil {
		return nil, errors.New(nameNotifyTransfer + ": no QoS flow")
	}
	b, err := ie.MarshalBinary(&x)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", nameNotifyTransfer, err)
	}
	return b, nil
}

func sortedQFIs[V any](m map[uint8]V) []uint8 {
	out := make([]uint8, 0, len(m))
	for q := range 64 {
		if _, ok := m[uint8(q)]; ok {
			out = append(out, uint8(q))
		}
	}
	return out
}

// NotifyReleasedTransfer encodes a PDU Session Resource Notify Released
// Transfer (TS 38.413 §9.3.4.13).
func NotifyReleasedTransfer(cause *ie.Cause) ([]byte, error) {
	if !encodableCause(cause) {
		return nil, errors.New("ngap: PDU Session Resource Notify Released Transfer: missing or unknown Cause")
	}
	return ie.MarshalBinary(&ie.PDUSessionResourceNotifyReleasedTransfer{Cause: cause})
}

// ModifyIndicationTransfer encodes a PDU Session Resource Modify
// Indication Transfer (TS 38.413 §9.3.4.9): the downlink tunnel the gNB
// asks for and the QoS flows it carries.
func ModifyIndicationTransfer(dl Tunnel, qfis []uint8) ([]byte, error) {
	const name = "ngap: PDU Session Resource Modify Indication Transfer"
	tl, err := dl.IE()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(qfis) == 0 || len(qfis) > 64 {
		return nil, fmt.Errorf("%s: %d QoS flows, want 1 to 64", name, len(qfis))
	}
	flows := &ie.AssociatedQosFlowList{}
	for _, q := range qfis {
		flows.List = append(flows.List, ie.AssociatedQosFlowItem{QosFlowIdentifier: &ie.QosFlowIdentifier{Value: int64(q)}})
	}
	return ie.MarshalBinary(&ie.PDUSessionResourceModifyIndicationTransfer{
		DLQosFlowPerTNLInformation: &ie.QosFlowPerTNLInformation{UPTransportLayerInformation: tl, AssociatedQosFlowList: flows},
	})
}

// PDUSessionResourceNotify builds the gNB's notification (TS 38.413
// §9.2.1.7): Failed results go to the Released List.
func PDUSessionResourceNotify(amfUE, ranUE int64, results []SessionResult) (*message.PDUSessionResourceNotify, error) {
	m := &message.PDUSessionResourceNotify{
		AMFUENGAPID: &ie.AMFUENGAPID{Value: amfUE},
		RANUENGAPID: &ie.RANUENGAPID{Value: ranUE},
	}
	err := checkSessions(len(results), func(i int) uint8 { return results[i].PDUSessionID }, func(i int) []byte { return results[i].Transfer })
	if err != nil {
		return nil, fmt.Errorf("ngap: PDUSessionResourceNotify: %w", err)
	}
	for _, r := range results {
		tr := aper.OctetString(r.Transfer)
		id := &ie.PDUSessionID{Value: int64(r.PDUSessionID)}
		if r.Failed {
			if m.PDUSessionResourceReleasedListNot == nil {
				m.PDUSessionResourceReleasedListNot = &ie.PDUSessionResourceReleasedListNot{}
			}
			m.PDUSessionResourceReleasedListNot.List = append(m.PDUSessionResourceReleasedListNot.List,
				ie.PDUSessionResourceReleasedItemNot{PDUSessionID: id, PDUSessionResourceNotifyReleasedTransfer: &tr})
			continue
		}
		if m.PDUSessionResourceNotifyList == nil {
			m.PDUSessionResourceNotifyList = &ie.PDUSessionResourceNotifyList{}
		}
		m.PDUSessionResourceNotifyList.List = append(m.PDUSessionResourceNotifyList.List,
			ie.PDUSessionResourceNotifyItem{PDUSessionID: id, PDUSessionResourceNotifyTransfer: &tr})
	}
	return m, nil
}

// PDUSessionResourceModifyIndication builds the gNB's indication (TS
// 38.413 §9.2.1.8), each session with its Modify Indication Transfer.
func PDUSessionResourceModifyIndication(amfUE, ranUE int64, items []SessionResult) (*message.PDUSessionResourceModifyIndication, error) {
	err := checkSessions(len(items), func(i int) uint8 { return items[i].PDUSessionID }, func(i int) []byte { return items[i].Transfer })
	if err != nil {
		return nil, fmt.Errorf("ngap: PDUSessionResourceModifyIndication: %w", err)
	}
	list := &ie.PDUSessionResourceModifyListModInd{}
	for _, it := range items {
		tr := aper.OctetString(it.Transfer)
		list.List = append(list.List, ie.PDUSessionResourceModifyItemModInd{
			PDUSessionID: &ie.PDUSessionID{Value: int64(it.PDUSessionID)}, PDUSessionResourceModifyIndicationTransfer: &tr})
	}
	return &message.PDUSessionResourceModifyIndication{
		AMFUENGAPID:                        &ie.AMFUENGAPID{Value: amfUE},
		RANUENGAPID:                        &ie.RANUENGAPID{Value: ranUE},
		PDUSessionResourceModifyListModInd: list,
	}, nil
}
