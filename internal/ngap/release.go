package ngap

import (
	"github.com/free5gc/ngap/aper"
	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
)

// NASCause returns a Cause of the NAS group (TS 38.413 §9.3.1.2): v is one
// of ie.CauseNasPresentNormalRelease (0), ...AuthenticationFailure (1),
// ...Deregister (2) or ...Unspecified (3).
func NASCause(v aper.Enumerated) *ie.Cause { return &ie.Cause{Choice: &ie.CauseNas{Value: v}} }

// UEContextReleaseCommand orders the gNB to release a UE context (TS 38.413
// §8.3.3, §9.2.2.5). The UE is named by the UE NGAP ID pair; ranUE < 0
// selects the other choice of the UE NGAP IDs IE, the AMF UE NGAP ID
// alone, for a UE whose RAN UE NGAP ID the AMF does not know.
func UEContextReleaseCommand(amfUE, ranUE int64, cause *ie.Cause) *message.UEContextReleaseCommand {
	ids := &ie.UENGAPIDs{Choice: &ie.AMFUENGAPID{Value: amfUE}}
	if ranUE >= 0 {
		ids.Choice = &ie.UENGAPIDPair{
			AMFUENGAPID: &ie.AMFUENGAPID{Value: amfUE},
			RANUENGAPID: &ie.RANUENGAPID{Value: ranUE},
		}
	}
	return &message.UEContextReleaseCommand{UENGAPIDs: ids, Cause: cause}
}

// UEContextReleaseComplete confirms the release (TS 38.413 §9.2.2.6).
func UEContextReleaseComplete(amfUE, ranUE int64) *message.UEContextReleaseComplete {
	return &message.UEContextReleaseComplete{
		AMFUENGAPID: &ie.AMFUENGAPID{Value: amfUE},
		RANUENGAPID: &ie.RANUENGAPID{Value: ranUE},
	}
}

// UEContextReleaseRequest is the gNB asking the AMF to release a UE context
// (TS 38.413 §8.3.2, §9.2.2.4); the cause is mandatory.
func UEContextReleaseRequest(amfUE, ranUE int64, cause *ie.Cause) *message.UEContextReleaseRequest {
	return &message.UEContextReleaseRequest{
		AMFUENGAPID: &ie.AMFUENGAPID{Value: amfUE},
		RANUENGAPID: &ie.RANUENGAPID{Value: ranUE},
		Cause:       cause,
	}
}
