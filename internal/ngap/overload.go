package ngap

import (
	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
)

// OverloadStart asks the gNBs to reduce the signalling they send the AMF
// (TS 38.413 §8.7.6, §9.2.6.6): reject RRC connection establishments for
// signalling.
func OverloadStart() *message.OverloadStart {
	return &message.OverloadStart{
		AMFOverloadResponse: &ie.OverloadResponse{Choice: &ie.OverloadAction{Value: ie.OverloadActionPresentRejectRrcCrSignalling}},
	}
}

// OverloadStop ends an overload (TS 38.413 §8.7.7, §9.2.6.7).
func OverloadStop() *message.OverloadStop { return &message.OverloadStop{} }
