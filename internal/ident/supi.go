package ident

import (
	"strings"
)

// SUPI is a Subscription Permanent Identifier in its TS 29.571 §5.3.2
// string form. Keel's subscribers are IMSI-based: "imsi-" followed by
// the IMSI's 6 to 15 digits (TS 23.003 §2.2, §2.2A: at most 15 digits,
// and an MCC of 3, an MNC of at least 2 and an MSIN of at least one).
type SUPI string

// supiPrefix starts an IMSI-type SUPI.
const supiPrefix = "imsi-"

// SUPIFromIMSI builds the SUPI of an IMSI's digits.
func SUPIFromIMSI(imsi string) (SUPI, error) { return ParseSUPI(supiPrefix + imsi) }

// ParseSUPI checks s as an IMSI-type SUPI.
func ParseSUPI(s string) (SUPI, error) {
	v := SUPI(s)
	if err := v.Validate(); err != nil {
		return "", err
	}
	return v, nil
}

// Validate checks the "imsi-" prefix and the 6 to 15 digits, within the
// TS 29.571 Supi pattern (which allows 5); NAI-type SUPIs (nai-, gci-,
// gli-) are not served.
func (s SUPI) Validate() error {
	digits, ok := strings.CutPrefix(string(s), supiPrefix)
	if !ok {
		return invalid("SUPI", "", string(s), `want "imsi-" and 6 to 15 digits`)
	}
	if len(digits) < 6 || len(digits) > 15 || !isDigits(digits) {
		return invalid("SUPI", "imsi", digits, "want 6 to 15 digits")
	}
	return nil
}

// IMSI returns the digits after "imsi-", or "" when s is not an IMSI-type
// SUPI.
func (s SUPI) IMSI() string {
	digits, ok := strings.CutPrefix(string(s), supiPrefix)
	if !ok {
		return ""
	}
	return digits
}

func (s SUPI) String() string { return string(s) }

// MarshalJSON gives the SUPI as a JSON string; an invalid SUPI is an
// error rather than a value the peer would refuse.
func (s SUPI) MarshalJSON() ([]byte, error) { return marshalString(s, string(s)) }

// UnmarshalJSON reads a JSON string and checks it.
func (s *SUPI) UnmarshalJSON(b []byte) error {
	return unmarshalString(b, "SUPI", ParseSUPI, s)
}
