package ident

import (
	"fmt"
	"strings"
)

// GUTI is a 5G-GUTI (TS 23.003 §2.10.1): the GUAMI of the AMF that
// allocated it and the 32-bit 5G-TMSI.
type GUTI struct {
	GUAMI
	TMSI uint32
}

// gutiPrefix starts the text form of a 5G-GUTI.
const gutiPrefix = "5g-guti-"

// String is the text form of a 5G-GUTI in SBI resource identifiers
// (the ueContextId of TS 29.518 Namf_Communication, pattern
// "5g-guti-[0-9]{5,6}[0-9a-fA-F]{14}"): "5g-guti-", the MCC and MNC
// digits, the AMF identifier as 6 and the 5G-TMSI as 8 hex digits, e.g.
// "5g-guti-00101cafe01c0ffee00".
func (g GUTI) String() string {
	return fmt.Sprintf("%s%s%s%06x%08x", gutiPrefix, g.PLMN.MCC, g.PLMN.MNC, g.AMFID(), g.TMSI)
}

// Validate checks the GUAMI.
func (g GUTI) Validate() error {
	if err := g.GUAMI.Validate(); err != nil {
		return within(err, "5G-GUTI", "plmnId")
	}
	return nil
}

// ParseGUTI reads the form of String: after the prefix, 5 or 6 MCC and
// MNC digits (the MNC has 2 digits when 19 characters follow the prefix)
// and exactly 14 hex digits.
func ParseGUTI(s string) (GUTI, error) {
	rest, ok := strings.CutPrefix(s, gutiPrefix)
	if !ok || (len(rest) != 19 && len(rest) != 20) {
		return GUTI{}, invalid("5G-GUTI", "", s, `want "5g-guti-" then 5 or 6 MCC and MNC digits and 14 hex digits`)
	}
	n := len(rest) - 14
	p := PLMN{MCC: rest[:3], MNC: rest[3:n]}
	if err := p.Validate(); err != nil {
		return GUTI{}, within(err, "5G-GUTI", "plmnId")
	}
	id, ok := parseHex(rest[n:n+6], 6)
	if !ok {
		return GUTI{}, invalid("5G-GUTI", "amfId", rest[n:n+6], "want 6 hex digits")
	}
	tmsi, ok := parseHex(rest[n+6:], 8)
	if !ok {
		return GUTI{}, invalid("5G-GUTI", "5g-tmsi", rest[n+6:], "want 8 hex digits")
	}
	return GUTI{GUAMI: GUAMI{PLMN: p}.withAMFID(id), TMSI: tmsi}, nil
}

// MarshalJSON gives the GUTI as a JSON string in the form of String.
func (g GUTI) MarshalJSON() ([]byte, error) { return marshalString(g, g.String()) }

// UnmarshalJSON reads a JSON string in the form of String.
func (g *GUTI) UnmarshalJSON(b []byte) error {
	return unmarshalString(b, "5G-GUTI", ParseGUTI, g)
}
