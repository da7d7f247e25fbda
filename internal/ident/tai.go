package ident

import (
	"fmt"
	"strings"
)

// MaxTAC is the largest 5GS TAC: 24 bits (TS 23.003 §19.4.2.3).
const MaxTAC = 1<<24 - 1

// TAI is a 5GS Tracking Area Identity: PLMN and a 24-bit TAC (TS 23.003
// §28.6, §19.4.2.3).
type TAI struct {
	PLMN PLMN
	TAC  uint32
}

// String is "<mcc>-<mnc>-<tac>", the TAC as 6 hex digits, e.g.
// "001-01-000001".
func (t TAI) String() string { return fmt.Sprintf("%s-%06x", t.PLMN, t.TAC) }

// Validate checks the PLMN and that the TAC fits 24 bits.
func (t TAI) Validate() error {
	if err := t.PLMN.Validate(); err != nil {
		return within(err, "TAI", "plmnId")
	}
	if t.TAC > MaxTAC {
		return invalid("TAI", "tac", fmt.Sprintf("%x", t.TAC), "exceeds 24 bits")
	}
	return nil
}

// ParseTAI reads the form of String. A TAC of 4 hex digits (a 16-bit EPS
// TAC) is accepted as TS 29.571 Tac allows.
func ParseTAI(s string) (TAI, error) {
	i := strings.LastIndexByte(s, '-')
	if i < 0 {
		return TAI{}, invalid("TAI", "", s, `want "<mcc>-<mnc>-<tac>"`)
	}
	p, err := ParsePLMN(s[:i])
	if err != nil {
		return TAI{}, within(err, "TAI", "plmnId")
	}
	tac, err := parseTAC(s[i+1:])
	if err != nil {
		return TAI{}, err
	}
	return TAI{PLMN: p, TAC: tac}, nil
}

// parseTAC reads TS 29.571 Tac: 4 or 6 hex digits.
func parseTAC(s string) (uint32, error) {
	if len(s) == 4 || len(s) == 6 {
		if v, ok := parseHex(s, len(s)); ok {
			return v, nil
		}
	}
	return 0, invalid("TAI", "tac", s, "want 4 or 6 hex digits")
}

// taiJSON is TS 29.571 Tai; nid (SNPN) is not supported.
type taiJSON struct {
	PLMNID *PLMN   `json:"plmnId"`
	TAC    *string `json:"tac"`
}

// MarshalJSON gives the TS 29.571 Tai object; the TAC is written with 6
// hex digits, the 5GS length.
func (t TAI) MarshalJSON() ([]byte, error) {
	b, err := t.AppendJSON(make([]byte, 0, 64))
	if err != nil {
		return nil, err
	}
	return b, nil
}

// AppendJSON appends the TS 29.571 Tai to b, the bytes MarshalJSON
// gives.
func (t TAI) AppendJSON(b []byte) ([]byte, error) {
	if err := t.Validate(); err != nil {
		return b, err
	}
	b = append(b, `{"plmnId":`...)
	b = appendPLMN(b, t.PLMN)
	b = append(b, `,"tac":"`...)
	b = appendHex6(b, t.TAC)
	return append(b, `"}`...), nil
}

// UnmarshalJSON reads a TS 29.571 Tai.
func (t *TAI) UnmarshalJSON(b []byte) error {
	if q, ok := fastTAI(b); ok {
		*t = q
		return nil
	}
	return t.unmarshalStrict(b)
}

// unmarshalStrict is UnmarshalJSON for any form of the JSON value.
func (t *TAI) unmarshalStrict(b []byte) error {
	if isNull(b) {
		return nil
	}
	var v taiJSON
	if err := strictJSON(b, &v, "TAI"); err != nil {
		return within(err, "TAI", "plmnId")
	}
	if v.PLMNID == nil || v.PLMNID.IsZero() {
		return invalid("TAI", "plmnId", "", "missing")
	}
	if v.TAC == nil {
		return invalid("TAI", "tac", "", "missing")
	}
	tac, err := parseTAC(*v.TAC)
	if err != nil {
		return err
	}
	*t = TAI{PLMN: *v.PLMNID, TAC: tac}
	return nil
}

// within re-labels the error of an identifier inside another with the
// outer one's kind; a PLMN's field is put under plmnField ("TAI
// plmnId.mcc" rather than "PLMN mcc").
func within(err error, outer, plmnField string) error {
	e, ok := err.(*Error)
	if !ok || e.Kind == outer {
		return err
	}
	inner := *e
	if inner.Kind == "PLMN" {
		inner.Field = joinField(plmnField, inner.Field)
	}
	inner.Kind = outer
	return &inner
}

func joinField(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "." + b
}
