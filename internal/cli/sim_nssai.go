package cli

import (
	"fmt"
	"strings"

	"github.com/keelcore/keel/internal/ident"
)

// maxRequestedNSSAI is the most S-NSSAIs a Requested NSSAI carries
// (TS 23.501 §5.15.5.2.1: up to eight).
const maxRequestedNSSAI = 8

// parseSliceList reads the value of --request-nssai: S-NSSAIs separated
// by commas, each SST in decimal or SST:SD with SD in 6 hex digits — the
// form Keel prints S-NSSAIs in, e.g. "1,1:000001,2" — or SST-SD, the
// TS 29.571 form (ident.ParseSNSSAI). "none" and "" are the empty list.
func parseSliceList(v string) ([]ident.SNSSAI, error) {
	if v == "" || v == "none" {
		return nil, nil
	}
	parts := strings.Split(v, ",")
	if len(parts) > maxRequestedNSSAI {
		return nil, fmt.Errorf("%d S-NSSAIs, at most %d", len(parts), maxRequestedNSSAI)
	}
	out := make([]ident.SNSSAI, 0, len(parts))
	for _, p := range parts {
		s, err := ident.ParseSNSSAI(p)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", p, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// requestNSSAIFlag turns --request-nssai into the UEs' Requested NSSAI:
// when the flag was not given, the slice of --sst and --sd, as before
// the flag existed.
func requestNSSAIFlag(v string, given bool, slice ident.SNSSAI) ([]ident.SNSSAI, error) {
	if !given {
		return []ident.SNSSAI{slice}, nil
	}
	list, err := parseSliceList(v)
	if err != nil {
		return nil, usagef("--request-nssai %q: %v; want none, or a comma-separated list of SST or SST:SD (SD 6 hex digits), e.g. 1,1:000001", v, err)
	}
	return list, nil
}

// nssaiText prints an NSSAI in the syntax of --request-nssai, "none" when
// empty.
func nssaiText(list []ident.SNSSAI) string {
	if len(list) == 0 {
		return "none"
	}
	parts := make([]string, len(list))
	for i, s := range list {
		parts[i] = s.String()
	}
	return strings.Join(parts, ",")
}
