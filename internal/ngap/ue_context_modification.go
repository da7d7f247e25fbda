package ngap

import (
	"errors"
	"fmt"

	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
)

// UE Context Modification (TS 38.413 §8.3.4): the AMF changes the UE
// context the gNB holds. Keel sends it with a new UE-AMBR when the
// subscribed UE-AMBR changes (TS 23.501 §5.7.2.6: the AMF provides the
// UE-AMBR to the RAN).

// UEContextModificationRequest builds the request (TS 38.413 §9.2.2.7)
// with the UE Aggregate Maximum Bit Rate (§9.3.1.58) in bit/s.
func UEContextModificationRequest(amfUE, ranUE int64, ambrDownlink, ambrUplink uint64) (*message.UEContextModificationRequest, error) {
	a, err := UEAMBR(ambrDownlink, ambrUplink)
	if err != nil {
		return nil, fmt.Errorf("ngap: UEContextModificationRequest: %w", err)
	}
	return &message.UEContextModificationRequest{
		AMFUENGAPID:               &ie.AMFUENGAPID{Value: amfUE},
		RANUENGAPID:               &ie.RANUENGAPID{Value: ranUE},
		UEAggregateMaximumBitRate: a,
	}, nil
}

// DecodeUEContextModificationRequest reads what the gNB needs of a UE
// Context Modification Request: the UE-AMBR, when present (hasAMBR).
// The UE NGAP IDs are read by UEIDs.
func DecodeUEContextModificationRequest(m *message.UEContextModificationRequest) (ambrDownlink, ambrUplink uint64, hasAMBR bool, err error) {
	const name = "ngap: UEContextModificationRequest"
	if m == nil || m.AMFUENGAPID == nil || m.RANUENGAPID == nil {
		return 0, 0, false, errors.New(name + ": missing UE NGAP IDs")
	}
	a := m.UEAggregateMaximumBitRate
	if a == nil {
		return 0, 0, false, nil
	}
	if a.UEAggregateMaximumBitRateDL == nil || a.UEAggregateMaximumBitRateUL == nil ||
		a.UEAggregateMaximumBitRateDL.Value < 0 || a.UEAggregateMaximumBitRateUL.Value < 0 {
		return 0, 0, false, errors.New(name + ": UE Aggregate Maximum Bit Rate incomplete")
	}
	return uint64(a.UEAggregateMaximumBitRateDL.Value), uint64(a.UEAggregateMaximumBitRateUL.Value), true, nil
}

// UEContextModificationResponse builds the gNB's success answer (TS
// 38.413 §9.2.2.8).
func UEContextModificationResponse(amfUE, ranUE int64) *message.UEContextModificationResponse {
	return &message.UEContextModificationResponse{
		AMFUENGAPID: &ie.AMFUENGAPID{Value: amfUE},
		RANUENGAPID: &ie.RANUENGAPID{Value: ranUE},
	}
}

// UEContextModificationFailure builds the gNB's failure answer (TS
// 38.413 §9.2.2.9) with its cause.
func UEContextModificationFailure(amfUE, ranUE int64, cause *ie.Cause) (*message.UEContextModificationFailure, error) {
	if !encodableCause(cause) {
		return nil, errors.New("ngap: UEContextModificationFailure: missing or unknown Cause")
	}
	return &message.UEContextModificationFailure{
		AMFUENGAPID: &ie.AMFUENGAPID{Value: amfUE},
		RANUENGAPID: &ie.RANUENGAPID{Value: ranUE},
		Cause:       cause,
	}, nil
}

// DecodeUEContextModificationFailure returns the cause of a UE Context
// Modification Failure; a missing cause is an error (§9.2.2.9: M).
func DecodeUEContextModificationFailure(m *message.UEContextModificationFailure) (*ie.Cause, error) {
	const name = "ngap: UEContextModificationFailure"
	if m == nil || m.AMFUENGAPID == nil || m.RANUENGAPID == nil {
		return nil, errors.New(name + ": missing UE NGAP IDs")
	}
	if !validCause(m.Cause) {
		return nil, errors.New(name + ": missing or unknown Cause")
	}
	return m.Cause, nil
}
