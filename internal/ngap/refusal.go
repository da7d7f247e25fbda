package ngap

import (
	"errors"
	"fmt"

	"github.com/free5gc/ngap/aper"
	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
)

// The failure messages with which an AMF that does not run a procedure
// a gNB initiated refuses it for a UE it knows (TS 38.413 §8.4, §8.3). Each carries both UE NGAP IDs and a cause.

// HandoverPreparationFailure refuses a Handover Required (§8.4.1.3,
// §9.2.3.3).
func HandoverPreparationFailure(amfUE, ranUE int64, cause *ie.Cause) *message.HandoverPreparationFailure {
	return &message.HandoverPreparationFailure{
		AMFUENGAPID: &ie.AMFUENGAPID{Value: amfUE},
		RANUENGAPID: &ie.RANUENGAPID{Value: ranUE},
		Cause:       cause,
	}
}

// HandoverCancelAcknowledge answers a Handover Cancel (§8.4.5.2,
// §9.2.3.12).
func HandoverCancelAcknowledge(amfUE, ranUE int64) *message.HandoverCancelAcknowledge {
	return &message.HandoverCancelAcknowledge{
		AMFUENGAPID: &ie.AMFUENGAPID{Value: amfUE},
		RANUENGAPID: &ie.RANUENGAPID{Value: ranUE},
	}
}

// UEContextResumeFailure refuses a UE Context Resume Request (§8.3,
// §9.2.2).
func UEContextResumeFailure(amfUE, ranUE int64, cause *ie.Cause) *message.UEContextResumeFailure {
	return &message.UEContextResumeFailure{
		AMFUENGAPID: &ie.AMFUENGAPID{Value: amfUE},
		RANUENGAPID: &ie.RANUENGAPID{Value: ranUE},
		Cause:       cause,
	}
}

// UEContextSuspendFailure refuses a UE Context Suspend Request
// (§8.3, §9.2.2).
func UEContextSuspendFailure(amfUE, ranUE int64, cause *ie.Cause) *message.UEContextSuspendFailure {
	return &message.UEContextSuspendFailure{
		AMFUENGAPID: &ie.AMFUENGAPID{Value: amfUE},
		RANUENGAPID: &ie.RANUENGAPID{Value: ranUE},
		Cause:       cause,
	}
}

// PathSwitchRequestFailure refuses a Path Switch Request (§8.4.4.3,
// §9.2.3.10): every PDU session the request named is listed as released,
// each with a Path Switch Request Unsuccessful Transfer (§9.3.4.17)
// carrying cause. The list is mandatory and holds 1 to 256 sessions.
func PathSwitchRequestFailure(amfUE, ranUE int64, sessions []uint8, cause *ie.Cause) (*message.PathSwitchRequestFailure, error) {
	const name = "ngap: PathSwitchRequestFailure"
	if len(sessions) == 0 || len(sessions) > MaxPDUSessions {
		return nil, fmt.Errorf("%s: %d PDU sessions, want 1 to %d", name, len(sessions), MaxPDUSessions)
	}
	if !encodableCause(cause) {
		return nil, errors.New(name + ": missing or unknown Cause")
	}
	t, err := ie.MarshalBinary(&ie.PathSwitchRequestUnsuccessfulTransfer{Cause: cause})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	list := &ie.PDUSessionResourceReleasedListPSFail{}
	for _, psi := range sessions {
		tr := aper.OctetString(t)
		list.List = append(list.List, ie.PDUSessionResourceReleasedItemPSFail{
			PDUSessionID:                          &ie.PDUSessionID{Value: int64(psi)},
			PathSwitchRequestUnsuccessfulTransfer: &tr,
		})
	}
	return &message.PathSwitchRequestFailure{
		AMFUENGAPID:                          &ie.AMFUENGAPID{Value: amfUE},
		RANUENGAPID:                          &ie.RANUENGAPID{Value: ranUE},
		PDUSessionResourceReleasedListPSFail: list,
	}, nil
}

// PathSwitchSessions returns the PDU session IDs of a Path Switch
// Request's PDU Session Resource to be Switched in Downlink List
// (§9.2.3.8), mandatory, 1 to 256 items.
func PathSwitchSessions(m *message.PathSwitchRequest) ([]uint8, error) {
	if m == nil || m.PDUSessionResourceToBeSwitchedDLList == nil || len(m.PDUSessionResourceToBeSwitchedDLList.List) == 0 {
		return nil, errors.New("ngap: PathSwitchRequest: missing PDU Session Resource to be Switched in Downlink List")
	}
	out := make([]uint8, 0, len(m.PDUSessionResourceToBeSwitchedDLList.List))
	for _, it := range m.PDUSessionResourceToBeSwitchedDLList.List {
		psi, err := sessionID(it.PDUSessionID)
		if err != nil {
			return nil, fmt.Errorf("ngap: PathSwitchRequest: %w", err)
		}
		out = append(out, psi)
	}
	return out, nil
}
