package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Error is the body of every 4xx and 5xx answer.
type Error struct {
	Message string `json:"error"`
	// Field names the request field at fault, as a JSON path ("dnns[0].5qi").
	Field string `json:"field,omitempty"`
	// Rows lists the refused rows of an import, the first
	// store.MaxImportErrors of them.
	Rows []RowError `json:"rows,omitempty"`
	// MoreRows counts the refused rows beyond those listed.
	MoreRows int `json:"more_rows,omitempty"`
	// cause is the error the answer reports, for errors.Is.
	cause error
}

// RowError is one refused import row. Row counts from 1: the position in a
// JSON array, or the line number in a CSV file (the header is line 1).
type RowError struct {
	Row    int    `json:"row"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
}

func (e *Error) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.cause }

func (e *RowError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("row %d: %s: %s", e.Row, e.Field, e.Reason)
	}
	return fmt.Sprintf("row %d: %s", e.Row, e.Reason)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v) // The client may have gone; nothing to do about it.
}

func writeError(w http.ResponseWriter, status int, e *Error) {
	writeJSON(w, status, e)
}

// limitedBody is a request body cut off after a limit. It remembers
// whether the client sent more, so that a refusal can be 413 rather
// than 400 whichever decoder met the limit.
type limitedBody struct {
	r        io.Reader
	exceeded bool
}

func limitBody(w http.ResponseWriter, r *http.Request, limit int64) *limitedBody {
	return &limitedBody{r: http.MaxBytesReader(w, r.Body, limit)}
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	var tooBig *http.MaxBytesError
	if err != nil && errors.As(err, &tooBig) {
		b.exceeded = true
	}
	return n, err
}

// status is the answer to a body that could not be read or decoded.
func (b *limitedBody) status() int {
	if b.exceeded {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusBadRequest
}

// decodeJSON reads exactly one JSON value into v, refusing unknown fields,
// and turns decoder failures into an *Error naming the field.
func decodeJSON(r io.Reader, v any) *Error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return &Error{Message: "body holds more than one JSON value"}
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); err != io.EOF {
		return &Error{Message: "body holds trailing data after the JSON value"}
	}
	return nil
}

func jsonError(err error) *Error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return &Error{Message: fmt.Sprintf("body larger than %d bytes", tooBig.Limit)}
	case errors.Is(err, io.EOF):
		return &Error{Message: "empty body: want a JSON object"}
	case errors.As(err, &syn):
		return &Error{Message: fmt.Sprintf("malformed JSON at byte %d: %v", syn.Offset, syn)}
	case errors.As(err, &typ):
		return &Error{Field: typ.Field, Message: fmt.Sprintf("want a JSON %s, got %s", jsonKind(typ.Type.Kind().String()), typ.Value)}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &Error{Field: name, Message: "unknown field"}
	}
	return &Error{Message: "malformed JSON: " + err.Error()}
}

func jsonKind(k string) string {
	switch k {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float64":
		return "number"
	case "ptr":
		return "value"
	}
	return k
}
