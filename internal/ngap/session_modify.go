package ngap

import (
	"errors"
	"fmt"

	"github.com/free5gc/ngap/aper"
	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
)

// PDU Session Resource Modify (TS 38.413 §8.2.3): the AMF has the gNB
// change the QoS of established sessions, each with the SMF's Modify
// Request Transfer and, usually, the PDU SESSION MODIFICATION COMMAND
// for the UE.

// PDUSessionResourceModifyRequest builds the request (TS 38.413
// §9.2.1.5): AMF UE NGAP ID, RAN UE NGAP ID and the PDU Session Resource
// Modify Request List, each item with its Modify Request Transfer and,
// when set, its NAS-PDU. SNSSAI of the items is ignored. The message
// refers to the items' bytes without copying them.
func PDUSessionResourceModifyRequest(amfUE, ranUE int64, items []SessionItem) (*message.PDUSessionResourceModifyRequest, error) {
	err := checkSessions(len(items), func(i int) uint8 { return items[i].PDUSessionID }, func(i int) []byte { return items[i].Transfer })
	if err != nil {
		return nil, fmt.Errorf("ngap: PDUSessionResourceModifyRequest: %w", err)
	}
	list := &ie.PDUSessionResourceModifyListModReq{List: make([]ie.PDUSessionResourceModifyItemModReq, 0, len(items))}
	for _, it := range items {
		tr := aper.OctetString(it.Transfer)
		item := ie.PDUSessionResourceModifyItemModReq{
			PDUSessionID:                            &ie.PDUSessionID{Value: int64(it.PDUSessionID)},
			PDUSessionResourceModifyRequestTransfer: &tr,
		}
		if len(it.NASPDU) > 0 {
			item.NASPDU = &ie.NASPDU{Value: it.NASPDU}
		}
		list.List = append(list.List, item)
	}
	return &message.PDUSessionResourceModifyRequest{
		AMFUENGAPID:                        &ie.AMFUENGAPID{Value: amfUE},
		RANUENGAPID:                        &ie.RANUENGAPID{Value: ranUE},
		PDUSessionResourceModifyListModReq: list,
	}, nil
}

// DecodePDUSessionResourceModifyRequest reads a PDU Session Resource
// Modify Request as the gNB does. NASPDU and Transfer refer to the
// message's bytes.
func DecodePDUSessionResourceModifyRequest(m *message.PDUSessionResourceModifyRequest) (amfUE, ranUE int64, items []SessionItem, err error) {
	const name = "ngap: PDUSessionResourceModifyRequest"
	if m == nil || m.AMFUENGAPID == nil || m.RANUENGAPID == nil {
		return 0, 0, nil, errors.New(name + ": missing UE NGAP IDs")
	}
	if m.PDUSessionResourceModifyListModReq == nil || len(m.PDUSessionResourceModifyListModReq.List) == 0 {
		return 0, 0, nil, errors.New(name + ": missing PDU Session Resource Modify Request List")
	}
	for _, x := range m.PDUSessionResourceModifyListModReq.List {
		r, err := sessionResult(x.PDUSessionID, x.PDUSessionResourceModifyRequestTransfer, false)
		if err != nil {
			return 0, 0, nil, fmt.Errorf("%s: %w", name, err)
		}
		it := SessionItem{PDUSessionID: r.PDUSessionID, Transfer: r.Transfer}
		if x.NASPDU != nil {
			it.NASPDU = x.NASPDU.Value
		}
		items = append(items, it)
	}
	return m.AMFUENGAPID.Value, m.RANUENGAPID.Value, items, nil
}

// PDUSessionResourceModifyResponse builds the gNB's answer (TS 38.413
// §9.2.1.6): the sessions modified go to the PDU Session Resource Modify
// List with their Modify Response Transfer, the Failed ones to the
// Failed to Modify List with their Modify Unsuccessful Transfer.
func PDUSessionResourceModifyResponse(amfUE, ranUE int64, results []SessionResult) (*message.PDUSessionResourceModifyResponse, error) {
	m := &message.PDUSessionResourceModifyResponse{
		AMFUENGAPID: &ie.AMFUENGAPID{Value: amfUE},
		RANUENGAPID: &ie.RANUENGAPID{Value: ranUE},
	}
	if len(results) == 0 {
		return m, nil
	}
	if err := checkResults(results); err != nil {
		return nil, fmt.Errorf("ngap: PDUSessionResourceModifyResponse: %w", err)
	}
	for _, r := range results {
		tr := aper.OctetString(r.Transfer)
		id := &ie.PDUSessionID{Value: int64(r.PDUSessionID)}
		if r.Failed {
			if m.PDUSessionResourceFailedToModifyListModRes == nil {
				m.PDUSessionResourceFailedToModifyListModRes = &ie.PDUSessionResourceFailedToModifyListModRes{}
			}
			m.PDUSessionResourceFailedToModifyListModRes.List = append(m.PDUSessionResourceFailedToModifyListModRes.List,
				ie.PDUSessionResourceFailedToModifyItemModRes{PDUSessionID: id, PDUSessionResourceModifyUnsuccessfulTransfer: &tr})
			continue
		}
		if m.PDUSessionResourceModifyListModRes == nil {
			m.PDUSessionResourceModifyListModRes = &ie.PDUSessionResourceModifyListModRes{}
		}
		m.PDUSessionResourceModifyListModRes.List = append(m.PDUSessionResourceModifyListModRes.List,
			ie.PDUSessionResourceModifyItemModRes{PDUSessionID: id, PDUSessionResourceModifyResponseTransfer: &tr})
	}
	return m, nil
}

// DecodePDUSessionResourceModifyResponse reads the results of a PDU
// Session Resource Modify Response, those modified first. The UE NGAP
// IDs are read by UEIDs. Transfers refer to the message's bytes.
func DecodePDUSessionResourceModifyResponse(m *message.PDUSessionResourceModifyResponse) ([]SessionResult, error) {
	const name = "ngap: PDUSessionResourceModifyResponse"
	if m == nil || m.AMFUENGAPID == nil || m.RANUENGAPID == nil {
		return nil, errors.New(name + ": missing UE NGAP IDs")
	}
	var out []SessionResult
	if l := m.PDUSessionResourceModifyListModRes; l != nil {
		for _, x := range l.List {
			r, err := sessionResult(x.PDUSessionID, x.PDUSessionResourceModifyResponseTransfer, false)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			out = append(out, r)
		}
	}
	if l := m.PDUSessionResourceFailedToModifyListModRes; l != nil {
		for _, x := range l.List {
			r, err := sessionResult(x.PDUSessionID, x.PDUSessionResourceModifyUnsuccessfulTransfer, true)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// ModifyRequestTransfer is the PDU Session Resource Modify Request
// Transfer (TS 38.413 §9.3.4.3): a new session AMBR, QoS flows to add or
// modify, and QoS flows to release with their cause. Every IE is
// optional; an empty transfer is refused.
type ModifyRequestTransfer struct {
	HasAMBR                  bool
	AMBRUplink, AMBRDownlink uint64 // bit/s
	Flows                    []QoSFlow
	Release                  map[uint8]*ie.Cause
}

const nameModifyRequestTransfer = "ngap: PDU Session Resource Modify Request Transfer"

// Encode returns the transfer's APER encoding.
func (t ModifyRequestTransfer) Encode() ([]byte, error) {
	fail := func(format string, args ...any) ([]byte, error) {
		return nil, fmt.Errorf(nameModifyRequestTransfer+": "+format, args...)
	}
	if !t.HasAMBR && len(t.Flows) == 0 && len(t.Release) == 0 {
		return fail("nothing to modify")
	}
	if len(t.Flows) > MaxQoSFlows || len(t.Release) > MaxQoSFlows {
		return fail("%d QoS flows to add and %d to release, want at most %d", len(t.Flows), len(t.Release), MaxQoSFlows)
	}
	var ies []ie.PDUSessionResourceModifyRequestTransferIEs
	if t.HasAMBR {
		if t.AMBRUplink > maxBitRate || t.AMBRDownlink > maxBitRate {
			return fail("session AMBR %d/%d bit/s exceeds %d", t.AMBRUplink, t.AMBRDownlink, uint64(maxBitRate))
		}
		ies = append(ies, ie.PDUSessionResourceModifyRequestTransferIEs{PDUSessionAggregateMaximumBitRate: &ie.PDUSessionAggregateMaximumBitRate{
			PDUSessionAggregateMaximumBitRateDL: &ie.BitRate{Value: int64(t.AMBRDownlink)},
			PDUSessionAggregateMaximumBitRateUL: &ie.BitRate{Value: int64(t.AMBRUplink)},
		}})
	}
	if len(t.Flows) > 0 {
		flows := &ie.QosFlowAddOrModifyRequestList{List: make([]ie.QosFlowAddOrModifyRequestItem, 0, len(t.Flows))}
		for _, f := range t.Flows {
			p, err := f.parameters()
			if err != nil {
				return fail("%v", err)
			}
			flows.List = append(flows.List, ie.QosFlowAddOrModifyRequestItem{
				QosFlowIdentifier:         &ie.QosFlowIdentifier{Value: int64(f.QFI)},
				QosFlowLevelQosParameters: p,
			})
		}
		ies = append(ies, ie.PDUSessionResourceModifyRequestTransferIEs{QosFlowAddOrModifyRequestList: flows})
	}
	if len(t.Release) > 0 {
		rel, err := flowsWithCause(t.Release)
		if err != nil {
			return fail("QoS flow to release: %v", err)
		}
		ies = append(ies, ie.PDUSessionResourceModifyRequestTransferIEs{QosFlowToReleaseList: rel})
	}
	b, err := ie.MarshalBinary(&ie.PDUSessionResourceModifyRequestTransfer{
		ProtocolIEs: &ie.ProtocolIEContainerPDUSessionResourceModifyRequestTransferIEs{List: ies}})
	if err != nil {
		return fail("%v", err)
	}
	return b, nil
}

// parameters encodes the QoS Flow Level QoS Parameters (TS 38.413
// §9.3.1.12) of a flow: a non-dynamic 5QI, the ARP (§9.3.1.19) and, for
// a GBR flow, the GBR QoS Flow Information (§9.3.1.17).
func (f QoSFlow) parameters() (*ie.QosFlowLevelQosParameters, error) {
	if f.QFI > maxQFI || f.ARPPriority < 1 || f.ARPPriority > maxARPPriority {
		return nil, fmt.Errorf("QoS flow %d: QFI over %d or ARP priority %d not 1 to %d", f.QFI, maxQFI, f.ARPPriority, maxARPPriority)
	}
	capability, vulnerability := ieNotPreEmpting, ieNotPreEmpted
	if f.MayPreempt {
		capability = ie.PreEmptionCapabilityPresentMayTriggerPreEmption
	}
	if f.Preemptable {
		vulnerability = ie.PreEmptionVulnerabilityPresentPreEmptable
	}
	p := &ie.QosFlowLevelQosParameters{
		QosCharacteristics: &ie.QosCharacteristics{Choice: &ie.NonDynamic5QIDescriptor{FiveQI: &ie.FiveQI{Value: int64(f.FiveQI)}}},
		AllocationAndRetentionPriority: &ie.AllocationAndRetentionPriority{
			PriorityLevelARP:        &ie.PriorityLevelARP{Value: int64(f.ARPPriority)},
			PreEmptionCapability:    &ie.PreEmptionCapability{Value: capability},
			PreEmptionVulnerability: &ie.PreEmptionVulnerability{Value: vulnerability},
		},
	}
	if g := f.GBR; g != nil {
		for _, r := range []uint64{g.MFBRUplink, g.MFBRDownlink, g.GFBRUplink, g.GFBRDownlink} {
			if r > maxBitRate {
				return nil, fmt.Errorf("QoS flow %d: flow bit rate %d exceeds %d", f.QFI, r, uint64(maxBitRate))
			}
		}
		p.GBRQosInformation = &ie.GBRQosInformation{
			MaximumFlowBitRateDL:    &ie.BitRate{Value: int64(g.MFBRDownlink)},
			MaximumFlowBitRateUL:    &ie.BitRate{Value: int64(g.MFBRUplink)},
			GuaranteedFlowBitRateDL: &ie.BitRate{Value: int64(g.GFBRDownlink)},
			GuaranteedFlowBitRateUL: &ie.BitRate{Value: int64(g.GFBRUplink)},
		}
	}
	return p, nil
}

// flowsWithCause encodes a QoS Flow List with Cause (TS 38.413 §9.3.1.13)
// in QFI order; each cause must be a root value of its group.
func flowsWithCause(m map[uint8]*ie.Cause) (*ie.QosFlowListWithCause, error) {
	l := &ie.QosFlowListWithCause{}
	for _, qfi := range sortedQFIs(m) {
		if !encodableCause(m[qfi]) {
			return nil, fmt.Errorf("QoS flow %d without a root Cause", qfi)
		}
		l.List = append(l.List, ie.QosFlowWithCauseItem{QosFlowIdentifier: &ie.QosFlowIdentifier{Value: int64(qfi)}, Cause: m[qfi]})
	}
	if len(l.List) != len(m) {
		return nil, fmt.Errorf("QFI over %d", maxQFI)
	}
	return l, nil
}

// decodeFlowsWithCause reads a QoS Flow List with Cause.
func decodeFlowsWithCause(l *ie.QosFlowListWithCause) (map[uint8]*ie.Cause, error) {
	out := map[uint8]*ie.Cause{}
	for _, it := range l.List {
		if it.QosFlowIdentifier == nil || !validCause(it.Cause) || it.QosFlowIdentifier.Value < 0 || it.QosFlowIdentifier.Value > maxQFI {
			return nil, errors.New("QoS flow with cause item incomplete")
		}
		out[uint8(it.QosFlowIdentifier.Value)] = it.Cause
	}
	return out, nil
}

// DecodeModifyRequestTransfer is the inverse of ModifyRequestTransfer.Encode,
// for the gNB. A repeated IE or a flow without identifier or QoS
// parameters is an error; the IEs Keel does not use are ignored.
func DecodeModifyRequestTransfer(b []byte) (ModifyRequestTransfer, error) {
	var t ModifyRequestTransfer
	fail := func(format string, args ...any) (ModifyRequestTransfer, error) {
		return ModifyRequestTransfer{}, fmt.Errorf(nameModifyRequestTransfer+": "+format, args...)
	}
	var x ie.PDUSessionResourceModifyRequestTransfer
	if err := ie.UnmarshalBinary(b, &x); err != nil {
		return fail("%v", err)
	}
	if x.ProtocolIEs == nil {
		return fail("no protocol IEs")
	}
	var seenAMBR, seenFlows, seenRelease bool
	for _, f := range x.ProtocolIEs.List {
		switch {
		case f.PDUSessionAggregateMaximumBitRate != nil:
			if seenAMBR {
				return fail("repeated PDU Session Aggregate Maximum Bit Rate")
			}
			seenAMBR = true
			a := f.PDUSessionAggregateMaximumBitRate
			if a.PDUSessionAggregateMaximumBitRateDL == nil || a.PDUSessionAggregateMaximumBitRateUL == nil ||
				a.PDUSessionAggregateMaximumBitRateDL.Value < 0 || a.PDUSessionAggregateMaximumBitRateUL.Value < 0 {
				return fail("PDU Session Aggregate Maximum Bit Rate incomplete")
			}
			t.HasAMBR = true
			t.AMBRDownlink, t.AMBRUplink = uint64(a.PDUSessionAggregateMaximumBitRateDL.Value), uint64(a.PDUSessionAggregateMaximumBitRateUL.Value)
		case f.QosFlowAddOrModifyRequestList != nil:
			if seenFlows {
				return fail("repeated QoS Flow Add or Modify Request List")
			}
			seenFlows = true
			for _, it := range f.QosFlowAddOrModifyRequestList.List {
				q, err := decodeQoSFlow(ie.QosFlowSetupRequestItem{QosFlowIdentifier: it.QosFlowIdentifier, QosFlowLevelQosParameters: it.QosFlowLevelQosParameters})
				if err != nil {
					return fail("%v", err)
				}
				t.Flows = append(t.Flows, q)
			}
		case f.QosFlowToReleaseList != nil:
			if seenRelease {
				return fail("repeated QoS Flow to Release List")
			}
			seenRelease = true
			rel, err := decodeFlowsWithCause(f.QosFlowToReleaseList)
			if err != nil {
				return fail("QoS Flow to Release List: %v", err)
			}
			t.Release = rel
		}
	}
	if !t.HasAMBR && len(t.Flows) == 0 && len(t.Release) == 0 {
		return fail("nothing to modify")
	}
	return t, nil
}

// ModifyResponseTransfer is the PDU Session Resource Modify Response
// Transfer (TS 38.413 §9.3.4.4): the QoS flows the gNB added or modified
// and those it could not, each with its cause (TS 23.502 §4.3.3.2 step
// 5: the SMF removes the flows the gNB did not admit).
type ModifyResponseTransfer struct {
	Admitted []uint8
	Failed   map[uint8]*ie.Cause
}

const nameModifyResponseTransfer = "ngap: PDU Session Resource Modify Response Transfer"

// Encode returns the transfer's APER encoding.
func (t ModifyResponseTransfer) Encode() ([]byte, error) {
	var x ie.PDUSessionResourceModifyResponseTransfer
	if len(t.Admitted) > MaxQoSFlows || len(t.Failed) > MaxQoSFlows {
		return nil, fmt.Errorf("%s: more than %d QoS flows", nameModifyResponseTransfer, MaxQoSFlows)
	}
	if len(t.Admitted) > 0 {
		x.QosFlowAddOrModifyResponseList = &ie.QosFlowAddOrModifyResponseList{}
		for _, q := range t.Admitted {
			if q > maxQFI {
				return nil, fmt.Errorf("%s: QFI %d over %d", nameModifyResponseTransfer, q, maxQFI)
			}
			x.QosFlowAddOrModifyResponseList.List = append(x.QosFlowAddOrModifyResponseList.List,
				ie.QosFlowAddOrModifyResponseItem{QosFlowIdentifier: &ie.QosFlowIdentifier{Value: int64(q)}})
		}
	}
	if len(t.Failed) > 0 {
		l, err := flowsWithCause(t.Failed)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", nameModifyResponseTransfer, err)
		}
		x.QosFlowFailedToAddOrModifyList = l
	}
	b, err := ie.MarshalBinary(&x)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", nameModifyResponseTransfer, err)
	}
	return b, nil
}

// DecodeModifyResponseTransfer reads a Modify Response Transfer. Every
// IE is optional (an answer to a change of the session AMBR alone
// carries none); the tunnels are ignored: Keel does not move them here.
func DecodeModifyResponseTransfer(b []byte) (ModifyResponseTransfer, error) {
	var x ie.PDUSessionResourceModifyResponseTransfer
	if err := ie.UnmarshalBinary(b, &x); err != nil {
		return ModifyResponseTransfer{}, fmt.Errorf("%s: %w", nameModifyResponseTransfer, err)
	}
	var t ModifyResponseTransfer
	if l := x.QosFlowAddOrModifyResponseList; l != nil {
		for _, it := range l.List {
			if it.QosFlowIdentifier == nil || it.QosFlowIdentifier.Value < 0 || it.QosFlowIdentifier.Value > maxQFI {
				return ModifyResponseTransfer{}, errors.New(nameModifyResponseTransfer + ": QoS flow add or modify response item incomplete")
			}
			t.Admitted = append(t.Admitted, uint8(it.QosFlowIdentifier.Value))
		}
	}
	if l := x.QosFlowFailedToAddOrModifyList; l != nil {
		f, err := decodeFlowsWithCause(l)
		if err != nil {
			return ModifyResponseTransfer{}, fmt.Errorf("%s: QoS Flow Failed to Add or Modify List: %w", nameModifyResponseTransfer, err)
		}
		t.Failed = f
	}
	return t, nil
}

// ModifyUnsuccessfulTransfer encodes a PDU Session Resource Modify
// Unsuccessful Transfer (TS 38.413 §9.3.4): why the gNB did not modify
// the session. The cause must be a root value of its group.
func ModifyUnsuccessfulTransfer(cause *ie.Cause) ([]byte, error) {
	const name = "ngap: PDU Session Resource Modify Unsuccessful Transfer"
	if !encodableCause(cause) {
		return nil, errors.New(name + ": missing or unknown Cause")
	}
	b, err := ie.MarshalBinary(&ie.PDUSessionResourceModifyUnsuccessfulTransfer{Cause: cause})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return b, nil
}

// DecodeModifyUnsuccessfulTransfer reads a Modify Unsuccessful Transfer.
func DecodeModifyUnsuccessfulTransfer(b []byte) (*ie.Cause, error) {
	const name = "ngap: PDU Session Resource Modify Unsuccessful Transfer"
	var x ie.PDUSessionResourceModifyUnsuccessfulTransfer
	if err := ie.UnmarshalBinary(b, &x); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if !validCause(x.Cause) {
		return nil, errors.New(name + ": missing or unknown Cause")
	}
	return x.Cause, nil
}
