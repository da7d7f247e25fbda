package ident

import (
	"fmt"
	"strings"
)

// Limits of a DNN (TS 23.003 §9.1, §9A): at most 100 octets encoded as
// labels each preceded by its length, so 99 characters; labels of 1 to 63
// characters.
const (
	MaxDNNLen      = 99
	MaxDNNLabelLen = 63
)

// DNN is a Data Network Name (TS 23.003 §9A): an APN Network Identifier,
// optionally followed by the Operator Identifier, as dot-separated labels
// (TS 29.571 §5.3.2 Dnn), e.g. "internet".
type DNN string

func (d DNN) String() string { return string(d) }

// ParseDNN checks s against the label rules of TS 23.003 §9.1.
func ParseDNN(s string) (DNN, error) {
	d := DNN(s)
	if err := d.Validate(); err != nil {
		return "", err
	}
	return d, nil
}

// Validate checks the rules of TS 23.003 §9.1: labels of letters, digits
// and hyphens, each beginning and ending with a letter or digit, at most
// 63 characters each and 100 octets encoded in all.
func (d DNN) Validate() error {
	s := string(d)
	if s == "" {
		return invalid("DNN", "", s, "must not be empty")
	}
	if len(s) > MaxDNNLen {
		return invalid("DNN", "", clip([]byte(s)), fmt.Sprintf("must be at most %d characters, 100 octets encoded; has %d", MaxDNNLen, len(s)))
	}
	for _, label := range strings.Split(s, ".") {
		switch {
		case label == "":
			return invalid("DNN", "label", s, "has an empty label (two dots, or a dot at an end)")
		case len(label) > MaxDNNLabelLen:
			return invalid("DNN", "label", label, fmt.Sprintf("has a label longer than %d characters", MaxDNNLabelLen))
		case !isAlnum(label[0]) || !isAlnum(label[len(label)-1]):
			return invalid("DNN", "label", label, "labels must begin and end with a letter or digit")
		}
		for i := range len(label) {
			if !isAlnum(label[i]) && label[i] != '-' {
				return invalid("DNN", "label", label, "may hold only letters, digits, hyphens and dots")
			}
		}
	}
	return nil
}

// Equal compares DNNs as TS 23.003 §9.1 asks: without regard to case.
func (d DNN) Equal(o DNN) bool { return strings.EqualFold(string(d), string(o)) }

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// MarshalJSON gives the DNN as a JSON string.
func (d DNN) MarshalJSON() ([]byte, error) { return marshalString(d, string(d)) }

// UnmarshalJSON reads a JSON string and checks it.
func (d *DNN) UnmarshalJSON(b []byte) error {
	return unmarshalString(b, "DNN", ParseDNN, d)
}
