package ident

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

func isNull(b []byte) bool { return string(bytes.TrimSpace(b)) == "null" }

// strictJSON decodes one JSON object into v, refusing unknown members,
// members of the wrong type and trailing data, so that a malformed
// identifier in a request is reported rather than half-read.
func strictJSON(b []byte, v any, kind string) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return jsonError(kind, err)
	}
	if d.More() {
		return invalid(kind, "", clip(b), "trailing data after the JSON object")
	}
	return nil
}

// jsonString decodes a JSON string.
func jsonString(b []byte, kind string) (string, error) {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return "", jsonError(kind, err)
	}
	return s, nil
}

// jsonError turns a decoding error into one naming the identifier and,
// where the decoder says, the member.
func jsonError(kind string, err error) error {
	var ie *Error
	if errors.As(err, &ie) {
		return ie
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		want := "a JSON " + te.Type.Kind().String()
		switch te.Type.Kind() {
		case reflect.Struct:
			want = "a JSON object"
		case reflect.Slice:
			want = "a JSON array"
		}
		return invalid(kind, te.Field, te.Value, "wrong JSON type, want "+want)
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return invalid(kind, strings.Trim(f, `"`), "", "unknown member")
	}
	return fmt.Errorf("%w: ident: %s: %v", ErrInvalid, kind, err)
}

// clip shortens input quoted in an error.
func clip(b []byte) string {
	if len(b) > 64 {
		return string(b[:64]) + "..."
	}
	return string(b)
}

// marshalString writes an identifier whose JSON form is a string, after
// checking it.
func marshalString(v interface{ Validate() error }, s string) ([]byte, error) {
	if err := v.Validate(); err != nil {
		return nil, err
	}
	return json.Marshal(s)
}

// unmarshalString reads an identifier whose JSON form is a string in its
// text form; a JSON null leaves *dst unchanged.
func unmarshalString[T any](b []byte, kind string, parse func(string) (T, error), dst *T) error {
	if isNull(b) {
		return nil
	}
	s, err := jsonString(b, kind)
	if err != nil {
		return err
	}
	v, err := parse(s)
	if err != nil {
		return err
	}
	*dst = v
	return nil
}
