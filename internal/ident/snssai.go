package ident

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// NoSD is the SD value that stands for "no SD" (TS 23.003 §28.4.2): an
// S-NSSAI with SD ffffff is the S-NSSAI of the same SST without an SD.
const NoSD = 0xffffff

// SNSSAI is an S-NSSAI (TS 23.003 §28.4.2): an 8-bit SST and, when
// HasSD, a 24-bit SD.
type SNSSAI struct {
	SST   uint8
	SD    uint32
	HasSD bool
}

// Canonical returns s in the one form slices are compared in: an SD of
// ffffff becomes no SD (TS 23.003 §28.4.2).
func (s SNSSAI) Canonical() SNSSAI {
	if s.HasSD && s.SD == NoSD {
		return SNSSAI{SST: s.SST}
	}
	return s
}

// Same reports whether s and o name the same slice: the same SST and the
// same SD, where SD ffffff and no SD are the same (TS 23.003 §28.4.2).
func (s SNSSAI) Same(o SNSSAI) bool { return s.Canonical() == o.Canonical() }

// String is the form Keel prints and its command line reads slices in:
// the SST in decimal, then ":" and the SD as 6 hex digits when there is
// one, e.g. "1" or "1:000001".
func (s SNSSAI) String() string {
	if s.HasSD {
		return fmt.Sprintf("%d:%06x", s.SST, s.SD)
	}
	return strconv.Itoa(int(s.SST))
}

// Key is the string form TS 29.571 §5.4.4 gives an Snssai used as a map
// key: the SST in decimal, then "-" and the SD as 6 hex digits when
// there is one, e.g. "1-000001".
func (s SNSSAI) Key() string {
	if s.HasSD {
		return fmt.Sprintf("%d-%06x", s.SST, s.SD)
	}
	return strconv.Itoa(int(s.SST))
}

// Validate checks that the SD fits 24 bits.
func (s SNSSAI) Validate() error {
	if s.HasSD && s.SD > NoSD {
		return invalid("S-NSSAI", "sd", fmt.Sprintf("%x", s.SD), "exceeds 24 bits")
	}
	return nil
}

// ParseSNSSAI reads the form of String or of Key: "SST", "SST:SD" or
// "SST-SD", the SST 0 to 255 in decimal, the SD 6 hex digits.
func ParseSNSSAI(v string) (SNSSAI, error) {
	sst, sd, hasSD := strings.Cut(v, ":")
	if !hasSD {
		sst, sd, hasSD = strings.Cut(v, "-")
	}
	n, err := parseSST(sst)
	if err != nil {
		return SNSSAI{}, err
	}
	s := SNSSAI{SST: n}
	if hasSD {
		d, err := parseSD(sd)
		if err != nil {
			return SNSSAI{}, err
		}
		s.SD, s.HasSD = d, true
	}
	return s, nil
}

func parseSST(s string) (uint8, error) {
	if len(s) == 0 || len(s) > 3 || !isDigits(s) {
		return 0, invalid("S-NSSAI", "sst", s, "want a number from 0 to 255")
	}
	n, err := strconv.ParseUint(s, 10, 8)
	if err != nil {
		return 0, invalid("S-NSSAI", "sst", s, "want a number from 0 to 255")
	}
	return uint8(n), nil
}

func parseSD(s string) (uint32, error) {
	d, ok := parseHex(s, 6)
	if !ok {
		return 0, invalid("S-NSSAI", "sd", s, "want 6 hex digits")
	}
	return d, nil
}

// snssaiJSON is TS 29.571 Snssai. The SST is read raw so that "1", 1.5,
// 1e0 and 256 are refused, not converted or truncated.
type snssaiJSON struct {
	SST json.RawMessage `json:"sst"`
	SD  *string         `json:"sd,omitempty"`
}

// MarshalJSON gives the TS 29.571 Snssai object; sd is absent when the
// slice has none. An SD of ffffff is written as it is: the receiver
// treats it as no SD (TS 23.003 §28.4.2).
func (s SNSSAI) MarshalJSON() ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return appendSNSSAI(make([]byte, 0, 24), s), nil
}

// AppendJSON appends the TS 29.571 Snssai to b: the bytes MarshalJSON
// gives, without its allocation.
func (s SNSSAI) AppendJSON(b []byte) ([]byte, error) {
	if err := s.Validate(); err != nil {
		return b, err
	}
	return appendSNSSAI(b, s), nil
}

// UnmarshalJSON reads a TS 29.571 Snssai: sst required, sd optional.
func (s *SNSSAI) UnmarshalJSON(b []byte) error {
	if q, ok := fastSNSSAI(b); ok {
		*s = q
		return nil
	}
	return s.unmarshalStrict(b)
}

// unmarshalStrict is UnmarshalJSON for any form of the JSON value.
func (s *SNSSAI) unmarshalStrict(b []byte) error {
	if isNull(b) {
		return nil
	}
	var v snssaiJSON
	if err := strictJSON(b, &v, "S-NSSAI"); err != nil {
		return err
	}
	if v.SST == nil || isNull(v.SST) {
		return invalid("S-NSSAI", "sst", "", "missing")
	}
	n, err := parseSST(string(v.SST))
	if err != nil {
		return err
	}
	out := SNSSAI{SST: n}
	if v.SD != nil {
		if out.SD, err = parseSD(*v.SD); err != nil {
			return err
		}
		out.HasSD = true
	}
	*s = out
	return nil
}
