package ident

import (
	"errors"
	"fmt"
)

// ErrInvalid is wrapped by every error of this package: the text or JSON
// form of an identifier broke a rule of TS 23.003 or TS 29.571. Callers
// that answer over the SBI map it to 400 Bad Request with cause
// MANDATORY_IE_INCORRECT or INVALID_MSG_FORMAT (TS 29.500 §5.2.7.2).
var ErrInvalid = errors.New("invalid identifier")

// Error names the identifier and the field that is wrong, e.g.
// `ident: S-NSSAI sd "zz": want 6 hex digits`.
type Error struct {
	Kind  string // "PLMN", "TAI", "S-NSSAI", ...
	Field string // "mcc", "sd", ...; "" for the whole identifier
	Value string // the offending value as received
	Want  string // what the rule asks for
}

func (e *Error) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("ident: %s %q: %s", e.Kind, e.Value, e.Want)
	}
	return fmt.Sprintf("ident: %s %s %q: %s", e.Kind, e.Field, e.Value, e.Want)
}

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *Error) Unwrap() error { return ErrInvalid }

func invalid(kind, field, value, want string) error {
	return &Error{Kind: kind, Field: field, Value: value, Want: want}
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return s != ""
}

// parseHex reads a hex string of exactly n digits (n ≤ 8).
func parseHex(s string, n int) (uint32, bool) {
	if len(s) != n || !isHex(s) {
		return 0, false
	}
	var v uint32
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c <= '9':
			c -= '0'
		case c >= 'a':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		v = v<<4 | uint32(c)
	}
	return v, true
}
