package nnrf

import (
	"fmt"
	"net/http"
)

// Error is a refusal with protocol meaning: the HTTP status and the
// ProblemDetails cause of TS 29.500 §5.2.7.2 or TS 29.510 §6.1.7.3, and
// the attribute or query parameter at fault when there is one. The HTTP
// binding answers it as ProblemDetails.
type Error struct {
	Status int
	Cause  string
	// Param is the attribute (a JSON pointer) or query parameter at fault.
	Param string
	Msg   string
}

func (e *Error) Error() string {
	if e.Param != "" {
		return fmt.Sprintf("nnrf: %s: %s", e.Param, e.Msg)
	}
	return "nnrf: " + e.Msg
}

// Is makes errors.Is match by status and cause, so that the sentinels
// below match the errors made with detail from them.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Status == e.Status && t.Cause == e.Cause && (t.Param == "" || t.Param == e.Param)
}

// Sentinels to test with errors.Is.
var (
	// ErrMsgFormat: not JSON, not the data type (INVALID_MSG_FORMAT).
	ErrMsgFormat = &Error{Status: http.StatusBadRequest, Cause: "INVALID_MSG_FORMAT", Msg: "invalid message format"}
	// ErrIEMissing: a mandatory attribute is absent (MANDATORY_IE_MISSING).
	ErrIEMissing = &Error{Status: http.StatusBadRequest, Cause: "MANDATORY_IE_MISSING", Msg: "mandatory IE missing"}
	// ErrIEIncorrect: an attribute is semantically wrong
	// (MANDATORY_IE_INCORRECT).
	ErrIEIncorrect = &Error{Status: http.StatusBadRequest, Cause: "MANDATORY_IE_INCORRECT", Msg: "mandatory IE incorrect"}
	// ErrOptionalIEIncorrect: an optional attribute is wrong
	// (OPTIONAL_IE_INCORRECT).
	ErrOptionalIEIncorrect = &Error{Status: http.StatusBadRequest, Cause: "OPTIONAL_IE_INCORRECT", Msg: "optional IE incorrect"}
	// ErrQueryParam: a query parameter is unknown or malformed
	// (INVALID_QUERY_PARAM).
	ErrQueryParam = &Error{Status: http.StatusBadRequest, Cause: "INVALID_QUERY_PARAM", Msg: "invalid query parameter"}
	// ErrQueryParamMissing: a mandatory query parameter is absent
	// (MANDATORY_QUERY_PARAM_MISSING).
	ErrQueryParamMissing = &Error{Status: http.StatusBadRequest, Cause: "MANDATORY_QUERY_PARAM_MISSING", Msg: "mandatory query parameter missing"}
	// ErrNFNotFound: no NF instance with this ID is registered
	// (TS 29.510 Table 6.1.7.3-1 NF_NOT_FOUND, the NRF's application error
	// for an unknown instance; §5.2.2.3, §5.2.2.4 and §5.2.2.9 give
	// the 404 of an update, deregistration or retrieval and TS 29.500
	// Table 5.2.7.2-1 has no other 404 cause for it).
	ErrNFNotFound = &Error{Status: http.StatusNotFound, Cause: "NF_NOT_FOUND", Msg: "NF instance not found"}
	// ErrSubscriptionNotFound: no subscription with this ID (TS 29.500
	// Table 5.2.7.2-1 SUBSCRIPTION_NOT_FOUND, 404: the subscription to
	// modify or delete is not found).
	ErrSubscriptionNotFound = &Error{Status: http.StatusNotFound, Cause: "SUBSCRIPTION_NOT_FOUND", Msg: "subscription not found"}
	// ErrModificationNotAllowed: the patch cannot apply (a test fails,
	// a path does not exist) or changes what cannot change: the instance
	// ID or the NF type (TS 29.500 §5.2.7.2 MODIFICATION_NOT_ALLOWED).
	ErrModificationNotAllowed = &Error{Status: http.StatusForbidden, Cause: "MODIFICATION_NOT_ALLOWED", Msg: "modification not allowed"}
	// ErrSubscriptionNotAllowed: TS 29.510 Table 6.1.7.3-1
	// SUBSCRIPTION_NOT_ALLOWED.
	ErrSubscriptionNotAllowed = &Error{Status: http.StatusForbidden, Cause: "SUBSCRIPTION_NOT_ALLOWED", Msg: "subscription not allowed"}
)

// errf returns an error of the sentinel's status and cause naming param.
func errf(sentinel *Error, param, format string, args ...any) *Error {
	return &Error{Status: sentinel.Status, Cause: sentinel.Cause, Param: param, Msg: fmt.Sprintf(format, args...)}
}
