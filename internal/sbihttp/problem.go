package sbihttp

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/keelcore/keel/internal/sbi"
)

// Media types of SBI bodies (TS 29.500 §5.4).
const (
	ContentJSON       = "application/json"
	ContentProblem    = "application/problem+json"
	ContentMergePatch = "application/merge-patch+json"
	ContentJSONPatch  = "application/json-patch+json"
	// ContentHAL is the JSON of a resource with _links (TS 29.501 §6.2,
	// §6.3.3), which some operations answer with.
	ContentHAL = "application/3gppHal+json"
)

// ProblemDetails is the error body of every SBI answer with a 4xx or 5xx
// status (TS 29.571 §5.2.4.1, TS 29.500 §5.2.7.2), sent as
// application/problem+json.
type ProblemDetails struct {
	// Type identifies the problem: "urn:keel:problem:<reason>" for the
	// errors of internal/sbi, which tells apart sentinels that share a
	// status and cause (RFC 7807 §3.1).
	Type              string         `json:"type,omitempty"`
	Title             string         `json:"title,omitempty"`
	Status            int            `json:"status,omitempty"`
	Detail            string         `json:"detail,omitempty"`
	Instance          string         `json:"instance,omitempty"`
	Cause             string         `json:"cause,omitempty"`
	InvalidParams     []InvalidParam `json:"invalidParams,omitempty"`
	SupportedFeatures string         `json:"supportedFeatures,omitempty"`
}

// InvalidParam names an attribute (a JSON pointer, RFC 6901) or a query
// parameter at fault (TS 29.571 §5.2.4.2).
type InvalidParam struct {
	Param  string `json:"param"`
	Reason string `json:"reason,omitempty"`
}

const problemTypePrefix = "urn:keel:problem:"

// ParamError wraps an sbi error with the parameters at fault, which the
// answer lists in invalidParams.
type ParamError struct {
	Err    error
	Params []InvalidParam
}

func (e *ParamError) Error() string {
	var b strings.Builder
	b.WriteString(e.Err.Error())
	for _, p := range e.Params {
		fmt.Fprintf(&b, "; %s: %s", p.Param, p.Reason)
	}
	return b.String()
}

func (e *ParamError) Unwrap() error { return e.Err }

// InvalidParamError returns err (a sentinel of internal/sbi) with one
// parameter at fault.
func InvalidParamError(err error, param, reason string) error {
	return &ParamError{Err: err, Params: []InvalidParam{{Param: param, Reason: reason}}}
}

// statusError answers err with a status other than its Problem's.
type statusError struct {
	err    error
	status int
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

// WithStatus answers err (an sbi error) with status instead of its own,
// for an operation whose document names another status for the same
// condition. The ProblemDetails keeps err's cause and type, so the client
// maps it back to the same sentinel.
func WithStatus(err error, status int) error { return &statusError{err: err, status: status} }

// problemFor builds the ProblemDetails answering err. An error without
// protocol meaning is a SYSTEM_FAILURE whose detail says nothing of the
// NF's internals (the caller logs it).
func problemFor(err error) ProblemDetails {
	p := sbi.ProblemOf(err)
	if p == nil {
		p = sbi.ProblemOf(sbi.ErrSystemFailure)
		err = sbi.ErrSystemFailure
	}
	pd := ProblemDetails{
		Type:   problemTypePrefix + p.Reason,
		Title:  http.StatusText(p.Status),
		Status: p.Status,
		Detail: err.Error(),
		Cause:  p.Cause,
	}
	var pe *ParamError
	if errors.As(err, &pe) {
		pd.InvalidParams = pe.Params
	}
	var se *statusError
	if errors.As(err, &se) {
		pd.Status, pd.Title = se.status, http.StatusText(se.status)
	}
	return pd
}

// WriteError answers r with the ProblemDetails for err (TS 29.500
// §5.2.7). A fault without protocol meaning is logged with log (nil
// logs nothing) and answered 500 SYSTEM_FAILURE. A 401 carries
// WWW-Authenticate (RFC 6750 §3).
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	if sbi.ProblemOf(err) == nil && log != nil {
		log.Error("sbihttp: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	pd := problemFor(err)
	var ch *Challenge
	switch {
	case errors.As(err, &ch) && ch.Header != "":
		w.Header().Set("WWW-Authenticate", ch.Header)
	case pd.Status == http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	case pd.Status == http.StatusForbidden && errors.Is(err, sbi.ErrForbidden):
		w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope"`)
	}
	writeJSON(w, pd.Status, ContentProblem, pd)
}

// Challenge is an error whose 401 or 403 answer carries Header as its
// WWW-Authenticate challenge (RFC 6750 §3) instead of WriteError's
// default: "Bearer" alone for a request without a token (§3.1: no error
// code), the scope wanted with insufficient_scope.
type Challenge struct {
	Err    error
	Header string
}

func (c *Challenge) Error() string { return c.Err.Error() }
func (c *Challenge) Unwrap() error { return c.Err }

// errorFromProblem maps an answer's ProblemDetails back to the sentinel
// of internal/sbi it stands for: the one its type names, else the first
// with its status and cause, else a new Problem. errors.Is then works
// across the wire as in one process.
func errorFromProblem(status int, pd ProblemDetails) error {
	problems := sbi.Problems()
	var match *sbi.Problem
	if reason, ok := strings.CutPrefix(pd.Type, problemTypePrefix); ok {
		for _, p := range problems {
			if p.Reason == reason {
				match = p
				break
			}
		}
	}
	if match == nil {
		for _, p := range problems {
			if p.Status == status && p.Cause == pd.Cause {
				match = p
				break
			}
		}
	}
	detail := pd.Detail
	if detail == "" {
		detail = pd.Title
	}
	if match == nil {
		return sbi.NewProblem(status, pd.Cause, fmt.Sprintf("%d %s: %s", status, pd.Cause, detail))
	}
	if len(pd.InvalidParams) > 0 {
		return &ParamError{Err: fmt.Errorf("%w (peer: %s)", match, detail), Params: pd.InvalidParams}
	}
	return fmt.Errorf("%w (peer: %s)", match, detail)
}

func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	b, err := marshal(v)
	if err != nil {
		// Only a type that cannot be marshalled gets here: a programming
		// error, answered as such.
		b, _ = json.Marshal(problemFor(fmt.Errorf("sbihttp: marshal answer: %w", err)))
		status, contentType = http.StatusInternalServerError, ContentProblem
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
