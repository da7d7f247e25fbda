package nas

import "testing"

// Every 5GMM cause Keel sends has its TS 24.501 §9.11.3.2 name.
func TestCauseName(t *testing.T) {
	for c, want := range map[uint8]string{
		Cause5GSServicesNotAllowed:          "5GS services not allowed",
		CauseUEIdentityCannotBeDerived:      "UE identity cannot be derived by the network",
		CauseUESecurityCapabilitiesMismatch: "UE security capabilities mismatch",
		CauseNoNetworkSlicesAvailable:       "No network slices available",
		CauseProtocolErrorUnspecified:       "Protocol error, unspecified",
		CausePayloadNotForwarded:            "Payload was not forwarded",
		CauseDNNNotSupportedInSlice:         "DNN not supported or not subscribed in the slice",
		200:                                 "unknown 5GMM cause 200",
	} {
		if got := CauseName(c); got != want {
			t.Errorf("CauseName(%d) = %q, want %q", c, got, want)
		}
	}
	for _, c := range []uint8{CauseIllegalUE, CauseIllegalME, CauseImplicitlyDeregistered, CausePLMNNotAllowed,
		CauseTANotAllowed, CauseMACFailure, CauseSynchFailure, CauseCongestion, CauseSecurityModeRejected,
		CauseNon5GAuthUnacceptable, CauseRestrictedServiceArea, CauseInvalidPDUSessionIdentity, CauseNgKSIInUse,
		CauseInsufficientUserPlane, CauseSemanticallyIncorrect, CauseInvalidMandatoryInfo,
		CauseMessageTypeNonExistent, CauseMessageTypeNotCompatible, CauseInsufficientUserPlaneRes} {
		if _, ok := causeNames[c]; !ok {
			t.Errorf("5GMM cause %d has no name", c)
		}
	}
}
