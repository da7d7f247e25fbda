package sm

import "testing"

// Every 5GSM cause Keel sends has its TS 24.501 §9.11.4.2 name.
func TestCauseName(t *testing.T) {
	for c, want := range map[uint8]string{
		CauseMissingOrUnknownDNN:         "Missing or unknown DNN",
		CauseInsufficientResources:       "Insufficient resources",
		CauseMissingOrUnknownDNNInASlice: "Missing or unknown DNN in a slice",
		CauseProtocolErrorUnspecified:    "Protocol error, unspecified",
		9:                                "unknown 5GSM cause 9",
	} {
		if got := CauseName(c); got != want {
			t.Errorf("CauseName(%d) = %q, want %q", c, got, want)
		}
	}
	for _, c := range []uint8{CauseUnknownPDUSessionType, CauseUserAuthenticationOrAuthorizationFailed,
		CauseRequestRejectedUnspecified, CauseServiceOptionNotSupported, CauseRequestedServiceOptionNotSubscribed,
		CausePTIAlreadyInUse, CauseRegularDeactivation, CauseNetworkFailure, CauseInvalidPDUSessionIdentity,
		CausePTIMismatch, CausePDUSessionTypeIPv4OnlyAllowed, CausePDUSessionTypeIPv6OnlyAllowed,
		CausePDUSessionDoesNotExist, CauseInsufficientResourcesForSliceAndDNN, CauseNotSupportedSSCMode,
		CauseInvalidPTIValue, CauseSemanticallyIncorrect, CauseInvalidMandatoryInformation,
		CauseMessageTypeNonExistent, CauseMessageTypeNotCompatible} {
		if _, ok := causeNames[c]; !ok {
			t.Errorf("5GSM cause %d has no name", c)
		}
	}
}
