package ident

import (
	"fmt"
	"strings"
)

// AMF identifier field limits (TS 23.003 §2.10.1): Region ID 8 bits, Set
// ID 10 bits, Pointer 6 bits.
const (
	MaxAMFSetID   = 1<<10 - 1
	MaxAMFPointer = 1<<6 - 1
)

// GUAMI is a Globally Unique AMF Identifier (TS 23.003 §2.10.1): PLMN
// and the AMF identifier made of Region ID, Set ID and Pointer.
type GUAMI struct {
	PLMN     PLMN
	RegionID uint8  // 8 bits
	SetID    uint16 // 10 bits
	Pointer  uint8  // 6 bits
}

// AMFID packs Region ID, Set ID and Pointer into the 24-bit AMF
// identifier (TS 23.003 §2.10.1, TS 29.571 AmfId).
func (g GUAMI) AMFID() uint32 {
	return uint32(g.RegionID)<<16 | uint32(g.SetID&MaxAMFSetID)<<6 | uint32(g.Pointer&MaxAMFPointer)
}

// withAMFID sets the three AMF identifier fields from a 24-bit value.
func (g GUAMI) withAMFID(id uint32) GUAMI {
	g.RegionID, g.SetID, g.Pointer = uint8(id>>16), uint16(id>>6)&MaxAMFSetID, uint8(id)&MaxAMFPointer
	return g
}

// String is "<mcc>-<mnc>-<amfId>", the AMF identifier as 6 hex digits,
// e.g. "001-01-cafe01".
func (g GUAMI) String() string { return fmt.Sprintf("%s-%06x", g.PLMN, g.AMFID()) }

// Validate checks the PLMN and the widths of Set ID and Pointer.
func (g GUAMI) Validate() error {
	if err := g.PLMN.Validate(); err != nil {
		return within(err, "GUAMI", "plmnId")
	}
	if g.SetID > MaxAMFSetID {
		return invalid("GUAMI", "amfSetId", fmt.Sprint(g.SetID), "exceeds 10 bits")
	}
	if g.Pointer > MaxAMFPointer {
		return invalid("GUAMI", "amfPointer", fmt.Sprint(g.Pointer), "exceeds 6 bits")
	}
	return nil
}

// ParseGUAMI reads the form of String.
func ParseGUAMI(s string) (GUAMI, error) {
	i := strings.LastIndexByte(s, '-')
	if i < 0 {
		return GUAMI{}, invalid("GUAMI", "", s, `want "<mcc>-<mnc>-<amfId>"`)
	}
	p, err := ParsePLMN(s[:i])
	if err != nil {
		return GUAMI{}, within(err, "GUAMI", "plmnId")
	}
	id, err := parseAMFID(s[i+1:])
	if err != nil {
		return GUAMI{}, err
	}
	return GUAMI{PLMN: p}.withAMFID(id), nil
}

func parseAMFID(s string) (uint32, error) {
	id, ok := parseHex(s, 6)
	if !ok {
		return 0, invalid("GUAMI", "amfId", s, "want 6 hex digits")
	}
	return id, nil
}

// guamiJSON is TS 29.571 Guami; the nid of PlmnIdNid (SNPN) is not
// supported.
type guamiJSON struct {
	PLMNID *PLMN   `json:"plmnId"`
	AMFID  *string `json:"amfId"`
}

// MarshalJSON gives the TS 29.571 Guami object.
func (g GUAMI) MarshalJSON() ([]byte, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	b := append(make([]byte, 0, 64), `{"plmnId":`...)
	b = appendPLMN(b, g.PLMN)
	b = append(b, `,"amfId":"`...)
	b = appendHex6(b, g.AMFID())
	return append(b, `"}`...), nil
}

// UnmarshalJSON reads a TS 29.571 Guami.
func (g *GUAMI) UnmarshalJSON(b []byte) error {
	if q, ok := fastGUAMI(b); ok {
		*g = q
		return nil
	}
	return g.unmarshalStrict(b)
}

// unmarshalStrict is UnmarshalJSON for any form of the JSON value.
func (g *GUAMI) unmarshalStrict(b []byte) error {
	if isNull(b) {
		return nil
	}
	var v guamiJSON
	if err := strictJSON(b, &v, "GUAMI"); err != nil {
		return within(err, "GUAMI", "plmnId")
	}
	if v.PLMNID == nil || v.PLMNID.IsZero() {
		return invalid("GUAMI", "plmnId", "", "missing")
	}
	if v.AMFID == nil {
		return invalid("GUAMI", "amfId", "", "missing")
	}
	id, err := parseAMFID(*v.AMFID)
	if err != nil {
		return err
	}
	*g = GUAMI{PLMN: *v.PLMNID}.withAMFID(id)
	return nil
}
