package ngap

import (
	"errors"
	"fmt"

	"github.com/free5gc/ngap/ie"
)

// The SMF's containers of N2 handover (TS 38.413 §9.3.4.9–9.3.4.11,
// §9.3.4.18, §9.3.4.19): the gNBs encode the Handover Required Transfer,
// the Handover Request Acknowledge Transfer and the Handover Resource
// Allocation Unsuccessful Transfer; the SMF the Handover Command Transfer
// and the Handover Preparation Unsuccessful Transfer. The target's
// Handover Request Transfer is a PDU Session Resource Setup Request
// Transfer (SetupRequestTransfer).

// HandoverRequiredTransfer is the source gNB's Handover Required
// Transfer (§9.3.4.9): whether a direct forwarding path to the target
// is available for the session.
type HandoverRequiredTransfer struct {
	DirectForwarding bool
}

const nameHandoverRequiredTransfer = "ngap: Handover Required Transfer"

// Encode returns the transfer's APER encoding.
func (t HandoverRequiredTransfer) Encode() ([]byte, error) {
	var x ie.HandoverRequiredTransfer
	if t.DirectForwarding {
		x.DirectForwardingPathAvailability = &ie.DirectForwardingPathAvailability{Value: ie.DirectForwardingPathAvailabilityPresentDirectPathAvailable}
	}
	b, err := ie.MarshalBinary(&x)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", nameHandoverRequiredTransfer, err)
	}
	return b, nil
}

// DecodeHandoverRequiredTransfer is the inverse of HandoverRequiredTransfer.Encode.
func DecodeHandoverRequiredTransfer(b []byte) (HandoverRequiredTransfer, error) {
	var x ie.HandoverRequiredTransfer
	if err := ie.UnmarshalBinary(b, &x); err != nil {
		return HandoverRequiredTransfer{}, fmt.Errorf("%s: %w", nameHandoverRequiredTransfer, err)
	}
	return HandoverRequiredTransfer{DirectForwarding: x.DirectForwardingPathAvailability != nil}, nil
}

// HandoverFlow is one QoS flow the target set up (§9.3.1.115 QoS Flow
// List with Data Forwarding): its QFI and whether the target accepts
// data forwarded for it.
type HandoverFlow struct {
	QFI                uint8
	ForwardingAccepted bool
}

// HandoverRequestAcknowledgeTransfer is the target gNB's Handover
// Request Acknowledge Transfer (§9.3.4.11): its N3 tunnel for the
// session's downlink, the flows it set up, and the tunnel where it
// takes forwarded downlink data, if any (Forwarding; nil for none).
type HandoverRequestAcknowledgeTransfer struct {
	DL         Tunnel
	Forwarding *Tunnel
	Flows      []HandoverFlow // 1 to MaxQoSFlows
}

const nameHandoverRequestAcknowledgeTransfer = "ngap: Handover Request Acknowledge Transfer"

// Encode returns the transfer's APER encoding.
func (t HandoverRequestAcknowledgeTransfer) Encode() ([]byte, error) {
	const name = nameHandoverRequestAcknowledgeTransfer
	if len(t.Flows) == 0 || len(t.Flows) > MaxQoSFlows {
		return nil, fmt.Errorf("%s: %d QoS flows, want 1 to %d", name, len(t.Flows), MaxQoSFlows)
	}
	dl, err := t.DL.IE()
	if err != nil {
		return nil, fmt.Errorf("%s: DL NG-U UP TNL Information: %w", name, err)
	}
	x := ie.HandoverRequestAcknowledgeTransfer{DLNGUUPTNLInformation: dl, QosFlowSetupResponseList: &ie.QosFlowListWithDataForwarding{}}
	if t.Forwarding != nil {
		if x.DLForwardingUPTNLInformation, err = t.Forwarding.IE(); err != nil {
			return nil, fmt.Errorf("%s: DL Forwarding UP TNL Information: %w", name, err)
		}
	}
	for _, f := range t.Flows {
		if f.QFI > maxQFI {
			return nil, fmt.Errorf("%s: QFI %d over %d", name, f.QFI, maxQFI)
		}
		item := ie.QosFlowItemWithDataForwarding{QosFlowIdentifier: &ie.QosFlowIdentifier{Value: int64(f.QFI)}}
		if f.ForwardingAccepted {
			item.DataForwardingAccepted = &ie.DataForwardingAccepted{Value: ie.DataForwardingAcceptedPresentDataForwardingAccepted}
		}
		x.QosFlowSetupResponseList.List = append(x.QosFlowSetupResponseList.List, item)
	}
	b, err := ie.MarshalBinary(&x)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return b, nil
}

// DecodeHandoverRequestAcknowledgeTransfer is the inverse of
// HandoverRequestAcknowledgeTransfer.Encode. The security result, failed
// flows and DRB forwarding are ignored.
func DecodeHandoverRequestAcknowledgeTransfer(b []byte) (HandoverRequestAcknowledgeTransfer, error) {
	const name = nameHandoverRequestAcknowledgeTransfer
	var x ie.HandoverRequestAcknowledgeTransfer
	if err := ie.UnmarshalBinary(b, &x); err != nil {
		return HandoverRequestAcknowledgeTransfer{}, fmt.Errorf("%s: %w", name, err)
	}
	if x.QosFlowSetupResponseList == nil || len(x.QosFlowSetupResponseList.List) == 0 {
		return HandoverRequestAcknowledgeTransfer{}, errors.New(name + ": missing QoS Flow Setup Response List")
	}
	dl, err := DecodeTunnel(x.DLNGUUPTNLInformation)
	if err != nil {
		return HandoverRequestAcknowledgeTransfer{}, fmt.Errorf("%s: DL NG-U UP TNL Information: %w", name, err)
	}
	t := HandoverRequestAcknowledgeTransfer{DL: dl}
	if x.DLForwardingUPTNLInformation != nil {
		fw, err := DecodeTunnel(x.DLForwardingUPTNLInformation)
		if err != nil {
			return HandoverRequestAcknowledgeTransfer{}, fmt.Errorf("%s: DL Forwarding UP TNL Information: %w", name, err)
		}
		t.Forwarding = &fw
	}
	for _, f := range x.QosFlowSetupResponseList.List {
		if f.QosFlowIdentifier == nil || f.QosFlowIdentifier.Value < 0 || f.QosFlowIdentifier.Value > maxQFI {
			return HandoverRequestAcknowledgeTransfer{}, fmt.Errorf("%s: QoS flow without a QFI of 0 to %d", name, maxQFI)
		}
		t.Flows = append(t.Flows, HandoverFlow{QFI: uint8(f.QosFlowIdentifier.Value), ForwardingAccepted: f.DataForwardingAccepted != nil})
	}
	return t, nil
}

// HandoverCommandTransfer is the SMF's Handover Command Transfer
// (§9.3.4.10) for the source gNB: where to forward downlink data, and
// for which flows; empty when no data is forwarded.
type HandoverCommandTransfer struct {
	Forwarding *Tunnel
	QFIs       []uint8 // QoS flows to be forwarded, 0 to MaxQoSFlows
}

const nameHandoverCommandTransfer = "ngap: Handover Command Transfer"

// Encode returns the transfer's APER encoding.
func (t HandoverCommandTransfer) Encode() ([]byte, error) {
	const name = nameHandoverCommandTransfer
	var x ie.HandoverCommandTransfer
	if t.Forwarding != nil {
		fw, err := t.Forwarding.IE()
		if err != nil {
			return nil, fmt.Errorf("%s: DL Forwarding UP TNL Information: %w", name, err)
		}
		x.DLForwardingUPTNLInformation = fw
	}
	if len(t.QFIs) > MaxQoSFlows {
		return nil, fmt.Errorf("%s: %d QoS flows to be forwarded, over %d", name, len(t.QFIs), MaxQoSFlows)
	}
	if len(t.QFIs) > 0 {
		x.QosFlowToBeForwardedList = &ie.QosFlowToBeForwardedList{}
		for _, q := range t.QFIs {
			if q > maxQFI {
				return nil, fmt.Errorf("%s: QFI %d over %d", name, q, maxQFI)
			}
			x.QosFlowToBeForwardedList.List = append(x.QosFlowToBeForwardedList.List, ie.QosFlowToBeForwardedItem{QosFlowIdentifier: &ie.QosFlowIdentifier{Value: int64(q)}})
		}
	}
	b, err := ie.MarshalBinary(&x)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return b, nil
}

// DecodeHandoverCommandTransfer is the inverse of HandoverCommandTransfer.Encode.
func DecodeHandoverCommandTransfer(b []byte) (HandoverCommandTransfer, error) {
	const name = nameHandoverCommandTransfer
	var x ie.HandoverCommandTransfer
	if err := ie.UnmarshalBinary(b, &x); err != nil {
		return HandoverCommandTransfer{}, fmt.Errorf("%s: %w", name, err)
	}
	var t HandoverCommandTransfer
	if x.DLForwardingUPTNLInformation != nil {
		fw, err := DecodeTunnel(x.DLForwardingUPTNLInformation)
		if err != nil {
			return HandoverCommandTransfer{}, fmt.Errorf("%s: %w", name, err)
		}
		t.Forwarding = &fw
	}
	if l := x.QosFlowToBeForwardedList; l != nil {
		for _, f := range l.List {
			if f.QosFlowIdentifier == nil || f.QosFlowIdentifier.Value < 0 || f.QosFlowIdentifier.Value > maxQFI {
				return HandoverCommandTransfer{}, fmt.Errorf("%s: QoS flow without a QFI of 0 to %d", name, maxQFI)
			}
			t.QFIs = append(t.QFIs, uint8(f.QosFlowIdentifier.Value))
		}
	}
	return t, nil
}

// HandoverResourceAllocationUnsuccessfulTransfer encodes the target's
// reason for not admitting a session (§9.3.4.19).
func HandoverResourceAllocationUnsuccessfulTransfer(cause *ie.Cause) ([]byte, error) {
	const name = "ngap: Handover Resource Allocation Unsuccessful Transfer"
	if !encodableCause(cause) {
		return nil, errors.New(name + ": missing or unknown Cause")
	}
	b, err := ie.MarshalBinary(&ie.HandoverResourceAllocationUnsuccessfulTransfer{Cause: cause})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return b, nil
}

// DecodeHandoverResourceAllocationUnsuccessfulTransfer returns its cause.
func DecodeHandoverResourceAllocationUnsuccessfulTransfer(b []byte) (*ie.Cause, error) {
	const name = "ngap: Handover Resource Allocation Unsuccessful Transfer"
	var x ie.HandoverResourceAllocationUnsuccessfulTransfer
	if err := ie.UnmarshalBinary(b, &x); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if !validCause(x.Cause) {
		return nil, errors.New(name + ": missing or unknown Cause")
	}
	return x.Cause, nil
}

// HandoverPreparationUnsuccessfulTransfer encodes why a session is not
// handed over (§9.3.4.18), for the Handover Command's release list.
func HandoverPreparationUnsuccessfulTransfer(cause *ie.Cause) ([]byte, error) {
	const name = "ngap: Handover Preparation Unsuccessful Transfer"
	if !encodableCause(cause) {
		return nil, errors.New(name + ": missing or unknown Cause")
	}
	b, err := ie.MarshalBinary(&ie.HandoverPreparationUnsuccessfulTransfer{Cause: cause})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return b, nil
}

// DecodeHandoverPreparationUnsuccessfulTransfer returns its cause.
func DecodeHandoverPreparationUnsuccessfulTransfer(b []byte) (*ie.Cause, error) {
	const name = "ngap: Handover Preparation Unsuccessful Transfer"
	var x ie.HandoverPreparationUnsuccessfulTransfer
	if err := ie.UnmarshalBinary(b, &x); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if !validCause(x.Cause) {
		return nil, errors.New(name + ": missing or unknown Cause")
	}
	return x.Cause, nil
}
