package smf

import (
	"strconv"

	"github.com/keelcore/keel/internal/nas/sm"
	"github.com/keelcore/keel/internal/sbi"
)

// The statuses of an SmContextCreateError (RFC 9110 §15.5.4, §15.6.1),
// written here so that the SMF does not import net/http.
const (
	statusForbidden           = 403
	statusInternalServerError = 500
)

// createError is the answer to a CreateSMContext the SMF refuses with a
// PDU SESSION ESTABLISHMENT REJECT carrying 5GSM cause cause (TS 29.502
// §5.2.2.2.1: an error answer with SmContextCreateError and the N1 SM
// message). Status and application error follow the cause: TS 29.502
// §6.1.3.2.3.1 for refusals of the request (403 with DNN_NOT_SUPPORTED,
// PDUTYPE_NOT_SUPPORTED, PDUTYPE_DENIED, SSC_NOT_SUPPORTED,
// SUBSCRIPTION_DENIED, N1_SM_ERROR), TS 29.500 §5.2.7.2 for a fault or
// a shortage of the network (500 INSUFFICIENT_RESOURCES, SYSTEM_FAILURE).
func createError(cause uint8, n1 []byte) *sbi.SmContextCreateError {
	status, app := statusForbidden, "N1_SM_ERROR"
	switch cause {
	case sm.CauseMissingOrUnknownDNN, sm.CauseMissingOrUnknownDNNInASlice:
		app = "DNN_NOT_SUPPORTED"
	case sm.CauseUnknownPDUSessionType:
		app = "PDUTYPE_NOT_SUPPORTED"
	case sm.CausePDUSessionTypeIPv4OnlyAllowed, sm.CausePDUSessionTypeIPv6OnlyAllowed:
		app = "PDUTYPE_DENIED"
	case sm.CauseNotSupportedSSCMode:
		app = "SSC_NOT_SUPPORTED"
	case sm.CauseUserAuthenticationOrAuthorizationFailed, sm.CauseRequestedServiceOptionNotSubscribed:
		app = "SUBSCRIPTION_DENIED"
	case sm.CauseInsufficientResources, sm.CauseInsufficientResourcesForSliceAndDNN:
		status, app = statusInternalServerError, "INSUFFICIENT_RESOURCES"
	case sm.CauseRequestRejectedUnspecified, sm.CauseNetworkFailure:
		status, app = statusInternalServerError, "SYSTEM_FAILURE"
	}
	return &sbi.SmContextCreateError{
		Err:     sbi.ProblemDetails{Status: status, Cause: app, Detail: "PDU session establishment rejected with 5GSM cause #" + strconv.Itoa(int(cause))},
		N1SmMsg: sbi.N1SM(n1),
	}
}
