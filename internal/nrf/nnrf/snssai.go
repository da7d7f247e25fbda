package nnrf

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/keelcore/keel/internal/ident"
)

// ExtSNSSAI is TS 29.571 ExtSnssai: an S-NSSAI whose SD may be given as
// ranges or a wildcard, as NF profiles use it (TS 29.510 §6.1.6.2.2).
type ExtSNSSAI struct {
	ident.SNSSAI
	SDRanges   []SDRange
	WildcardSD bool
}

// SDRange is TS 29.571 SdRange: SDs from Start to End, 6 hex digits each.
type SDRange struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// Serves reports whether the profile's slice covers the S-NSSAI s: the
// same SST and the same SD (ffffff and none alike, TS 23.003 §28.4.2),
// or an SD in one of the ranges, or any SD with the wildcard.
func (e ExtSNSSAI) Serves(s ident.SNSSAI) bool {
	if e.SST != s.SST {
		return false
	}
	if e.WildcardSD {
		return true
	}
	if e.SNSSAI.Same(s) {
		return true
	}
	c := s.Canonical()
	if !c.HasSD {
		return false
	}
	for _, r := range e.SDRanges {
		lo, err1 := strconv.ParseUint(r.Start, 16, 24)
		hi, err2 := strconv.ParseUint(r.End, 16, 24)
		if err1 == nil && err2 == nil && uint64(c.SD) >= lo && uint64(c.SD) <= hi {
			return true
		}
	}
	return false
}

type extJSON struct {
	SDRanges   []SDRange `json:"sdRanges,omitempty"`
	WildcardSD bool      `json:"wildcardSd,omitempty"`
}

// MarshalJSON writes the Snssai members and the extension's.
func (e ExtSNSSAI) MarshalJSON() ([]byte, error) {
	b, err := e.SNSSAI.MarshalJSON()
	if err != nil || (len(e.SDRanges) == 0 && !e.WildcardSD) {
		return b, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if len(e.SDRanges) > 0 {
		m["sdRanges"] = e.SDRanges
	}
	if e.WildcardSD {
		m["wildcardSd"] = true
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads an ExtSnssai; the Snssai members are checked by
// ident, the extension's here.
func (e *ExtSNSSAI) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("nnrf: ExtSnssai: %w", err)
	}
	var ext extJSON
	for _, k := range []string{"sdRanges", "wildcardSd"} {
		if v, ok := m[k]; ok {
			if err := json.Unmarshal([]byte(`{"`+k+`":`+string(v)+`}`), &ext); err != nil {
				return fmt.Errorf("nnrf: ExtSnssai %s: %w", k, err)
			}
			delete(m, k)
		}
	}
	for _, r := range ext.SDRanges {
		if len(r.Start) != 6 || len(r.End) != 6 {
			return fmt.Errorf("nnrf: ExtSnssai sdRanges: want 6 hex digits, got %q-%q", r.Start, r.End)
		}
		if _, err := strconv.ParseUint(r.Start+r.End, 16, 64); err != nil {
			return fmt.Errorf("nnrf: ExtSnssai sdRanges: want 6 hex digits, got %q-%q", r.Start, r.End)
		}
	}
	rest, err := json.Marshal(m)
	if err != nil {
		return err
	}
	var s ident.SNSSAI
	if err := s.UnmarshalJSON(rest); err != nil {
		return err
	}
	*e = ExtSNSSAI{SNSSAI: s, SDRanges: ext.SDRanges, WildcardSD: ext.WildcardSD}
	return nil
}
