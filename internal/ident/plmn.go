package ident

import (
	"fmt"
	"strings"
)

// PLMN is a PLMN identity (TS 23.003 §2.2): an MCC of 3 digits and an MNC
// of 2 or 3. The digits stay strings: "01" and "001" are different MNCs.
// In YAML (Keel's configuration) the keys are those of the JSON form.
type PLMN struct {
	MCC string `yaml:"mcc"`
	MNC string `yaml:"mnc"`
}

// String is the TS 29.571 §5.4.4 string form of a PlmnId, "<mcc>-<mnc>",
// e.g. "001-01".
func (p PLMN) String() string { return p.MCC + "-" + p.MNC }

// Validate checks the digit counts of TS 23.003 §2.2 (TS 29.571 Mcc, Mnc).
func (p PLMN) Validate() error {
	if len(p.MCC) != 3 || !isDigits(p.MCC) {
		return invalid("PLMN", "mcc", p.MCC, "want 3 digits")
	}
	if (len(p.MNC) != 2 && len(p.MNC) != 3) || !isDigits(p.MNC) {
		return invalid("PLMN", "mnc", p.MNC, "want 2 or 3 digits")
	}
	return nil
}

// IsZero reports whether p is the zero PLMN (no MCC, no MNC).
func (p PLMN) IsZero() bool { return p == PLMN{} }

// ParsePLMN reads the "<mcc>-<mnc>" form of String.
func ParsePLMN(s string) (PLMN, error) {
	mcc, mnc, ok := strings.Cut(s, "-")
	if !ok {
		return PLMN{}, invalid("PLMN", "", s, `want "<mcc>-<mnc>"`)
	}
	p := PLMN{MCC: mcc, MNC: mnc}
	if err := p.Validate(); err != nil {
		return PLMN{}, err
	}
	return p, nil
}

// Octets returns the 3-octet binary form of TS 24.008 §10.5.1.3 (figure
// 10.5.13) that NGAP (TS 38.413 §9.3.3.5) and NAS (TS 24.501 §9.11.3.4)
// both carry: MCC digit 2|1, MNC digit 3|MCC digit 3 (F for a two-digit
// MNC), MNC digit 2|1. The codecs wrap it in their own IEs.
func (p PLMN) Octets() ([3]byte, error) {
	if err := p.Validate(); err != nil {
		return [3]byte{}, err
	}
	mnc3 := byte(0x0f)
	if len(p.MNC) == 3 {
		mnc3 = p.MNC[2] - '0'
	}
	return [3]byte{
		(p.MCC[1]-'0')<<4 | (p.MCC[0] - '0'),
		mnc3<<4 | (p.MCC[2] - '0'),
		(p.MNC[1]-'0')<<4 | (p.MNC[0] - '0'),
	}, nil
}

// PLMNFromOctets is the inverse of Octets. Every nibble must be a digit
// except MNC digit 3, which may be the F filler.
func PLMNFromOctets(b []byte) (PLMN, error) {
	if len(b) != 3 {
		return PLMN{}, invalid("PLMN", "", fmt.Sprintf("% x", b), fmt.Sprintf("%d octets, want 3", len(b)))
	}
	d := [6]byte{b[0] & 0x0f, b[0] >> 4, b[1] & 0x0f, b[2] & 0x0f, b[2] >> 4, b[1] >> 4}
	for i, x := range d {
		if x > 9 && !(i == 5 && x == 0x0f) {
			return PLMN{}, invalid("PLMN", "", fmt.Sprintf("% x", b), fmt.Sprintf("nibble %x is not a digit", x))
		}
	}
	p := PLMN{MCC: string([]byte{'0' + d[0], '0' + d[1], '0' + d[2]}), MNC: string([]byte{'0' + d[3], '0' + d[4]})}
	if d[5] != 0x0f {
		p.MNC += string(rune('0' + d[5]))
	}
	return p, nil
}

// plmnJSON is TS 29.571 PlmnId.
type plmnJSON struct {
	MCC *string `json:"mcc"`
	MNC *string `json:"mnc"`
}

// MarshalJSON gives the TS 29.571 PlmnId object {"mcc","mnc"}.
func (p PLMN) MarshalJSON() ([]byte, error) {
	b, err := p.AppendJSON(make([]byte, 0, 28))
	if err != nil {
		return nil, err
	}
	return b, nil
}

// AppendJSON appends the TS 29.571 PlmnId to b, the bytes MarshalJSON
// gives.
func (p PLMN) AppendJSON(b []byte) ([]byte, error) {
	if err := p.Validate(); err != nil {
		return b, err
	}
	return appendPLMN(b, p), nil
}

// UnmarshalJSON reads a TS 29.571 PlmnId; both members are required and
// no others are accepted.
func (p *PLMN) UnmarshalJSON(b []byte) error {
	if q, ok := fastPLMN(b); ok {
		*p = q
		return nil
	}
	return p.unmarshalStrict(b)
}

// unmarshalStrict is UnmarshalJSON for any form of the JSON value.
func (p *PLMN) unmarshalStrict(b []byte) error {
	if isNull(b) {
		return nil
	}
	var v plmnJSON
	if err := strictJSON(b, &v, "PLMN"); err != nil {
		return err
	}
	if v.MCC == nil {
		return invalid("PLMN", "mcc", "", "missing")
	}
	if v.MNC == nil {
		return invalid("PLMN", "mnc", "", "missing")
	}
	q := PLMN{MCC: *v.MCC, MNC: *v.MNC}
	if err := q.Validate(); err != nil {
		return err
	}
	*p = q
	return nil
}
