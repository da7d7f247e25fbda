package sbi

import (
	"errors"
	"fmt"
)

// ErrUnknownValue is a JSON enumeration value Keel does not know. The
// OpenAPI documents let enumerations grow (an anyOf with a free string),
// but a value Keel cannot act on is an invalid request for it.
var ErrUnknownValue = errors.New("sbi: unknown enumeration value")

// enumText and enumParse map a Go enumeration, whose zero value means
// absent, to and from its TS 29.5xx strings; names[v] is the string of v.
func enumText(names []string, v uint8, typ string) ([]byte, error) {
	if int(v) >= len(names) || names[v] == "" {
		return nil, fmt.Errorf("sbi: %s %d has no name", typ, v)
	}
	return []byte(names[v]), nil
}

func enumParse(names []string, b []byte, typ string) (uint8, error) {
	for i, n := range names {
		if n != "" && n == string(b) {
			return uint8(i), nil
		}
	}
	return 0, fmt.Errorf("%w: %s %q", ErrUnknownValue, typ, b)
}

func enumString(names []string, v uint8) string {
	if int(v) < len(names) {
		return names[v]
	}
	return ""
}
