package sbi

import (
	"context"
	"errors"
	"net/http"
	"strconv"
)

// Problem is an error with protocol meaning: the HTTP status and the
// application error cause of a ProblemDetails answer (TS 29.571 §5.2.4.1,
// TS 29.500 §5.2.7.2).
type Problem struct {
	Status int
	Cause  string
	// Reason is a short name for metric labels and logs, unique per error.
	Reason string
	msg    string
	// Temporary is set when the request was refused for a condition of
	// the NF, not of the request: the same request may succeed later.
	Temporary bool
}

func (p *Problem) Error() string { return "sbi: " + p.msg }

// Errors with protocol meaning. Implementations wrap them with %w.
var (
	// ErrUserNotFound: the SUPI (or the SUPI a SUCI conceals) has no
	// subscription. TS 29.503 Table 6.3.7.3-1, TS 29.504 USER_NOT_FOUND.
	ErrUserNotFound error = &Problem{http.StatusNotFound, "USER_NOT_FOUND", "user_not_found", "user not found", false}
	// ErrServingNetworkNotAuthorized: the serving network name is malformed
	// or not one the home network lets authenticate its users
	// (TS 33.501 §6.1.2, TS 29.509 Table 6.1.7.3-1, TS 29.503 Table 6.3.7.3-1).
	ErrServingNetworkNotAuthorized error = &Problem{http.StatusForbidden, "SERVING_NETWORK_NOT_AUTHORIZED", "serving_network_not_authorized", "serving network not authorized", false}
	// ErrAuthRejected: RES* from the UE differs from XRES*
	// (TS 33.501 §6.1.3.2 step 11). Over HTTP, TS 29.509 §5.2.2.2.2 answers
	// the 5g-aka-confirmation with authResult AUTHENTICATION_FAILURE.
	ErrAuthRejected error = &Problem{http.StatusForbidden, "AUTHENTICATION_REJECTED", "rejected", "authentication rejected", false}
	// ErrSyncFailure: the AUTS of a synchronisation failure carries a MAC-S
	// that does not verify (TS 33.102 §6.3.5), so the SQN is not re-synchronised
	// and no vector is generated. Keel answers it as an authentication
	// rejection (TS 29.503 Table 6.3.7.3-1 has no cause of its own for it).
	ErrSyncFailure error = &Problem{http.StatusForbidden, "AUTHENTICATION_REJECTED", "sync_failure", "re-synchronisation failed: MAC-S does not verify", false}
	// ErrAuthContextNotFound: no authentication context with this ID, or it
	// expired, or it was confirmed already (TS 29.509 §6.1.3.3,
	// TS 29.500 Table 5.2.7.2-1 CONTEXT_NOT_FOUND).
	ErrAuthContextNotFound error = &Problem{http.StatusNotFound, "CONTEXT_NOT_FOUND", "context_not_found", "authentication context not found", false}
	// ErrSUCIDeconceal: the SIDF cannot de-conceal the SUCI: unknown home
	// network public key identifier, a scheme the key is not for, or a MAC
	// that does not verify (TS 33.501 §6.12.2, Annex C.3). Answered as an
	// authentication rejection; the AMF then asks the UE for its identity
	// again or rejects it (TS 24.501 §5.4.1.3.7).
	ErrSUCIDeconceal error = &Problem{http.StatusForbidden, "AUTHENTICATION_REJECTED", "suci_deconceal_failure", "SUCI cannot be de-concealed", false}
	// ErrInvalidRequest: a request lacks a mandatory element or holds a
	// malformed one (neither SUCI nor SUPI, a malformed SUPI, a malformed
	// SUCI) (TS 29.500 Table 5.2.7.2-1 MANDATORY_IE_INCORRECT).
	ErrInvalidRequest error = &Problem{http.StatusBadRequest, "MANDATORY_IE_INCORRECT", "invalid_request", "invalid request", false}
	// ErrSMContextNotFound: no SM context with this reference, or it was
	// released (TS 29.502 §5.2.2.3.1, Table 6.1.7.3-1 CONTEXT_NOT_FOUND).
	ErrSMContextNotFound error = &Problem{http.StatusNotFound, "CONTEXT_NOT_FOUND", "sm_context_not_found", "SM context not found", false}
	// ErrPolicyNotFound: no SM policy association with this ID
	// (TS 29.512 §4.2.4, TS 29.500 §5.2.7.2 404 Not Found).
	ErrPolicyNotFound error = &Problem{http.StatusNotFound, "CONTEXT_NOT_FOUND", "policy_not_found", "SM policy association not found", false}
	// ErrPolicyContextDenied: the PCF refuses a policy for the session,
	// e.g. the subscription has no data for its DNN and S-NSSAI
	// (TS 29.512 Table 5.7.3-1 POLICY_CONTEXT_DENIED).
	ErrPolicyContextDenied error = &Problem{http.StatusForbidden, "POLICY_CONTEXT_DENIED", "policy_context_denied", "policy context denied", false}
	// ErrMandatoryQueryParamMissing: a query lacks a parameter the
	// operation needs, e.g. an Nnssf_NSSelection_Get without nf-type,
	// nf-id or slice-info-request-for-registration (TS 29.500 Table
	// 5.2.7.2-1 MANDATORY_QUERY_PARAM_MISSING).
	ErrMandatoryQueryParamMissing error = &Problem{http.StatusBadRequest, "MANDATORY_QUERY_PARAM_MISSING", "mandatory_query_param_missing", "mandatory query parameter missing", false}
	// ErrNSSAIAvailabilityNotFound: the NSSF holds no NSSAI availability
	// information of this NF instance (TS 29.531 §5.3.2.6, 404 Not Found).
	ErrNSSAIAvailabilityNotFound error = &Problem{http.StatusNotFound, "CONTEXT_NOT_FOUND", "nssai_availability_not_found", "NSSAI availability information not found", false}
	// ErrNSSAISubscriptionNotFound: the NSSF holds no NSSAI availability
	// subscription with this ID, or it expired (TS 29.531 §5.3.2.4, 404
	// Not Found).
	ErrNSSAISubscriptionNotFound error = &Problem{http.StatusNotFound, "CONTEXT_NOT_FOUND", "nssai_subscription_not_found", "NSSAI availability subscription not found", false}
	// ErrUnavailable: the NF cannot serve the request now for a reason of
	// its own — its store fails (a full disk), it is overloaded — and the
	// request may be retried later (TS 29.500 Table 5.2.7.2-1: 503 Service
	// Unavailable, NF_CONGESTION). A consumer answers its own peer with a
	// back-off, not a refusal: the AMF rejects a registration with 5GMM
	// cause #22 and T3346 (TS 24.501 §5.3.9), not #111.
	// ErrUENotReachable: the AMF cannot deliver an N1N2MessageTransfer:
	// the UE is idle and cannot be paged (TS 29.518 §5.2.2.3.1, Table
	// 6.1.3.5.3.1-3: 504 UE_NOT_REACHABLE).
	ErrUENotReachable error = &Problem{http.StatusGatewayTimeout, "UE_NOT_REACHABLE", "ue_not_reachable", "UE not reachable", false}
	ErrUnavailable    error = &Problem{http.StatusServiceUnavailable, "NF_CONGESTION", "unavailable", "service unavailable", true}
	// ErrNoInstance: the directory knows no instance of the NF a
	// consumer needs for the request, or none of those it knows answers
	// (TS 23.501 §6.3; TS 29.500 Table 5.2.7.2-1 TARGET_NF_NOT_REACHABLE,
	// 504). Temporary: an instance may register or come back.
	ErrNoInstance error = &Problem{http.StatusGatewayTimeout, "TARGET_NF_NOT_REACHABLE", "no_instance", "no NF instance to serve the request", true}
	// ErrNotListed comes with ErrNoInstance when the directory answered
	// and lists no matching instance, as opposed to one that could not
	// be asked (the NRF unreachable): a resource of an instance no longer
	// listed is gone with it.
	ErrNotListed = errors.New("sbi: the directory lists no such instance")

	// Protocol errors of a transport (TS 29.500 §5.2.7.2, Table
	// 5.2.7.2-1), answered before a request reaches an NF.

	// ErrInvalidMsgFormat: the body is not JSON, is not one JSON value,
	// or holds an attribute the data type does not define
	// (INVALID_MSG_FORMAT).
	ErrInvalidMsgFormat error = &Problem{http.StatusBadRequest, "INVALID_MSG_FORMAT", "invalid_msg_format", "invalid message format", false}
	// ErrMandatoryIEMissing: a mandatory attribute is absent
	// (MANDATORY_IE_MISSING).
	ErrMandatoryIEMissing error = &Problem{http.StatusBadRequest, "MANDATORY_IE_MISSING", "mandatory_ie_missing", "mandatory IE missing", false}
	// ErrInvalidQueryParam: a query parameter is malformed or not one the
	// operation defines (INVALID_QUERY_PARAM).
	ErrInvalidQueryParam error = &Problem{http.StatusBadRequest, "INVALID_QUERY_PARAM", "invalid_query_param", "invalid query parameter", false}
	// ErrUnsupportedMediaType: the body's Content-Type is not the one the
	// operation takes (TS 29.500 Table 5.2.7.1-1, 415; the table gives no
	// cause of its own, so the answer names the message format).
	ErrUnsupportedMediaType error = &Problem{http.StatusUnsupportedMediaType, "INVALID_MSG_FORMAT", "unsupported_media_type", "unsupported media type", false}
	// ErrPayloadTooLarge: the body exceeds what the server reads
	// (TS 29.500 Table 5.2.7.1-1, 413).
	ErrPayloadTooLarge error = &Problem{http.StatusRequestEntityTooLarge, "INVALID_MSG_FORMAT", "payload_too_large", "payload too large", false}
	// ErrResourceNotFound: no resource or operation has this URI
	// (RESOURCE_URI_STRUCTURE_NOT_FOUND).
	ErrResourceNotFound error = &Problem{http.StatusNotFound, "RESOURCE_URI_STRUCTURE_NOT_FOUND", "resource_not_found", "resource URI structure not found", false}
	// ErrMethodNotAllowed: the resource exists but not the method
	// (TS 29.500 Table 5.2.7.1-1, 405).
	ErrMethodNotAllowed error = &Problem{http.StatusMethodNotAllowed, "", "method_not_allowed", "method not allowed", false}
	// ErrUnauthorized: the request carries no access token, or one that
	// does not verify or has expired (TS 29.500 §6.7.3, RFC 6750 §3.1
	// invalid_token). The answer has no cause: TS 29.500 Table 5.2.7.2-1
	// defines none for 401, and ProblemDetails.cause is given only when
	// one applies (TS 29.571 §5.2.4.1); the RFC 6750 error code travels
	// in WWW-Authenticate.
	ErrUnauthorized error = &Problem{http.StatusUnauthorized, "", "unauthorized", "unauthorized", false}
	// ErrForbidden: the access token is valid but not for this service or
	// NF (RFC 6750 §3.1 insufficient_scope; TS 33.501 §13.4.1). No cause:
	// the 403 causes of TS 29.500 Table 5.2.7.2-1 (MODIFICATION_NOT_ALLOWED,
	// CCA_VERIFICATION_FAILURE, TOKEN_CCA_MISMATCH) name other refusals.
	ErrForbidden error = &Problem{http.StatusForbidden, "", "forbidden", "forbidden", false}
	// ErrSystemFailure: a fault of the NF without other protocol meaning
	// (SYSTEM_FAILURE).
	ErrSystemFailure error = &Problem{http.StatusInternalServerError, "SYSTEM_FAILURE", "system_failure", "system failure", false}
)

// Problems lists every sentinel above, for a transport that maps an
// answer's status and cause back to the error it stands for. Where
// several share a status and cause, the first listed is the one an
// answer that names none of them maps to.
func Problems() []*Problem {
	errs := []error{
		ErrUserNotFound, ErrServingNetworkNotAuthorized, ErrAuthRejected,
		ErrSyncFailure, ErrSUCIDeconceal, ErrAuthContextNotFound,
		ErrInvalidRequest, ErrSMContextNotFound, ErrPolicyNotFound,
		ErrPolicyContextDenied, ErrUENotReachable, ErrUnavailable,
		ErrInvalidMsgFormat, ErrMandatoryIEMissing, ErrInvalidQueryParam,
		ErrUnsupportedMediaType, ErrPayloadTooLarge, ErrResourceNotFound,
		ErrMethodNotAllowed, ErrUnauthorized, ErrForbidden,
		ErrSystemFailure, ErrNoInstance,
		ErrMandatoryQueryParamMissing, ErrNSSAIAvailabilityNotFound,
		ErrNSSAISubscriptionNotFound,
	}
	ps := make([]*Problem, len(errs))
	for i, e := range errs {
		ps[i] = e.(*Problem)
	}
	return ps
}

// NewProblem returns a Problem that is none of the sentinels: what a
// transport gives for an answer whose status and cause it does not know.
// A 5xx status other than 500 is Temporary.
func NewProblem(status int, cause, msg string) *Problem {
	return &Problem{Status: status, Cause: cause, Reason: "status_" + strconv.Itoa(status), msg: msg, Temporary: status > 500 && status < 600}
}

// Temporary reports whether the same request may succeed later: err is a
// Problem marked Temporary, or a deadline that expired while a peer was
// slow to answer.
func Temporary(err error) bool {
	if p := ProblemOf(err); p != nil {
		return p.Temporary
	}
	return errors.Is(err, context.DeadlineExceeded)
}

// ProblemOf returns the Problem err wraps, or nil when err carries no
// protocol meaning (a fault of the NF, answered with 500 by a transport).
func ProblemOf(err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	return nil
}

// Outcome names the result of a call for a metric label: "ok" for nil,
// the Problem's Reason, or "error" for a fault without protocol meaning.
func Outcome(err error) string {
	if err == nil {
		return "ok"
	}
	if p := ProblemOf(err); p != nil {
		return p.Reason
	}
	return "error"
}
